"""Library roots: the folders the user asked Shoebox to manage."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from core.catalog import Catalog, Connection
from core.errors import LibraryError


@dataclass(frozen=True)
class Root:
    id: int
    path: str
    added_at: float
    last_scan_at: float | None
    error: str | None


def _row_to_root(r) -> Root:
    return Root(r["id"], r["path"], r["added_at"], r["last_scan_at"], r["error"])


def list_roots(catalog: Catalog) -> list[Root]:
    with catalog.read() as conn:
        return [_row_to_root(r) for r in conn.execute("SELECT * FROM roots ORDER BY path")]


def folder_name(path: str) -> str:
    """A folder's own name, with or without a trailing separator: '/mnt/me/Photos/' ->
    'Photos'."""
    return os.path.basename(path.rstrip("/\\"))


def root_names(conn: Connection) -> list[str]:
    """The names of the library folders themselves ('Photos'): a destination never repeats
    them, and they say nothing about what is inside."""
    return [folder_name(r[0]) for r in conn.execute("SELECT path FROM roots ORDER BY path")]


def is_within(path: str, folder: str) -> bool:
    """True when path is folder itself or inside it (plain string logic on absolute paths)."""
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def add_root(catalog: Catalog, folder: str | os.PathLike, data_home: Path | None = None) -> Root:
    path = Path(folder).expanduser()
    if not path.exists():
        raise LibraryError(f"{path} does not exist: check the path, or connect the drive it is on")
    if not path.is_dir():
        raise LibraryError(f"{path} is a file: add the folder that contains your photos")
    if not os.access(path, os.R_OK | os.X_OK):
        raise LibraryError(f"{path} cannot be read: check its permissions")
    resolved = str(path.resolve())
    if data_home is not None:
        home = str(data_home.resolve())
        if is_within(resolved, home):
            raise LibraryError(f"{resolved} is inside Shoebox's own data folder ({home})")

    def insert(conn: Connection) -> Root:
        for r in conn.execute("SELECT path FROM roots"):
            other = r["path"]
            if other == resolved:
                raise LibraryError(f"{resolved} is already in the library")
            if is_within(resolved, other):
                raise LibraryError(f"{resolved} is already in the library, inside {other}")
            if is_within(other, resolved):
                raise LibraryError(
                    f"{resolved} contains {other}, which is already in the library: "
                    f"remove {other} first, then add {resolved}"
                )
        conn.execute("INSERT INTO roots(path, added_at) VALUES (?, ?)", (resolved, time.time()))
        row = conn.execute("SELECT * FROM roots WHERE path = ?", (resolved,)).fetchone()
        return _row_to_root(row)

    return catalog.write(insert)


def remove_root(catalog: Catalog, folder: str | os.PathLike) -> int:
    """Forget a root and everything known about its files (the files themselves stay put).
    Returns how many file records were dropped."""
    resolved = str(Path(folder).expanduser().resolve())

    def delete(conn: Connection) -> int:
        row = conn.execute(
            "SELECT id FROM roots WHERE path = ? OR path = ?", (resolved, str(folder))
        ).fetchone()
        if row is None:
            raise LibraryError(f"{folder} is not a library folder (see `shoebox folders`)")
        n = conn.execute("SELECT count(*) FROM files WHERE root_id = ?", (row["id"],)).fetchone()[0]
        conn.execute("DELETE FROM roots WHERE id = ?", (row["id"],))
        return n

    return catalog.write(delete)
