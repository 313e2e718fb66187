"""The one connection factory: every catalog connection is made here.

Shoebox uses sqlean.py, a drop-in sqlite3 module with its own SQLite (FTS5 included, the same
version on every platform). No extension is loaded: sqlite-vec was, until measurements showed
the in-process index beats it (docs/BENCHMARKS.md, "Vector index at 1M"), and loading it from
several threads at once had crashed the process, which took a global lock around every open.
Connections are now opened concurrently.
"""

from __future__ import annotations

from pathlib import Path

import sqlean as sqlite3

from models.datafiles import tighten, touch_private

Connection = sqlite3.Connection
Row = sqlite3.Row
DatabaseError = sqlite3.DatabaseError
IntegrityError = sqlite3.IntegrityError
OperationalError = sqlite3.OperationalError

BUSY_TIMEOUT_MS = 30_000


def connect(path: Path | str, *, readonly: bool = False) -> sqlite3.Connection:
    """Open a connection in autocommit mode; callers that write open their own transactions."""
    if readonly:
        conn = sqlite3.connect(
            f"file:{Path(path).as_posix()}?mode=ro", uri=True, isolation_level=None,
            check_same_thread=False,
        )
    else:
        # SQLite gives its -wal and -shm files the database's mode: a database made 0600
        # here keeps all three private (older ones are tightened, see _tighten_files)
        touch_private(Path(path))
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    if not readonly:
        # WAL is a property of the file: switching needs a lock (a reader opened during a long
        # write would wait for it), so only the first connection to a new catalog switches
        if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")  # every commit on disk: a journalled move survives a power cut
        _tighten_files(Path(path))
    return conn


def _tighten_files(db: Path) -> None:
    """The -wal and -shm files as SQLite made them: owner-only like the database (they hold
    the same rows). SQLite creates them with the database's mode, so this changes something
    only for a database from before that rule."""
    for p in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        tighten(p)
