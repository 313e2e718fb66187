"""Words search over the text read in photos and video frames (OCR lines, FTS5).

Each query word is looked for in five ways, best first:
  0. the very word ("park" finds "Park"),
  1. another form of it (stemmed: "park" finds "parking", "timetable" finds "timetables"),
  2. a word starting with it ("feder" finds "Federweißer"),
  3. inside a word (trigram index: "711" finds "INV-4711-A", "voice" finds "invoice"),
  4. a word spelt one or two letters differently, for OCR slips ("timetable" finds
     "tirnetable") — only for a word that has no whole-word or prefix match at all.
A file matches when every query word is found in its lines (else, as the other texts do,
files with some of the words); files rank by their worst way (whole words above prefixes
above substrings above near spellings), then by bm25. Query words reach FTS5 as quoted
strings only (see core.search.text).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.catalog.connection import Connection
from core.search.ocr_vocab import ocr_vocab
from core.search.text import TextHit, query_tokens

_WORD = re.compile(r"\w+")
EXACT, STEM, PREFIX, SUBSTRING, FUZZY = range(5)
ROWS_PER_WAY = 2000         # lines ranked per word and way, the newest: bounds the work
VOCAB_LIMIT = 200_000       # distinct OCR words scanned for near spellings


@dataclass
class _Line:
    file_id: int
    frame_ms: int
    text: str
    rank: float


def photo_text_search(conn: Connection, query: str, limit: int = 200
                      ) -> tuple[list[TextHit], dict[int, int], bool]:
    """(hits best first, file_id -> its worst way (EXACT .. FUZZY), all_words)."""
    tokens = query_tokens(query)
    if not tokens:
        return [], {}, True
    words = [_Word(conn, t) for t in tokens]
    for w in words:
        w.whole()
    if len(words) > 1 and any(w.cut for w in words) and all(w.out for w in words):
        # A word whose lines were cut to its newest (a common word in a big library) meets
        # the others' lines only by chance: the lines that hold every word whole are read
        # too (ranked by all of them), and their files hold every word whole.
        words[0]._take(EXACT, "text_terms", " AND ".join(w.quoted for w in words), words)
    unseen = [w for w in words if not w.out]
    for w in unseen:
        w.other_ways()
    # The other ways only add worse entries. When the words no line holds whole are in no
    # line at all, the files that hold all the others whole sort first whatever those ways
    # add (every other file misses a word more, or has a worse way), so once `limit` of them
    # are found the other ways cannot change the hits returned, and are not run (at 1M a
    # common OCR word matches more lines than a way reads, so each way would be ranked).
    present = [w for w in words if w.out]
    if (any(w.out for w in unseen) or not present
            or len(set.intersection(*(set(w.out) for w in present))) < limit):
        for w in words:
            if w not in unseen:
                w.other_ways()
    found = [w.out for w in words]
    files = set.intersection(*(set(f) for f in found))
    all_words = True
    if not files and len(tokens) > 1:
        files = set.union(*(set(f) for f in found))
        all_words = False
    # each file's key: (words missing, its worst way, the sum of its ways, the sum of its
    # lines' bm25, id); a missing word counts as a way worse than FUZZY. Only the first
    # `limit` files need their best line (at 1M two common words hold ~4,000 files).
    scored = []
    for fid in files:
        got = [f[fid] for f in found if fid in f]
        missing = len(found) - len(got)
        ways = [way for way, _ in got]
        scored.append(((missing, FUZZY + 1 if missing else max(ways),
                        sum(ways) + missing * (FUZZY + 1), sum(line.rank for _, line in got),
                        fid), fid))
    scored.sort()
    hits, worst, marked = [], {}, {}
    for _key, fid in scored[:limit]:
        got = [f[fid] for f in found if fid in f]
        _, line = min(got, key=lambda wl: (wl[0], wl[1].rank))
        where = "text in video" if line.frame_ms >= 0 else "text in photo"
        hits.append(TextHit(fid, float(line.rank), where, highlight(line.text, tokens, marked),
                            line.frame_ms / 1000 if line.frame_ms >= 0 else None))
        worst[fid] = max(w for w, _ in got)
    return hits, worst, all_words


class _Word:
    """file_id -> (best way, its best line) for one query word, in `out`: the whole word
    first (`whole`), then the other ways (`other_ways`)."""

    def __init__(self, conn: Connection, token: str):
        self.conn, self.token = conn, token
        self.quoted = '"' + token.replace('"', '""') + '"'
        self.out: dict[int, tuple[int, _Line]] = {}
        self.seen: set[int] = set()      # the lines read so far (their files are all in out)
        self.cut = False                 # a way matched more lines than it ranked

    def whole(self) -> None:
        self._take(EXACT, "text_terms", self.quoted)

    def other_ways(self) -> None:
        self._take(STEM, "text_words", self.quoted)
        self._take(PREFIX, "text_words", self.quoted + " *")
        if len(self.token) >= 3:
            self._take(SUBSTRING, "text_grams", self.quoted)
        if not any(way <= PREFIX for way, _ in self.out.values()) and len(self.token) >= 4:
            near = near_terms(self.conn, self.token)
            if near:
                self._take(FUZZY, "text_terms",
                           " OR ".join('"' + t.replace('"', '""') + '"' for t in near))

    def _take(self, way: int, table: str, expr: str, words: list[_Word] | None = None) -> None:
        """Rank the way's lines and give each file its best one, in this word's `out` (in each
        of `words`' when given: lines that hold them all)."""
        # Only the way's newest ROWS_PER_WAY lines are ranked (their rowids are a walk, no
        # scoring): FTS5 scores every line it ranks whatever the LIMIT, so a word common in a
        # big library cost in proportion to it (at 1M "dog" is on 4,000 lines, ranked whole
        # to read 2,000). A way that matches fewer lines is ranked whole, as before.
        # A later way mostly matches the lines an earlier one read ("park" finds the same
        # lines whole, stemmed, as a prefix and as a substring): when every line it would rank
        # was read, it can add no file, and listing its lines' ids is ~5x cheaper than
        # ranking them and joining their text (~1 ms a way at 100k).
        conn, words = self.conn, words or [self]
        rows = [r for (r,) in conn.execute(
            f"SELECT rowid FROM {table} WHERE {table} MATCH ? ORDER BY rowid DESC LIMIT ?",
            (expr, ROWS_PER_WAY))]
        if not rows or all(w.seen and w.seen.issuperset(rows) for w in words):
            return
        edge = rows[-1] if len(rows) == ROWS_PER_WAY else 0
        self.cut = self.cut or bool(edge)
        # FTS5's ORDER BY rank is a stable sort by bm25 of the lines in rowid order, and
        # seeks each line again to return it: sorted here instead, the same order in half
        # the time (~5 against ~10 ms for 2,000 lines at 1M).
        lines = conn.execute(
            f"SELECT t.rowid, l.file_id, l.frame_ms, l.text, t.rank FROM {table} AS t "
            f"JOIN text_lines AS l ON l.id = t.rowid WHERE {table} MATCH ? "
            f"AND t.rowid >= ? ORDER BY t.rowid", (expr, edge)).fetchall()
        lines.sort(key=_by_rank)
        for word in words:
            seen, out = word.seen, word.out
            for row, fid, ms, text, rank in lines:
                seen.add(row)
                if fid not in out:
                    out[fid] = (way, _Line(fid, ms, text, rank))


def _by_rank(line: tuple) -> float:
    return line[4]


def max_edits(token: str) -> int:
    return 1 if len(token) < 8 else 2


def near_terms(conn: Connection, token: str) -> list[str]:
    """OCR'd words within max_edits of the token (letters swapped, lost, added, misread)."""
    k = max_edits(token)
    terms = ocr_vocab(conn).candidates(token, k, VOCAB_LIMIT)
    return [t for t in terms if t != token and edit_distance(token, t, k) <= k][:50]


def edit_distance(a: str, b: str, cutoff: int) -> int:
    """Levenshtein distance, with adjacent swaps counting one (OCR and typing slips); stops
    early once it must exceed cutoff (returns cutoff + 1)."""
    if abs(len(a) - len(b)) > cutoff:
        return cutoff + 1
    prev2: list[int] | None = None
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if prev2 is not None and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > cutoff:
            return cutoff + 1
        prev2, prev = prev, cur
    return prev[-1]


def highlight(line: str, tokens: list[str], marked: dict[str, bool] | None = None) -> str:
    """The line with the words a query word matches in [brackets]. `marked`: each word's
    answer kept across the lines of one query (OCR lines repeat their words: "total",
    "invoice"; the edit distances were a third of a query's photo-text time at 100k)."""
    marked = {} if marked is None else marked

    def mark(m: re.Match) -> str:
        w = m.group(0).lower()
        hit = marked.get(w)
        if hit is None:
            hit = marked[w] = any(
                t in w or (len(t) >= 4 and edit_distance(t, w, max_edits(t)) <= max_edits(t))
                for t in tokens)
        return f"[{m.group(0)}]" if hit else m.group(0)
    return _WORD.sub(mark, line)
