"""The words' lists made cheaper: a bounded FTS ranking that gives the same list until the
bound is reached, word lists kept for a repeated text until the catalog changes, and the
OCR highlight deciding each word once per query."""

from __future__ import annotations

import pytest

import core.search.word_lists as W
from core.config import Settings
from core.query.filters import Filters
from core.search import text
from core.search.engine import search_vector_and_text
from core.search.photo_text import highlight
from tests.core.search import planting as P

KEEP_ALL = Settings(relevance_floor=-1.0)


@pytest.fixture(autouse=True)
def _forget():
    W.forget()
    yield
    W.forget()


def _beach_library(catalog, r=None) -> list[int]:
    """18 files whose captions hold "beach" (some also "sunset"), of varied lengths so that
    bm25 orders them neither by age nor by id; their documents are made oldest first."""
    r = P.root(catalog) if r is None else r
    ids = []
    for i in range(18):
        fid = P.file(catalog, r, f"/lib/f{i:02d}.jpg", kind="photo", taken=1.5e9 + i)
        filler = " ".join(["sand"] * ((i * 7) % 11))
        P.caption(catalog, fid, f"beach {filler}" + (" sunset" if i % 3 == 0 else ""))
        ids.append(fid)
    return ids


def _hits(catalog, query):
    with catalog.read() as conn:
        hits, all_words = text.text_search(conn, query, limit=100)
    return [(h.file_id, h.rank, h.snippet) for h in hits], all_words


@pytest.mark.parametrize("query", ["beach", "beach sunset", "beach mountain"])
def test_the_bounded_ranking_gives_the_whole_list_until_the_bound(catalog, monkeypatch, query):
    """"beach" (one word, 18 documents), "beach sunset" (all words, 6), "beach mountain" (no
    document holds both: the OR list, 18): with the bound at the number of matching documents
    the list is the unbounded one, rank for rank, snippets included."""
    _beach_library(catalog)
    monkeypatch.setattr(text, "RANKED_DOCS", 10**9)
    whole = _hits(catalog, query)
    with catalog.read() as conn:
        matching = conn.execute("SELECT count(*) FROM fts WHERE fts MATCH ?",
                                (text.fts_expression(text.query_tokens(query), "OR"),)
                                ).fetchone()[0]
    monkeypatch.setattr(text, "RANKED_DOCS", matching)
    assert _hits(catalog, query) == whole
    assert len(whole[0]) >= 6


def test_past_the_bound_the_newest_documents_are_ranked_as_before(catalog, monkeypatch):
    ids = _beach_library(catalog)
    monkeypatch.setattr(text, "RANKED_DOCS", 10**9)
    whole, _ = _hits(catalog, "beach")
    monkeypatch.setattr(text, "RANKED_DOCS", 5)
    bounded, all_words = _hits(catalog, "beach")
    assert all_words
    assert {f for f, *_ in bounded} == set(ids[-5:])       # the 5 newest documents
    assert bounded == [h for h in whole if h[0] in set(ids[-5:])]   # in the same order


def test_a_rare_words_old_document_is_not_cut_by_a_common_word_beside_it(catalog,
                                                                         monkeypatch):
    """"beach plumber": no document holds both, so the list is any word's. "plumber" is in
    one document, older than every beach (its rowid is below the bound's edge); "beach"
    alone passes the bound. The bound must not cut the receipt the user is looking for."""
    r = P.root(catalog)
    receipt = P.file(catalog, r, "/lib/receipt.jpg", kind="photo", taken=1.0e9)
    P.caption(catalog, receipt, "receipt from the plumber")
    _beach_library(catalog, r)
    monkeypatch.setattr(text, "RANKED_DOCS", 5)
    hits, all_words = _hits(catalog, "beach plumber")
    assert not all_words
    assert receipt in {f for f, *_ in hits}
    bounded, _ = _hits(catalog, "beach")     # while one common word alone is still bounded
    assert len(bounded) == 5


def test_a_repeated_text_reuses_its_word_lists_until_the_catalog_changes(catalog, monkeypatch):
    """A filter change runs the same words again: the FTS lists are not made again, the
    filter still applies; a new caption (written by the writer connection) is found."""
    ids = _beach_library(catalog)
    made = []
    real = W.text_search
    monkeypatch.setattr(W, "text_search", lambda *a, **k: made.append(a[1]) or real(*a, **k))

    def found(filters=None):
        res = search_vector_and_text(catalog, KEEP_ALL, "beach", None, None, filters, 50)
        return {h.file_id for h in res}

    assert found() == set(ids)
    assert found(Filters(date_from=1.5e9 + 10)) == set(ids[10:])
    assert found() == set(ids) and made == ["beach"]
    new = P.file(catalog, P.root(catalog, "/lib2"), "/lib2/new.jpg", taken=1.6e9)
    P.caption(catalog, new, "a beach")
    assert found() == {*ids, new} and made == ["beach", "beach"]


def test_kept_word_lists_belong_to_their_connection(catalog, tmp_path):
    """Another connection (another catalog, or this one opened again) never gets them."""
    from core.catalog.connection import connect

    _beach_library(catalog)
    with catalog.read() as conn:
        first = W.words_list(conn, "beach", 100)
        assert W.words_list(conn, "beach", 100) is first
    other = connect(catalog.path)
    try:
        again = W.words_list(other, "beach", 100)
        assert again is not first and again == first
    finally:
        other.close()


def test_highlight_decides_each_word_once_with_the_same_lines():
    tokens = ["invoice", "parking", "711"]
    lines = ["INVOICE 4711 total", "Parkinq ticket invoice", "tirnetable invoices 711",
             "nothing here", "Invoice INVOICE invoce"]
    shared: dict[str, bool] = {}
    assert [highlight(line, tokens, shared) for line in lines] == \
        [highlight(line, tokens) for line in lines]
    assert shared["invoice"] and shared["invoce"] and not shared["ticket"]
