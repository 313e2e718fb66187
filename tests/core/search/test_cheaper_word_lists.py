"""The two word lists do less work for the same hits: the statements a query runs and the rows
they return are counted, not timed."""

from __future__ import annotations

import random

import pytest

import core.search.photo_text as PT
from core.search import text
from tests.core.search import planting as P
from tests.core.search.test_bounded_lists import Counting
from tests.core.search.test_photo_text import plant


class Statements:
    """A connection that records each statement it runs, with its parameters and the number
    of rows it returned (for a ranking inside SQLite: ranked, see Counting)."""

    def __init__(self, conn):
        self.conn, self.ran = conn, []

    def execute(self, sql, params=()):
        counting = Counting(self.conn, "")
        rows = counting.execute(sql, params)
        self.ran.append((" ".join(sql.split()), tuple(params), counting.ranked[0]))
        return rows

    def __getattr__(self, name):
        return getattr(self.conn, name)

    def rows(self, *parts: str) -> int:
        return sum(n for sql, _, n in self.ran if all(p in sql for p in parts))

    def text_rows(self) -> int:
        """Rows of the statements that read text_lines' text."""
        return sum(n for sql, _, n in self.ran if "text_lines" in sql and "text" in
                   {c.strip().split(".")[-1] for c in sql[7:sql.index(" FROM ")].split(",")})


def _ferries(catalog, n: int) -> list[int]:
    r = P.root(catalog)
    ids = []
    for i in range(n):
        ids.append(P.file(catalog, r, f"/lib/{i:02d}.jpg"))
        plant(catalog, ids[-1], ["ferry " + "pier " * i, "timetable"])
    return ids


def test_a_words_first_way_is_ranked_without_listing_its_lines_first(catalog):
    """No line of "ferry" is read yet: listing its lines' ids could not spare the ranking,
    so the whole word is ranked at once, in one statement."""
    _ferries(catalog, 6)
    with catalog.read() as conn:
        counted = Statements(conn)
        hits, ways, _ = PT.photo_text_search(counted, "ferry")
    assert len(hits) == 6 and set(ways.values()) == {PT.EXACT}
    terms = [sql for sql, _, _ in counted.ran if "FROM text_terms" in sql]
    assert len(terms) == 1 and "JOIN text_lines" in terms[0]


def test_the_text_of_the_shown_lines_only_is_read(catalog):
    """12 photos read "ferry", 3 are asked for: the ranking reads each line's file and bm25;
    the text and frame are read for the 3 lines shown."""
    _ferries(catalog, 12)
    with catalog.read() as conn:
        whole = PT.photo_text_search(conn, "ferry", limit=12)
        counted = Statements(conn)
        hits, _, _ = PT.photo_text_search(counted, "ferry", limit=3)
    assert [h.snippet for h in hits] == [h.snippet for h in whole[0][:3]]
    assert hits[0].snippet == "[ferry] "
    assert counted.text_rows() == 3


def test_a_word_whose_stem_and_prefix_lines_were_all_read_lists_them_once(catalog):
    """"ferry zebra": no line holds "zebra", 3 photos hold "ferry" (fewer than asked), so
    ferry's other ways are run. Its lines read whole are all its stemmed and prefix lines:
    one list of line ids (the prefix way's) shows it; nothing is ranked in text_words."""
    ids = _ferries(catalog, 3)
    with catalog.read() as conn:
        counted = Statements(conn)
        hits, _, all_words = PT.photo_text_search(counted, "ferry zebra")
    assert {h.file_id for h in hits} == set(ids) and not all_words
    ferry = [(sql, p) for sql, p, _ in counted.ran if "text_words" in sql and "ferry" in p[0]]
    walk = "SELECT rowid FROM text_words WHERE text_words MATCH ? ORDER BY rowid DESC LIMIT ?"
    assert ferry == [(walk, ('"ferry" *', PT.ROWS_PER_WAY))]


