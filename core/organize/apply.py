"""Apply, recover, undo: the only code that moves the user's files.

Order of every operation: the journal row ('intent', with the content hash) is committed
BEFORE the disk is touched; then the file operation (core.organize.fileops, never
overwriting); then, in ONE transaction, the journal row becomes 'done' and the catalog's
files row follows the file. A crash anywhere leaves intents that `recover` settles by
looking at the disk: finished where the file already arrived, rolled back where it did not.

Only one process applies, undoes or recovers at a time: an OS file lock next to the catalog
(released by the OS if the process dies) keeps a second one from "recovering" live work.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
from dataclasses import astuple, dataclass, field
from enum import StrEnum
from typing import Any

from core.catalog import Catalog, Connection
from core.errors import Cancelled, ShoeboxError
from core.files.sanitize import fold, is_inside
from core.organize import fileops
from core.organize.plan import PlanError, _member_name, _stem
from core.scan.hashing import hash_file
from core.tasks import TaskState
from models.datafiles import open_private

log = logging.getLogger(__name__)

class Op(StrEnum):
    """journal.op. The values are what the journal has always stored, so rows written by
    any earlier Shoebox still recover and undo."""
    MOVE = "move"
    COPY = "copy"
    LINK = "link"
    MKDIR = "mkdir"   # a folder the apply made (undo removes it when empty)
    RMDIR = "rmdir"   # a folder the apply emptied and removed (undo makes it again)
    UNDO = "undo"     # putting one earlier operation back (journal.undo_of)


class State(StrEnum):
    """journal.state (the CHECK constraint of migration 0001)."""
    INTENT = "intent"
    DONE = "done"
    ROLLED_BACK = "rolled_back"
    FAILED = "failed"


class PlanState(StrEnum):
    """plans.state (the CHECK constraint of migration 0001)."""
    DRAFT = "draft"
    APPLYING = "applying"
    APPLIED = "applied"
    UNDOING = "undoing"
    UNDONE = "undone"
    FAILED = "failed"      # interrupted or cancelled: apply again to finish, or undo


MODES = (Op.MOVE.value, Op.COPY.value, Op.LINK.value)  # a plan's mode is one of these ops
FILE_OPS = "('move', 'copy', 'link')"                   # the same, for SQL


@dataclass(frozen=True)
class Intent:
    """A journal row written before the disk is touched."""
    item_id: int | None
    op: Op
    src: str
    dst: str
    content_hash: str | None = None
    file_id: int | None = None       # the catalog file it moves (None: a sidecar, a folder)
    method: str | None = None        # how: rename, copy, hardlink, symlink, move-back, delete
    undo_of: int | None = None       # the journal row an undo puts back


@dataclass(frozen=True)
class Settled:
    """What one journalled operation became. A DONE move also moves the catalog's row of
    `file_id` to `new_path`."""
    journal_id: int
    state: State
    method: str | None = None
    error: str | None = None
    file_id: int | None = None
    new_path: str | None = None


class OrganizeBusy(ShoeboxError):
    pass


@dataclass
class OpReport:
    done: int = 0
    left_alone: list[dict] = field(default_factory=list)   # {"path", "reason"}
    failed: list[dict] = field(default_factory=list)
    removed_folders: list[str] = field(default_factory=list)
    operations: list[dict] = field(default_factory=list)   # dry run: what would happen
    dry_run: bool = False

    def as_dict(self) -> dict:
        return {"done": self.done, "left_alone": self.left_alone, "failed": self.failed,
                "removed_folders": self.removed_folders, "dry_run": self.dry_run,
                "operations": self.operations}


@dataclass
class RecoveryReport:
    finished: int = 0
    rolled_back: int = 0
    failed: list[dict] = field(default_factory=list)
    plans: list[int] = field(default_factory=list)
    skipped_busy: bool = False

    def as_dict(self) -> dict:
        return self.__dict__.copy()


# --------------------------------------------------------------------------- locking

@contextlib.contextmanager
def organize_lock(catalog: Catalog, wait: bool = False):
    """Exclusive across processes; raises OrganizeBusy when another process holds it."""
    path = str(catalog.path) + ".organize.lock"
    fd = open_private(path)
    try:
        try:
            import fcntl

            flags = fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB)
            try:
                fcntl.flock(fd, flags)
            except BlockingIOError as e:
                raise OrganizeBusy("another Shoebox is applying or undoing a plan; try again "
                                   "when it has finished") from e
        except ImportError:  # Windows
            import msvcrt

            try:
                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            except OSError as e:
                raise OrganizeBusy("another Shoebox is applying or undoing a plan; try again "
                                   "when it has finished") from e
        yield
    finally:
        os.close(fd)  # closing releases the lock


# --------------------------------------------------------------------------- catalog helpers

def _file_root(conn: Connection, path: str) -> int | None:
    best = None
    for r in conn.execute("SELECT id, path FROM roots"):
        if path.startswith(r[1].rstrip(os.sep) + os.sep) and (best is None or
                                                              len(r[1]) > len(best[1])):
            best = (r[0], r[1])
    return best[0] if best else None


def _catalog_move(conn: Connection, file_id: int, new_path: str) -> None:
    # a stale row still naming the destination (a file gone from there) must not block the move
    conn.execute("DELETE FROM files WHERE path = ? AND id != ?", (new_path, file_id))
    root_id = _file_root(conn, new_path)
    conn.execute("UPDATE files SET path = ?, folder = ?, name = ?, "
                 "root_id = coalesce(?, root_id), status = 'present' WHERE id = ?",
                 (new_path, os.path.dirname(new_path), os.path.basename(new_path), root_id,
                  file_id))


def _mark(conn: Connection, settled: list[Settled]) -> None:
    now = time.time()
    for s in settled:
        conn.execute("UPDATE journal SET state = ?, method = coalesce(?, method), error = ?, "
                     "done_at = ? WHERE id = ?", (s.state, s.method, s.error, now, s.journal_id))
        if s.state is State.DONE and s.file_id is not None and s.new_path is not None:
            _catalog_move(conn, s.file_id, s.new_path)


def _intents(conn: Connection, plan_id: int, intents: list[Intent]) -> list[int]:
    now = time.time()
    return [conn.execute(
        "INSERT INTO journal(plan_id, item_id, op, src, dst, content_hash, file_id, method, "
        "undo_of, state, created_at) VALUES (?,?,?,?,?,?,?,?,?, 'intent', ?)",
        (plan_id, *astuple(i), now)).lastrowid for i in intents]


def _set_plan(conn: Connection, plan_id: int, state: PlanState, report: dict | None = None,
              stamp: str | None = None) -> None:
    conn.execute("UPDATE plans SET state = ?, report = coalesce(?, report) WHERE id = ?",
                 (state, json.dumps(report) if report is not None else None, plan_id))
    if stamp:
        conn.execute(f"UPDATE plans SET {stamp} = ? WHERE id = ?", (time.time(), plan_id))


# --------------------------------------------------------------------------- recovery

def recover(catalog: Catalog) -> RecoveryReport:
    """Settle every operation an interrupted apply or undo left half-done, so that every file
    is in exactly one place and the catalog agrees with the disk. Call it on start-up (the
    CLI and the GUI do). Does nothing while another process is applying."""
    try:
        with organize_lock(catalog):
            return _recover(catalog)
    except OrganizeBusy:
        return RecoveryReport(skipped_busy=True)


def _recover(catalog: Catalog) -> RecoveryReport:
    rep = RecoveryReport()
    with catalog.read() as conn:
        rows = conn.execute("SELECT * FROM journal WHERE state = 'intent' ORDER BY id").fetchall()
        stuck = conn.execute("SELECT id, state FROM plans WHERE state IN ('applying', "
                             "'undoing')").fetchall()
    for j in rows:
        state, error, new_path = _settle(j)
        if state is State.DONE:
            rep.finished += 1
        elif state is State.ROLLED_BACK:
            rep.rolled_back += 1
        else:
            rep.failed.append({"path": j["src"], "reason": error})
        moved_file = j["file_id"] if Op(j["op"]) is Op.MOVE or j["method"] == "move-back" \
            else None
        catalog.write(_mark, [Settled(j["id"], state, error=error, file_id=moved_file,
                                      new_path=new_path)])
        if j["plan_id"] not in rep.plans:
            rep.plans.append(j["plan_id"])
    for p in stuck:
        # an interrupted apply can be continued (apply again) or undone; an interrupted undo
        # goes back to 'applied' so that undo can be run again
        new_state = PlanState.FAILED if p["state"] == PlanState.APPLYING else PlanState.APPLIED
        catalog.write(_set_plan, p["id"], new_state,
                      {"interrupted": True, "note": "interrupted; recovered on start-up"})
        if p["id"] not in rep.plans:
            rep.plans.append(p["id"])
    if rows or stuck:
        log.log(logging.WARNING if rep.failed else logging.INFO,
                "organize recovery: %s finished, %s rolled back, %s failed", rep.finished,
                rep.rolled_back, len(rep.failed))
    return rep


def _settle(j) -> tuple[State, str | None, str | None]:
    """Look at the disk and decide what one intent became: (state, error, catalog path).
    `j`: a journal row, or a dict with its columns."""
    op, method, src, dst, h = Op(j["op"]), j["method"], j["src"], j["dst"], j["content_hash"]
    tmp = fileops.temp_path(dst, j["id"]) if dst else None
    if tmp and os.path.lexists(tmp):
        os.unlink(tmp)  # an unfinished copy: the source is still whole
    if op is Op.MKDIR:
        return (State.DONE if os.path.isdir(dst) else State.ROLLED_BACK), None, None
    if op is Op.RMDIR:
        return State.DONE, None, None
    if op is Op.UNDO and method == "delete":
        if not os.path.lexists(src):
            return State.DONE, None, None
        os.unlink(src)
        return State.DONE, None, None
    if op is Op.LINK:
        if os.path.lexists(dst) and fileops.links_to(dst, src):
            return State.DONE, None, None
        return State.ROLLED_BACK, None, None
    src_there, dst_there = os.path.lexists(src), os.path.lexists(dst)
    if op is Op.COPY:
        if dst_there and fileops.same_content(dst, h):
            return State.DONE, None, None
        if dst_there and os.path.getsize(dst) == 0:
            os.unlink(dst)  # our reserved name, never filled
        return State.ROLLED_BACK, None, None
    # a move (forward, or back by undo)
    if src_there and dst_there:
        same = False
        with contextlib.suppress(OSError):
            same = os.path.samefile(src, dst)
        if same or fileops.same_content(dst, h):
            os.unlink(src)  # it arrived whole: finish by removing the old name
            return State.DONE, None, dst
        if os.path.getsize(dst) == 0:
            os.unlink(dst)  # our placeholder
            return State.ROLLED_BACK, None, None
        return State.FAILED, f"{dst} holds other content; {src} was left where it was", None
    if src_there:
        return State.ROLLED_BACK, None, None
    if dst_there:
        if h is None or fileops.same_content(dst, h):
            return State.DONE, None, dst
        return State.FAILED, f"{dst} does not hold the content that was moved there", None
    gone = f"neither {src} nor {dst} exists any more (removed by someone else?)"
    return State.FAILED, gone, None


# --------------------------------------------------------------------------- apply

def _cached_hash(conn: Connection, file_id: int | None, path: str) -> str:
    """The catalog's hash when size and mtime still match it, else a fresh one."""
    if file_id is not None:
        r = conn.execute("SELECT size, mtime_ns, content_hash FROM files WHERE id = ?",
                         (file_id,)).fetchone()
        if r and r["content_hash"]:
            st = os.stat(path)
            if st.st_size == r["size"] and st.st_mtime_ns == r["mtime_ns"]:
                return r["content_hash"]
    return hash_file(path)[0]


