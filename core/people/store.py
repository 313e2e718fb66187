"""People in the catalog: the machine's grouping, written so the user's decisions always win.

    update_people(catalog, model_id)   after the faces stage: new faces join people, tight
                                       groups of unclaimed faces become new people
    regroup(catalog, model_id)         redo every machine assignment from scratch, keeping
                                       every user decision (see core/people/edits.py)

Only faces of the current face model are compared (descriptors of two models are different
spaces). A user's decision is a face with assigned_by = 'user', a face_rejections row, a
person's name or hidden flag; a regroup clears only assigned_by = 'auto'.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from dataclasses import dataclass

import numpy as np

from core.catalog import Catalog, Connection
from core.people import grouping


@dataclass
class PeopleUpdate:
    joined: int = 0      # faces that joined an existing person
    formed: int = 0      # new people
    grouped: int = 0     # faces in those new people

    def as_dict(self) -> dict:
        return {"joined": self.joined, "formed": self.formed, "grouped": self.grouped}


def _vec(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype="<f4").astype(np.float32)


def _candidates(conn: Connection, model_id: str) -> list[grouping.Candidate]:
    rows = conn.execute(
        "SELECT fa.id, fa.file_id, fa.frame_ms, f.content_hash, fa.descriptor FROM faces fa "
        "JOIN files f ON f.id = fa.file_id WHERE fa.person_id IS NULL AND fa.groupable = 1 "
        "AND fa.model_id = ? ORDER BY fa.file_id, fa.frame_ms, fa.idx", (model_id,)).fetchall()
    return [grouping.Candidate(r[0], (r[1], r[2]), r[3] or r[1], _vec(r[4])) for r in rows]


def _members(conn: Connection, model_id: str) -> dict[int, grouping.Members]:
    """Each person's faces that speak for them: good faces, and any face the user placed."""
    vecs: dict[int, list[np.ndarray]] = defaultdict(list)
    spots: dict[int, set] = defaultdict(set)
    for pid, file_id, frame_ms, blob, usable in conn.execute(
            "SELECT person_id, file_id, frame_ms, descriptor, "
            "groupable = 1 OR assigned_by = 'user' FROM faces "
            "WHERE person_id IS NOT NULL AND model_id = ?", (model_id,)):
        spots[pid].add((file_id, frame_ms))
        if usable:
            vecs[pid].append(_vec(blob))
    return {pid: grouping.Members(np.stack(vecs[pid]) if vecs[pid] else np.zeros((0, 128),
                                                                                  np.float32),
                                  spots[pid]) for pid in spots}


def _update(conn: Connection, model_id: str, previous: dict[int, int] | None = None
            ) -> PeopleUpdate:
    """One pass (inside a write transaction). previous: face -> person before a regroup, so a
    group that is the same people as before keeps its id (and whatever points at it)."""
    out = PeopleUpdate()
    faces = _candidates(conn, model_id)
    if not faces:
        return out
    people = _members(conn, model_id)
    rejected = conn.execute("SELECT face_id, person_id FROM face_rejections").fetchall()
    joins = grouping.assign(faces, people, [tuple(r) for r in rejected])
    conn.executemany("UPDATE faces SET person_id = ?, assigned_by = 'auto' WHERE id = ?",
                     [(pid, fid) for fid, pid in joins.items()])
    out.joined = len(joins)
    rest = [f for f in faces if f.face_id not in joins]
    taken = set(people)
    now = time.time()
    no = defaultdict(set)
    for face_id, person_id in rejected:
        no[person_id].add(face_id)
    content = {f.face_id: f.content for f in rest}
    for group in grouping.form(rest):
        pid = _reusable(conn, group, previous or {}, taken)
        if pid is not None and no[pid] & set(group):  # "not this person" holds here too
            kept = [f for f in group if f not in no[pid]]
            if len({content[f] for f in kept}) >= grouping.MIN_SUPPORT:
                group = kept
            else:
                pid = None
        if pid is None:
            pid = conn.execute("INSERT INTO people(created_at, updated_at) VALUES (?, ?)",
                               (now, now)).lastrowid
        taken.add(pid)
        conn.executemany("UPDATE faces SET person_id = ?, assigned_by = 'auto' WHERE id = ?",
                         [(pid, fid) for fid in group])
        out.formed += 1
        out.grouped += len(group)
    return out


def _reusable(conn: Connection, group: list[int], previous: dict[int, int],
              taken: set[int]) -> int | None:
    votes = Counter(previous[f] for f in group if f in previous)
    for pid, _ in votes.most_common():
        if pid not in taken and conn.execute("SELECT 1 FROM people WHERE id = ?",
                                             (pid,)).fetchone():
            return pid
    return None


def drop_empty_people(conn: Connection) -> int:
    """People the machine made that have no face left (a name or hide keeps a person)."""
    return conn.execute(
        "DELETE FROM people WHERE name IS NULL AND hidden = 0 AND id NOT IN "
        "(SELECT person_id FROM faces WHERE person_id IS NOT NULL)").rowcount


def update_people(catalog: Catalog, model_id: str) -> PeopleUpdate:
    def run(conn: Connection) -> PeopleUpdate:
        result = _update(conn, model_id)
        drop_empty_people(conn)
        return result
    return catalog.write(run)


def regroup(catalog: Catalog, model_id: str) -> PeopleUpdate:
    """Every machine assignment made again (after a model change or a tuning change);
    names, merges, hidden people, "not this person" and faces the user placed all stay."""
    def run(conn: Connection) -> PeopleUpdate:
        previous = dict(conn.execute(
            "SELECT id, person_id FROM faces WHERE assigned_by = 'auto'").fetchall())
        conn.execute("UPDATE faces SET person_id = NULL, assigned_by = NULL "
                     "WHERE assigned_by = 'auto'")
        result = _update(conn, model_id, previous)
        drop_empty_people(conn)
        return result
    return catalog.write(run)


def latest_face_model(catalog: Catalog) -> str | None:
    """The face model most faces were described with (when the registry cannot say)."""
    with catalog.read() as conn:
        row = conn.execute("SELECT model_id FROM faces GROUP BY model_id "
                           "ORDER BY count(*) DESC LIMIT 1").fetchone()
    return row[0] if row else None