def test_a_new_stemmed_line_is_still_ranked(catalog):
    """"Timetables": read by its stem and as a prefix, a line not read whole: the stemmed
    way ranks it, as before."""
    r = P.root(catalog)
    whole, other = P.file(catalog, r, "/lib/a.jpg"), P.file(catalog, r, "/lib/b.jpg")
    plant(catalog, whole, ["Harbour ferry timetable"])
    plant(catalog, other, ["Timetables for winter"])
    with catalog.read() as conn:
        hits, ways, _ = PT.photo_text_search(conn, "timetable zebra")
    assert [h.file_id for h in hits] == [whole, other]
    assert ways == {whole: PT.EXACT, other: PT.STEM}


WORDS = ["ferry", "ferries", "ferryman", "running", "runner", "runs", "run", "café", "cafe",
         "cafés", "naïve", "naive", "straße", "strasse", "timetable", "timetables", "univers",
         "universal", "university", "generously", "generate", "4711", "inv-4711-a", "über",
         "uber", "foo_bar", "park", "parking", "parked"]


def test_whole_lines_are_stemmed_lines_are_prefix_lines(tmp_path):
    """What the shortcut above relies on, in SQLite's own tokenizers: the lines holding a
    word whole hold its stem, and those hold a word starting with it (the porter tokenizer
    stems a prefix query's word too)."""
    from core.catalog.connection import connect

    conn = connect(tmp_path / "tokenizers.sqlite")
    try:
        conn.execute("CREATE VIRTUAL TABLE terms USING fts5(text, "
                     "tokenize='unicode61 remove_diacritics 2')")
        conn.execute("CREATE VIRTUAL TABLE words USING fts5(text, "
                     "tokenize='porter unicode61 remove_diacritics 2', prefix='2 3')")
        rnd = random.Random(5)
        for i in range(300):
            line = " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(1, 4)))
            for table in ("terms", "words"):
                conn.execute(f"INSERT INTO {table}(rowid, text) VALUES (?, ?)", (i, line))

        def match(table, expr):
            return {r for (r,) in conn.execute(
                f"SELECT rowid FROM {table} WHERE {table} MATCH ?", (expr,))}

        for token in {*WORDS, "runn", "universit", "caf"}:
            for part in text.query_tokens(token):
                quoted = text.fts_expression([part])
                whole, stem = match("terms", quoted), match("words", quoted)
                assert whole <= stem <= match("words", quoted + " *"), part
    finally:
        conn.close()


def test_near_never_disagrees_with_the_edit_distance():
    rnd = random.Random(8)
    letters = "abcdeiou0123456789"
    for _ in range(3000):
        token = "".join(rnd.choice(letters) for _ in range(rnd.randint(4, 10)))
        word = "".join(rnd.choice(letters) for _ in range(rnd.randint(1, 12)))
        if rnd.random() < 0.5:
            w = list(token)
            w[rnd.randrange(len(w))] = rnd.choice(letters)
            word = "".join(w)
        k = PT.max_edits(token)
        assert PT.near(token, word) == (PT.edit_distance(token, word, k) <= k)


def test_highlight_spares_the_edit_distance_where_letters_rule_it_out(monkeypatch):
    """An OCR line's numbers and other words share too few letters with the query words."""
    calls = []
    real = PT.edit_distance
    monkeypatch.setattr(PT, "edit_distance", lambda *a: calls.append(a[1]) or real(*a))
    line = "INVOICE 4711 total 38 euro invoce"
    assert PT.highlight(line, ["invoice", "parking"]) == "[INVOICE] 4711 total 38 euro [invoce]"
    assert calls == ["invoce"]


def _beaches(catalog, n: int) -> list[int]:
    r = P.root(catalog)
    ids = []
    for i in range(n):
        fid = P.file(catalog, r, f"/lib/f{i:03d}.jpg", kind="photo", taken=1.5e9 + i)
        P.caption(catalog, fid, "beach " + "sand " * (i % 7))
        ids.append(fid)
    return ids


