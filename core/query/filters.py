"""The one filter dialect: every chip in the GUI and every CLI filter is a field of `Filters`,
and each field becomes SQL in exactly one place, its clause below. Browse, search and
"more like this" all filter through `where_clause`, so the same filters give the same files
everywhere.

Adding a filter (people, places, text, ...) is two edits in this module:

    1. a field on Filters (None = not filtering), documented in its docstring;
    2. a clause registered for it:

        @clause("person_id")
        def _person(value):
            return "f.id IN (SELECT file_id FROM faces WHERE person_id = ?)", [int(value)]

A clause gets the field's value (never None) and returns SQL over alias `f` (files) with `?`
placeholders and its arguments; values are always bound, never formatted into the SQL.
A field without a clause fails the import-time check (and the test suite).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from core.catalog import Connection
from core.catalog.chunks import in_chunks
from core.files.dates import capture_dated_sql
from core.places.store import place_filter_sql
from core.query.errors import FilterError

# When the file was taken: a capture date from one of core.files.dates.DATE_SOURCES, else NULL.
# A file's modification time is when it was copied, never when it was taken: an undated file
# passes no date filter, counts in no "this year", and shows "Unknown date" everywhere.
TAKEN = f"(CASE WHEN {capture_dated_sql()} THEN f.taken_at END)"
# Only to order rows: the capture date, else the file's date (undated files keep an order
# among themselves, after the dated ones, without being given a date).
ORDER_TIME = "COALESCE(f.taken_at, f.mtime_ns / 1e9)"
# Only files that are there (a missing file keeps its row and results until it returns) and
# stand on their own: a RAW beside its JPEG twin (kind 'other') is the JPEG's companion.
BASE = "f.status = 'present' AND f.kind != 'other'"
KINDS = ("photo", "video", "screenshot", "document")


@dataclass(frozen=True)
class Filters:
    """Every field is optional; set ones are ANDed. Usable alone (browse) or with a query.

    date_from / date_to: Unix seconds, inclusive, on the time the file was taken (a capture
    date: core.files.dates.DATE_SOURCES); an undated file matches neither.
    kind: photo (camera RAW without a JPEG twin included) or video (None: both); or screenshot or
        document, photos the text stage told apart (core.pipeline.picture_kinds).
    folder: an absolute folder; files in it or in any folder below it.
    root_id: one library root.
    has_gps: True: files with a full position (latitude and longitude); False: the others.
    camera: matched case-insensitively, as plain text (no wildcards), in "make model".
    collection_id: files of one collection.
    place: a town, region or country name, case and accents ignored ('valparaiso' finds
        Valparaíso); a file's own GPS place or the one inferred from its event.
    people: person ids; files that show every one of them (a face of theirs is in it).
    album: an album's name (a Google Photos album brought in by a Takeout), case ignored.
    favorite: True: the favourites only.
    """

    date_from: float | None = None
    date_to: float | None = None
    kind: Literal["photo", "video", "screenshot", "document"] | None = None
    folder: str | None = None
    root_id: int | None = None
    has_gps: bool | None = None
    camera: str | None = None
    collection_id: int | None = None
    place: str | None = None
    people: tuple[int, ...] | None = None
    album: str | None = None
    favorite: bool | None = None

    def is_empty(self) -> bool:
        return all(getattr(self, f.name) is None for f in dataclasses.fields(self))

    def replace(self, **changes: Any) -> Filters:
        return dataclasses.replace(self, **changes)


Clause = Callable[[Any], tuple[str, list]]
_CLAUSES: dict[str, Clause] = {}


def clause(field: str) -> Callable[[Clause], Clause]:
    """Register the SQL of one Filters field (see the module docstring)."""
    def register(fn: Clause) -> Clause:
        if field in _CLAUSES:
            raise ValueError(f"filter {field!r} has a clause already")
        _CLAUSES[field] = fn
        return fn
    return register


def where_clause(filters: Filters | None) -> tuple[str, list]:
    """SQL condition on alias `f` (files) and its arguments."""
    parts, args = [BASE], []
    for f in dataclasses.fields(Filters):
        value = getattr(filters, f.name) if filters is not None else None
        if value is None:
            continue
        sql, more = _CLAUSES[f.name](value)
        parts.append(f"({sql})")
        args += more
    return " AND ".join(parts), args


def check_registry() -> None:
    """Every field has a clause and every clause a field (run at import and by the tests)."""
    fields = {f.name for f in dataclasses.fields(Filters)}
    if fields != set(_CLAUSES):
        raise RuntimeError(f"filters without a clause: {sorted(fields - set(_CLAUSES))}; "
                           f"clauses without a field: {sorted(set(_CLAUSES) - fields)}")


# --- the clauses ---------------------------------------------------------------------------

def _seconds(value: Any, name: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise FilterError(f"{name} must be a time in Unix seconds, not {value!r}") from None


@clause("date_from")
def _date_from(value):
    return f"f.taken_at >= ? AND {capture_dated_sql()}", [_seconds(value, "date_from")]


@clause("date_to")
def _date_to(value):
    return f"f.taken_at <= ? AND {capture_dated_sql()}", [_seconds(value, "date_to")]


@clause("kind")
def _kind(value):
    if value not in KINDS:
        raise FilterError(f"unknown kind {value!r}: use {', '.join(KINDS)}")
    if value in ("screenshot", "document"):
        return "f.id IN (SELECT file_id FROM picture_kinds WHERE kind = ?)", [value]
    return "f.kind = ?", [value]


@clause("folder")
def _folder(value):
    folder = os.path.abspath(os.path.expanduser(str(value))).rstrip("/\\") or "/"
    # In the folder or below it: the paths that start with "folder/" are those from it up to
    # (not including) "folder0" ("/" + 1), a range the folder index answers (substr() read
    # every row: ~30 ms at 100k files); no LIKE, so % and _ in names are literal.
    prefix = folder if folder.endswith(("/", "\\")) else folder + os.sep
    after = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return "f.folder = ? OR (f.folder >= ? AND f.folder < ?)", [folder, prefix, after]


@clause("root_id")
def _root(value):
    return "f.root_id = ?", [int(value)]


@clause("has_gps")
def _gps(value):
    if value:
        return "f.gps_lat IS NOT NULL AND f.gps_lon IS NOT NULL", []
    return "f.gps_lat IS NULL OR f.gps_lon IS NULL", []


@clause("camera")
def _camera(value):
    text = str(value).strip().lower()
    made_by = "lower(trim(coalesce(f.camera_make, '') || ' ' || coalesce(f.camera_model, '')))"
    return f"{made_by} LIKE ? ESCAPE '\\'", ["%" + like_escape(text) + "%"]


@clause("collection_id")
def _collection(value):
    return "f.id IN (SELECT file_id FROM cluster_members WHERE cluster_id = ?)", [int(value)]


@clause("album")
def _album(value):
    return ("f.id IN (SELECT af.file_id FROM album_files af JOIN albums a ON a.id = af.album_id "
            "WHERE lower(a.name) = lower(?))"), [str(value).strip()]


@clause("favorite")
def _favorite(value):
    return "f.favorite = ?", [1 if value else 0]


@clause("place")
def _place(value):
    return place_filter_sql(str(value))
@clause("people")
def _people(value):
    ids = [int(v) for v in value]
    if not ids:
        return "1", []
    return " AND ".join(["f.id IN (SELECT file_id FROM faces WHERE person_id = ?)"] * len(ids)), ids


check_registry()


def like_escape(s: str) -> str:
    """User text as a literal inside LIKE ... ESCAPE '\\'."""
    return s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# --- reads that filter ---------------------------------------------------------------------

def allowed_ids(conn: Connection, filters: Filters | None,
                ids: Iterable[int] | None = None) -> set[int]:
    """Ids of files that pass the filters (among `ids` when given)."""
    if ids is None:
        return set(allowed_id_array(conn, filters).tolist())
    where, args = where_clause(filters)
    ids = [int(i) for i in ids]
    out: set[int] = set()
    for chunk, marks in in_chunks(ids):
        out.update(r[0] for r in conn.execute(
            f"SELECT f.id FROM files AS f WHERE f.id IN ({marks}) AND {where}", chunk + args))
    return out


def allowed_id_array(conn: Connection, filters: Filters | None) -> np.ndarray:
    """Ids of every file that passes the filters, int64, read as one string: a row object per
    file cost ~60 ms at 100k files, this ~12 ms (search's filter masks are built from it)."""
    where, args = where_clause(filters)
    (ids,) = conn.execute(f"SELECT group_concat(f.id) FROM files AS f WHERE {where}",
                          args).fetchone()
    return np.fromstring(ids, dtype=np.int64, sep=",") if ids else np.zeros(0, np.int64)


