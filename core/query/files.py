"""One file of the library, named the way a user names it: by catalog id or by path."""

from __future__ import annotations

import os
from pathlib import Path

from core.catalog.connection import Connection
from core.query.errors import QueryError


def resolve_file(conn: Connection, file: int | str | os.PathLike) -> tuple[int, str, str]:
    """(id, path, kind) of a file given by catalog id or path (as typed: relative, with ~);
    QueryError if the library does not hold it."""
    if isinstance(file, int):
        row = conn.execute("SELECT id, path, kind FROM files WHERE id = ?", (file,)).fetchone()
    else:
        p = str(file)
        row = conn.execute("SELECT id, path, kind FROM files WHERE path = ?", (p,)).fetchone()
        if row is None:
            p = str(Path(p).expanduser().resolve())
            row = conn.execute("SELECT id, path, kind FROM files WHERE path = ?",
                               (p,)).fetchone()
    if row is None:
        raise QueryError(f"{file} is not in the library (add its folder and scan first)")
    return int(row[0]), row[1], row[2]
