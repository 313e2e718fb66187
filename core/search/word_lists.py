"""A query's word lists (FTS5 words; text read in photos) kept for the same words while the
catalog does not change (core.search.kept): a user who changes a filter or a chip runs the
same text again, and these lists do not depend on the filters (the engine applies them
afterwards). They were ~25 ms of a query's CPU at 100k files; the query encoders keep their
vectors the same way (models/onnx_text.py, QueryPath.embed_query).
"""

from __future__ import annotations

from core.catalog.connection import Connection
from core.search.kept import KeptWhileUnchanged
from core.search.photo_text import photo_text_search
from core.search.text import query_tokens, text_search

KEPT = 64       # word lists kept, two a query (each ~100 hits)

_KEPT = KeptWhileUnchanged(KEPT)


def words_list(conn: Connection, query: str, limit: int):
    """core.search.text.text_search(conn, query, limit), kept. Callers must not change it."""
    return _KEPT.get(conn, ("words", tuple(query_tokens(query)), limit),
                     lambda: text_search(conn, query, limit=limit))


def photo_words_list(conn: Connection, query: str, limit: int):
    """core.search.photo_text.photo_text_search(conn, query, limit), kept. Callers must not
    change it."""
    return _KEPT.get(conn, ("photo", tuple(query_tokens(query)), limit),
                     lambda: photo_text_search(conn, query, limit))


def forget() -> None:
    _KEPT.clear()
