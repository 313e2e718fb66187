"""The word lists' work is bounded however large the library: the rows each ranking reads are
counted, not timed. And the cheaper ways give the lists FTS5's own ranking gave: its
ORDER BY rank, ties included; the OCR vocabulary's letter-set prefilter never drops a near
word."""

from __future__ import annotations

import random

import numpy as np
import pytest

import core.search.photo_text as PT
from core.search import text
from core.search.ocr_vocab import BUCKETS, Vocab, _letter_sets
from tests.core.search import planting as P
from tests.core.search.test_photo_text import plant


class Rows(list):
    """A statement's rows, read at once, as the code under test reads a cursor."""

    def fetchall(self):
        return list(self)

    def fetchone(self):
        return self[0] if self else None

    def close(self):
        pass


class Counting:
    """A connection that counts the rows its ranking statements rank (those whose SQL holds
    `marker`)."""

    def __init__(self, conn, marker: str):
        self.conn, self.marker, self.ranked = conn, marker, []

    def execute(self, sql, params=()):
        cur = self.conn.execute(sql, params)
        if self.marker not in sql:
            return cur
        rows = Rows(cur.fetchall())
        self.ranked.append(ranked_rows(self.conn, sql, params, len(rows)))
        return rows

    def __getattr__(self, name):
        return getattr(self.conn, name)


CTE = "AS MATERIALIZED ("


def ranked_rows(conn, sql: str, params, returned: int) -> int:
    """The rows a statement ranks: those it returns, or, where SQLite ranks them itself (a
    materialized CTE, sorted and cut by the statement's last parameter), the CTE's rows."""
    if CTE not in sql:
        return returned
    inner = sql[sql.index(CTE) + len(CTE):sql.rindex(") SELECT")]
    return conn.execute(f"SELECT count(*) FROM ({inner})", tuple(params)[:-1]).fetchone()[0]


def _captions(catalog, n: int, text_of) -> list[int]:
    r = P.root(catalog)
    ids = []
    for i in range(n):
        fid = P.file(catalog, r, f"/lib/f{i:03d}.jpg", kind="photo", taken=1.5e9 + i)
        P.caption(catalog, fid, text_of(i))
        ids.append(fid)
    return ids


RANKING = "rank AS k FROM fts"


@pytest.mark.parametrize("query", ["beach", "rainy beach"])
def test_a_common_word_ranks_at_most_the_bound_with_words_no_document_holds(
        catalog, monkeypatch, query):
    """60 documents hold "beach", none "rainy": each query ranks at most RANKED_DOCS
    documents. "rainy" empties the AND and adds nothing to the OR, so it is left out of both:
    the list is "beach"'s bounded list (before, the word that no document holds lifted the
    bound and all 60 were ranked)."""
    ids = _captions(catalog, 60, lambda i: "beach " + "sand " * (i % 7))
    monkeypatch.setattr(text, "RANKED_DOCS", 10)
    with catalog.read() as conn:
        counting = Counting(conn, RANKING)
        hits, all_words = text.text_search(counting, query, limit=100)
        alone, _ = text.text_search(conn, "beach", limit=100)
    assert counting.ranked and max(counting.ranked) <= 10
    assert all_words == (query == "beach")
    assert [(h.file_id, h.rank, h.snippet) for h in hits] == \
        [(h.file_id, h.rank, h.snippet) for h in alone]
    assert {h.file_id for h in hits} == set(ids[-10:])


def test_any_words_rank_at_most_the_bound_for_each_word(catalog, monkeypatch):
    """"rainy beach sunset": no document holds all three, so any word's list: "beach" in 60
    documents, "sunset" in the 6 oldest and 6 newest. Each word's newest 10 are ranked, and
    no more than 10 a word in all, though "sunset"'s 10th newest document is older than 50
    "beach" documents; with the bound above every count, the whole list."""
    ids = _captions(catalog, 60, lambda i: "beach " + "sand " * (i % 7)
                    + ("sunset" if i < 6 or i >= 54 else ""))
    with catalog.read() as conn:
        whole, _ = text.text_search(conn, "rainy beach sunset", limit=100)
        monkeypatch.setattr(text, "RANKED_DOCS", 10)
        counting = Counting(conn, RANKING)
        hits, all_words = text.text_search(counting, "rainy beach sunset", limit=100)
    assert not all_words and len(whole) == 60
    assert counting.ranked and max(counting.ranked) <= 20
    assert [h.file_id for h in hits] == [h.file_id for h in whole if h.file_id in
                                         {x.file_id for x in hits}]
    assert {h.file_id for h in whole[:12]} == {*ids[:6], *ids[54:]}    # both words
    assert {h.file_id for h in hits[:6]} == set(ids[54:])


