"""A big library's listing for a paged grid: the file ids alone, in the grid's order, and
where each group begins; the grid fetches the rows of the few pages it shows by id
(core.query.rows_by_ids).

At a million files the whole listing as row tuples is ~1 GB of Python objects read in
~25 s; the ids are 8 MB of numpy, read by streaming the same SELECT (core.query.library's
listing_sql: the same filters, stack folding and order) without keeping a tuple per row.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from core.catalog import Catalog
from core.query.filters import TAKEN, Filters
from core.query.library import COLLECTION_LABEL, UNDATED_SQL, GroupStarts, listing_sql

# f.id, then what GroupStarts reads for the grouping: capture date, folder, label
_KEYS = {
    "date": f"f.id, {TAKEN}, NULL, {UNDATED_SQL}",
    "folder": "f.id, NULL, f.folder, NULL",
    "collection": f"f.id, NULL, NULL, {COLLECTION_LABEL}",
    "name": "f.id, NULL, NULL, NULL",
}
# rows taken from the cursor at a time: no more than CPython keeps freed small tuples for
# reuse (2,000 of each size), so each chunk's row tuples are the last chunk's, reused. At
# 20,000 each chunk made 18,000 new ones, and the collector ran ~1,150 times over a million
# rows, 100-250 ms in all, each pass holding the GIL the GUI thread waited for.
CHUNK = 2_000


@dataclass
class IdListing:
    """The library in the grid's order: `ids` (int64, one per row) and `starts` (row -> the
    label of the group beginning there, as core.query.Listing's)."""

    ids: np.ndarray
    group: str
    starts: dict[int, str] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.ids)


def library_ids(catalog: Catalog, filters: Filters | None = None, group: str = "date", *,
                stacked: bool = True) -> IdListing:
    """list_library's rows (same filters, grouping, stacks), as their file ids and group
    starts only. Run it on a worker thread: a million rows stream in ~2 s."""
    sql, args = listing_sql(filters, group, _KEYS.get(group, _KEYS["name"]), stacked=stacked)
    parts: list[np.ndarray] = []
    starts = GroupStarts(group, 1, 2, 3)
    with catalog.read() as conn:
        cur = conn.cursor()
        cur.row_factory = None   # plain tuples, not sqlite3.Row: a million of them pass by
        try:
            cur.execute(sql, args)
            while chunk := cur.fetchmany(CHUNK):
                parts.append(np.fromiter((r[0] for r in chunk), np.int64, len(chunk)))
                starts.add(chunk)
        finally:
            cur.close()
    ids = np.concatenate(parts) if parts else np.empty(0, np.int64)
    return IdListing(ids, group, starts.starts)
