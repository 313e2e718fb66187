"""The user's decisions about people. Each is one transaction, and each is kept by every
later regroup: naming, merging or hiding a person confirms the faces it holds now
(assigned_by = 'user'); "not this person" is remembered per face and person.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from core.catalog import Catalog, Connection
from core.errors import ShoeboxError
from core.plain import plain, typed_name


class PeopleError(ShoeboxError):
    """A people edit that cannot be done (unknown id, bad name); nothing was changed."""


def _person(conn: Connection, person_id: int) -> tuple:
    row = conn.execute("SELECT id, name, hidden FROM people WHERE id = ?",
                       (int(person_id),)).fetchone()
    if row is None:
        raise PeopleError(f"there is no person {person_id}: `shoebox people` lists them")
    return row


def _face(conn: Connection, face_id: int) -> tuple:
    row = conn.execute("SELECT id, person_id FROM faces WHERE id = ?", (int(face_id),)).fetchone()
    if row is None:
        raise PeopleError(f"there is no face {face_id}: `shoebox faces FILE` lists a photo's faces")
    return row


def _confirm(conn: Connection, person_id: int) -> None:
    conn.execute("UPDATE faces SET assigned_by = 'user' WHERE person_id = ?", (person_id,))
    conn.execute("UPDATE people SET updated_at = ? WHERE id = ?", (time.time(), person_id))


def name_person(catalog: Catalog, person_id: int, name: str) -> None:
    """Name a person (an empty name takes the name away). Their faces are confirmed."""
    name = typed_name(name, PeopleError)

    def run(conn):
        _person(conn, person_id)
        conn.execute("UPDATE people SET name = ? WHERE id = ?", (name or None, int(person_id)))
        _confirm(conn, int(person_id))
    catalog.write(run)


def hide_person(catalog: Catalog, person_id: int, hidden: bool = True) -> None:
    """Hidden people leave the People view and searches; their faces keep going to them, so
    they never come back as someone new."""
    def run(conn):
        _person(conn, person_id)
        conn.execute("UPDATE people SET hidden = ? WHERE id = ?", (int(hidden), int(person_id)))
        _confirm(conn, int(person_id))
    catalog.write(run)


def merge_people(catalog: Catalog, person_ids: list[int]) -> int:
    """One person from several (the first keeps its id; it takes the first name among them).
    Returns the id kept."""
    ids = list(dict.fromkeys(int(p) for p in person_ids))
    if len(ids) < 2:
        raise PeopleError("merge needs at least two different people")

    def run(conn):
        rows = [_person(conn, p) for p in ids]
        keep = ids[0]
        name = next((r[1] for r in rows if r[1]), None)
        marks = ",".join("?" * (len(ids) - 1))
        conn.execute(f"UPDATE faces SET person_id = ? WHERE person_id IN ({marks})",
                     (keep, *ids[1:]))
        # "not this person" said to any of them now holds for the merged person
        conn.execute(f"INSERT OR IGNORE INTO face_rejections(face_id, person_id) "
                     f"SELECT face_id, ? FROM face_rejections WHERE person_id IN ({marks})",
                     (keep, *ids[1:]))
        conn.execute(f"DELETE FROM people WHERE id IN ({marks})", ids[1:])
        conn.execute("UPDATE people SET name = ?, hidden = ? WHERE id = ?",
                     (name, int(all(r[2] for r in rows)), keep))
        conn.execute("DELETE FROM face_rejections WHERE person_id = ? AND face_id IN "
                     "(SELECT id FROM faces WHERE person_id = ?)", (keep, keep))
        _confirm(conn, keep)
        return keep
    return catalog.write(run)


@dataclass(frozen=True)
class PeopleSnapshot:
    """What some people were before an edit (their rows, their faces' owners, their "not
    this person" marks): enough to put them back (`restore_people`)."""
    people: tuple[tuple, ...]        # (id, name, hidden, created_at, updated_at)
    faces: tuple[tuple, ...]         # (face id, person id, assigned_by)
    rejections: tuple[tuple, ...]    # (face id, person id)


def snapshot_people(catalog: Catalog, person_ids: list[int]) -> PeopleSnapshot:
    ids = [int(p) for p in dict.fromkeys(person_ids)]
    marks = ",".join("?" * len(ids))
    with catalog.read() as conn:
        rows = {r[0]: tuple(r) for r in conn.execute(
            f"SELECT id, name, hidden, created_at, updated_at FROM people WHERE id IN ({marks})",
            ids)}
        return PeopleSnapshot(
            tuple(rows[p] for p in ids if p in rows),   # in the given order: the kept one first
            tuple(tuple(r) for r in conn.execute(
                f"SELECT id, person_id, assigned_by FROM faces WHERE person_id IN ({marks})",
                ids)),
            tuple(tuple(r) for r in conn.execute(
                f"SELECT face_id, person_id FROM face_rejections WHERE person_id IN ({marks})",
                ids)))


def restore_people(catalog: Catalog, snap: PeopleSnapshot) -> None:
    """Undo a merge: the people come back with their ids, names and faces. Faces the user
    moved elsewhere since stay where they are now; an id taken by someone new meanwhile
    makes the undo refuse rather than overwrite that person."""
    ids = [r[0] for r in snap.people]
    if not ids:
        return

    def run(conn):
        marks = ",".join("?" * len(ids))
        # a merge deleted every id but the first: one that exists again is someone new
        if conn.execute(f"SELECT 1 FROM people WHERE id IN ({marks}) AND id != ?",
                        (*ids, ids[0])).fetchone():
            raise PeopleError("these people changed since the merge; it can no longer be "
                              "undone")
        for row in snap.people:
            conn.execute("INSERT INTO people(id, name, hidden, created_at, updated_at) "
                         "VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
                         "name = excluded.name, hidden = excluded.hidden, "
                         "updated_at = excluded.updated_at", row)
        for fid, pid, by in snap.faces:
            conn.execute(f"UPDATE faces SET person_id = ?, assigned_by = ? WHERE id = ? "
                         f"AND person_id IN ({marks})", (pid, by, fid, *ids))
        conn.execute(f"DELETE FROM face_rejections WHERE person_id IN ({marks})", ids)
        conn.executemany("INSERT OR IGNORE INTO face_rejections(face_id, person_id) "
                         "VALUES (?, ?)", snap.rejections)
    catalog.write(run)


def remove_face(catalog: Catalog, face_id: int) -> int | None:
    """"Not this person": the face leaves its person and never goes back to them (it may
    still join someone else). Returns the person it left."""
    def run(conn):
        _, pid = _face(conn, face_id)
        if pid is None:
            raise PeopleError(f"face {face_id} is not in any person")
        conn.execute("INSERT OR IGNORE INTO face_rejections(face_id, person_id) VALUES (?, ?)",
                     (int(face_id), pid))
        conn.execute("UPDATE faces SET person_id = NULL, assigned_by = NULL WHERE id = ?",
                     (int(face_id),))
        return pid
    return catalog.write(run)


def split_faces(catalog: Catalog, face_ids: list[int]) -> int:
    """These faces are someone else: they leave their people (never to go back) and become
    a new person of their own. Returns the new person's id."""
    ids = list(dict.fromkeys(int(f) for f in face_ids))
    if not ids:
        raise PeopleError("split needs at least one face")

    def run(conn):
        rows = [_face(conn, f) for f in ids]
        now = time.time()
        pid = conn.execute("INSERT INTO people(created_at, updated_at) VALUES (?, ?)",
                           (now, now)).lastrowid
        for fid, old in rows:
            if old is not None:
                conn.execute("INSERT OR IGNORE INTO face_rejections(face_id, person_id) "
                             "VALUES (?, ?)", (fid, old))
            conn.execute("UPDATE faces SET person_id = ?, assigned_by = 'user' WHERE id = ?",
                         (pid, fid))
        return pid
    return catalog.write(run)


def assign_face(catalog: Catalog, face_id: int, person_id: int) -> None:
    """The user puts a face into a person ("this is Anna")."""
    def run(conn):
        _face(conn, face_id)
        _person(conn, person_id)
        conn.execute("DELETE FROM face_rejections WHERE face_id = ? AND person_id = ?",
                     (int(face_id), int(person_id)))
        conn.execute("UPDATE faces SET person_id = ?, assigned_by = 'user' WHERE id = ?",
                     (int(person_id), int(face_id)))
    catalog.write(run)


def name_face(catalog: Catalog, face_id: int, name: str) -> int:
    """Name the person of one face: into the person already called that (case and accents
    aside), else a new person with that name. Returns the person's id."""
    name = typed_name(name, PeopleError)
    if not name:
        raise PeopleError("give a name")

    def run(conn):
        _face(conn, face_id)
        pid = next((r[0] for r in conn.execute(
            "SELECT id, name FROM people WHERE name IS NOT NULL ORDER BY id")
            if plain(r[1]) == plain(name)), None)
        if pid is None:
            now = time.time()
            pid = conn.execute("INSERT INTO people(name, created_at, updated_at) "
                               "VALUES (?, ?, ?)", (name, now, now)).lastrowid
        conn.execute("DELETE FROM face_rejections WHERE face_id = ? AND person_id = ?",
                     (int(face_id), pid))
        conn.execute("UPDATE faces SET person_id = ?, assigned_by = 'user' WHERE id = ?",
                     (pid, int(face_id)))
        return pid
    return catalog.write(run)