def _ensure_dir(catalog: Catalog, plan_id: int, root: str, folder: str) -> None:
    """Create folder (and parents under root), journalling each so undo can remove them."""
    missing = []
    d = folder
    while not os.path.isdir(d) and is_inside(d, root):  # a new --target folder is made too
        missing.append(d)
        d = os.path.dirname(d)
    for d in reversed(missing):
        (jid,) = catalog.write(_intents, plan_id, [Intent(None, Op.MKDIR, "", d)])
        try:
            os.mkdir(d)
        except OSError as e:
            catalog.write(_mark, [Settled(jid, State.ROLLED_BACK, error=str(e))])
            raise
        catalog.write(_mark, [Settled(jid, State.DONE)])


def _load_groups(conn: Connection, plan_id: int) -> list[list]:
    items = conn.execute("SELECT * FROM plan_items WHERE plan_id = ? ORDER BY id",
                         (plan_id,)).fetchall()
    done_items = {r[0]: r[1] for r in conn.execute(
        f"SELECT item_id, dst FROM journal WHERE plan_id = ? AND op IN {FILE_OPS} "
        "AND state = 'done' AND item_id IS NOT NULL", (plan_id,))}
    groups: dict[int, list] = {}
    for it in items:
        head = it["group_item_id"] or it["id"]
        groups.setdefault(head, []).append(it)
    out = []
    for head, members in groups.items():
        if members[0]["decision"] != "accept":
            continue
        todo = [m for m in members if m["id"] not in done_items]
        if todo:
            out.append((members[0], done_items.get(members[0]["id"]), todo))
    return out


