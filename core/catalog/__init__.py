"""The catalog: one SQLite database (WAL, FTS5) that holds everything Shoebox knows.

    cat = Catalog.open(paths)
    with cat.read() as conn: ...            # this thread's read connection
    cat.write(fn, *args)                    # fn(conn, *args) in one transaction, on the writer
    fut = cat.submit(fn, *args)             # the same, without waiting
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from core.catalog.connection import Connection, connect
from core.catalog.migrate import migrate as run_migrations
from core.catalog.writer import Writer
from core.config import Paths
from models.datafiles import make_dir

T = TypeVar("T")

__all__ = ["Catalog", "Connection"]


class Catalog:
    def __init__(self, db_path: Path, backups_dir: Path):
        self.path = db_path
        self.backups_dir = backups_dir
        make_dir(db_path.parent)
        run_migrations(db_path, backups_dir)
        self._writer = Writer(db_path)
        self._local = threading.local()
        self._readers: list[Connection] = []
        self._readers_lock = threading.Lock()

    @classmethod
    def open(cls, paths: Paths | None = None) -> Catalog:
        paths = paths or Paths.default()
        return cls(paths.catalog, paths.backups)

    @contextlib.contextmanager
    def read(self) -> Iterator[Connection]:
        """This thread's read connection. Each statement sees a consistent snapshot; wrap
        several in `BEGIN`/`COMMIT` yourself when they must agree with each other."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect(self.path)
            self._local.conn = conn
            with self._readers_lock:
                self._readers.append(conn)
        yield conn

    def write(self, fn: Callable[..., T], *args: Any) -> T:
        return self._writer.call(fn, *args)

    def submit(self, fn: Callable[..., T], *args: Any):
        return self._writer.submit(fn, *args)

    def close(self) -> None:
        self._writer.close()
        with self._readers_lock:
            for conn in self._readers:
                conn.close()
            self._readers.clear()

    def __enter__(self) -> Catalog:  # noqa: PYI034 - Catalog is not subclassed
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
