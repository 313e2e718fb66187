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
from core.catalog.chunks import in_chunks
from core.files.dates import capture_dated_sql
from core.places.events import day_span, event_titles
from core.places.store import library_places
from core.query.albums import album_counts
from core.query.display import camera_label, month_label
from core.query.errors import QueryError
from core.query.filters import BASE, ORDER_TIME, TAKEN, Filters, where_clause

# Row layout: (id, path, kind, taken, name, content_hash, duration_s, folder, error, stack).
# `taken` is the capture date, None for an undated file (never its modification time).
# `stack`: for the cover of a stack of look-alike shots (core.cull), how many it holds.
ID, PATH, KIND, TAKEN_AT, NAME, HASH, DURATION, FOLDER, ERROR, STACK = range(10)
_WIDTH = 10
_COLUMNS = (f"f.id, f.path, f.kind, {TAKEN}, f.name, f.content_hash, f.duration_s, "
            "f.folder, f.error, st.size")
_STACK_JOIN = "LEFT JOIN stacks AS st ON st.cover_id = f.id"

# No camera date: the file's own date is when it was copied, not when it was taken.
UNDATED_SQL = f"(f.taken_at IS NULL OR NOT coalesce({capture_dated_sql()}, 0))"
# Grouping decides the order; each group's first row carries the group's label.
GROUPS = ("date", "folder", "collection", "name")
_ORDERS = {
    # camera-dated files first, newest first; files dated only by when they were copied last
    "date": f"{UNDATED_SQL}, {ORDER_TIME} DESC, f.id DESC",
    "folder": "f.folder, f.name, f.id",
    "collection": f"m.cluster_id IS NULL, m.cluster_id, {ORDER_TIME} DESC, f.id DESC",
    "name": "f.name, f.id",
}
UNNAMED_COLLECTION = "Unnamed collection"
NO_COLLECTION = "Not in a collection"
UNDATED = "Unknown date"
EVENT_HEADER_MIN = 3   # an event gets its own timeline header from this many files


@dataclass
class Listing:
    """A page of the library. `starts`: row index -> label of the group (month, folder,
    collection) that begins there; `row_of`: file id -> row index."""

    rows: list[tuple]
    group: str
    starts: dict[int, str] = field(default_factory=dict)
    row_of: dict[int, int] = field(default_factory=dict)
    headers: dict[int, Header] = field(default_factory=dict)  # date grouping: timeline bands


@dataclass(frozen=True)
class Header:
    """A full-width timeline header that starts at a row: the year when it changes, the
    month, and the event with its place ('Kyoto · 1-5 Apr 2023'); or 'Unknown date'."""

    year: str | None
    month: str
    event: str | None = None

    def text(self) -> str:
        return "  ·  ".join(x for x in (self.month, self.event) if x)


def folded_sql(where: str, args: list) -> tuple[str, list]:
    """SQL on alias `f`: not a look-alike folded under the cover of its stack, where that
    cover passes the same filters (`where`, `args`: core.query.where_clause) and so is listed
    in its place. One uncorrelated subquery: SQLite builds it once per listing."""
    sql = (f"f.id NOT IN (SELECT sm.file_id FROM stack_members AS sm JOIN stacks AS s ON "
           f"s.id = sm.stack_id JOIN files AS f ON f.id = s.cover_id WHERE sm.hidden = 1 "
           f"AND {where})")
    return sql, list(args)


def count_library(catalog: Catalog, filters: Filters | None = None) -> int:
    """How many files pass `filters` (a count, not the rows; look-alikes folded under a
    stack's cover are counted too: it decides how much to read first, not what is shown)."""
    where, args = where_clause(filters)
    with catalog.read() as conn:
        return conn.execute(f"SELECT count(*) FROM files AS f WHERE {where}",
                            args).fetchone()[0]


# Extra columns after a listing's own, per grouping: what labels its groups (date: undated
# or not, then the event; collection: its name), and the joins they and the order need.
COLLECTION_LABEL = (f"CASE WHEN m.cluster_id IS NULL THEN '{NO_COLLECTION}' "
                     f"ELSE coalesce(c.name, '{UNNAMED_COLLECTION}') END")
_LABELS = {"date": f"{UNDATED_SQL}, em.event_id", "collection": COLLECTION_LABEL}
_JOINS = {"date": " LEFT JOIN event_members AS em ON em.file_id = f.id",
          "collection": " LEFT JOIN cluster_members AS m ON m.file_id = f.id "
                        "LEFT JOIN clusters AS c ON c.id = m.cluster_id"}