def apply_plan(catalog: Catalog, plan_id: int, mode: str | None = None,
               task: TaskState | None = None, *, dry_run: bool = False,
               force_copy: bool = False) -> OpReport:
    """Carry out a plan's accepted moves (continuing an interrupted apply). `dry_run` works
    out every operation, numbered names included, and touches nothing. `force_copy` takes
    the cross-file-system path (copy, verify, delete) even on one file system."""
    task = task or TaskState("apply")
    with organize_lock(catalog):
        if not dry_run:
            _recover(catalog)
        return _apply(catalog, plan_id, mode, task, dry_run, force_copy)


def _apply(catalog, plan_id, mode, task, dry_run, force_copy) -> OpReport:
    rep = OpReport(dry_run=dry_run)
    with catalog.read() as conn:
        plan = conn.execute("SELECT * FROM plans WHERE id = ?", (plan_id,)).fetchone()
        if plan is None:
            raise PlanError(f"there is no plan {plan_id} (see `shoebox plans`)")
        if plan["state"] in (PlanState.UNDOING, PlanState.UNDONE):
            raise PlanError(f"plan {plan_id} was undone; make a new plan with `shoebox plan`")
        started = conn.execute(f"SELECT count(*) FROM journal WHERE plan_id = ? AND op IN "
                               f"{FILE_OPS}", (plan_id,)).fetchone()[0]
        groups = _load_groups(conn, plan_id)
        roots = {r[0]: r[1] for r in conn.execute("SELECT id, path FROM roots")}
    mode = mode or plan["mode"]
    if mode not in MODES:
        raise PlanError(f"unknown mode {mode!r}: use move, copy or link")
    mode = Op(mode)
    if started and mode != plan["mode"]:
        raise PlanError(f"plan {plan_id} was started in {plan['mode']} mode; finish it in that "
                        f"mode or undo it first")
    if not dry_run:
        catalog.write(lambda c: (c.execute("UPDATE plans SET mode = ? WHERE id = ?",
                                           (mode, plan_id)),
                                 _set_plan(c, plan_id, PlanState.APPLYING)))
    total = sum(len(g[2]) for g in groups)
    task.start(total, f"{mode} {total} files")
    run = _Run(catalog, plan, mode, roots, dry_run, force_copy, rep)
    emptied = run.emptied
    try:
        for head, head_done_dst, members in groups:
            task.check()
            _apply_group(run, head, head_done_dst, members)
            task.advance(len(members))
    except Cancelled:
        if not dry_run:
            catalog.write(_set_plan, plan_id, PlanState.FAILED,
                          {**rep.as_dict(), "note": "cancelled; apply again to finish, or undo"})
        raise
    if dry_run:
        return rep
    if mode is Op.MOVE:
        # every folder this plan moved files out of, in this run or an interrupted earlier one
        with catalog.read() as conn:
            emptied |= {os.path.dirname(r[0]) for r in conn.execute(
                "SELECT src FROM journal WHERE plan_id = ? AND op = 'move' AND state = 'done'",
                (plan_id,))}
        rep.removed_folders = _remove_emptied(catalog, plan_id, emptied, list(roots.values()))
    catalog.write(_set_plan, plan_id, PlanState.APPLIED, rep.as_dict(), "applied_at")
    return rep


