"""Where a file's XMP sidecar lives, and which sidecar writes were Shoebox's own.

digiKam and darktable name a sidecar after the whole file name (`IMG_1.jpg.xmp`); Lightroom
and Camera Raw after its stem (`IMG_1.xmp`), for RAW files. Shoebox writes the first kind, but
updates a Lightroom sidecar where one already lies beside a RAW, so one photo never has two.
"""

from __future__ import annotations

import os
import threading

from core.files.kinds import format_of, stem

SIDECAR_EXT = ".xmp"


def is_sidecar(name: str) -> bool:
    return name.lower().endswith(SIDECAR_EXT) and not name.startswith(".")


def folder_sidecars(folder: str) -> dict[str, str]:
    """{lower-cased name: name} of the sidecars in a folder (names are matched case-blind:
    IMG_1.XMP, img_1.jpg.xmp)."""
    try:
        return {n.lower(): n for n in os.listdir(folder) if is_sidecar(n)}
    except OSError:
        return {}


def sidecar_for(path: str, present: dict[str, str] | None = None) -> str:
    """The sidecar Shoebox reads and writes for the file at `path` (it may not exist yet).
    `present`: folder_sidecars of its folder, when the caller has it for many files."""
    folder, name = os.path.split(path)
    present = folder_sidecars(folder) if present is None else present
    for candidate in (name + SIDECAR_EXT,
                      *((stem(name) + SIDECAR_EXT,) if format_of(name) == "raw" else ())):
        found = present.get(candidate.lower())
        if found:
            return os.path.join(folder, found)
    return os.path.join(folder, name + SIDECAR_EXT)


def existing_sidecar(path: str, present: dict[str, str]) -> str | None:
    target = sidecar_for(path, present)
    return target if os.path.basename(target).lower() in present else None


# Sidecars this process wrote, with the (size, mtime_ns) they had once written: a file-system
# event on one of them that still looks so is Shoebox's own write, not a change to read.
_own: dict[str, tuple[int, int]] = {}
_lock = threading.Lock()


def note_own_write(path: str, written: str | None = None) -> None:
    """`path` is Shoebox's own write; `written`: the file about to be renamed onto it (noted
    before the rename, so the watcher's thread cannot see the event first)."""
    st = os.stat(written or path)
    with _lock:
        _own[os.path.abspath(path)] = (st.st_size, st.st_mtime_ns)


def is_own_write(path: str) -> bool:
    with _lock:
        mark = _own.get(os.path.abspath(path))
    if mark is None:
        return False
    try:
        st = os.stat(path)
    except OSError:
        return False
    return (st.st_size, st.st_mtime_ns) == mark