@pytest.mark.parametrize("query", ["beach", "beach sunset", "beach mountain", "sand"])
def test_the_list_is_fts5s_own_ranking_ties_included(catalog, monkeypatch, query):
    """The ranks are sorted outside FTS5 (its ORDER BY rank seeks each row again): the files,
    their order among equal ranks, their snippets are those of FTS5's ORDER BY rank."""
    _captions(catalog, 40, lambda i: ["beach", "beach sand", "sand beach sunset",
                                      "beach mountain"][i % 4] + " x" * (i % 2))
    monkeypatch.setattr(text, "RANKED_DOCS", 10**9)
    tokens = text.query_tokens(query)
    with catalog.read() as conn:
        hits, all_words = text.text_search(conn, query, limit=12)
        expr = text.fts_expression(tokens, "AND" if all_words else "OR")
        fts5 = conn.execute(
            "SELECT d.file_id, f.rank, snippet(fts, 0, '[', ']', '…', 12) FROM fts AS f "
            "JOIN fts_docs AS d ON d.id = f.rowid WHERE fts MATCH ? ORDER BY f.rank",
            (expr,)).fetchall()
    first: dict[int, tuple] = {}
    for fid, rank, snip in fts5:
        first.setdefault(fid, (fid, rank, snip))
    assert len({r for _, r, _ in fts5}) < len(fts5)          # there are ties to order
    assert [(h.file_id, h.rank, h.snippet) for h in hits] == list(first.values())[:12]


def test_text_in_photos_ranks_only_each_ways_newest_lines(catalog, monkeypatch):
    """12 photos read "ferry"; the newer the photo the longer its line, so bm25 ranks the
    oldest first. With ROWS_PER_WAY 4, each way ranks 4 lines (before: all 12, to read the
    best 4), the newest 4: those photos are the hits, best first."""
    r = P.root(catalog)
    ids = []
    for i in range(12):
        ids.append(P.file(catalog, r, f"/lib/{i:02d}.jpg"))
        plant(catalog, ids[-1], ["ferry " + "pier " * i])
    monkeypatch.setattr(PT, "ROWS_PER_WAY", 4)
    with catalog.read() as conn:
        counting = Counting(conn, "JOIN text_lines")
        hits, ways, all_words = PT.photo_text_search(counting, "ferry", limit=10)
    assert counting.ranked and max(counting.ranked) <= 4
    assert [h.file_id for h in hits] == ids[-4:]        # shortest line (best bm25) first
    assert all_words and set(ways.values()) == {PT.EXACT}


def test_a_near_spelling_ranks_only_its_newest_near_rows_lines(catalog, monkeypatch):
    """12 photos read "ferry", none "fxrry": the near spelling ranks NEAR_ROWS lines, not
    ROWS_PER_WAY (a common word as a near spelling is weak evidence, and was the slowest
    way); an OCR slip with fewer lines than that is ranked whole and found."""
    r = P.root(catalog)
    ids = []
    for i in range(12):
        ids.append(P.file(catalog, r, f"/lib/{i:02d}.jpg"))
        plant(catalog, ids[-1], ["ferry " + "pier " * i])
    slip = P.file(catalog, r, "/lib/slip.jpg")
    plant(catalog, slip, ["Harbour tirnetable"])
    monkeypatch.setattr(PT, "NEAR_ROWS", 4)
    with catalog.read() as conn:
        counting = Counting(conn, "JOIN text_lines")
        hits, ways, _ = PT.photo_text_search(counting, "fxrry", limit=20)
        slipped, slip_ways, _ = PT.photo_text_search(conn, "timetable", limit=20)
    assert counting.ranked and max(counting.ranked) == 4
    assert [h.file_id for h in hits] == ids[-4:]        # the newest 4, best bm25 first
    assert set(ways.values()) == {PT.FUZZY}
    assert [h.file_id for h in slipped] == [slip] and slip_ways[slip] == PT.FUZZY


