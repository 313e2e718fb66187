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

import heapq
import re
from itertools import chain

import numpy as np

from core.catalog.chunks import in_chunks
from core.catalog.connection import Connection
from core.search.ocr_vocab import ocr_vocab
from core.search.text import TextHit, query_tokens

_WORD = re.compile(r"\w+")
EXACT, STEM, PREFIX, SUBSTRING, FUZZY = range(5)
# Lines ranked per word and way, the newest: bounds the work (~3 us a line at 1M: its bm25
# and its file). 500 would cost ~6 ms less a query at 1M, but two common words on different
# lines of one photo would then meet in fewer files ("dark woman": 41 instead of 100), and a
# receipt whose "Invoice" line is older than the newest 500 would no longer count as holding
# both words of "plumber invoice" (docs/BENCHMARKS.md, "Word lists at 1M, cheaper").
ROWS_PER_WAY = 2000
# A near spelling is ranked on fewer lines: it is there for OCR slips, which are rare words
# ("tirnetable"), whose lines all fit. A near spelling that is a common word ("snow" for
# "snowy") is weak evidence, and its 2,000 lines (several words in OR) were the text-in-photos
# list's slowest way at 1M: 12 ms of ~22 for such a query (docs/BENCHMARKS.md, "Near
# spellings ranked on 500 lines").
NEAR_ROWS = 500
VOCAB_LIMIT = 200_000       # distinct OCR words scanned for near spellings


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
    top, all_words = _best_files(found, limit)
    # each file's best line, then the text and frame of those lines only (~limit of them)
    best = {fid: min((f[fid] for f in found if fid in f), key=_way_and_rank) for fid in top}
    shown: dict[int, tuple[int, str]] = {}
    for chunk, marks in in_chunks(sorted(row for _, _, row in best.values())):
        shown.update((r[0], r[1:]) for r in conn.execute(
            f"SELECT id, frame_ms, text FROM text_lines WHERE id IN ({marks})", chunk))
    hits, worst, marked = [], {}, {}
    for fid in top:
        _, rank, row = best[fid]
        frame_ms, text = shown[row]
        where = "text in video" if frame_ms >= 0 else "text in photo"
        hits.append(TextHit(fid, float(rank), where, highlight(text, tokens, marked),
                            frame_ms / 1000 if frame_ms >= 0 else None))
        worst[fid] = max(f[fid][0] for f in found if fid in f)
    return hits, worst, all_words


def _best_files(found: list[dict[int, tuple]], limit: int) -> tuple[list[int], bool]:
    """The first `limit` files, best first, and whether they hold every word. A file's key:
    (words missing, its worst way, the sum of its ways, the sum of its lines' bm25, id); a
    missing word counts as a way worse than FUZZY. Files with every word if any, else (more
    than one word) files with some."""
    n, miss = len(found), FUZZY + 1
    held = [f for f in found if f]
    if len(held) == 1:
        # One word found (the others in no line: most queries at 1M, the words of a photo
        # being few): each file holds it alone, its key is its way and bm25
        m = n - 1
        top = heapq.nsmallest(limit, ((way + m * miss, 0 + rank, fid)
                                      for fid, (way, rank, _) in held[0].items()))
        return [fid for _, _, fid in top], m == 0
    if not held:
        return [], n == 1
    # Several words: each file's counts over the words' entries, in numpy (a dict of counts
    # in Python held the GIL ~5 ms a three-word query at 1M, ~6,000 entries). np.add.at adds
    # in the entries' order, word by word: the same bm25 sums, to the bit, as before.
    size = sum(len(f) for f in held)
    fids = np.fromiter(chain.from_iterable(held), np.int64, size)
    ways = np.fromiter((e[0] for f in held for e in f.values()), np.int64, size)
    ranks = np.fromiter((e[1] for f in held for e in f.values()), np.float64, size)
    files, at = np.unique(fids, return_inverse=True)
    words = np.bincount(at, minlength=len(files))
    worst = np.zeros(len(files), np.int64)
    np.maximum.at(worst, at, ways)
    way_sum = np.bincount(at, weights=ways, minlength=len(files))
    rank_sum = np.zeros(len(files))
    np.add.at(rank_sum, at, ranks)
    every = np.flatnonzero(words == n)
    if len(every):
        order = np.lexsort((files[every], rank_sum[every], way_sum[every], worst[every]))
        return files[every[order[:limit]]].tolist(), True
    # no file holds every word (n > 1 here): those with the most, and their worst way is a miss
    lacking = n - words
    order = np.lexsort((files, rank_sum, way_sum + lacking * miss, lacking))
    return files[order[:limit]].tolist(), False


def _way_and_rank(entry: tuple) -> tuple:
    return entry[0], entry[1]


