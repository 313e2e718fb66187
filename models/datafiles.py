"""Files in Shoebox's data folder: the user's alone, and written whole or not at all.

The catalog and what sits beside it (face descriptors, places, thumbnails, every word read in
a screenshot) are private, so on POSIX every folder Shoebox makes there is 0700 and every file
0600, set explicitly where it is made (the process umask is left alone: files written into the
user's own library keep the modes a user expects there). Files a library makes itself (SQLite's
-wal/-shm, a rotated log) are protected by their 0700 folder and tightened after creation.
Windows has no such modes; the per-user profile the data folder lives in already restricts it.

It sits in the lowest layer because the model layer writes into the data folder too (ONNX
graphs, the joined offline weights); core imports it from here.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger(__name__)

POSIX = os.name == "posix"
DIR_MODE = 0o700
FILE_MODE = 0o600


def make_dir(path: Path) -> Path:
    """path and any missing folder above it, each created 0700. Existing folders are left as
    they are: an older data folder is tightened once, whole, at start (tighten_tree)."""
    path = Path(path)
    missing = []
    p = path
    while not p.is_dir() and p != p.parent:
        missing.append(p)
        p = p.parent
    for p in reversed(missing):
        try:
            p.mkdir(mode=DIR_MODE)  # the umask can only take bits away from 0700
        except FileExistsError:
            if not p.is_dir():
                raise  # a file where the folder should be
    return path


def tighten(path: Path) -> bool:
    """Owner-only mode for one existing file or folder (a no-op on Windows or when already
    so); True when it changed. A path that vanished meanwhile is not an error."""
    if not POSIX:
        return False
    try:
        st = os.stat(path, follow_symlinks=False)
    except FileNotFoundError:
        return False
    if stat.S_ISLNK(st.st_mode):
        return False  # a link's target is not ours to change (and chmod would follow it)
    want = DIR_MODE if stat.S_ISDIR(st.st_mode) else FILE_MODE
    if stat.S_IMODE(st.st_mode) & ~want == 0:
        return False  # already owner-only (a mode tighter still, like 0400, is left as is)
    os.chmod(path, stat.S_IMODE(st.st_mode) & want)
    return True


def touch_private(path: Path) -> None:
    """An empty file made 0600 where there is none yet (a database SQLite is about to open).
    An existing file is never opened here: closing any descriptor of a file drops every POSIX
    lock this process holds on it, SQLite's included (tighten it by name instead)."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))


def open_private(path: Path, flags: int = os.O_RDWR | os.O_CREAT) -> int:
    """os.open for a lock file in the data folder (flock, not POSIX locks): created 0600,
    tightened if older."""
    fd = os.open(path, flags, FILE_MODE)
    if POSIX:
        mode = stat.S_IMODE(os.fstat(fd).st_mode)
        if mode & ~FILE_MODE:
            os.fchmod(fd, mode & FILE_MODE)
    return fd


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary file beside `path` (0600) for the caller to fill by name; when the block
    ends normally it is synced to disk and renamed over `path`, so a crash leaves either the
    old file or the new one, never half of one. An exception (or deleting the temporary
    file) leaves `path` as it was. Folders on the way are made 0700."""
    path = Path(path)
    make_dir(path.parent)
    # the name ends in .tmp: cleaners (thumbnails.prune_thumbnails) know such leftovers
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        if not tmp.exists():
            return
        with open(tmp, "r+b") as f:  # whatever wrote it (torch, PIL) may not have synced
            os.fsync(f.fileno())
        tighten(tmp)  # a writer that replaced the file by name may have made it 0644
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def atomic_write(path: Path, data: bytes | str) -> None:
    """Write `path` whole or not at all (see atomic_path); str is written as UTF-8."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        f.write(raw)


def tighten_tree(root: Path) -> int:
    """Every folder under root 0700 and every file 0600 (root itself last, so an interrupted
    pass is redone next time); how many paths changed. Links are not followed."""
    if not POSIX:
        return 0
    changed = 0
    for folder, dirs, files in os.walk(root, topdown=True, followlinks=False):
        for name in dirs + files:
            with contextlib.suppress(OSError):  # e.g. a file another process just removed
                changed += tighten(Path(folder) / name)
    changed += tighten(root)
    return changed


def is_private(root: Path) -> bool:
    """True when root is a folder no one but its owner may enter (always on Windows)."""
    if not POSIX:
        return True
    return stat.S_IMODE(os.stat(root).st_mode) & ~DIR_MODE == 0