def test_a_way_with_fewer_lines_than_the_bound_is_ranked_whole(catalog, monkeypatch):
    r = P.root(catalog)
    ids = [P.file(catalog, r, f"/lib/{i}.jpg") for i in range(5)]
    for i, fid in enumerate(ids):
        plant(catalog, fid, ["ferry " + "pier " * (4 - i)])
    with catalog.read() as conn:
        whole = PT.photo_text_search(conn, "ferry", limit=10)
        monkeypatch.setattr(PT, "ROWS_PER_WAY", 5)
        at_bound = PT.photo_text_search(conn, "ferry", limit=10)
    assert [h.file_id for h in whole[0]] == ids[::-1] and at_bound == whole


def test_the_letter_sets_never_drop_a_near_word():
    """An edit adds or drops at most 2 letters of a word's set (one bit a bucket), so the
    prefilter keeps every word within k edits: random words and random edits."""
    rnd = random.Random(3)
    letters = "abcdefghijklmnopqrstuvwxyzäöü0123456789"
    words, near = [], []
    for _ in range(400):
        w = "".join(rnd.choice(letters) for _ in range(rnd.randint(4, 12)))
        k = rnd.choice((1, 2))
        v = list(w)
        for _ in range(k):
            i = rnd.randrange(len(v))
            op = rnd.choice("sidt")
            if op == "s":
                v[i] = rnd.choice(letters)
            elif op == "i":
                v.insert(i, rnd.choice(letters))
            elif op == "d" and len(v) > 1:
                del v[i]
            elif i + 1 < len(v):
                v[i], v[i + 1] = v[i + 1], v[i]
        words.append(w)
        near.append(("".join(v), k))
    vocab = Vocab(words)
    for i, (token, k) in enumerate(near):
        q = np.zeros(BUCKETS, np.int16)
        for ch in token:
            q[ord(ch) % BUCKETS] += 1
        assert int(np.bitwise_count(vocab.letters[i] ^ _letter_sets(q[None])[0])) <= 2 * k
        if abs(len(token) - len(words[i])) <= k:
            assert words[i] in vocab.candidates(token, k, 10**6)


@pytest.mark.parametrize("ids", [
    np.array([5, 1, 9, 3, 3, 12, 7], np.int64),         # dense, repeated (a video's frames)
    np.array([10**12, 4, 10**9, 4], np.int64),          # sparse: through isin
    np.zeros(0, np.int64)])
def test_the_filter_mask_by_table_is_isins(ids):
    from core.search.engine import rows_allowed

    for allowed in (np.array([3, 9, 10**9], np.int64), np.array([4], np.int64),
                    np.zeros(0, np.int64), np.arange(0, 20, dtype=np.int64)):
        assert rows_allowed(ids, allowed).tolist() == np.isin(ids, allowed).tolist()


def test_lines_holding_every_word_are_read_when_a_word_was_cut(catalog, monkeypatch):
    """"harbour ferry": "ferry" is on 12 lines, cut to its newest 4; the 3 photos reading
    "Harbour ferry" are older. Their lines hold both words, so they are read as such and are
    the hits holding all the words (without that pass: no file held both, only some words)."""
    r = P.root(catalog)
    both = [P.file(catalog, r, f"/lib/old{i}.jpg") for i in range(3)]
    for fid in both:
        plant(catalog, fid, ["Harbour ferry"])
    for i in range(12):
        plant(catalog, P.file(catalog, r, f"/lib/{i:02d}.jpg"), ["ferry " + "pier " * i])
    monkeypatch.setattr(PT, "ROWS_PER_WAY", 4)
    with catalog.read() as conn:
        counting = Counting(conn, "JOIN text_lines")
        hits, ways, all_words = PT.photo_text_search(counting, "harbour ferry", limit=10)
    assert all_words and sorted(h.file_id for h in hits) == both
    assert all(ways[f] == PT.EXACT for f in both) and max(counting.ranked) <= 4
