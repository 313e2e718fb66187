"""Reads of stacks of look-alike shots (core.cull) for the grid and search (the
cull review reads its own: core.cull.review)."""

from __future__ import annotations

from collections.abc import Sequence

from core.catalog import Catalog
from core.catalog.chunks import in_chunks
from core.query.filters import BASE
from core.query.library import rows_by_ids


def stack_rows(catalog: Catalog, cover_id: int) -> list[tuple]:
    """Listing rows of the stack whose cover is `cover_id`: the cover first, then the others
    best first. Empty when it covers no stack."""
    with catalog.read() as conn:
        ids = [r[0] for r in conn.execute(
            "SELECT m.file_id FROM stacks s JOIN stack_members m ON m.stack_id = s.id "
            "JOIN files AS f ON f.id = m.file_id "
            f"WHERE s.cover_id = ? AND {BASE} ORDER BY m.file_id != s.cover_id, m.rank",
            (int(cover_id),))]
    return rows_by_ids(catalog, ids)


def covers_of(catalog: Catalog, ids: Sequence[int]) -> list[int]:
    """Search results as stacks: each look-alike replaced by its stack's cover (the best
    shot), in the order of its first appearance, without repeats."""
    ids = [int(i) for i in ids]
    cover: dict[int, int] = {}
    with catalog.read() as conn:
        for chunk, marks in in_chunks(ids):
            cover.update(conn.execute(
                "SELECT m.file_id, s.cover_id FROM stack_members m JOIN stacks s ON "
                f"s.id = m.stack_id WHERE m.hidden = 1 AND m.file_id IN ({marks})", chunk))
    return list(dict.fromkeys(cover.get(i, i) for i in ids))
