"""Words search: the user's query against captions, tags, transcripts and path words (FTS5).

User text never reaches FTS5 as syntax: it is cut into word tokens, each token is written as a
quoted FTS5 string, and the tokens are joined with AND (all words) — or OR when no document
holds all of them. So `"`, `*`, `NEAR(`, `'; DROP TABLE` and the like are plain words or
nothing, and SQL only ever sees bound parameters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.catalog.chunks import in_chunks
from core.catalog.connection import Connection

MAX_TOKENS = 12
MAX_TOKEN_CHARS = 40
# FTS5 ranks by scoring every matching document (bm25 needs each one's length: ~2 us a
# document at 1M, ~3 us with two words in AND), whatever the LIMIT, so a common word costs in
# proportion to the library: ~9,000 documents hold "beach" at 100k files, ~90,000 at 1M. Past
# this many matching documents only the newest this many are ranked (FTS5 seeks to a rowid
# bound cheaply): the list is then the best `limit` files among them. It was 20,000 (~35 ms a
# common word, 50 ms for two in OR; docs/BENCHMARKS.md, "Search at 1M: the word lists
# bounded"). 500 would save ~2 ms more at 1M but finds fewer files holding two common words
# ("Word lists at 1M, cheaper"): kept at 2,000.
RANKED_DOCS = 2000

# Words that say nothing about a photo; dropped unless the query has nothing else.
STOPWORDS = frozenset({
    "a", "an", "and", "any", "are", "as", "at", "be", "by", "find", "for", "from", "has",
    "have", "image", "images", "in", "is", "it", "its", "me", "my", "of", "on", "or", "our",
    "photo", "photos", "picture", "pictures", "shot", "shots", "show", "some", "that", "the",
    "their", "these", "this", "those", "to", "video", "videos", "was", "were", "with", "your",
})

_WORD = re.compile(r"\w+", re.UNICODE)
NEWEST = object()       # _run's edge: the newest RANKED_DOCS documents


def query_tokens(query: str) -> list[str]:
    """Lower-cased word tokens worth searching for, at most MAX_TOKENS, de-duplicated."""
    words = [w.lower()[:MAX_TOKEN_CHARS] for w in _WORD.findall(query or "")]
    seen: dict[str, None] = {}
    for w in words:
        seen.setdefault(w, None)
    words = list(seen)
    useful = [w for w in words if w not in STOPWORDS and w.strip("_")]
    return (useful or [w for w in words if w.strip("_")])[:MAX_TOKENS]


def fts_expression(tokens: list[str], op: str = "AND") -> str:
    """An FTS5 MATCH expression of quoted tokens (a quote inside a token is doubled)."""
    assert op in ("AND", "OR")
    return f" {op} ".join('"' + t.replace('"', '""') + '"' for t in tokens)


@dataclass
class TextHit:
    file_id: int
    rank: float             # bm25 (lower is better), of the file's best document
    field: str
    snippet: str
    time_s: float | None    # transcript segment start


def text_search(conn: Connection, query: str, limit: int = 200) -> tuple[list[TextHit], bool]:
    """Files whose texts match the query, best first, one entry per file (its best document).
    Returns (hits, all_words): all_words is False when only some words matched (OR fallback)."""
    tokens = query_tokens(query)
    if not tokens:
        return [], True
    # A word that no document holds empties the AND and adds nothing to any document's OR
    # score (bm25 sums over the words a document holds), so it is left out of both: the OR of
    # the others ranks the same documents in the same order, and its bound can hold (at 1M
    # every benchmark query has such a word: the whole OR of two common nouns was ranked).
    held = [t for t in tokens if _holds(conn, t)]
    if len(held) == len(tokens):
        hits = _run(conn, fts_expression(tokens, "AND"), limit, NEWEST)
        if hits or len(tokens) == 1:
            return hits, True
    if not held:
        return [], len(tokens) == 1
    expr = fts_expression(held, "OR")
    if len(held) == 1:
        return _run(conn, expr, limit, NEWEST), False
    # Any word: a rare word's old documents must not be cut because a common word beside it
    # brought the matches past the bound. So the bound holds only when every word is common,
    # each word's newest RANKED_DOCS ranked: from the oldest of the words' edges (walks of
    # rowids, no scoring), and at most RANKED_DOCS a word in all (one word far commoner than
    # the others would otherwise bring nearly all its documents above the rarer word's edge).
    bounds = [_edge(conn, fts_expression([t])) for t in held]
    edge = None
    if all(e is not None for e in bounds):
        edge = max(min(bounds), _edge(conn, expr, len(held) * RANKED_DOCS) or 0)
    return _run(conn, expr, limit, edge), False


def _edge(conn: Connection, expr: str, n: int | None = None) -> int | None:
    """The rowid of the n-th (RANKED_DOCS-th) newest document matching `expr`, None when
    fewer match (a walk of rowids, no scoring: ~0.1 ms for 2,000)."""
    row = conn.execute("SELECT rowid FROM fts WHERE fts MATCH ? ORDER BY rowid DESC "
                       "LIMIT 1 OFFSET ?", (expr, (n or RANKED_DOCS) - 1)).fetchone()
    return row[0] if row else None


def _holds(conn: Connection, token: str) -> bool:
    """Does any document hold the word?"""
    return conn.execute("SELECT 1 FROM fts WHERE fts MATCH ? LIMIT 1",
                        (fts_expression([token]),)).fetchone() is not None


def _run(conn: Connection, expr: str, limit: int, edge: int | object | None
         ) -> list[TextHit]:
    """The ranked documents of `expr` with rowid >= edge (all of them when edge is None, the
    newest RANKED_DOCS when NEWEST)."""
    # Documents come best first; keep the first (best) one of each file. Ask for more
    # documents than files because one video can have many matching transcript segments.
    # FTS5's ORDER BY rank is a stable sort by bm25 of the documents in rowid order, and it
    # seeks each document again to return it (~6 us a row at 1M, as much as ranking 2,000):
    # so the ranks are read in rowid order (a materialized CTE: FTS5 does not see the ORDER
    # BY) and sorted by SQLite, rank then rowid (the same order). The whole ranking runs in
    # one SQLite step, which lets go of the GIL: sorted in Python it held the GIL for ~3 ms
    # a query at 1M, while the other search thread waited for it (docs/BENCHMARKS.md,
    # "Search at 1M: the GIL-bound lists beside the GIL-free ones"). The join and the
    # snippet are made only for the documents kept, ~limit of them.
    ranked = ("WITH m AS MATERIALIZED (SELECT rowid AS r, rank AS k FROM fts WHERE fts MATCH ? "
              "{}) SELECT r, k FROM m ORDER BY k, r LIMIT ?")
    if edge is NEWEST:
        top = conn.execute(ranked.format("ORDER BY rowid DESC LIMIT ?"),
                           (expr, RANKED_DOCS, limit * 4)).fetchall()
    else:
        top = conn.execute(ranked.format("AND rowid >= ?"), (expr, edge or 0, limit * 4)
                           ).fetchall()
    kept: dict[int, tuple[int, float]] = {}    # file -> (its best document, rank)
    start = 0
    while start < len(top) and len(kept) < limit:
        # the files of as many documents as files are still missing (in steps of 16: fewer
        # statements to prepare), best first; most documents are the only one of their file:
        # ~limit of the limit * 4 are looked up
        batch = top[start:start + -(-(limit - len(kept)) // 16) * 16]
        start += len(batch)
        file_of: dict[int, int] = {}
        for chunk, marks in in_chunks([r for r, _ in batch]):
            file_of.update(conn.execute(
                f"SELECT id, file_id FROM fts_docs WHERE id IN ({marks})", chunk))
        for row, rank in batch:
            fid = file_of.get(row)
            if fid is not None and fid not in kept:
                kept[fid] = (row, rank)
                if len(kept) >= limit:
                    break
    shown: dict[int, tuple] = {}
    for chunk, marks in in_chunks(sorted(row for row, _ in kept.values())):
        # `+f.rowid`: not a lookup per document (FTS5 would match again for each one), but
        # the matching documents from the first kept one on, the others passed over unread
        shown.update((r[0], r[1:]) for r in conn.execute(
            f"""
            SELECT f.rowid, d.field, snippet(fts, 0, '[', ']', '…', 12), s.start_s
            FROM fts AS f
            JOIN fts_docs AS d ON d.id = f.rowid
            LEFT JOIN transcript_segments AS s ON s.id = d.segment_id
            WHERE fts MATCH ? AND f.rowid >= ? AND +f.rowid IN ({marks})
            """, (expr, chunk[0], *chunk)))
    return [TextHit(fid, rank, *shown[row]) for fid, (row, rank) in kept.items()
            if row in shown]

