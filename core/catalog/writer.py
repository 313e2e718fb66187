"""The one writer: a thread that owns the catalog's write connection.

Every write in the process is a function `fn(conn, *args)` run on this thread inside one
short `BEGIN IMMEDIATE … COMMIT` transaction. Callers block on the result (`call`) or keep a
Future (`submit`). Serialising writes here means no "database is locked" between our own
threads, and a crash loses at most the transaction in flight.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar

from core.catalog.connection import Connection, connect
from core.errors import CatalogError

log = logging.getLogger(__name__)
T = TypeVar("T")

_STOP = object()


class Writer:
    def __init__(self, db_path: Path):
        self._db_path = db_path
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._ready = threading.Event()
        self._open_error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="catalog-writer", daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._open_error is not None:
            raise CatalogError(f"cannot open the catalog for writing: {self._open_error}")

    def submit(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        if not self._thread.is_alive():
            raise CatalogError("the catalog is closed")
        fut: Future = Future()
        self._queue.put((fn, args, fut))
        return fut

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        if threading.current_thread() is self._thread:  # a write that writes: run inline
            return fn(self._conn, *args)
        return self.submit(fn, *args).result()

    def close(self) -> None:
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join()

    def _run(self) -> None:
        try:
            self._conn: Connection = connect(self._db_path)
        except Exception as e:  # noqa: BLE001 - reported to the opener through _open_error
            self._open_error = e
            self._ready.set()
            return
        self._ready.set()
        conn = self._conn
        while True:
            item = self._queue.get()
            if item is _STOP:
                break
            fn, args, fut = item
            if not fut.set_running_or_notify_cancel():
                continue
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    result = fn(conn, *args)
                    conn.execute("COMMIT")
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
            except BaseException as e:  # noqa: BLE001 - every failure goes back to the caller's future
                fut.set_exception(e)
            else:
                fut.set_result(result)
        try:
            conn.execute("PRAGMA optimize")
        except Exception as e:  # noqa: BLE001 - closing must not fail because of a planner hint
            log.debug("PRAGMA optimize failed: %s", e)
        conn.close()
