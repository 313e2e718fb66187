"""Scanning: bring the catalog in step with what is on disk.

A scan walks a root (or, for the watcher, a few folders), compares each file's size and
mtime with the catalog and reads contents only where they differ. New files are hashed; a
new path whose hash matches a file that disappeared is a move, and keeps its row (and so its
vectors, captions and transcripts). Files no longer seen are marked missing, never deleted:
if they come back, anywhere, they are recognised. Problems (unreadable folders, broken links,
undecodable names, corrupt files) are recorded and the scan goes on.
"""

from __future__ import annotations

import errno
import logging
import os
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from core.catalog import Catalog, Connection
from core.catalog.derived import forget_derived
from core.files.dates import NOT_A_DATE, date_from_name
from core.files.kinds import PAIR_HEAD_FORMATS, classify, raw_companions, skip_file, skip_folder
from core.scan.hashing import hash_file
from core.scan.metadata import MediaInfo, read_info
from core.scan.roots import Root, is_within, list_roots
from core.scan.takeout_meta import apply_takeout, has_takeout
from core.tasks import TaskState
from core.xmp import read as xmp_read

log = logging.getLogger(__name__)

BATCH = 200
EXAMINE_THREADS = 4  # hashing is I/O bound; a few threads keep the disk busy


@dataclass
class ScanReport:
    new: int = 0
    changed: int = 0
    moved: int = 0
    missing: int = 0
    unchanged: int = 0
    problems: int = 0
    unavailable_roots: list[str] = field(default_factory=list)

    @property
    def nothing_changed(self) -> bool:
        return not (self.new or self.changed or self.moved or self.missing)

    def merge(self, other: ScanReport) -> None:
        for name in ("new", "changed", "moved", "missing", "unchanged", "problems"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.unavailable_roots += other.unavailable_roots


@dataclass(frozen=True)
class Scope:
    """A folder to reconcile: a whole root, or one folder (recursive or not) inside it."""

    root: Root
    folder: str
    recursive: bool = True


@dataclass
class _Seen:
    path: str
    kind: str
    fmt: str
    size: int
    mtime_ns: int


@dataclass
class _Examined:
    seen: _Seen
    content_hash: str | None
    info: MediaInfo


def printable(path: str) -> str:
    """A path as text that can always be stored and shown (undecodable bytes escaped)."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def scan(
    catalog: Catalog,
    task: TaskState | None = None,
    *,
    folders: list[tuple[str, bool]] | None = None,
    skip: list[Path] | None = None,
) -> ScanReport:
    """Scan every root, or only `folders` ((path, recursive) pairs, as the watcher sends)."""
    task = task or TaskState("scan")
    roots = list_roots(catalog)
    skip_paths = [str(p.resolve()) for p in (skip or [])]
    scopes: list[Scope] = []
    if folders is None:
        scopes = [Scope(r, r.path, True) for r in roots]
    else:
        for folder, recursive in folders:
            root = next((r for r in roots if is_within(folder, r.path)), None)
            if root is not None:
                scopes.append(Scope(root, folder, recursive))
    report = ScanReport()
    surveys = []
    for scope in scopes:  # first look at every scope, so a move between two of them is seen
        task.check()
        survey = _survey(catalog, scope, task, skip_paths)
        if survey.unavailable:
            report.unavailable_roots.append(scope.root.path)
        else:
            surveys.append(survey)
    gone_by_hash: dict[str, list] = defaultdict(list)
    for survey in surveys:
        report.unchanged += survey.unchanged
        for row in survey.gone.values():
            if row["content_hash"]:
                gone_by_hash[row["content_hash"]].append(row)
    work = [(survey, s, row) for survey in surveys for s, row in survey.to_examine]
    task.start(len(work), f"reading {len(work)} new or changed files")
    pending: list[tuple[str, tuple]] = []

    def flush() -> None:
        if pending:
            catalog.write(_apply_ops, list(pending))
            pending.clear()

    now = time.time()
    with ThreadPoolExecutor(EXAMINE_THREADS, thread_name_prefix="scan-examine") as pool:
        for (survey, s, row), ex in zip(work, pool.map(lambda w: _examine(w[1], w[2]), work)):
            task.check()
            task.advance()
            root_id = survey.scope.root.id
            if ex is None:  # vanished between the walk and now
                if row is not None and row["status"] == "present":
                    survey.gone[s.path] = row
                continue
            if row is not None:
                if row["content_hash"] != ex.content_hash or row["status"] != "present":
                    report.changed += 1
                else:
                    report.unchanged += 1  # touched, same bytes: results stay valid
                pending.append(("update", (row["id"], root_id, ex, now)))
            else:
                twin = _take_moved(catalog, gone_by_hash, ex)
                if twin is not None:
                    for other in surveys:
                        other.gone.pop(twin["path"], None)
                    report.moved += 1
                    pending.append(("update", (twin["id"], root_id, ex, now)))
                else:
                    report.new += 1
                    pending.append(("insert", (root_id, ex, now)))
            if len(pending) >= BATCH:
                flush()
    flush()
    for survey in surveys:
        report.missing += len(survey.gone)
        report.problems += len(survey.problems)
        catalog.write(_finish_scope, survey.scope, list(survey.gone.values()), survey.problems,
                      survey.touched, now, survey.named_dates)
    task.status("reading XMP sidecars and embedded keywords")
    xmp_read.refresh(catalog, [_in_scope(s.scope) for s in surveys])
    return report


@dataclass
class _Survey:
    scope: Scope
    unavailable: bool = False
    unchanged: int = 0
    to_examine: list = field(default_factory=list)  # (_Seen, known row or None)
    gone: dict = field(default_factory=dict)  # path -> row no longer seen
    problems: dict = field(default_factory=dict)  # printable path -> reason
    # folders where a file came, changed or went (taken before moves leave `gone`): the only
    # places where a RAW may have gained or lost its JPEG twin
    touched: set = field(default_factory=set)
    named_dates: list = field(default_factory=list)  # (date, source, id): _named_dates


def _survey(catalog: Catalog, scope: Scope, task: TaskState, skip: list[str]) -> _Survey:
    """Walk a scope and compare it with the catalog; reads no file contents."""
    survey = _Survey(scope)
    root = scope.root
    if not os.path.isdir(root.path):
        reason = "folder not found: is the drive it is on connected?"
        catalog.write(_set_root_state, root.id, reason, None)
        log.warning("skipping %s: %s", root.path, reason)
        survey.unavailable = True
        return survey
    unreadable: set[str] = set()
    seen: dict[str, _Seen] = {}
    if os.path.isdir(scope.folder):  # else the folder went away: all under it is gone
        task.status(f"looking through {scope.folder}")
        seen, survey.problems, unreadable = _walk(scope, skip, task)
    known = _known_files(catalog, scope)
    for path, s in seen.items():
        row = known.get(path)
        if _same_bytes(row, s) and not _unread(row):
            survey.unchanged += 1
        else:
            survey.to_examine.append((s, row))
    survey.named_dates = _named_dates(known, seen)
    survey.gone = {
        path: row for path, row in known.items()
        if path not in seen and row["status"] == "present"
        and not any(is_within(path, u) for u in unreadable)
    }
    survey.touched = ({os.path.dirname(s.path) for s, _ in survey.to_examine}
                      | {row["folder"] for row in survey.gone.values()})
    return survey


def _take_moved(catalog: Catalog, gone_by_hash: dict[str, list], ex: _Examined):
    """A file that disappeared (in this scan, or earlier) with the same content, if any."""
    if ex.content_hash is None:
        return None
    name = os.path.basename(ex.seen.path)
    candidates = gone_by_hash.get(ex.content_hash) or []
    if not candidates:
        with catalog.read() as conn:
            candidates = list(conn.execute(
                "SELECT * FROM files WHERE content_hash = ? AND status = 'missing' "
                "AND size = ?", (ex.content_hash, ex.seen.size)))
    if not candidates:
        return None
    best = next((c for c in candidates if c["name"] == name), candidates[0])
    if best in (gone_by_hash.get(ex.content_hash) or []):
        gone_by_hash[ex.content_hash].remove(best)
    return best


def _same_bytes(row, s: _Seen) -> bool:
    """The catalog's row still describes these bytes (same size and mtime, hashed before)."""
    return (row is not None and row["status"] == "present" and row["content_hash"] is not None
            and row["size"] == s.size and row["mtime_ns"] == s.mtime_ns)


def _unread(row) -> bool:
    """A photo recorded without its metadata (no size and no error): a camera RAW from the
    versions that did not read RAWs. It is read again; its bytes need no second hashing."""
    return row["kind"] != "video" and row["width"] is None and row["error"] is None


def _examine(s: _Seen, row=None) -> _Examined | None:
    if _same_bytes(row, s):  # only its metadata is missing: no need to read it all again
        return _Examined(s, row["content_hash"], read_info(s.path, s.kind, s.fmt))
    try:
        content_hash, tail = hash_file(s.path)
    except FileNotFoundError:
        return None
    except OSError as e:
        return _Examined(s, None, MediaInfo(error=f"cannot read the file: {_os_reason(e)}"))
    if s.size == 0:
        return _Examined(s, content_hash, MediaInfo(error="empty file (0 bytes)"))
    info = read_info(s.path, s.kind, s.fmt, tail)
    return _Examined(s, content_hash, info)


def _os_reason(e: OSError) -> str:
    return e.strerror.lower() if e.strerror else str(e)


def _walk(scope: Scope, skip: list[str], task: TaskState):
    """Every managed file under the scope, plus problems and folders that could not be read."""
    seen: dict[str, _Seen] = {}
    problems: dict[str, str] = {}
    unreadable: set[str] = set()
    stack = [scope.folder]
    while stack:
        task.check()
        folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = list(it)
        except PermissionError:
            problems[printable(folder)] = "folder cannot be read: permission denied"
            unreadable.add(folder)
            continue
        except FileNotFoundError:
            continue  # deleted while we walked
        except OSError as e:
            problems[printable(folder)] = f"folder cannot be read: {_os_reason(e)}"
            unreadable.add(folder)
            continue
        for entry in entries:
            name = entry.name
            path = entry.path
            try:
                name.encode("utf-8")
            except UnicodeEncodeError:
                if classify(name) or entry.is_dir(follow_symlinks=False):
                    problems[printable(path)] = (
                        "the name is not valid UTF-8 text, so Shoebox cannot store it: "
                        "rename it to index it")
                continue
            try:
                if entry.is_symlink():
                    _check_link(path, problems)
                    continue
                if entry.is_dir(follow_symlinks=False):
                    if skip_folder(name) or any(is_within(path, p) for p in skip):
                        continue
                    if scope.recursive:
                        stack.append(path)
                    continue
                if skip_file(name) or not entry.is_file(follow_symlinks=False):
                    continue
                kind_fmt = classify(name)
                if kind_fmt is None:
                    continue
                st = entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue
            except OSError as e:
                problems[printable(path)] = f"cannot be read: {_os_reason(e)}"
                continue
            seen[path] = _Seen(path, kind_fmt[0], kind_fmt[1], st.st_size, st.st_mtime_ns)
    return seen, problems, unreadable


def _check_link(path: str, problems: dict[str, str]) -> None:
    """Links are not followed (a link can loop or lead out of the library); broken ones and
    loops are worth telling the user about."""
    try:
        os.stat(path)
    except FileNotFoundError:
        problems[printable(path)] = "broken symbolic link: its target does not exist"
    except OSError as e:
        if e.errno == errno.ELOOP:
            problems[printable(path)] = "symbolic link loop: the link points back to itself"
        else:
            problems[printable(path)] = f"symbolic link cannot be followed: {_os_reason(e)}"


def _in_scope(scope: Scope) -> tuple[str, tuple]:
    """SQL (on files) and its parameters: the files in the scope's folder, or below it."""
    folder = scope.folder.rstrip(os.sep) or os.sep
    if not scope.recursive:
        return "folder = ?", (folder,)
    lo = folder if folder.endswith(os.sep) else folder + os.sep
    return "(folder = ? OR (folder >= ? AND folder < ?))", (folder, lo,
                                                            lo[:-1] + chr(ord(os.sep) + 1))


def _known_files(catalog: Catalog, scope: Scope) -> dict[str, object]:
    where, params = _in_scope(scope)
    with catalog.read() as conn:
        return {r["path"]: r for r in conn.execute(f"SELECT * FROM files WHERE {where}", params)}


# --- writes (run on the catalog's writer thread) ---

_FIELDS = (
    "width", "height", "orientation", "duration_s", "codec", "taken_at", "taken_at_source",
    "gps_lat", "gps_lon", "camera_make", "camera_model",
)


def _undated(path: str, mtime_ns: int) -> tuple[float, str]:
    """A file its metadata does not date: the date in its name (Screenshot_20230201-120000),
    else its modification time, recorded as such (never a capture date)."""
    stamp = date_from_name(os.path.basename(path))
    return (stamp, "filename") if stamp is not None else (mtime_ns / 1e9, NOT_A_DATE)


def _named_dates(known: dict, seen: dict) -> list[tuple[float, str, int]]:
    """(date, source, id) for unchanged files recorded without a date source (what migration
    0012 left of the files dated by their mtime): the date in the name, else the mtime again.
    Each such file is looked at once, and none is read again."""
    out = []
    for path, row in known.items():
        if path in seen and row["taken_at_source"] is None and row["taken_at"] is not None:
            stamp = date_from_name(row["name"])
            out.append((stamp, "filename", row["id"]) if stamp is not None else
                       (row["taken_at"], NOT_A_DATE, row["id"]))
    return out


def _values(ex: _Examined) -> dict:
    info = ex.info
    values = {f: getattr(info, f) for f in _FIELDS}
    if values["taken_at"] is None:
        values["taken_at"], values["taken_at_source"] = _undated(ex.seen.path, ex.seen.mtime_ns)
    s = ex.seen
    values.update(
        path=s.path, folder=os.path.dirname(s.path), name=os.path.basename(s.path), kind=s.kind,
        format=s.fmt, size=s.size, mtime_ns=s.mtime_ns, content_hash=ex.content_hash,
        error=info.error,
    )
    return values


def _apply_ops(conn: Connection, ops: list[tuple[str, tuple]]) -> None:
    for op, args in ops:
        if op == "insert":
            root_id, ex, now = args
            v = _values(ex)
            v.update(root_id=root_id, first_seen_at=now, status="present")
            cols = ", ".join(v)
            conn.execute(
                f"INSERT INTO files({cols}) VALUES ({', '.join(':' + k for k in v)})", v
            )
        else:
            file_id, root_id, ex, now = args
            v = _values(ex)
            v.update(root_id=root_id, status="present", missing_since=None, id=file_id)
            # The path may belong to a stale missing row (a file replaced by another's copy).
            conn.execute(
                "DELETE FROM files WHERE path = :path AND id != :id AND status = 'missing'", v
            )
            sets = ", ".join(f"{k} = :{k}" for k in v if k != "id")
            conn.execute(f"UPDATE files SET {sets} WHERE id = :id", v)
    if has_takeout(conn):  # what a Takeout's JSON said about these contents comes back
        apply_takeout(conn, [args[-2].content_hash for _, args in ops])


def _finish_scope(conn: Connection, scope: Scope, gone: list, problems: dict[str, str],
                  touched: set[str], now: float, named_dates: list = ()) -> None:
    conn.executemany("UPDATE files SET taken_at = ?, taken_at_source = ? WHERE id = ? AND "
                     "taken_at_source IS NULL", named_dates)
    conn.executemany(
        "UPDATE files SET status = 'missing', missing_since = ? WHERE id = ? AND status = 'present'",
        [(now, row["id"]) for row in gone],
    )
    folder = scope.folder.rstrip(os.sep)
    if scope.recursive:
        conn.execute(
            "DELETE FROM problems WHERE root_id = ? AND (path = ? OR substr(path, 1, ?) = ?)",
            (scope.root.id, folder, len(folder) + 1, folder + os.sep),
        )
    else:
        conn.execute(
            "DELETE FROM problems WHERE root_id = ? AND (path = ? OR (substr(path, 1, ?) = ? "
            "AND instr(substr(path, ?), ?) = 0))",
            (scope.root.id, folder, len(folder) + 1, folder + os.sep, len(folder) + 2, os.sep),
        )
    conn.executemany(
        "INSERT INTO problems(root_id, path, reason, seen_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(path) DO UPDATE SET reason = excluded.reason, seen_at = excluded.seen_at",
        [(scope.root.id, p, reason, now) for p, reason in problems.items()],
    )
    _settle_raw_pairs(conn, touched)
    if scope.folder == scope.root.path:
        _set_root_state(conn, scope.root.id, None, now)


def _settle_raw_pairs(conn: Connection, folders: set[str]) -> None:
    """Each RAW in these folders is its JPEG twin's companion (kind 'other') or a photo of its
    own, by what lies beside it now - unchanged files included, so a twin that arrives or
    leaves later is seen. A RAW that becomes a companion drops what was derived from it: its
    twin carries the shot in search, people and duplicates."""
    by_folder: dict[str, list] = defaultdict(list)
    heads = ", ".join("?" * len(PAIR_HEAD_FORMATS))
    folders = sorted(folders)
    for i in range(0, len(folders), BATCH):
        chunk = folders[i:i + BATCH]
        for r in conn.execute(
                f"SELECT id, folder, name, kind, format, taken_at, taken_at_source FROM files "
                f"WHERE folder IN ({', '.join('?' * len(chunk))}) AND status = 'present' "
                f"AND format IN ('raw', {heads})", (*chunk, *PAIR_HEAD_FORMATS)):
            by_folder[r["folder"]].append(r)
    flips: dict[str, list[int]] = {"photo": [], "other": []}
    for rows in by_folder.values():
        companions = raw_companions(
            (r["name"], r["taken_at"] if r["taken_at_source"] == "exif" else None) for r in rows)
        for r in rows:
            if r["format"] == "raw":
                kind = "other" if r["name"] in companions else "photo"
                if r["kind"] != kind:
                    flips[kind].append(r["id"])
    for kind, ids in flips.items():
        conn.executemany("UPDATE files SET kind = ? WHERE id = ?", [(kind, i) for i in ids])
    forget_derived(conn, flips["other"])


def _set_root_state(conn: Connection, root_id: int, error: str | None, scanned_at: float | None):
    if scanned_at is None:
        conn.execute("UPDATE roots SET error = ? WHERE id = ?", (error, root_id))
    else:
        conn.execute(
            "UPDATE roots SET error = ?, last_scan_at = ? WHERE id = ?", (error, scanned_at, root_id)
        )