def test_the_files_of_about_limit_documents_are_looked_up(catalog):
    """60 documents hold "beach", each in its own file; 10 files asked for: the ranking keeps
    the best 40 documents, and the files of the first 16 are enough (they were all 40)."""
    _beaches(catalog, 60)
    with catalog.read() as conn:
        counted = Statements(conn)
        hits, all_words = text.text_search(counted, "beach", limit=10)
    assert len(hits) == 10 and all_words
    assert counted.rows("SELECT id, file_id FROM fts_docs") == 16


@pytest.mark.parametrize("query", ["rainy beach", "beach"])
def test_one_held_words_newest_documents_are_ranked_without_their_edge(catalog, monkeypatch,
                                                                       query):
    """"rainy beach": "rainy" is in no document, so the list is "beach"'s alone: its newest
    RANKED_DOCS documents are ranked in one statement, with no walk to the oldest of them
    first; the same hits."""
    _beaches(catalog, 30)
    monkeypatch.setattr(text, "RANKED_DOCS", 10)
    with catalog.read() as conn:
        whole = text.text_search(conn, "beach", limit=5)
        counted = Statements(conn)
        hits, _ = text.text_search(counted, query, limit=5)
    assert hits == whole[0] and len(hits) == 5
    assert not [sql for sql, _, _ in counted.ran if "OFFSET" in sql]
    assert counted.rows("rank AS k FROM fts") == 10


def test_two_common_words_in_no_document_together_still_bound_their_list(catalog,
                                                                         monkeypatch):
    """"beach sunset" in no caption together: the list of either word, each word's newest
    RANKED_DOCS ranked, from the oldest of their edges."""
    r = P.root(catalog)
    for i in range(30):
        fid = P.file(catalog, r, f"/lib/f{i:03d}.jpg", kind="photo", taken=1.5e9 + i)
        P.caption(catalog, fid, "beach" if i % 2 else "sunset")
    monkeypatch.setattr(text, "RANKED_DOCS", 5)
    with catalog.read() as conn:
        counted = Statements(conn)
        hits, all_words = text.text_search(counted, "beach sunset", limit=30)
    assert not all_words and len(hits) == 10
    assert counted.rows("rank AS k FROM fts") == 10

def _keys_as_before(found, limit):
    """The files' order as photo_text_search made it before _best_files: every file's full
    key, sorted."""
    files = set.intersection(*(set(f) for f in found))
    all_words = True
    if not files and len(found) > 1:
        files, all_words = set.union(*(set(f) for f in found)), False
    scored = []
    for fid in files:
        got = [f[fid] for f in found if fid in f]
        missing = len(found) - len(got)
        ways = [way for way, _, _ in got]
        scored.append((missing, PT.FUZZY + 1 if missing else max(ways),
                       sum(ways) + missing * (PT.FUZZY + 1), sum(r for _, r, _ in got), fid))
    return [k[-1] for k in sorted(scored)[:limit]], all_words


@pytest.mark.parametrize("seed", range(6))
def test_the_best_files_are_those_of_the_full_keys(seed):
    """One word found (the shortcut without a count of words held), several, none; ties of
    bm25 (lines alike) broken by file id."""
    rnd = random.Random(seed)
    for _ in range(50):
        n = rnd.randint(1, 4)
        found = []
        for _ in range(n):
            size = rnd.choice((0, 0, 3, 40))
            found.append({rnd.randrange(60): (rnd.randrange(5), -rnd.choice((1.5, 2.25, 3.0)),
                                              rnd.randrange(10**6)) for _ in range(size)})
        limit = rnd.choice((1, 5, 100))
        assert PT._best_files(found, limit) == _keys_as_before(found, limit)


@pytest.mark.parametrize("seed", range(3))
def test_the_best_files_of_many_lines_add_their_bm25_as_before(seed):
    """Thousands of entries a word, as at 1M, with bm25 values whose sums depend on the order
    they are added in: the files and their order are those of the full keys, to the bit."""
    rnd = random.Random(seed)
    for n in (2, 3, 4):
        found = [{rnd.randrange(3000): (rnd.randrange(5), -rnd.random() * 12, rnd.randrange(10**6))
                  for _ in range(rnd.choice((800, 2000)))} for _ in range(n)]
        for limit in (100, 2000):
            assert PT._best_files(found, limit) == _keys_as_before(found, limit)


