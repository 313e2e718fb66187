"""Which copy of a duplicate group to keep, and the one reason that decided it.

The rule, in order (a backup must never win over the original it backs up):
  1. not in a folder named like a backup or a copy (`Backup`, `Copy`, `old`, `Photos (1)`),
     nor named like one (`IMG_1 (1).jpg`, `IMG_1 - Copy.jpg`);
  2. in a folder the user keeps, or one Shoebox organized, over an import folder
     (`Downloads`, `Import`, `Takeout` ...);
  3. the richer metadata: a sidecar beside it, an EXIF date, GPS;
  4. the shorter path.
Near-duplicates are different files, so for them the largest picture comes first. A file's
mtime never counts: copying a file makes a new one, which says nothing about which is the
original.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from core.search.types import DuplicateFile

_BACKUP_WORDS = re.compile(r"\b(backups?|bak|copy|copies|kopie|duplicates?)\b", re.IGNORECASE)
_BACKUP_NAMES = {"old", "older", "save", "saved", "archive", "archived"}
_NUMBERED = re.compile(r"[ _-]?\(\d+\)$")                   # "Photos (1)", "IMG_1 (2)"
_COPY_STEM = re.compile(r"([ _-]+copy( \d+)?|[ _-]+kopie|[ _-]\(\d+\))$|^copy[ _-]of[ _-]",
                        re.IGNORECASE)
IMPORT_FOLDERS = {"import", "imports", "imported", "incoming", "inbox", "download",
                  "downloads", "unsorted", "to sort", "takeout", "google photos",
                  "whatsapp images", "telegram images", "received"}
SIDECAR_SUFFIXES = (".xmp", ".XMP", ".aae", ".AAE", ".json")


def backup_like(folders: list[str], name: str) -> bool:
    """A path whose folders (below the library root) or own name say it is a copy."""
    for part in folders:
        p = part.strip()
        if _BACKUP_WORDS.search(p) or p.casefold() in _BACKUP_NAMES or _NUMBERED.search(p):
            return True
    return bool(_COPY_STEM.search(os.path.splitext(name)[0]))


def has_sidecar(path: str) -> bool:
    stem = os.path.splitext(path)[0]
    return any(os.path.exists(path + s) or os.path.exists(stem + s) for s in SIDECAR_SUFFIXES)


@dataclass(frozen=True)
class KeeperFacts:
    backup: bool
    place: int          # 0 kept or organized, 1 anywhere else, 2 an import folder
    place_why: str
    metadata: tuple[str, ...]   # what it carries: "a sidecar", "an EXIF date", "GPS"

    def rank(self, f: DuplicateFile) -> tuple:
        return (self.backup, self.place, -len(self.metadata), len(f.path), f.file_id)


@dataclass(frozen=True)
class Folders:
    """The library roots and the folders the user keeps: read once for all the groups."""
    roots: list[str]
    keep: list[str]

    @classmethod
    def read(cls, conn) -> Folders:
        return cls([r[0] for r in conn.execute("SELECT path FROM roots")],
                   [r[0] for r in conn.execute("SELECT path FROM keep_folders")])


def facts_for(conn, files: list[DuplicateFile], folders: Folders) -> dict[int, KeeperFacts]:
    """The facts the rule needs, read in two queries for one group's files."""
    ids = [f.file_id for f in files]
    marks = ",".join("?" * len(ids))
    roots, keep = folders.roots, folders.keep
    rows = {r[0]: r[1:] for r in conn.execute(
        f"SELECT id, taken_at_source, gps_lat FROM files WHERE id IN ({marks})", ids)}
    paths = [f.path for f in files]
    organized = {r[0] for r in conn.execute(
        f"SELECT j.dst FROM journal j JOIN plans p ON p.id = j.plan_id "
        f"WHERE p.state = 'applied' AND j.state = 'done' AND j.op != 'undo' "
        f"AND j.dst IN ({','.join('?' * len(paths))})", paths)}
    out = {}
    for f in files:
        root = max((r for r in roots if f.path.startswith(r.rstrip(os.sep) + os.sep)),
                   key=len, default=os.path.dirname(f.path))
        folders = os.path.relpath(os.path.dirname(f.path), root).split(os.sep)
        folders = [p for p in folders if p not in (".", "")]
        if any(f.path.startswith(k.rstrip(os.sep) + os.sep) for k in keep):
            place, why = 0, "in a folder you keep"
        elif f.path in organized:
            place, why = 0, "in a folder Shoebox organized"
        elif any(p.casefold() in IMPORT_FOLDERS for p in folders):
            place, why = 2, "not in an import folder"
        else:
            place, why = 1, "not in an import folder"
        source, lat = rows.get(f.file_id, (None, None))
        meta = tuple(m for m, yes in (("a sidecar", has_sidecar(f.path)),
                                      ("an EXIF date", source == "exif" and f.taken_at is not None),
                                      ("GPS", lat is not None)) if yes)
        out[f.file_id] = KeeperFacts(backup_like(folders, os.path.basename(f.path)),
                                     place, why, meta)
    return out


def _pixels(f: DuplicateFile) -> int:
    return (f.width or 0) * (f.height or 0)


def order(files: list[DuplicateFile], facts: dict[int, KeeperFacts], *, near: bool
          ) -> tuple[list[DuplicateFile], str]:
    """The files keeper first, and why the keeper won over the runner-up."""
    def key(f):
        return ((-_pixels(f),) if near else ()) + facts[f.file_id].rank(f)
    files = sorted(files, key=key)
    return files, _reason(files, facts, near)


def _reason(files: list[DuplicateFile], facts: dict[int, KeeperFacts], near: bool) -> str:
    a, fa = files[0], facts[files[0].file_id]
    for b in files[1:]:
        if near and (b.size, _pixels(b)) == (a.size, _pixels(a)):
            continue  # an identical copy inside a near group: the reason is about the others
        fb = facts[b.file_id]
        if near and _pixels(a) != _pixels(b):
            return f"largest resolution ({a.width}x{a.height})"
        if fa.backup != fb.backup:
            return "not a backup or a copy"
        if fa.place != fb.place:
            return fa.place_why
        if len(fa.metadata) != len(fb.metadata):
            return "richer metadata (" + ", ".join(fa.metadata) + ")"
        if len(a.path) != len(b.path):
            return "shorter path"
    return "first one found"