@dataclass
class _Run:
    """One apply: what each group reads (the plan, its mode, the library folders, the flags)
    and what the groups add to (the report, the folders emptied, the names claimed)."""
    catalog: Catalog
    plan: Any                        # its plans row
    mode: Op
    roots: dict[int, str]
    dry_run: bool
    force_copy: bool
    rep: OpReport
    emptied: set[str] = field(default_factory=set)   # folders files were moved out of
    listing: dict[str, set[str]] = field(default_factory=dict)  # folder -> folded names taken


def _name_taken(path: str, listing: dict[str, set[str]]) -> bool:
    """Taken also when only the case differs: the library may live on (or be copied to) a
    case-insensitive file system (NTFS, APFS, exFAT), where the two would be one file.
    `listing` caches each folder's folded names for the run (we add what we create)."""
    if os.path.lexists(path):
        return True
    folder = os.path.dirname(path)
    if folder not in listing:
        try:
            listing[folder] = {fold(n) for n in os.listdir(folder)}
        except OSError:
            listing[folder] = set()
    return fold(os.path.basename(path)) in listing[folder]


def _apply_group(run: _Run, head, head_done_dst, members) -> None:
    """One photo with its companions and sidecars (`members`: those not done yet)."""
    plan_id = run.plan["id"]
    base = run.plan["target"]
    with run.catalog.read() as conn:
        if base is None:
            fid = head["file_id"]
            r = conn.execute("SELECT root_id FROM files WHERE id = ?", (fid,)).fetchone() \
                if fid is not None else None
            base = run.roots.get(r[0]) if r else None
            if base is None:
                base = next((p for p in run.roots.values()
                             if head["src"].startswith(p.rstrip(os.sep) + os.sep)), None)
        # the sources still where the plan saw them
        live = []
        for m in members:
            if not os.path.isfile(m["src"]) or os.path.islink(m["src"]):
                if m["role"] != "sidecar":
                    run.rep.left_alone.append({"path": m["src"], "reason": "moved or deleted "
                                               "since the plan was made"})
                continue
            try:
                live.append((m, _cached_hash(conn, m["file_id"], m["src"])))
            except OSError as e:  # vanished or unreadable since the check above
                run.rep.left_alone.append({"path": m["src"], "reason": f"cannot be read: {e}"})
                if m["id"] == head["id"]:
                    return
    if not live or (head_done_dst is None and live[0][0]["id"] != head["id"]):
        return  # without its photo, a group stays where it is
    if base is None or not all(is_inside(m["dst"], base) for m, _ in live):
        for m, _ in live:
            run.rep.left_alone.append({"path": m["src"], "reason": "destination is outside "
                                       "the library folder"})
        return
    # one free stem for the whole group, so a photo and its sidecars keep matching names
    head_stem = _stem(os.path.basename(head["dst"]))
    dst_dir = os.path.dirname(head["dst"])
    stem, n = head_stem, 1
    if head_done_dst is not None:  # resuming: follow the name the photo already got
        stem = _stem(os.path.basename(head_done_dst))
    while True:
        dsts = [os.path.join(os.path.dirname(m["dst"]),
                             _member_name(head_stem, stem, os.path.basename(m["dst"])))
                for m, _ in live]
        if not any(_name_taken(d, run.listing) for d in dsts):
            break
        if head_done_dst is not None:
            for m, _ in live:
                run.rep.left_alone.append({"path": m["src"], "reason": "its place next to "
                                           f"{head_done_dst} is taken"})
            return
        n += 1
        stem = f"{head_stem} ({n})"
    for d in dsts:  # claimed: later groups (and the dry run) see them as taken
        run.listing.setdefault(os.path.dirname(d), set()).add(fold(os.path.basename(d)))
    if run.dry_run:
        run.rep.operations += [{"op": run.mode.value, "src": m["src"], "dst": d}
                           for (m, _), d in zip(live, dsts)]
        return
    try:
        _ensure_dir(run.catalog, plan_id, base, dst_dir)
    except OSError as e:  # read-only disk, no permission: this group stays, the rest goes on
        for m, _ in live:
            run.rep.failed.append({"path": m["src"], "reason": f"cannot create {dst_dir}: {e}"})
        return
    jids = run.catalog.write(_intents, plan_id, [
        Intent(m["id"], run.mode, m["src"], d, h, m["file_id"])
        for (m, h), d in zip(live, dsts)])
    marks = []
    for (m, h), d, jid in zip(live, dsts, jids):
        try:
            if run.mode is Op.MOVE:
                method = fileops.move(m["src"], d, jid, h, force_copy=run.force_copy)
                run.emptied.add(os.path.dirname(m["src"]))
            elif run.mode is Op.COPY:
                fileops.copy_verified(m["src"], d, jid, h)
                method = "copy"
            else:
                method = fileops.link(m["src"], d)
        except (OSError, ShoeboxError) as e:
            log.warning("apply: %s -> %s failed: %s", m["src"], d, e)
            state, error, _ = _settle_after_error(jid, m, d, h, run.mode)
            marks.append(Settled(jid, state, error=error or str(e)))
            run.rep.failed.append({"path": m["src"], "reason": str(e)})
            continue
        marks.append(Settled(jid, State.DONE, method,
                             file_id=m["file_id"] if run.mode is Op.MOVE else None,
                             new_path=d))
        run.rep.done += 1
    run.catalog.write(_mark, marks)


