"""What the user said about a duplicate group, remembered by content: "Keep both" (they look
alike, both stay) and "Not a duplicate" (the finder was wrong). Stored as pairs of content
hashes (migration 0017), so a rescan, a move or a rename of the files keeps the decision: the
scanner recognises a moved file by its content hash, and so do these rows. A decision is
undone whole (`forget(batch)`): the group is then offered again."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from itertools import combinations

from core.catalog.chunks import in_chunks
from core.search import keeper
from core.search.types import DuplicateGroup, SearchError

KEEP_BOTH = "keep_both"
NOT_DUPLICATE = "not_duplicate"
DECISIONS = (KEEP_BOTH, NOT_DUPLICATE)


@dataclass
class Decisions:
    """All decisions, read once per duplicate search."""
    pairs: set[tuple[str, str]] = field(default_factory=set)   # (hash_a < hash_b)
    copies: dict[str, int] = field(default_factory=dict)       # identical content -> copies kept

    @classmethod
    def read(cls, conn) -> Decisions:
        out = cls()
        for a, b, copies in conn.execute(
                "SELECT hash_a, hash_b, copies FROM duplicate_decisions"):
            if a == b:
                out.copies[a] = copies or 0
            else:
                out.pairs.add((a, b))
        return out

    def kept_copies(self, content_hash: str, count: int) -> bool:
        """An exact group the user keeps: only until a further copy appears."""
        return count <= self.copies.get(content_hash, 0)

    def dismissed(self, hash_a: str | None, hash_b: str | None) -> bool:
        if hash_a is None or hash_b is None:
            return False
        return (min(hash_a, hash_b), max(hash_a, hash_b)) in self.pairs


def remember(catalog, group: DuplicateGroup, decision: str) -> int:
    """Store the decision for the group's files, keyed by their contents; its batch number.
    An exact group can only be kept ("not a duplicate" makes no sense for the same bytes)."""
    if decision not in DECISIONS:
        raise SearchError(f"unknown duplicate decision {decision!r}")
    if group.kind == "exact" and decision != KEEP_BOTH:
        raise SearchError("identical files are duplicates: keep them all, or trash copies")
    ids = [f.file_id for f in group.files]

    def write(conn) -> int:
        hashes = sorted({r[0] for chunk, marks in in_chunks(ids) for r in conn.execute(
            f"SELECT content_hash FROM files WHERE id IN ({marks}) "
            f"AND content_hash IS NOT NULL", chunk)})
        if group.kind == "exact":
            if len(hashes) != 1:
                raise SearchError("the group's files are no longer identical: find again")
            rows = [(hashes[0], hashes[0], len(ids))]
        else:
            rows = [(a, b, None) for a, b in combinations(hashes, 2)]
        if not rows:
            raise SearchError("the group's files are no longer in the catalog: find again")
        (batch,) = conn.execute(
            "SELECT COALESCE(max(batch), 0) + 1 FROM duplicate_decisions").fetchone()
        now = time.time()
        conn.executemany(
            "INSERT INTO duplicate_decisions(hash_a, hash_b, decision, batch, copies, "
            "decided_at) VALUES (?,?,?,?,?,?) ON CONFLICT(hash_a, hash_b) DO UPDATE SET "
            "decision = excluded.decision, batch = excluded.batch, copies = excluded.copies, "
            "decided_at = excluded.decided_at",
            [(a, b, decision, batch, copies, now) for a, b, copies in rows])
        return batch

    return catalog.write(write)


def forget(catalog, batch: int) -> int:
    """Undo one decision: its group is offered again. How many pairs were forgotten."""
    return catalog.write(lambda c: c.execute(
        "DELETE FROM duplicate_decisions WHERE batch = ?", (int(batch),)).rowcount)


def dismissed_groups(conn, folders: keeper.Folders, make_group) -> list[DuplicateGroup]:
    """The groups the user dismissed, newest first, made of the present files with the
    decided contents (wherever they lie now); `make_group(conn, kind, ids, folders)` orders
    them as the finder does. A decision whose files are gone (fewer than two) is left out."""
    batches: dict[int, tuple[str, set[str], bool]] = {}
    for batch, a, b, decision in conn.execute(
            "SELECT batch, hash_a, hash_b, decision FROM duplicate_decisions "
            "ORDER BY decided_at DESC, batch DESC"):
        _, hashes, exact = batches.setdefault(batch, (decision, set(), a == b))
        hashes.update((a, b))
    out = []
    for batch, (decision, hashes, exact) in batches.items():
        rows = sorted(tuple(r) for chunk, marks in in_chunks(sorted(hashes)) for r in conn.execute(
            f"SELECT id, kind FROM files WHERE status = 'present' AND kind IN ('photo', 'video') "
            f"AND content_hash IN ({marks})", chunk))
        if len(rows) < 2:
            continue
        g = make_group(conn, "exact" if exact else "near", [r[0] for r in rows], folders)
        g.media = "video" if any(r[1] == "video" for r in rows) else "photo"
        g.decision, g.batch = decision, batch
        out.append(g)
    return out
