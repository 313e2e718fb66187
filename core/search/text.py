"""Words search: the user's query against captions, tags, transcripts and path words (FTS5).

User text never reaches FTS5 as syntax: it is cut into word tokens, each token is written as a
quoted FTS5 string, and the tokens are joined with AND (all words) — or OR when no document
holds all of them. So `"`, `*`, `NEAR(`, `'; DROP TABLE` and the like are plain words or
nothing, and SQL only ever sees bound parameters.
"""

from __future__ import annotations

import re
from contextlib import closing
from dataclasses import dataclass

from core.catalog.connection import Connection

MAX_TOKENS = 12
MAX_TOKEN_CHARS = 40
# FTS5 ranks by scoring every matching document (bm25 needs each one's length: ~1-3 us a
# document on this machine), whatever the LIMIT, so a common word costs in proportion to the
# library: ~9,000 documents hold "beach" at 100k files, ~90,000 at 1M. Past this many matching
# documents only the newest this many are ranked (FTS5 seeks to a rowid bound cheaply). No
# benchmark query at 100k reaches it (their lists are unchanged); see docs/BENCHMARKS.md,
# "Whole-engine search latency".
RANKED_DOCS = 20_000

# Words that say nothing about a photo; dropped unless the query has nothing else.
STOPWORDS = frozenset({
    "a", "an", "and", "any", "are", "as", "at", "be", "by", "find", "for", "from", "has",
    "have", "image", "images", "in", "is", "it", "its", "me", "my", "of", "on", "or", "our",
    "photo", "photos", "picture", "pictures", "shot", "shots", "show", "some", "that", "the",
    "their", "these", "this", "those", "to", "video", "videos", "was", "were", "with", "your",
})

_WORD = re.compile(r"\w+", re.UNICODE)


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
    expr = fts_expression(tokens, "AND")
    hits = _run(conn, expr, limit, _edge(conn, expr))
    if hits or len(tokens) == 1:
        return hits, True
    # Any word: a rare word's old documents must not be cut because a common word beside it
    # brought the matches past the bound. So the bound holds only when every word is common.
    edges = [_edge(conn, fts_expression([t])) for t in tokens]
    edge = min(edges) if all(e is not None for e in edges) else None
    return _run(conn, fts_expression(tokens, "OR"), limit, edge), False


def _edge(conn: Connection, expr: str) -> int | None:
    """The rowid of the RANKED_DOCS-th newest document matching `expr`, None when fewer match
    (a walk of rowids, no scoring: ~1 ms for 20,000)."""
    row = conn.execute("SELECT rowid FROM fts WHERE fts MATCH ? ORDER BY rowid DESC "
                       "LIMIT 1 OFFSET ?", (expr, RANKED_DOCS - 1)).fetchone()
    return row[0] if row else None


def _run(conn: Connection, expr: str, limit: int, edge: int | None) -> list[TextHit]:
    """The ranked documents of `expr` with rowid >= edge (all of them when edge is None)."""
    # Documents come best first; keep the first (best) one of each file. Ask for more
    # documents than files because one video can have many matching transcript segments.
    # Read as they come, not fetchall(): the join and the snippet are made only for the rows
    # read, ~limit of the limit * 4 (~7 ms of ~40 at 100k; the ranking itself is the rest).
    cur = conn.execute(
        """
        SELECT d.file_id, f.rank, d.field,
               snippet(fts, 0, '[', ']', '…', 12) AS snip,
               s.start_s
        FROM fts AS f
        JOIN fts_docs AS d ON d.id = f.rowid
        LEFT JOIN transcript_segments AS s ON s.id = d.segment_id
        WHERE fts MATCH ? AND f.rowid >= ?
        ORDER BY f.rank
        LIMIT ?
        """,
        (expr, edge or 0, limit * 4),
    )
    best: dict[int, TextHit] = {}
    with closing(cur):   # a statement left unfinished would hold its read snapshot
        for fid, rank, field, snip, start in cur:
            if fid not in best:
                best[fid] = TextHit(fid, rank, field, snip, start)
                if len(best) >= limit:
                    break
    return list(best.values())
