"""The library listing: files passing the filters, grouped and sorted, a page at a time.

Rows are plain tuples (100,000 of them load and sort fast); their layout is the constants
below, shared with the GUI's grid model.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from core.catalog import Catalog
from core.places.store import library_places
from core.query.errors import QueryError
from core.query.filters import CHUNK, TAKEN, Filters, where_clause

# Row layout: (id, path, kind, taken, name, content_hash, duration_s, folder, error).
# `taken` falls back to the file's modification time, as the date filters do.
ID, PATH, KIND, TAKEN_AT, NAME, HASH, DURATION, FOLDER, ERROR = range(9)
_COLUMNS = (f"f.id, f.path, f.kind, {TAKEN}, f.name, f.content_hash, f.duration_s, "
            "f.folder, f.error")

# Grouping decides the order; each group's first row carries the group's label.
GROUPS = ("date", "folder", "collection", "name")
_ORDERS = {
    "date": f"{TAKEN} DESC, f.id DESC",
    "folder": "f.folder, f.name, f.id",
    "collection": f"m.cluster_id IS NULL, m.cluster_id, {TAKEN} DESC, f.id DESC",
    "name": "f.name, f.id",
}
UNNAMED_COLLECTION = "Unnamed collection"
NO_COLLECTION = "Not in a collection"
UNDATED = "Undated"


@dataclass
class Listing:
    """A page of the library. `starts`: row index -> label of the group (month, folder,
    collection) that begins there; `row_of`: file id -> row index."""

    rows: list[tuple]
    group: str
    starts: dict[int, str] = field(default_factory=dict)
    row_of: dict[int, int] = field(default_factory=dict)


def list_library(catalog: Catalog, filters: Filters | None = None, group: str = "date", *,
                 limit: int | None = None, offset: int = 0) -> Listing:
    """Files passing `filters`, ordered for `group` ("date": newest first; "folder";
    "collection": collection by collection, the rest last; "name"), `limit` rows from
    `offset` (all when limit is None). Run it on a worker thread: at 100k files it reads
    for a fraction of a second."""
    if group not in GROUPS:
        raise QueryError(f"unknown grouping {group!r}: use one of {', '.join(GROUPS)}")
    where, args = where_clause(filters)
    join = ""
    label = "NULL"
    if group == "collection":
        join = ("LEFT JOIN cluster_members AS m ON m.file_id = f.id "
                "LEFT JOIN clusters AS c ON c.id = m.cluster_id")
        label = (f"CASE WHEN m.cluster_id IS NULL THEN '{NO_COLLECTION}' "
                 f"ELSE coalesce(c.name, '{UNNAMED_COLLECTION}') END")
    sql = (f"SELECT {_COLUMNS}, {label} FROM files AS f {join} WHERE {where} "
           f"ORDER BY {_ORDERS[group]}")
    if limit is not None or offset:
        sql += " LIMIT ? OFFSET ?"
        args = [*args, -1 if limit is None else int(limit), int(offset)]
    with catalog.read() as conn:
        raw = conn.execute(sql, args).fetchall()
    rows = [tuple(r)[:9] for r in raw]
    labels = [r[9] for r in raw] if group == "collection" else None
    return Listing(rows, group, _group_starts(rows, group, labels),
                   {r[ID]: i for i, r in enumerate(rows)})


def _group_starts(rows: list[tuple], group: str, labels: list[str] | None) -> dict[int, str]:
    starts: dict[int, str] = {}
    last: object = object()
    lo = hi = 0.0  # the current month's span: a date call only when a row leaves it
    for i, r in enumerate(rows):
        if group == "date":
            t = r[TAKEN_AT]
            if t is None:
                key = UNDATED
            elif lo <= t < hi and last != UNDATED:
                continue
            else:
                d = dt.datetime.fromtimestamp(t)
                first = d.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
                nxt = (first.replace(year=first.year + 1, month=1) if first.month == 12
                       else first.replace(month=first.month + 1))
                lo, hi = first.timestamp(), nxt.timestamp()
                key = d.strftime("%B %Y")
        elif group == "folder":
            key = os.path.basename(r[FOLDER]) or r[FOLDER]
        elif group == "collection":
            key = labels[i]
        else:
            break  # by name: no groups
        if key != last:
            starts[i] = key
            last = key
    return starts


def rows_by_ids(catalog: Catalog, ids: Sequence[int]) -> list[tuple]:
    """Listing rows for the given ids, in the given order (search results, a collection);
    ids no longer in the catalog are left out."""
    ids = [int(i) for i in ids]
    out: dict[int, tuple] = {}
    with catalog.read() as conn:
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start:start + CHUNK]
            marks = ",".join("?" * len(chunk))
            for r in conn.execute(f"SELECT {_COLUMNS} FROM files AS f WHERE f.id IN ({marks})",
                                  chunk):
                out[r[0]] = tuple(r)
    return [out[i] for i in ids if i in out]


@dataclass(frozen=True)
class FilterChoices:
    """What the filter menus offer: cameras seen in the library, the library roots, and the
    places photos were taken in with their counts (most first)."""

    cameras: list[str]
    folders: list[str]
    places: list = field(default_factory=list)   # core.places.store.PlaceCount


def filter_choices(catalog: Catalog, max_cameras: int = 50, max_places: int = 60
                   ) -> FilterChoices:
    with catalog.read() as conn:
        cams = [r[0] for r in conn.execute(
            "SELECT DISTINCT trim(coalesce(camera_make, '') || ' ' || coalesce(camera_model, ''))"
            " AS c FROM files WHERE status = 'present' AND camera_model IS NOT NULL "
            "ORDER BY c LIMIT ?", (int(max_cameras),))]
        roots = [r[0] for r in conn.execute("SELECT path FROM roots ORDER BY path")]
        places = library_places(conn, limit=max_places)
    return FilterChoices(cams, roots, places)
