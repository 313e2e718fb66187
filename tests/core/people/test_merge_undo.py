"""A merge can be undone: the people come back with their ids, names, hidden flags, faces
and "not this person" marks, and an undo never overwrites someone who appeared since."""

from __future__ import annotations

import pytest

from core.people import (
    PeopleError,
    merge_people,
    remove_face,
    restore_people,
    snapshot_people,
)


def _plant(catalog) -> dict[str, int]:
    def write(conn):
        rid = conn.execute("INSERT INTO roots(path, added_at) VALUES ('/lib', 0)").lastrowid
        people = {}
        for name, hidden in (("Anna", 0), (None, 0), ("Ben", 1)):
            people[name] = conn.execute(
                "INSERT INTO people(name, hidden, created_at, updated_at) VALUES (?, ?, 1, 1)",
                (name, hidden)).lastrowid
        for i, pid in enumerate([people["Anna"]] * 3 + [people[None]] * 2 + [people["Ben"]]):
            fid = conn.execute(
                "INSERT INTO files(root_id, path, folder, name, kind, format, size, mtime_ns, "
                "first_seen_at) VALUES (?, ?, '/lib', 'x.jpg', 'photo', 'jpeg', 1, 1, 0)",
                (rid, f"/lib/p{i}.jpg")).lastrowid
            conn.execute("INSERT INTO faces(file_id, idx, x, y, w, h, size_px, score, "
                         "sharpness, groupable, model_id, descriptor, person_id, assigned_by) "
                         "VALUES (?, 0, 0, 0, .1, .1, 80, 1, 100, 1, 'm', x'00', ?, ?)",
                         (fid, pid, "user" if pid == people["Anna"] else None))
        return people
    return catalog.write(write)


def _state(catalog):
    with catalog.read() as conn:
        return (conn.execute("SELECT * FROM people ORDER BY id").fetchall(),
                conn.execute("SELECT id, person_id, assigned_by FROM faces ORDER BY id")
                .fetchall(),
                conn.execute("SELECT * FROM face_rejections ORDER BY face_id").fetchall())


def test_undoing_a_merge_gives_back_every_person_as_it_was(catalog):
    people = _plant(catalog)
    with catalog.read() as conn:
        ben_face = conn.execute("SELECT id FROM faces WHERE person_id = ?",
                                (people["Ben"],)).fetchone()[0]
    remove_face(catalog, ben_face)  # a "not this person" mark that must survive the round trip
    before = _state(catalog)
    ids = [people[None], people["Anna"], people["Ben"]]  # the first is kept: not the lowest id
    snap = snapshot_people(catalog, ids)
    assert merge_people(catalog, ids) == people[None]
    assert _state(catalog) != before
    restore_people(catalog, snap)
    assert _state(catalog) == before


def test_an_undo_never_overwrites_someone_new(catalog):
    people = _plant(catalog)
    ids = [people["Anna"], people["Ben"]]
    snap = snapshot_people(catalog, ids)
    merge_people(catalog, ids)

    def newcomer(conn):  # a regroup made a new person who took the freed id
        conn.execute("INSERT INTO people(id, name, created_at, updated_at) "
                     "VALUES (?, 'Cleo', 2, 2)", (people["Ben"],))
        conn.execute("UPDATE faces SET person_id = ? WHERE id = (SELECT max(id) FROM faces)",
                     (people["Ben"],))
    catalog.write(newcomer)
    with pytest.raises(PeopleError, match="no longer be undone"):
        restore_people(catalog, snap)
    with catalog.read() as conn:
        assert conn.execute("SELECT name FROM people WHERE id = ?",
                            (people["Ben"],)).fetchone()[0] == "Cleo"
