"""Stacks in the catalog: measuring shots, finding stacks, and the user's pick.

`restack` reads every dated photo's time (one query), keeps those with a neighbour within
core.cull.stacks.RETRY_S, measures those it has not measured yet (core.cull.quality, once per
content), finds the stacks, ranks each (core.cull.best) and replaces the stack tables in one
transaction. Stacks are a view over files: nothing on disk moves. A pick the user made
(stack_picks) stays the cover of whatever stack its photo lands in after a restack.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from PIL import Image, UnidentifiedImageError

from core.catalog import Catalog, Connection
from core.catalog.chunks import in_chunks
from core.cull.best import pick_best
from core.cull.quality import MEASURE_SIDE, FaceBox, Quality, measure
from core.cull.stacks import Shot, find_stacks, time_neighbours
from core.media.errors import MediaError
from core.media.images import open_image
from core.media.phash import to_signed
from core.query.filters import BASE, TAKEN
from core.tasks import TaskState

log = logging.getLogger(__name__)

_PHOTOS = f"{BASE} AND f.kind = 'photo'"


@dataclass
class StackReport:
    stacks: int = 0
    stacked: int = 0          # photos in a stack
    measured: int = 0         # photos measured in this run
    unreadable: int = 0

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def _faces(conn: Connection, ids: list[int]) -> dict[int, list[tuple[FaceBox, int | None]]]:
    out: dict[int, list] = {i: [] for i in ids}
    for chunk, marks in in_chunks(ids):
        for fid, x, y, w, h, person in conn.execute(
                f"SELECT file_id, x, y, w, h, person_id FROM faces WHERE frame_ms = -1 AND "
                f"file_id IN ({marks}) ORDER BY file_id, idx", chunk):
            out[fid].append((FaceBox(x, y, w, h), person))
    return out


def _faces_ran(conn: Connection, ids: list[int]) -> set[int]:
    """Photos the faces stage has looked at (found faces or not)."""
    out: set[int] = set()
    for chunk, marks in in_chunks(ids):
        out |= {r[0] for r in conn.execute(
            f"SELECT file_id FROM jobs WHERE stage = 'faces' AND state = 'done' AND "
            f"file_id IN ({marks})", chunk)}
    return out


def quality_from_row(r) -> Quality:
    return Quality(r["sharpness"], r["focus"], r["faces"], r["clipped_high"], r["clipped_low"],
                   r["brightness"], (r["phash"] or 0) & 0xFFFFFFFFFFFFFFFF,
                   bytes(r["signature"] or b""), r["eyes_closed"])


def stored_quality(conn: Connection, ids: Iterable[int]) -> dict[int, Quality]:
    """Measures still valid for the files' current content."""
    ids = sorted({int(i) for i in ids})
    out: dict[int, Quality] = {}
    for chunk, marks in in_chunks(ids):
        for r in conn.execute(
                f"SELECT q.* FROM shot_quality q JOIN files f ON f.id = q.file_id WHERE "
                f"q.file_id IN ({marks}) AND q.content_hash IS f.content_hash", chunk):
            out[r["file_id"]] = quality_from_row(r)
    return out


def measure_files(catalog: Catalog, ids: Iterable[int], task: TaskState | None = None,
                  report: StackReport | None = None,
                  faces: dict[int, list[tuple[FaceBox, int | None]]] | None = None
                  ) -> dict[int, Quality]:
    """Measures of each photo, stored ones where still valid, the rest decoded and measured
    now (and stored). An unreadable photo is left out (it cannot be judged). faces: the
    photos' faces (`_faces`), when the caller has read them already."""
    ids = sorted({int(i) for i in ids})
    with catalog.read() as conn:
        out = stored_quality(conn, ids)
        todo = [i for i in ids if i not in out]
        rows = {}
        for chunk, marks in in_chunks(todo):
            rows.update((r[0], (r[1], r[2])) for r in conn.execute(
                f"SELECT id, path, content_hash FROM files WHERE id IN ({marks})", chunk))
        if faces is None:
            faces = _faces(conn, todo)
    if task:
        task.start(len(todo), f"measuring {len(todo)} photos")
    batch: list[tuple] = []
    for fid in todo:
        if task:
            task.check()
        if fid not in rows:
            continue
        path, chash = rows[fid]
        try:
            img = open_image(path, target=MEASURE_SIDE)
        except (OSError, MediaError, UnidentifiedImageError, Image.DecompressionBombError) as e:
            log.info("cull: cannot measure %s: %s", path, e)
            if report:
                report.unreadable += 1
            continue
        q = measure(img, [b for b, _ in faces.get(fid, [])])
        out[fid] = q
        batch.append((fid, chash, q.sharpness, q.focus, q.faces, q.clipped_high, q.clipped_low,
                      q.brightness, q.eyes_closed, to_signed(q.phash), q.signature, time.time()))
        if report:
            report.measured += 1
        if len(batch) >= 200:
            catalog.write(_store_quality, batch)
            batch = []
        if task:
            task.advance()
    if batch:
        catalog.write(_store_quality, batch)
    return out