def listing_sql(filters: Filters | None, group: str, columns: str, *, stacked: bool = True
                ) -> tuple[str, list]:
    """The library listing's one SELECT of `columns` (on aliases `f` files, `st` stacks, and
    for `group`'s labels `em`, `m`, `c`): the files passing `filters`, look-alikes folded
    under their stack's cover when `stacked`, in `group`'s order. list_library and
    core.query.library_ids both read it, so the paged grid lists exactly the same rows."""
    if group not in GROUPS:
        raise QueryError(f"unknown grouping {group!r}: use one of {', '.join(GROUPS)}")
    where, args = where_clause(filters)
    if stacked:
        fold, fold_args = folded_sql(where, args)
        where, args = f"{where} AND {fold}", [*args, *fold_args]
    return (f"SELECT {columns} FROM files AS f {_STACK_JOIN}{_JOINS.get(group, '')} "
            f"WHERE {where} ORDER BY {_ORDERS[group]}"), args


def list_library(catalog: Catalog, filters: Filters | None = None, group: str = "date", *,
                 limit: int | None = None, offset: int = 0, stacked: bool = True,
                 headers: bool = True) -> Listing:
    """Files passing `filters`, ordered for `group` ("date": newest first; "folder";
    "collection": collection by collection, the rest last; "name"), `limit` rows from
    `offset` (all when limit is None). `stacked`: a stack of look-alike shots is one row, its
    cover, carrying the stack's size (core.cull). `headers`: the date grouping's timeline
    bands (their event titles read the library's places: seconds at a million files). Run it
    on a worker thread: at 100k files it reads for a fraction of a second; a big library's
    grid pages instead (core.query.library_ids)."""
    sql, args = listing_sql(filters, group, f"{_COLUMNS}, {_LABELS.get(group, 'NULL')}",
                            stacked=stacked)
    if limit is not None or offset:
        sql += " LIMIT ? OFFSET ?"
        args = [*args, -1 if limit is None else int(limit), int(offset)]
    with catalog.read() as conn:
        raw = conn.execute(sql, args).fetchall()
        rows = [tuple(r)[:_WIDTH] for r in raw]
        starts = GroupStarts(group, TAKEN_AT, FOLDER, _WIDTH)
        starts.add(raw)
        bands = {}
        if group == "date" and headers:
            bands = _timeline_headers(conn, rows, [r[_WIDTH] for r in raw],
                                        [r[_WIDTH + 1] for r in raw])
    return Listing(rows, group, starts.starts, {r[ID]: i for i, r in enumerate(rows)}, bands)


def _month_of(t: float) -> tuple[dt.datetime, str, float, float]:
    """The local time of `t`, its month's label ('March 2023') and the month's span [lo, hi),
    so the rows after it need no date call until one leaves the span."""
    d = dt.datetime.fromtimestamp(t)
    first = d.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    nxt = (first.replace(year=first.year + 1, month=1) if first.month == 12
           else first.replace(month=first.month + 1))
    return d, month_label(t), first.timestamp(), nxt.timestamp()


class GroupStarts:
    """Where each group of a listing begins (row -> its label: the month, 'Unknown date', the
    folder's name, the collection), fed the listing's rows in order, a slice at a time, so a
    million rows need not be held at once. `taken`, `folder`, `label`: the columns of a row
    holding the capture date, the folder and the group's label (date: undated or not)."""

    def __init__(self, group: str, taken: int, folder: int, label: int):
        self.group, self._taken, self._folder, self._label = group, taken, folder, label
        self.starts: dict[int, str] = {}
        self._n = 0                    # rows seen
        self._last: object = object()  # the current group's label
        self._raw: object = object()   # ... and the folder or label it came from
        self._lo = self._hi = 0.0      # the current month's span: a date call only past it

    def add(self, rows: Sequence) -> None:
        group, starts, last, raw, lo, hi = (self.group, self.starts, self._last, self._raw,
                                            self._lo, self._hi)
        taken, folder, label = self._taken, self._folder, self._label
        for i, r in enumerate(rows, self._n):
            if group == "date":
                t = r[taken]
                if t is None or r[label]:
                    key = UNDATED
                elif lo <= t < hi and last != UNDATED:
                    continue
                else:
                    _d, key, lo, hi = _month_of(t)
            elif group == "folder":
                if r[folder] == raw:
                    continue
                raw = r[folder]
                key = os.path.basename(raw) or raw
            elif group == "collection":
                if r[label] == raw:
                    continue
                key = raw = r[label]
            else:
                break  # by name: no groups
            if key != last:
                starts[i] = key
                last = key
        self._n += len(rows)
        self._last, self._raw, self._lo, self._hi = last, raw, lo, hi


