"""A query's word lists (FTS5 words; text read in photos) kept for the same words while the
catalog does not change: a user who changes a filter or a chip runs the same text again, and
these lists do not depend on the filters (the engine applies them afterwards). They were
~25 ms of a query's CPU at 100k files; the query encoders keep their vectors the same way
(models/onnx_text.py, QueryPath.embed_query).

A kept list is used only on the connection that made it (held here, so compared by identity,
never by a reusable id) and only while that connection sees the catalog as it was: PRAGMA
data_version moves when another connection commits, total_changes when this one writes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from core.catalog.connection import Connection
from core.search.photo_text import photo_text_search
from core.search.text import query_tokens, text_search

KEPT = 64       # word lists kept, two a query (each ~100 hits)

_KEPT: OrderedDict[tuple, tuple] = OrderedDict()
_LOCK = threading.Lock()


def words_list(conn: Connection, query: str, limit: int):
    """core.search.text.text_search(conn, query, limit), kept. Callers must not change it."""
    return _kept(conn, ("words", tuple(query_tokens(query)), limit),
                 lambda: text_search(conn, query, limit=limit))


def photo_words_list(conn: Connection, query: str, limit: int):
    """core.search.photo_text.photo_text_search(conn, query, limit), kept. Callers must not
    change it."""
    return _kept(conn, ("photo", tuple(query_tokens(query)), limit),
                 lambda: photo_text_search(conn, query, limit))


def forget() -> None:
    with _LOCK:
        _KEPT.clear()


def _kept(conn: Connection, key: tuple, make):
    (version,) = conn.execute("PRAGMA data_version").fetchone()
    state = (version, conn.total_changes)
    with _LOCK:
        kept = _KEPT.get(key)
        if kept is not None and kept[0] is conn and kept[1] == state:
            _KEPT.move_to_end(key)
            return kept[2]
    value = make()
    with _LOCK:
        _KEPT[key] = (conn, state, value)
        _KEPT.move_to_end(key)
        while len(_KEPT) > KEPT:
            _KEPT.popitem(last=False)
    return value
