"""Collections as the GUI, the CLI and the naming pass list them: name, size, dates and a few
representative files each, all in two statements however many collections there are."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from core.catalog import Catalog
from core.query.library import UNNAMED_COLLECTION

REPRESENTATIVES = 4


@dataclass(frozen=True)
class FileRef:
    """Enough to find or draw a file's thumbnail."""

    id: int
    path: str
    kind: str
    content_hash: str | None


@dataclass
class CollectionSummary:
    id: int
    name: str | None            # None until it is named (`label` says so in words)
    description: str | None
    tags: list[str]
    folder_path: str | None
    keep_as_is: bool
    named_by: str | None
    size: int                   # present files
    first_taken: float | None
    last_taken: float | None
    representatives: list[FileRef] = field(default_factory=list)  # best first

    @property
    def label(self) -> str:
        """The name to show: "Unnamed collection" until it has one."""
        return self.name or UNNAMED_COLLECTION


def list_collections(catalog: Catalog, representatives: int = REPRESENTATIVES
                     ) -> list[CollectionSummary]:
    """Collections with present files, largest first (by present files; a collection whose
    files are all gone is not listed)."""
    with catalog.read() as conn:
        conn.execute("BEGIN")  # the counts and the representatives from one snapshot
        try:
            rows = conn.execute(
                "SELECT c.id, c.name, c.description, c.tags, c.folder_path, c.keep_as_is, "
                "c.named_by, count(m.file_id) AS n, min(f.taken_at), max(f.taken_at) "
                "FROM clusters c JOIN cluster_members m ON m.cluster_id = c.id "
                "JOIN files f ON f.id = m.file_id AND f.status = 'present' "
                "GROUP BY c.id ORDER BY n DESC, c.id").fetchall()
            reps: dict[int, list[FileRef]] = {}
            # every member is ranked on narrow rows (the status index gives present files), and
            # only the winners' paths are read: ranking the paths along took twice as long at 1M
            for r in conn.execute(
                    "SELECT r.cluster_id, f.id, f.path, f.kind, f.content_hash FROM ("
                    " SELECT m.cluster_id, m.file_id, row_number() "
                    "  OVER (PARTITION BY m.cluster_id "
                    "        ORDER BY m.representative DESC, m.probability DESC, m.file_id) AS k "
                    " FROM cluster_members m JOIN files f ON f.id = m.file_id "
                    " WHERE f.status = 'present') r JOIN files f ON f.id = r.file_id "
                    "WHERE r.k <= ? ORDER BY r.cluster_id, r.k",
                    (int(representatives),)):
                reps.setdefault(r[0], []).append(FileRef(r[1], r[2], r[3], r[4]))
        finally:
            conn.execute("COMMIT")
    return [CollectionSummary(r[0], r[1], r[2], json.loads(r[3]) if r[3] else [], r[4],
                              bool(r[5]), r[6], r[7], r[8], r[9], reps.get(r[0], []))
            for r in rows]


def collection_members(catalog: Catalog, collection_id: int) -> list[int]:
    """Ids of a collection's present files, oldest first."""
    with catalog.read() as conn:
        return [r[0] for r in conn.execute(
            "SELECT m.file_id FROM cluster_members m JOIN files f ON f.id = m.file_id "
            "WHERE m.cluster_id = ? AND f.status = 'present' ORDER BY f.taken_at, f.id",
            (int(collection_id),))]


def collection_names(catalog: Catalog) -> dict[int, str]:
    """Collection id -> name ("" while unnamed): for labelling a plan's groups."""
    with catalog.read() as conn:
        return {r[0]: r[1] for r in conn.execute("SELECT id, coalesce(name, '') FROM clusters")}


def has_collections(catalog: Catalog) -> bool:
    with catalog.read() as conn:
        return conn.execute("SELECT 1 FROM clusters LIMIT 1").fetchone() is not None
