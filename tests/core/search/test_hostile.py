"""Queries full of FTS5 and SQL syntax, empty and huge ones: results or a clear message."""

from __future__ import annotations

import json

import numpy as np
import pytest

from core.cli.main import main
from core.config import Settings
from core.search import search
from core.search.engine import search_vector_and_text
from core.search.text import fts_expression, query_tokens
from core.search.vectors import drop_cached
from tests.core.search import planting as P

HOSTILE = [
    '"', '""', '"unbalanced', "*", "dog*", "NEAR(", "NEAR(dog cat", "dog NEAR/2 cat",
    "'; DROP TABLE files; --", "\"; DELETE FROM fts_docs; --", "dog AND", "OR", "NOT dog",
    "text:dog", "^dog", "(dog", "dog)", "{dog}", "-dog", "+", "%", "_", "\\", "\x00",
    "   ", "", "🐶 beach", "x" * 10_000, "dog " * 3000, "'" * 500,
]


@pytest.fixture
def planted(catalog):
    drop_cached()
    r = P.root(catalog)
    fid = P.file(catalog, r, "/lib/dog.jpg")
    P.caption(catalog, fid, "a dog on the beach")
    P.vector(catalog, fid, P.unit(np.ones(8)))
    yield fid
    drop_cached()


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_never_raise(catalog, planted, query):
    res = search(catalog, None, Settings(), query, limit=10)           # words only
    assert isinstance(res, list)
    res2 = search_vector_and_text(catalog, Settings(), query, P.unit(np.ones(8)), P.MODEL)
    assert isinstance(res2, list)
    if "dog" in query.lower():
        assert planted in {h.file_id for h in res}
    with catalog.read() as conn:   # nothing was dropped or deleted
        assert conn.execute("SELECT count(*) FROM files").fetchone()[0] == 1
        assert conn.execute("SELECT count(*) FROM fts_docs").fetchone()[0] == 2


def test_tokens_are_quoted():
    assert query_tokens('NEAR(dog "cat" *') == ["near", "dog", "cat"]
    assert fts_expression(['a"b']) == '"a""b"'
    assert query_tokens("the of a") == ["the", "of", "a"]      # only stopwords: keep them
    assert len(query_tokens(" ".join(f"w{i}" for i in range(100)))) == 12


def test_no_words_gives_a_message(catalog, planted):
    res = search(catalog, None, Settings(), '"*"', limit=10)
    assert list(res) == [] and "no words" in res.notices[0]


def test_long_query_is_cut_and_said(catalog, planted):
    res = search(catalog, None, Settings(), "dog " * 3000)
    assert any("cut" in n for n in res.notices)


def test_empty_query_browses(catalog, planted):
    res = search(catalog, None, Settings(), "")
    assert [h.file_id for h in res] == [planted] and res[0].matched == "browse"


def test_words_only_says_so(catalog, planted):
    res = search(catalog, None, Settings(), "dog")
    assert [h.file_id for h in res] == [planted]
    assert not res.vector_used and any("text search only" in n for n in res.notices)


@pytest.mark.parametrize("query", ['"', "NEAR(", "'; DROP TABLE files; --", "*", "x" * 10_000])
def test_cli_hostile(capsys, query):
    assert main(["search", query, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert "hits" in out


def test_cli_bad_date_is_a_message(capsys):
    assert main(["search", "dog", "--from", "last tuesday"]) == 2
    assert "not a date" in capsys.readouterr().err


def test_a_malformed_vector_is_left_out_logged_and_counted(catalog, caplog):
    from core.search.vectors import get_index

    drop_cached()
    r = P.root(catalog)
    good = [P.file(catalog, r, f"/lib/{i}.jpg") for i in range(3)]
    bad = P.file(catalog, r, "/lib/bad.jpg")
    for i, fid in enumerate(good[:2]):
        P.vector(catalog, fid, P.unit(np.arange(8) + i))
    catalog.write(lambda c: c.execute(   # 7 floats where the space has 8: a damaged row
        "INSERT INTO embeddings(file_id, frame_ms, model_id, dim, vector) VALUES (?,-1,?,8,?)",
        (bad, P.MODEL, np.ones(7, "<f4").tobytes())))
    with caplog.at_level("WARNING", logger="core.search.vectors"), catalog.read() as conn:
        index = get_index(catalog.path, conn, P.MODEL)
    assert len(index) == 2 and index.malformed == 1 and bad not in index.file_ids
    assert "1 vectors of" in caplog.text and "left out" in caplog.text
    # a new vector is appended; the damaged row is remembered, not a reason to reload
    P.vector(catalog, good[2], P.unit(np.arange(8) + 5))
    with catalog.read() as conn:
        index.refresh(conn)
    assert len(index) == 3 and index.malformed == 1
    drop_cached()
