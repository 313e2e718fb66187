"""Values kept while a connection sees the catalog unchanged (a query's word lists, the OCR
vocabulary): made again only once the catalog changed.

A kept value is used only on the connection that made it (held here, so compared by identity,
never by a reusable id) and only while that connection sees the catalog as it was: PRAGMA
data_version moves when another connection commits, total_changes when this one writes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from core.catalog.connection import Connection

T = TypeVar("T")


class KeptWhileUnchanged:
    """Up to `size` values by key, the least recently used dropped first."""

    def __init__(self, size: int):
        self.size = size
        self._kept: OrderedDict[Hashable, tuple] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, conn: Connection, key: Hashable, make: Callable[[], T]) -> T:
        """The value kept for key on this connection and catalog state, else make()'s."""
        (version,) = conn.execute("PRAGMA data_version").fetchone()
        state = (version, conn.total_changes)
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None and kept[0] is conn and kept[1] == state:
                self._kept.move_to_end(key)
                return kept[2]
        value = make()
        with self._lock:
            self._kept[key] = (conn, state, value)
            self._kept.move_to_end(key)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()
