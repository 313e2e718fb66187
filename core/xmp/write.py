"""`shoebox metadata write`: what the catalog knows about each file, into its XMP sidecar.

By default a sidecar carries what a person decided or what is fact: the people the user named
(MWG face regions and keywords), where the photo was taken (from its GPS), the events the
user or the LLM titled, and a capture date Shoebox found outside EXIF (the file's name, a
video's container). Captions and machine tags go in only with `xmp_machine_words` on.

Originals are never opened for writing. A file with nothing to say and no sidecar gets none.
A folder that refuses the write is reported once and the rest goes on.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from core.catalog import Catalog, Connection
from core.files.dates import DATE_SOURCES
from core.xmp import sidecars
from core.xmp.packet import DEFAULT_LANG, DESCRIPTION, Ours, Region, XmpError, merge_into

log = logging.getLogger(__name__)

OUTSIDE_EXIF = tuple(s for s in DATE_SOURCES if s != "exif")
DATE_FIELD = "Xmp.photoshop.DateCreated"


@dataclass
class WriteReport:
    written: int = 0
    unchanged: int = 0
    refused: dict[str, str] = field(default_factory=dict)   # folder -> why, once each
    failed: dict[str, str] = field(default_factory=dict)    # sidecar -> why (bad XMP)

    def as_dict(self) -> dict:
        return {"written": self.written, "unchanged": self.unchanged,
                "refused_folders": self.refused, "failed": self.failed}


def _shown(width, height, orientation) -> tuple[int, int] | None:
    if not width or not height:
        return None
    return (height, width) if (orientation or 1) >= 5 else (width, height)


def gather(conn: Connection, machine_words: bool = False,
           file_ids: list[int] | None = None) -> dict[int, tuple[str, Ours]]:
    """{file id: (path, what its sidecar should say)} for the present photos and videos."""
    where = "" if file_ids is None else \
        f" AND id IN ({', '.join(str(int(i)) for i in file_ids)})"
    out: dict[int, tuple[str, Ours]] = {}
    for r in conn.execute(
            "SELECT id, path, width, height, orientation, taken_at, taken_at_source FROM files "
            f"WHERE status = 'present' AND kind IN ('photo', 'video'){where}"):
        ours = Ours(shown_size=_shown(r["width"], r["height"], r["orientation"]))
        if r["taken_at_source"] in OUTSIDE_EXIF and r["taken_at"] is not None:
            ours.fields[DATE_FIELD] = datetime.fromtimestamp(r["taken_at"]).isoformat(
                timespec="seconds")
        out[r["id"]] = (r["path"], ours)

    def each(sql, params=()):
        for row in conn.execute(sql, params):
            if row[0] in out:
                yield out[row[0]][1], row

    for ours, row in each(
            "SELECT f.file_id, p.name, f.x, f.y, f.w, f.h, f.frame_ms FROM faces f "
            "JOIN people p ON p.id = f.person_id WHERE p.name IS NOT NULL AND p.hidden = 0 "
            "ORDER BY f.file_id, f.frame_ms, f.idx"):
        _, name, x, y, w, h, frame_ms = row
        if frame_ms == -1:  # a video's faces are on keyframes: no region, the keyword only
            ours.regions.append(Region(name, (x, y, w, h)))
        _keyword(ours, name, f"People|{name}")
    for ours, row in each("SELECT file_id, place, region, country FROM file_places "
                          "WHERE source = 'gps'"):
        _, place, region, country = row
        for key, value in (("City", place), ("State", region), ("Country", country)):
            if value:
                ours.fields[f"Xmp.photoshop.{key}"] = value
        parts = [p for p in (country, region, place) if p]
        if parts:
            _keyword(ours, place or parts[-1], "Places|" + "|".join(dict.fromkeys(parts)))
    for title, members in conn.execute("SELECT title, members FROM event_names"):
        ids = [i for i in json.loads(members) if i in out]
        if not ids:
            continue
        first = min((t for (t,) in conn.execute(
            f"SELECT taken_at FROM files WHERE id IN ({', '.join(map(str, ids))}) "
            "AND taken_at IS NOT NULL")), default=None)
        label = f"{time.strftime('%Y-%m', time.localtime(first))} {title}" if first else title
        for i in ids:
            _keyword(out[i][1], title, f"Events|{label}")
    sources = "" if machine_words else " WHERE source = 'user'"
    for ours, row in each(f"SELECT file_id, tag FROM tags{sources} ORDER BY file_id, tag"):
        if row[1] not in ours.keywords:
            ours.keywords.append(row[1])
    if machine_words:
        for ours, row in each("SELECT file_id, text FROM captions"):
            ours.fields[DESCRIPTION] = {DEFAULT_LANG: row[1]}
    return out


def _keyword(ours: Ours, word: str, path: str) -> None:
    if word not in ours.keywords:
        ours.keywords.append(word)
    if path not in ours.hierarchy:
        ours.hierarchy.append(path)


def _says_something(ours: Ours) -> bool:
    return bool(ours.regions or ours.keywords or ours.hierarchy or ours.fields)


def write_sidecars(catalog: Catalog, machine_words: bool = False,
                   file_ids: list[int] | None = None) -> WriteReport:
    with catalog.read() as conn:
        plan = gather(conn, machine_words, file_ids)
    report = WriteReport()
    by_folder: dict[str, list[tuple[str, Ours]]] = defaultdict(list)
    for path, ours in plan.values():
        by_folder[os.path.dirname(path)].append((path, ours))
    for folder, items in sorted(by_folder.items()):
        present = sidecars.folder_sidecars(folder)
        for path, ours in items:
            target = sidecars.sidecar_for(path, present)
            if not _says_something(ours) and not sidecars.existing_sidecar(path, present):
                continue
            try:
                if merge_into(target, ours,
                              lambda tmp, t=target: sidecars.note_own_write(t, tmp)):
                    report.written += 1
                else:
                    report.unchanged += 1
            except XmpError as e:
                report.failed[target] = str(e)
                log.warning("%s", e)
            except OSError as e:  # read-only folder, a share that refuses: once, then on
                report.refused[folder] = e.strerror or str(e)
                log.warning("cannot write sidecars in %s: %s", folder, report.refused[folder])
                break
    return report