def _settle_after_error(jid, m, dst, h, mode: Op):
    """After a failed operation, make sure the source is intact and nothing half is left."""
    row = {"id": jid, "op": mode, "method": None, "src": m["src"], "dst": dst,
           "content_hash": h, "file_id": m["file_id"]}
    state, error, path = _settle(row)
    if state is State.DONE:  # it failed after the file had fully arrived (a late fsync error)
        return state, error, path
    return State.FAILED, error, None


def _remove_emptied(catalog: Catalog, plan_id: int, folders: set[str], roots: list[str]) -> list[str]:
    """Remove source folders this apply emptied (and parents it so emptied), never a root."""
    removed = []
    root_set = {os.path.realpath(r) for r in roots}
    for folder in sorted(folders, key=len, reverse=True):
        d = folder
        while d and os.path.realpath(d) not in root_set and any(
                d.startswith(r.rstrip(os.sep) + os.sep) for r in roots):
            try:
                os.rmdir(d)  # only succeeds when empty
                removed.append(d)
            except FileNotFoundError:
                pass  # removed by an interrupted earlier run: its parent may still be left
            except OSError:
                break
            d = os.path.dirname(d)
    if removed:
        catalog.write(_record_rmdirs, plan_id, removed)
    return removed


def _record_rmdirs(conn: Connection, plan_id: int, removed: list[str]) -> None:
    ids = _intents(conn, plan_id, [Intent(None, Op.RMDIR, d, d) for d in removed])
    _mark(conn, [Settled(i, State.DONE) for i in ids])


