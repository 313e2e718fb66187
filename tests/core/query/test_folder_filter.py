"""The folder filter: the folder and everything below it, nothing beside it whose name only
starts the same, read through the folder index (not a scan of every file)."""

from __future__ import annotations

from core.query.filters import Filters, allowed_ids, where_clause
from tests.core.search import planting as P


def test_folder_and_below_only(catalog):
    r = P.root(catalog, "/lib")
    paths = ["/lib/a/1.jpg", "/lib/a/b/2.jpg", "/lib/a/é/ü/3.jpg", "/lib/a b/4.jpg",
             "/lib/ab/5.jpg", "/lib/a0/6.jpg", "/lib/a./7.jpg", "/lib/a-/8.jpg", "/lib/9.jpg",
             "/lib/a\U0001F600/10.jpg"]
    ids = {p: P.file(catalog, r, p) for p in paths}
    with catalog.read() as conn:
        got = allowed_ids(conn, Filters(folder="/lib/a"))
        assert got == {ids[p] for p in paths[:3]}
        assert allowed_ids(conn, Filters(folder="/lib/a/")) == got
        assert allowed_ids(conn, Filters(folder="/")) == set(ids.values())
        where, args = where_clause(Filters(folder="/lib/a"))
        plan = " ".join(row[3] for row in conn.execute(
            f"EXPLAIN QUERY PLAN SELECT f.id FROM files AS f WHERE {where}", args))
        assert "files_folder" in plan, plan