def _timeline_headers(conn, rows: list[tuple], undated: list, events: list
                      ) -> dict[int, Header]:
    """Where a timeline band begins: each month, each event of EVENT_HEADER_MIN files or more
    (titled with its place and days), and the undated files at the end."""
    counts: dict[int, int] = {}
    for e in events:
        if e is not None:
            counts[e] = counts.get(e, 0) + 1
    big = {e for e, n in counts.items() if n >= EVENT_HEADER_MIN}
    spans: dict[int, tuple[float, float]] = {}
    if big:
        ids = sorted(big)
        for chunk, marks in in_chunks(ids):
            spans.update((r[0], (r[1], r[2])) for r in conn.execute(
                f"SELECT id, start_at, end_at FROM events WHERE id IN ({marks})", chunk))
    titles = event_titles(conn, big) if big else {}
    out: dict[int, Header] = {}
    last_year = last_month = last_event = None
    lo = hi = 0.0  # the current month's span: a date call only when a row leaves it
    for i, r in enumerate(rows):
        if undated[i]:
            if last_month != UNDATED:
                out[i] = Header(None, UNDATED)
                last_month = UNDATED
            continue
        t = r[TAKEN_AT]
        e = events[i] if events[i] in big else None
        if lo <= t < hi and last_month != UNDATED and (e is None or e == last_event):
            continue
        d, month, lo, hi = _month_of(t)
        if month == last_month and (e is None or e == last_event):
            continue
        event_text = None
        if e is not None and e in spans:
            span = day_span(*spans[e])
            event_text = f"{titles[e]} · {span}" if titles.get(e) else span
        year = str(d.year) if str(d.year) != last_year else None
        if month != last_month or e != last_event:
            out[i] = Header(year, month, event_text)
        last_year, last_month, last_event = str(d.year), month, e
    return out


def rows_by_ids(catalog: Catalog, ids: Sequence[int]) -> list[tuple]:
    """Listing rows for the given ids, in the given order (search results, a collection);
    ids no longer in the catalog are left out."""
    ids = [int(i) for i in ids]
    out: dict[int, tuple] = {}
    with catalog.read() as conn:
        for chunk, marks in in_chunks(ids):
            for r in conn.execute(f"SELECT {_COLUMNS} FROM files AS f {_STACK_JOIN} "
                                  f"WHERE f.id IN ({marks})", chunk):
                out[r[0]] = tuple(r)
    return [out[i] for i in ids if i in out]


@dataclass(frozen=True)
class FilterChoices:
    """What the filter menus offer: cameras seen in the library, the library's folders (each
    root, then the folders below it that hold files, in path order, with how many files each
    holds, subfolders included), and the places photos were taken in with their counts."""

    cameras: list[str]             # the filter values ("make model", as stored)
    folders: list[str]
    places: list = field(default_factory=list)   # core.places.store.PlaceCount
    camera_labels: dict[str, str] = field(default_factory=dict)  # value -> readable name
    folder_counts: dict[str, int] = field(default_factory=dict)  # folder -> files in and below
    albums: list = field(default_factory=list)   # core.query.albums.AlbumSummary, by name


def _folder_tree(roots: list[str], counts: list[tuple[str, int]], limit: int
                 ) -> tuple[list[str], dict[str, int]]:
    """Every root and every folder between a root and a folder holding files, with the
    files in and below it; past `limit` folders the deepest are left out (a root never)."""
    total: dict[str, int] = {r: 0 for r in roots}
    for folder, n in counts:
        root = max((r for r in roots if folder == r or folder.startswith(r.rstrip(os.sep) + os.sep)),
                   key=len, default=None)
        if root is None:
            continue
        d = folder
        while True:
            total[d] = total.get(d, 0) + n
            if d == root:
                break
            d = os.path.dirname(d)
    keep = sorted(total, key=lambda f: (f not in roots, f.count(os.sep), f))[:max(limit,
                                                                                  len(roots))]
    ordered = sorted(keep, key=lambda f: f.split(os.sep))
    return ordered, {f: total[f] for f in ordered}


def filter_choices(catalog: Catalog, max_cameras: int = 50, max_places: int = 60,
                   max_folders: int = 300) -> FilterChoices:
    with catalog.read() as conn:
        pairs = conn.execute(
            "SELECT DISTINCT trim(coalesce(camera_make, '') || ' ' || coalesce(camera_model, ''))"
            " AS c, camera_make, camera_model FROM files WHERE status = 'present' AND "
            "camera_model IS NOT NULL ORDER BY c LIMIT ?", (int(max_cameras),)).fetchall()
        roots = [r[0] for r in conn.execute("SELECT path FROM roots ORDER BY path")]
        counts = conn.execute(f"SELECT f.folder, count(*) FROM files AS f WHERE {BASE} "
                              "GROUP BY f.folder").fetchall()
        places = library_places(conn, limit=max_places)
        albums = [a for a in album_counts(conn) if a.files]
    cams = list(dict.fromkeys(r[0] for r in pairs))
    labels = {r[0]: camera_label(r[1], r[2]) for r in pairs}
    folders, folder_counts = _folder_tree(roots, counts, max_folders)
    return FilterChoices(cams, folders, places, labels, folder_counts, albums)