class _Word:
    """file_id -> (best way, its best line's bm25, the line's id) for one query word, in
    `out`: the whole word first (`whole`), then the other ways (`other_ways`)."""

    def __init__(self, conn: Connection, token: str):
        self.conn, self.token = conn, token
        self.quoted = '"' + token.replace('"', '""') + '"'
        self.out: dict[int, tuple[int, float, int]] = {}
        self.seen: set[int] = set()      # the lines read so far (their files are all in out)
        self.cut = False                 # a way matched more lines than it ranked

    def whole(self) -> None:
        self._take(EXACT, "text_terms", self.quoted)

    def other_ways(self) -> None:
        # Lines holding the word whole (all the lines read so far) hold its stem, and a
        # line holding its stem holds a word starting with it (FTS5's porter tokenizer stems
        # a prefix query's word too): whole <= stemmed <= prefix. So when the prefix way's
        # newest lines were all read, they are the stemmed way's newest too, and neither way
        # can add a file: one list of line ids, not two (~1 ms each at 1M).
        prefix = self.quoted + " *"
        rows = self._newest("text_words", prefix) if self.seen else None
        if rows is None or not self.seen.issuperset(rows):
            self._take(STEM, "text_words", self.quoted)
            self._take(PREFIX, "text_words", prefix, rows=rows)
        if len(self.token) >= 3:
            self._take(SUBSTRING, "text_grams", self.quoted)
        if not any(way <= PREFIX for way, _, _ in self.out.values()) and len(self.token) >= 4:
            near = near_terms(self.conn, self.token)
            if near:
                self._take(FUZZY, "text_terms",
                           " OR ".join('"' + t.replace('"', '""') + '"' for t in near))

    def _newest(self, table: str, expr: str, bound: int | None = None) -> list[int]:
        """The ids of the way's newest `bound` (ROWS_PER_WAY) lines, newest first (a walk, no
        scoring)."""
        return [r for (r,) in self.conn.execute(
            f"SELECT rowid FROM {table} WHERE {table} MATCH ? ORDER BY rowid DESC LIMIT ?",
            (expr, bound or ROWS_PER_WAY))]

    def _take(self, way: int, table: str, expr: str, words: list[_Word] | None = None,
              rows: list[int] | None = None) -> None:
        """Rank the way's lines and give each file its best one, in this word's `out` (in each
        of `words`' when given: lines that hold them all). rows: the way's _newest, if read."""
        # Only the way's newest `bound` lines are ranked: FTS5 scores every line it
        # ranks whatever the LIMIT, so a word common in a big library cost in proportion to
        # it (at 1M "dog" is on 4,000 lines, ranked whole to read 2,000). A way that matches
        # fewer lines is ranked whole, as before.
        # A later way mostly matches the lines an earlier one read ("park" finds the same
        # lines whole, stemmed, as a prefix and as a substring): when every line it would rank
        # was read, it can add no file, and listing its lines' ids is ~3x cheaper than
        # ranking them and joining their files (~1 ms a way at 1M). With no line read yet
        # the lines are ranked at once (the list would be the same walk again).
        conn, words = self.conn, words or [self]
        bound = NEAR_ROWS if way == FUZZY else ROWS_PER_WAY
        # Each line's file from migration 0023's narrow index: SQLite's planner would read
        # the table's wide rows by rowid instead (~0.7 ms more a way at 1M).
        rank = (f"SELECT t.rowid, l.file_id, t.rank FROM {table} AS t "
                f"JOIN text_lines AS l INDEXED BY text_lines_owner ON l.id = t.rowid "
                f"WHERE {table} MATCH ? ")
        if all(w.seen for w in words):
            if rows is None:
                rows = self._newest(table, expr, bound)
            if not rows or all(w.seen.issuperset(rows) for w in words):
                return
            cut = len(rows) == bound
            lines = conn.execute(rank + "AND t.rowid >= ? ORDER BY t.rowid",
                                 (expr, rows[-1] if cut else 0)).fetchall()
        else:
            lines = conn.execute(rank + "ORDER BY t.rowid DESC LIMIT ?",
                                 (expr, bound)).fetchall()
            cut = len(lines) == bound
            lines.reverse()
        self.cut = self.cut or cut
        # FTS5's ORDER BY rank is a stable sort by bm25 of the lines in rowid order, and
        # seeks each line again to return it: sorted here instead, the same order in half
        # the time (~5 against ~10 ms for 2,000 lines at 1M). The text and frame are read
        # for the lines shown only.
        lines.sort(key=_by_rank)
        ids = [row for row, _, _ in lines]
        for word in words:
            word.seen.update(ids)
            out = word.out
            for row, fid, bm25 in lines:
                if fid not in out:
                    out[fid] = (way, bm25, row)


def _by_rank(line: tuple) -> float:
    return line[2]


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


def near(token: str, word: str) -> bool:
    """Is the word within max_edits of the token? A letter of one that the other lacks
    takes an edit of its own (a swap moves letters, it adds none), so a word with more such
    letters is not, without the edit distance (OCR lines hold numbers: "4711", "total 38";
    at 1M the edit distances were a tenth of the text-in-photos list's time)."""
    k = max_edits(token)
    letters, other = set(token), set(word)
    if len(letters - other) > k or len(other - letters) > k:
        return False
    return edit_distance(token, word, k) <= k


def highlight(line: str, tokens: list[str], marked: dict[str, bool] | None = None) -> str:
    """The line with the words a query word matches in [brackets]. `marked`: each word's
    answer kept across the lines of one query (OCR lines repeat their words: "total",
    "invoice"; the edit distances were a third of a query's photo-text time at 100k)."""
    marked = {} if marked is None else marked

    def mark(m: re.Match) -> str:
        w = m.group(0).lower()
        hit = marked.get(w)
        if hit is None:
            hit = marked[w] = any(t in w or (len(t) >= 4 and near(t, w)) for t in tokens)
        return f"[{m.group(0)}]" if hit else m.group(0)
    return _WORD.sub(mark, line)