# --------------------------------------------------------------------------- undo

def undo_plan(catalog: Catalog, plan_id: int, task: TaskState | None = None, *,
              item_ids: list[int] | None = None) -> OpReport:
    """Put files back where the plan found them (all of them, or the groups of `item_ids`).
    A file changed or moved since, or whose old place is taken, is left alone and reported."""
    task = task or TaskState("undo")
    with organize_lock(catalog):
        _recover(catalog)
        return _undo(catalog, plan_id, task, item_ids)


def _undo(catalog: Catalog, plan_id: int, task: TaskState, item_ids) -> OpReport:
    rep = OpReport()
    with catalog.read() as conn:
        plan = conn.execute("SELECT * FROM plans WHERE id = ?", (plan_id,)).fetchone()
        if plan is None:
            raise PlanError(f"there is no plan {plan_id} (see `shoebox plans`)")
        undone = {r[0] for r in conn.execute(
            "SELECT undo_of FROM journal WHERE plan_id = ? AND op = 'undo' AND state = 'done'",
            (plan_id,))}
        ops = [j for j in conn.execute(
            f"SELECT * FROM journal WHERE plan_id = ? AND op IN {FILE_OPS} AND "
            "state = 'done' ORDER BY id DESC", (plan_id,)) if j["id"] not in undone]
        if item_ids is not None:
            heads = set()
            for iid in item_ids:
                r = conn.execute("SELECT id, group_item_id FROM plan_items WHERE id = ? AND "
                                 "plan_id = ?", (iid, plan_id)).fetchone()
                if r is None:
                    raise PlanError(f"plan {plan_id} has no item {iid}")
                heads.add(r[1] or r[0])
            wanted = {r[0] for h in heads for r in conn.execute(
                "SELECT id FROM plan_items WHERE id = ? OR group_item_id = ?", (h, h))}
            ops = [j for j in ops if j["item_id"] in wanted]
        dirs = conn.execute("SELECT op, dst FROM journal WHERE plan_id = ? AND op IN "
                            "('mkdir', 'rmdir') AND state = 'done' ORDER BY id DESC",
                            (plan_id,)).fetchall()
    catalog.write(_set_plan, plan_id, PlanState.UNDOING)
    task.start(len(ops), f"undoing {len(ops)} operations")
    try:
        for j in ops:
            task.check()
            _undo_one(catalog, plan_id, j, rep)
            task.advance()
    except Cancelled:
        catalog.write(_set_plan, plan_id, PlanState.APPLIED,
                      {**rep.as_dict(), "note": "undo cancelled"})
        raise
    if item_ids is None:
        # folders the apply removed come back; folders it made go, when empty again
        for op, d in reversed(dirs):
            if Op(op) is Op.RMDIR:
                os.makedirs(d, exist_ok=True)
        for op, d in dirs:
            if Op(op) is Op.MKDIR:
                with contextlib.suppress(OSError):
                    os.rmdir(d)
    with catalog.read() as conn:
        left = conn.execute(
            f"SELECT count(*) FROM journal j WHERE plan_id = ? AND op IN {FILE_OPS} "
            "AND state = 'done' AND NOT EXISTS (SELECT 1 FROM journal u WHERE u.undo_of = j.id "
            "AND u.state = 'done')", (plan_id,)).fetchone()[0]
    catalog.write(_set_plan, plan_id, PlanState.APPLIED if left else PlanState.UNDONE,
                  rep.as_dict(),
                  "undone_at" if not left else None)
    return rep