def _store_quality(conn: Connection, rows: list[tuple]) -> None:
    conn.executemany(
        "INSERT OR REPLACE INTO shot_quality(file_id, content_hash, sharpness, focus, faces, "
        "clipped_high, clipped_low, brightness, eyes_closed, phash, signature, computed_at) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows)


def _vectors(conn: Connection, ids: list[int]) -> dict[int, np.ndarray]:
    """Whole-photo CLIP vectors of one model (the one most of these photos have)."""
    found: dict[int, tuple[str, bytes]] = {}
    for chunk, marks in in_chunks(ids):
        for fid, model, blob in conn.execute(
                f"SELECT file_id, model_id, vector FROM embeddings WHERE frame_ms = -1 AND "
                f"file_id IN ({marks})", chunk):
            found[fid] = (model, blob)
    if not found:
        return {}
    model = Counter(m for m, _ in found.values()).most_common(1)[0][0]
    return {fid: np.frombuffer(b, dtype="<f4") for fid, (m, b) in found.items() if m == model}


def candidates(conn: Connection) -> list[tuple[int, float, str | None]]:
    """(id, taken, camera) of the dated photos that have another within RETRY_S."""
    rows = conn.execute(
        f"SELECT f.id, {TAKEN}, trim(coalesce(f.camera_make, '') || ' ' || "
        f"coalesce(f.camera_model, '')) FROM files AS f WHERE {_PHOTOS} AND {TAKEN} IS NOT NULL"
    ).fetchall()
    keep = time_neighbours([(r[0], r[1]) for r in rows])
    return [(r[0], r[1], r[2] or None) for r in rows if r[0] in keep]


def restack(catalog: Catalog, task: TaskState | None = None) -> StackReport:
    """Find the library's stacks anew (see the module docstring)."""
    rep = StackReport()
    with catalog.read() as conn:
        cands = candidates(conn)
        ids = [c[0] for c in cands]
        faces = _faces(conn, ids)   # read once: measuring weighs them too
        looked = _faces_ran(conn, ids)
    quality = measure_files(catalog, ids, task, rep, faces)
    with catalog.read() as conn:
        vectors = _vectors(conn, ids)
        picks = dict(conn.execute("SELECT file_id, picked_at FROM stack_picks").fetchall())
    shots = []
    for fid, taken, camera in cands:
        q = quality.get(fid)
        if q is None:
            continue
        people = frozenset(p for _, p in faces.get(fid, []) if p is not None)
        shots.append(Shot(fid, taken, camera, vectors.get(fid), q.phash, q.signature,
                          len(faces.get(fid, [])) if fid in looked else None, people))
    if task:
        task.status("stacking look-alike shots")
    stacks = find_stacks(shots)
    rows = []
    for st in stacks:
        pick = pick_best({s.id: quality[s.id] for s in st})
        chosen = [s.id for s in st if s.id in picks]
        cover = max(chosen, key=lambda i: picks[i]) if chosen else pick.best
        rows.append((cover, pick, st[0].taken, st[-1].taken))
    catalog.write(_replace_stacks, rows)
    rep.stacks = len(rows)
    rep.stacked = sum(len(p.ranked) for _, p, _, _ in rows)
    return rep


def find_look_alikes(catalog: Catalog, task: TaskState | None = None) -> StackReport:
    """The stacks found anew, then every other photo measured too, so the review can list
    the blurry and very dark ones outside stacks. Progress, pause and cancel through `task`:
    each photo measured is one step (only those not measured yet for their content)."""
    rep = restack(catalog, task)
    with catalog.read() as conn:
        ids = [r[0] for r in conn.execute(f"SELECT f.id FROM files AS f WHERE {_PHOTOS}")]
    measure_files(catalog, ids, task, rep)
    return rep


def _replace_stacks(conn: Connection, rows: list) -> None:
    conn.execute("DELETE FROM stack_members")
    conn.execute("DELETE FROM stacks")
    now = time.time()
    for cover, pick, start, end in rows:
        why = pick.reason if cover == pick.best else "your pick"
        sid = conn.execute(
            "INSERT INTO stacks(cover_id, best_id, size, reason, started_at, ended_at, "
            "created_at) VALUES (?,?,?,?,?,?,?)",
            (cover, pick.best, len(pick.ranked), why, start, end, now)).lastrowid
        conn.executemany(
            "INSERT INTO stack_members(file_id, stack_id, hidden, rank) VALUES (?,?,?,?)",
            [(fid, sid, int(fid != cover), rank) for rank, fid in enumerate(pick.ranked)])


def pick_cover(catalog: Catalog, file_id: int) -> None:
    """The user's choice: this photo is the best of its stack. Kept in stack_picks, so a
    restack or a rescore keeps it on top."""
    def write(conn: Connection) -> None:
        sid = conn.execute("SELECT stack_id FROM stack_members WHERE file_id = ?",
                           (file_id,)).fetchone()
        if sid is None:
            raise ValueError(f"file {file_id} is in no stack")
        conn.execute("DELETE FROM stack_picks WHERE file_id IN (SELECT file_id FROM "
                     "stack_members WHERE stack_id = ?)", (sid[0],))
        conn.execute("INSERT INTO stack_picks(file_id, picked_at) VALUES (?, ?)",
                     (file_id, time.time()))
        _set_cover(conn, sid[0], file_id, "your pick")
    catalog.write(write)


def _set_cover(conn: Connection, stack_id: int, cover: int, why: str) -> None:
    conn.execute("UPDATE stacks SET cover_id = ?, reason = ? WHERE id = ?",
                 (cover, why, stack_id))
    conn.execute("UPDATE stack_members SET hidden = (file_id != ?) WHERE stack_id = ?",
                 (cover, stack_id))
