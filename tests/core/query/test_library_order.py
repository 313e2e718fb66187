"""The library's first page comes from an index in the grid's order (migration 0020), not from
a sort of every file: at a million files that sort took seconds before the first screen."""

from __future__ import annotations

from core.query.library import _COLUMNS, UNDATED_SQL, listing_sql


def test_the_first_page_of_the_library_reads_the_order_index(catalog):
    # as list_library reads it (stacks folded); core.query.library_ids reads the same SELECT
    sql, args = listing_sql(None, "date", f"{_COLUMNS}, {UNDATED_SQL}, em.event_id")
    with catalog.read() as conn:
        plan = " ".join(str(tuple(r)) for r in conn.execute(
            f"EXPLAIN QUERY PLAN {sql} LIMIT 600", args))
    assert "files_library_date" in plan and "TEMP B-TREE" not in plan, plan