# -- the bounds: the newest lines (documents) of a word ranked, at most the bound -------------
# (the app's bound is 2,000; these tests set 500 to keep the catalogs small)


def _invoices(catalog, r, files: int, lines: int) -> list[int]:
    """Photos of invoices made after everything else: each reads "Invoice" on many lines."""
    ids = []
    for i in range(files):
        ids.append(P.file(catalog, r, f"/lib/inv{i:02d}.jpg"))
        plant(catalog, ids[-1], [f"Invoice {i}-{n} total" for n in range(lines)])
    return ids


def test_a_common_ocr_word_ranks_its_newest_lines_up_to_the_bound(catalog, monkeypatch):
    """"invoice" is on 600 lines, the bound is 500: 500 are ranked, the newest."""
    monkeypatch.setattr(PT, "ROWS_PER_WAY", 500)
    ids = _invoices(catalog, P.root(catalog), 6, 100)
    with catalog.read() as conn:
        counting = Counting(conn, "JOIN text_lines")
        hits, _, all_words = PT.photo_text_search(counting, "invoice", limit=10)
    assert counting.ranked == [500]
    assert {h.file_id for h in hits} == set(ids[1:]) and all_words


def _old_receipt_searched(catalog):
    """An old receipt ("Plumber Bros Ltd", "Invoice 17" on another line), then 600 newer
    "Invoice" lines: (the receipt's id, photo_text_search's answer to "plumber invoice")."""
    r = P.root(catalog)
    receipt = P.file(catalog, r, "/lib/receipt.jpg")
    plant(catalog, receipt, ["Plumber Bros Ltd", "Invoice 17", "Total 85.00"])
    _invoices(catalog, r, 6, 100)
    with catalog.read() as conn:
        return receipt, PT.photo_text_search(conn, "plumber invoice", limit=100)


def test_a_rare_words_old_receipt_comes_first_beside_a_common_word(catalog, monkeypatch):
    """What the user sees past the bound: "plumber invoice" finds the old receipt first. Its
    "Invoice" line is older than the newest 500 (not read), but "plumber" is on its line
    alone, ranked whole: the receipt is the one file holding the rare word (bm25 weighs it
    far above "invoice"), among files holding one of the words."""
    monkeypatch.setattr(PT, "ROWS_PER_WAY", 500)
    receipt, (hits, ways, all_words) = _old_receipt_searched(catalog)
    assert hits[0].file_id == receipt and hits[0].snippet == "[Plumber] Bros Ltd"
    assert not all_words and ways[receipt] == PT.EXACT


def test_a_common_caption_word_ranks_its_newest_documents_up_to_the_bound(catalog,
                                                                          monkeypatch):
    """"beach" in 600 transcript segments of one video, the bound is 500: 500 are ranked;
    the video is found."""
    monkeypatch.setattr(text, "RANKED_DOCS", 500)
    r = P.root(catalog)
    video = P.file(catalog, r, "/lib/trip.mp4", kind="video")
    P.transcript(catalog, video, [(i, i + 1.0, f"the beach again {i}") for i in range(600)])
    with catalog.read() as conn:
        counting = Counting(conn, "rank AS k FROM fts")
        hits, all_words = text.text_search(counting, "beach", limit=10)
    assert counting.ranked == [500]
    assert [h.file_id for h in hits] == [video] and all_words


def test_at_the_apps_bound_the_old_receipt_holds_both_words(catalog):
    """With the app's bound (2,000 lines a word), the receipt's "Invoice" line, older than
    600 newer ones, is read: the receipt holds every word of "plumber invoice" and comes
    first, with no "some of the words" notice. A bound of 500 loses this (the test above)."""
    receipt, (hits, ways, all_words) = _old_receipt_searched(catalog)
    assert hits[0].file_id == receipt and all_words and ways[receipt] == PT.EXACT
    assert [h.file_id for h in hits] == [receipt]
