"""Which vector space (CLIP model identity) to work in: the one way search, similar,
duplicates and clustering choose, so they never mix two models' vectors."""

from __future__ import annotations

import logging

from core.catalog.connection import Connection
from core.errors import ShoeboxError

log = logging.getLogger(__name__)


def vector_space(conn: Connection, registry=None) -> str | None:
    """The model id whose vectors to use: the only one in the catalog when there is one;
    with several, the registry's current CLIP identity when the catalog has its vectors, else
    the model that made the most (the index has not caught up with a model change yet)."""
    ids = [r[0] for r in conn.execute("SELECT DISTINCT model_id FROM embeddings LIMIT 2")]
    if len(ids) <= 1:
        return ids[0] if ids else None
    if registry is not None:
        try:
            wanted = registry.identity("clip")
        except ShoeboxError as e:
            log.info("no CLIP identity from the registry (%s); using the catalog's vectors", e)
        else:
            if conn.execute("SELECT 1 FROM embeddings WHERE model_id = ? LIMIT 1",
                            (wanted,)).fetchone():
                return wanted
            log.warning("no vectors from %s yet; using the model with the most", wanted)
    return conn.execute("SELECT model_id FROM embeddings GROUP BY model_id "
                        "ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
