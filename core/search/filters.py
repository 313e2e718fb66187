"""Filters as SQL over `files` (always present files only), and browsing without a query."""

from __future__ import annotations

import os

from core.catalog.connection import Connection
from core.search.types import Filters, SearchError

# When the file was taken, falling back to its modification time.
TAKEN = "COALESCE(f.taken_at, f.mtime_ns / 1e9)"


def where_clause(filters: Filters) -> tuple[str, list]:
    """SQL condition on alias `f` (files) and its parameters. Values are always bound."""
    parts = ["f.status = 'present'", "f.kind IN ('photo', 'video')"]
    args: list = []
    if filters.date_from is not None:
        parts.append(f"{TAKEN} >= ?")
        args.append(float(filters.date_from))
    if filters.date_to is not None:
        parts.append(f"{TAKEN} <= ?")
        args.append(float(filters.date_to))
    if filters.kind is not None:
        if filters.kind not in ("photo", "video"):
            raise SearchError(f"unknown kind {filters.kind!r}: use photo or video")
        parts.append("f.kind = ?")
        args.append(filters.kind)
    if filters.folder:
        folder = os.path.abspath(os.path.expanduser(filters.folder)).rstrip("/\\") or "/"
        # In the folder or below it; substr instead of LIKE so % and _ in names are literal.
        prefix = folder if folder.endswith(("/", "\\")) else folder + os.sep
        parts.append("(f.folder = ? OR substr(f.folder, 1, ?) = ?)")
        args += [folder, len(prefix), prefix]
    if filters.root_id is not None:
        parts.append("f.root_id = ?")
        args.append(int(filters.root_id))
    if filters.has_gps is True:
        parts.append("f.gps_lat IS NOT NULL AND f.gps_lon IS NOT NULL")
    elif filters.has_gps is False:
        parts.append("(f.gps_lat IS NULL OR f.gps_lon IS NULL)")
    if filters.camera:
        parts.append(
            "lower(trim(coalesce(f.camera_make, '') || ' ' || coalesce(f.camera_model, ''))) "
            "LIKE ? ESCAPE '\\'"
        )
        args.append("%" + _like_escape(filters.camera.strip().lower()) + "%")
    if filters.cluster_id is not None:
        parts.append("f.id IN (SELECT file_id FROM cluster_members WHERE cluster_id = ?)")
        args.append(int(filters.cluster_id))
    return " AND ".join(parts), args


def _like_escape(s: str) -> str:
    return s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def allowed_ids(conn: Connection, filters: Filters, ids=None) -> set[int]:
    """Ids of files that pass the filters (among `ids` when given)."""
    where, args = where_clause(filters)
    if ids is None:
        rows = conn.execute(f"SELECT f.id FROM files AS f WHERE {where}", args).fetchall()
        return {r[0] for r in rows}
    ids = [int(i) for i in ids]
    out: set[int] = set()
    for i in range(0, len(ids), 5000):   # stay under SQLite's bound-parameter limit
        chunk = ids[i:i + 5000]
        marks = ",".join("?" * len(chunk))
        rows = conn.execute(
            f"SELECT f.id FROM files AS f WHERE f.id IN ({marks}) AND {where}", chunk + args
        ).fetchall()
        out.update(r[0] for r in rows)
    return out


def file_rows(conn: Connection, ids) -> dict[int, tuple]:
    """file_id -> (path, kind, taken) for the given ids."""
    ids = [int(i) for i in ids]
    out: dict[int, tuple] = {}
    for i in range(0, len(ids), 5000):
        chunk = ids[i:i + 5000]
        marks = ",".join("?" * len(chunk))
        for r in conn.execute(
            f"SELECT f.id, f.path, f.kind, {TAKEN} FROM files AS f WHERE f.id IN ({marks})", chunk
        ):
            out[r[0]] = (r[1], r[2], r[3])
    return out


def browse_rows(conn: Connection, filters: Filters, limit: int, offset: int = 0) -> list[tuple]:
    """(id, path, kind, taken) of files passing the filters, newest first."""
    where, args = where_clause(filters)
    return conn.execute(
        f"SELECT f.id, f.path, f.kind, {TAKEN} AS taken FROM files AS f WHERE {where} "
        "ORDER BY taken DESC, f.id DESC LIMIT ? OFFSET ?",
        args + [int(limit), int(offset)],
    ).fetchall()
