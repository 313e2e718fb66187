"""One IN (...) per slice of ids: every id is asked once, in order, in slices no bigger than
the limit, and a statement over more ids than SQLite binds still answers for all of them."""

import sqlite3

from core.catalog.chunks import IN_CHUNK, in_chunks


def test_slices_cover_every_value_once_in_order():
    got = list(in_chunks(range(7), size=3))
    assert got == [([0, 1, 2], "?,?,?"), ([3, 4, 5], "?,?,?"), ([6], "?")]
    assert list(in_chunks([])) == []
    assert list(in_chunks(iter("ab"))) == [(["a", "b"], "?,?")]


def test_more_ids_than_sqlite_binds():
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t(id INTEGER PRIMARY KEY)")
    n = 40_000   # over SQLite's 32,766 bound parameters
    conn.executemany("INSERT INTO t VALUES (?)", ((i,) for i in range(n)))
    found = []
    for chunk, marks in in_chunks(range(n)):
        assert len(chunk) <= IN_CHUNK
        found += [r[0] for r in conn.execute(f"SELECT id FROM t WHERE id IN ({marks})", chunk)]
    assert sorted(found) == list(range(n))