def _undo_one(catalog: Catalog, plan_id: int, j, rep: OpReport) -> None:
    src, dst, h, op = j["src"], j["dst"], j["content_hash"], Op(j["op"])
    if op is Op.LINK:
        if not os.path.lexists(dst):
            rep.left_alone.append({"path": dst, "reason": "the link was removed since"})
            return
        if not fileops.links_to(dst, src):
            rep.left_alone.append({"path": dst, "reason": "no longer a link to " + src})
            return
        _undo_delete(catalog, plan_id, j, rep)
        return
    if not os.path.lexists(dst):
        rep.left_alone.append({"path": dst, "reason": "moved or deleted since the plan was applied"})
        return
    if not _unchanged(catalog, j["file_id"], dst, h):
        rep.left_alone.append({"path": dst, "reason": "changed since the plan was applied"})
        return
    if op is Op.COPY:
        _undo_delete(catalog, plan_id, j, rep)
        return
    if os.path.lexists(src):
        rep.left_alone.append({"path": dst, "reason": f"{src} is taken by another file now"})
        return
    os.makedirs(os.path.dirname(src), exist_ok=True)
    (jid,) = catalog.write(_intents, plan_id, [Intent(j["item_id"], Op.UNDO, dst, src, h,
                                                      j["file_id"], "move-back", j["id"])])
    try:
        fileops.move(dst, src, jid, h, force_copy=j["method"] == "copy")
    except (OSError, ShoeboxError) as e:
        state, error, _ = _settle_after_error(jid, {"src": dst, "file_id": j["file_id"]}, src, h,
                                              Op.MOVE)
        catalog.write(_mark, [Settled(jid, state, error=error or str(e))])
        rep.failed.append({"path": dst, "reason": str(e)})
        return
    catalog.write(_mark, [Settled(jid, State.DONE, file_id=j["file_id"], new_path=src)])
    rep.done += 1


def _unchanged(catalog: Catalog, file_id: int | None, path: str, h: str | None) -> bool:
    """Same content as when it was moved. For a catalog file whose size and mtime still match
    its row, and whose row still carries the moved hash, the hash is trusted (as the scanner
    trusts it: moves keep mtimes) instead of reading every byte again."""
    if file_id is not None and h is not None:
        with catalog.read() as conn:
            r = conn.execute("SELECT size, mtime_ns, content_hash FROM files WHERE id = ?",
                             (file_id,)).fetchone()
        try:
            st = os.stat(path)
        except OSError:
            return False
        if r and r["content_hash"] == h and st.st_size == r["size"] and \
                st.st_mtime_ns == r["mtime_ns"]:
            return True
    return fileops.same_content(path, h)


def _undo_delete(catalog: Catalog, plan_id: int, j, rep: OpReport) -> None:
    (jid,) = catalog.write(_intents, plan_id, [Intent(j["item_id"], Op.UNDO, j["dst"], "",
                                                      j["content_hash"], None, "delete", j["id"])])
    os.unlink(j["dst"])
    catalog.write(_mark, [Settled(jid, State.DONE)])
    rep.done += 1
