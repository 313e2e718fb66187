"""The cull review's reads: every stack with its shots and what each lacks, and the photos
outside stacks that are blurry, very dark or have closed eyes."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.catalog import Catalog
from core.catalog.chunks import in_chunks
from core.cull.best import BLURRY_BELOW, DARK_BELOW, flaws
from core.cull.store import quality_from_row, stored_quality
from core.query.filters import BASE

ORDER = "started_at DESC, id"    # the review's order of stacks: newest first


@dataclass(frozen=True)
class StackShot:
    file_id: int
    path: str
    name: str
    rank: int                 # 0: the best-scored
    sharpness: float | None
    brightness: float | None
    flaws: tuple[str, ...] = ()


@dataclass(frozen=True)
class StackSummary:
    id: int
    cover_id: int
    best_id: int | None
    reason: str
    picked: bool              # the cover is the user's pick
    started_at: float | None
    shots: list[StackShot] = field(default_factory=list)   # the cover first


@dataclass(frozen=True)
class FlaggedShot:
    file_id: int
    path: str
    name: str
    reasons: tuple[str, ...]


def list_stacks(catalog: Catalog, limit: int | None = None, offset: int = 0
                ) -> list[StackSummary]:
    """Every stack (or `limit` of them from `offset` on), newest first, with its shots and
    what each lacks."""
    with catalog.read() as conn:
        stacks = conn.execute(
            "SELECT s.*, EXISTS (SELECT 1 FROM stack_picks p WHERE p.file_id = s.cover_id) AS "
            f"picked FROM stacks s ORDER BY {ORDER} LIMIT ? OFFSET ?",
            (-1 if limit is None else int(limit), int(offset))).fetchall()
        members = ("SELECT m.stack_id, m.file_id, m.rank, f.path, f.name FROM stack_members m "
                   f"JOIN files AS f ON f.id = m.file_id WHERE {BASE}")
        if limit is None:
            rows = conn.execute(members).fetchall()
        else:                 # a page: its stacks' shots, not every stack's
            rows = [r for chunk, marks in in_chunks([s["id"] for s in stacks])
                    for r in conn.execute(f"{members} AND m.stack_id IN ({marks})", chunk)]
        by_stack: dict[int, list] = {}
        for r in rows:
            by_stack.setdefault(r[0], []).append(r)
        quality = stored_quality(conn, [r[1] for rs in by_stack.values() for r in rs])
    out = []
    for s in stacks:
        shots = []
        for r in by_stack.get(s["id"], []):
            q = quality.get(r[1])
            shots.append(StackShot(r[1], r[3], r[4], r[2], q.sharpness if q else None,
                                   q.brightness if q else None,
                                   tuple(flaws(q)) if q else ()))
        shots.sort(key=lambda x: (x.file_id != s["cover_id"], x.rank))
        out.append(StackSummary(s["id"], s["cover_id"], s["best_id"], s["reason"] or "",
                                bool(s["picked"]), s["started_at"], shots))
    return out


def stack_counts(catalog: Catalog) -> tuple[int, int]:
    """(stacks, their lesser shots): what "keep the best of every stack" would move."""
    with catalog.read() as conn:
        stacks = conn.execute("SELECT COUNT(*) FROM stacks").fetchone()[0]
        shots, with_shots = conn.execute(
            "SELECT COUNT(*), COUNT(DISTINCT m.stack_id) FROM stack_members m JOIN files AS f "
            f"ON f.id = m.file_id WHERE {BASE}").fetchone()
    return stacks, shots - with_shots


def stack_position(catalog: Catalog, stack_id: int) -> int | None:
    """Where a stack is in list_stacks' order (None: gone)."""
    with catalog.read() as conn:
        row = conn.execute(
            f"SELECT pos FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY {ORDER}) - 1 AS pos "
            "FROM stacks) WHERE id = ?", (int(stack_id),)).fetchone()
    return None if row is None else row[0]


def flagged_shots(catalog: Catalog, limit: int = 2000) -> list[FlaggedShot]:
    """Photos outside stacks that are clearly blurry, very dark or have closed eyes, with
    their reasons (from the measures taken; core.cull.store.measure_files)."""
    with catalog.read() as conn:
        rows = conn.execute(
            f"SELECT q.*, f.path, f.name FROM shot_quality q JOIN files AS f ON f.id = q.file_id "
            f"WHERE {BASE} AND q.content_hash IS f.content_hash AND (q.sharpness < ? OR "
            "q.brightness < ? OR q.eyes_closed > 0) AND q.file_id NOT IN (SELECT file_id FROM "
            "stack_members) ORDER BY f.path LIMIT ?",
            (BLURRY_BELOW, DARK_BELOW, int(limit))).fetchall()
    return [FlaggedShot(r["file_id"], r["path"], r["name"], tuple(flaws(quality_from_row(r))))
            for r in rows]
