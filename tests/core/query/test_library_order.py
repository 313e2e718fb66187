"""The library's first page comes from an index in the grid's order (migration 0020), not from
a sort of every file: at a million files that sort took seconds before the first screen."""

from __future__ import annotations

from core.query.filters import where_clause
from core.query.library import _COLUMNS, _ORDERS, _STACK_JOIN, UNDATED_SQL, folded_sql


def test_the_first_page_of_the_library_reads_the_order_index(catalog):
    where, args = where_clause(None)
    fold, fold_args = folded_sql(where, args)     # as list_library reads it: stacks folded
    where, args = f"{where} AND {fold}", [*args, *fold_args]
    sql = (f"SELECT {_COLUMNS}, {UNDATED_SQL}, em.event_id FROM files AS f {_STACK_JOIN} "
           f"LEFT JOIN event_members AS em ON em.file_id = f.id WHERE {where} "
           f"ORDER BY {_ORDERS['date']} LIMIT 600")
    with catalog.read() as conn:
        plan = " ".join(str(tuple(r)) for r in conn.execute("EXPLAIN QUERY PLAN " + sql, args))
    assert "files_library_date" in plan and "TEMP B-TREE" not in plan, plan
