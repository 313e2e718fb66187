"""Culling through the plan machinery: "keep the best, put the rest in the trash".

A cull is a plan (core.organize) whose moves take the lesser shots into a holding folder
inside their own library root (HOLDING: same disk, so a move is a rename and undo restores
the bytes exactly; a dot folder, so no scan lists it). It is applied and undone like a
reorganization, journal and all. Culled files leave the library (their rows are marked
missing) until the plan is undone. Only `empty_holding` sends them on to the system trash
(send2trash), after which nothing can bring them back from Shoebox.

A photo goes with its RAW twin, its Live Photo movie and its sidecars (core.organize.plan's
groups), as in a reorganization.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field

from core.catalog import Catalog, Connection
from core.catalog.chunks import in_chunks
from core.errors import ShoeboxError
from core.files.kinds import pair_key
from core.organize.apply import OpReport, apply_plan, undo_plan
from core.organize.plan import (
    Move,
    PlanFile,
    group_files,
    list_sidecars,
    sidecar_key,
    store_plan,
)

HOLDING = ".shoebox-culled"   # in each library root


class CullError(ShoeboxError):
    pass


def holding_folder(root: str) -> str:
    return os.path.join(root, HOLDING)


def _held_path(root: str, path: str) -> str:
    return os.path.join(holding_folder(root), os.path.relpath(path, root))


def _files(conn: Connection, ids: list[int]) -> list:
    return [r for chunk, marks in in_chunks(ids) for r in conn.execute(
        f"SELECT f.id, f.path, f.folder, f.kind, f.format, f.status, r.path AS root "
        f"FROM files f JOIN roots r ON r.id = f.root_id WHERE f.id IN ({marks})", chunk)]


def _companions(conn: Connection, rows: list) -> list:
    """RAW twins and Live Photo movies lying beside the photos (same folder, same stem)."""
    out = []
    seen = {r["id"] for r in rows}
    for folder in sorted({r["folder"] for r in rows}):
        stems = {pair_key(os.path.basename(r["path"])) for r in rows if r["folder"] == folder}
        for r in conn.execute(
                "SELECT f.id, f.path, f.folder, f.kind, f.format, f.status, ro.path AS root "
                "FROM files f JOIN roots ro ON ro.id = f.root_id WHERE f.folder = ? AND "
                "f.status = 'present' AND f.kind IN ('other', 'video')", (folder,)):
            if r["id"] not in seen and pair_key(os.path.basename(r["path"])) in stems:
                out.append(r)
    return out


def make_cull_plan(catalog: Catalog, file_ids: list[int], reasons: dict[int, str] | None = None
                   ) -> int:
    """A draft plan moving these photos (with their companions and sidecars) into the
    holding folder of their root. Returns its id."""
    reasons = reasons or {}
    ids = sorted({int(i) for i in file_ids})
    if not ids:
        raise CullError("nothing to cull")
    with catalog.read() as conn:
        rows = [r for r in _files(conn, ids) if r["status"] == "present"]
        rows += _companions(conn, rows)
    if not rows:
        raise CullError("none of these files is in the library now")
    root_of = {r["path"]: r["root"] for r in rows}
    groups = group_files([PlanFile(r["id"], r["root"], r["path"], r["kind"], r["format"])
                          for r in rows])
    sidecars = list_sidecars(os.path.dirname(p) for p in root_of)
    moves: list[Move] = []
    for g in groups:
        if g.head.id not in ids:   # a companion whose photo is not culled stays
            continue
        root = root_of[g.head.path]
        why = reasons.get(g.head.id, "culled")
        head = len(moves)
        moves.append(Move(g.head.path, _held_path(root, g.head.path), g.head.id, None, None,
                          why))
        for c in g.companions:
            moves.append(Move(c.path, _held_path(root, c.path), c.id, None, None, why,
                              role="companion", head=head))
        for s in sidecars.get(sidecar_key(g.head.path), []):
            moves.append(Move(s, _held_path(root, s), None, None, None, why, role="sidecar",
                              head=head))
    # "moves": the count the Reorganize history shows beside every plan
    summary = {"cull": True, "moves": sum(m.role != "sidecar" for m in moves)}
    return catalog.write(store_plan, moves, "move", None, None, summary)


def _leave_library(conn: Connection, plan_id: int) -> None:
    """Files the cull moved into a holding folder are out of the library (missing) until the
    plan is undone (undo puts them back, present). Stacks lose the members that went."""
    now = time.time()
    conn.execute(
        "UPDATE files SET status = 'missing', missing_since = ? WHERE id IN (SELECT file_id "
        "FROM journal WHERE plan_id = ? AND op = 'move' AND state = 'done' AND file_id IS NOT "
        "NULL)", (now, plan_id))
    conn.execute("DELETE FROM stack_members WHERE file_id IN (SELECT id FROM files WHERE "
                 "status = 'missing')")
    conn.execute("UPDATE stacks SET size = (SELECT count(*) FROM stack_members m WHERE "
                 "m.stack_id = stacks.id)")
    conn.execute("DELETE FROM stacks WHERE size < 2 OR cover_id NOT IN (SELECT file_id FROM "
                 "stack_members)")


def is_cull_plan(catalog: Catalog, plan_id: int) -> bool:
    with catalog.read() as conn:
        r = conn.execute("SELECT summary FROM plans WHERE id = ?", (plan_id,)).fetchone()
    if r is None:
        raise CullError(f"there is no plan {plan_id}")
    try:
        return bool(json.loads(r[0] or "{}").get("cull"))
    except (ValueError, AttributeError):
        return False


def apply_cull(catalog: Catalog, plan_id: int, task=None) -> OpReport:
    """Apply a cull plan (journalled moves into the holding folders)."""
    if not is_cull_plan(catalog, plan_id):
        raise CullError(f"plan {plan_id} is not a cull")
    rep = apply_plan(catalog, plan_id, "move", task)
    catalog.write(_leave_library, plan_id)
    return rep


def undo_cull(catalog: Catalog, plan_id: int, task=None) -> OpReport:
    """Put every culled file back where it was, byte for byte, and stack it again."""
    if not is_cull_plan(catalog, plan_id):
        raise CullError(f"plan {plan_id} is not a cull")
    return undo_any_plan(catalog, plan_id, task)


def undo_any_plan(catalog: Catalog, plan_id: int, task=None,
                  item_ids: list[int] | None = None) -> OpReport:
    """Undo a reorganization or a cull (core.organize.undo_plan); the files a cull put back
    are stacked again, whichever way it was undone (the Cull page, the Reorganize history,
    Ctrl+Z or `shoebox undo`)."""
    from core.cull.store import restack

    rep = undo_plan(catalog, plan_id, task, item_ids=item_ids)
    if is_cull_plan(catalog, plan_id):
        restack(catalog)
    return rep


def cull(catalog: Catalog, file_ids: list[int], reasons: dict[int, str] | None = None,
         task=None) -> tuple[int, OpReport]:
    """Make and apply a cull plan in one go; returns (plan id, report)."""
    pid = make_cull_plan(catalog, file_ids, reasons)
    return pid, apply_cull(catalog, pid, task)


def keep_best(catalog: Catalog, stack_ids: list[int] | None = None) -> dict[int, str]:
    """The lesser shots of these stacks (all stacks when None), each with its reason: the
    files "keep the best, put the rest in the trash" culls. The best is the stack's cover
    (the user's pick where there is one)."""
    with catalog.read() as conn:
        sql = ("SELECT m.file_id, s.cover_id, s.reason, f.name FROM stack_members m "
               "JOIN stacks s ON s.id = m.stack_id JOIN files f ON f.id = s.cover_id "
               "WHERE m.file_id != s.cover_id")
        if stack_ids is None:
            rows = conn.execute(sql).fetchall()
        else:
            rows = [r for chunk, marks in in_chunks(int(i) for i in stack_ids)
                    for r in conn.execute(f"{sql} AND s.id IN ({marks})", chunk)]
        return {r[0]: f"a lesser shot of {r[3]} ({r[2]})" for r in rows}


@dataclass
class EmptyReport:
    trashed: list[str] = field(default_factory=list)
    failed: list[dict] = field(default_factory=list)


def held_files(catalog: Catalog) -> list[str]:
    """Every file waiting in a holding folder."""
    out = []
    with catalog.read() as conn:
        roots = [r[0] for r in conn.execute("SELECT path FROM roots ORDER BY path")]
    for root in roots:
        for dirpath, _dirs, names in os.walk(holding_folder(root)):
            out += [os.path.join(dirpath, n) for n in sorted(names)]
    return out


def empty_holding(catalog: Catalog) -> EmptyReport:
    """Send every held file to the system trash; their catalog rows go. Cull plans applied
    before cannot be undone for these files afterwards (undo reports them as gone)."""
    from send2trash import send2trash

    rep = EmptyReport()
    for path in held_files(catalog):
        try:
            send2trash(path)
            rep.trashed.append(path)
        except OSError as e:
            rep.failed.append({"path": path, "reason": str(e)})
    if rep.trashed:
        def forget(conn: Connection) -> None:
            conn.executemany("DELETE FROM files WHERE path = ? AND status = 'missing'",
                             [(p,) for p in rep.trashed])
        catalog.write(forget)
    with catalog.read() as conn:
        roots = [r[0] for r in conn.execute("SELECT path FROM roots")]
    for root in roots:   # empty folders left in the holding folder go too
        for dirpath, _dirs, _names in sorted(os.walk(holding_folder(root)),
                                             key=lambda t: -len(t[0])):
            try:
                os.rmdir(dirpath)
            except OSError:
                pass
    return rep
