"""Named people reach collection naming; unnamed ones never do."""

from __future__ import annotations

import time

from core.organize.evidence import gather_evidence
from core.organize.naming import fallback_name


def _plant(catalog) -> int:
    now = time.time()

    def write(conn):
        rid = conn.execute("INSERT INTO roots(path, added_at) VALUES ('/lib', ?)", (now,)).lastrowid
        cid = conn.execute("INSERT INTO clusters(member_count, date_from, date_to, created_at, "
                           "updated_at) VALUES (10, 1.72e9, 1.72e9, ?, ?)", (now, now)).lastrowid
        people = {}
        for name in ("Anna", "Ben", None):
            people[name] = conn.execute("INSERT INTO people(name, created_at, updated_at) "
                                        "VALUES (?, ?, ?)", (name, now, now)).lastrowid
        for i in range(10):
            fid = conn.execute(
                "INSERT INTO files(root_id, path, folder, name, kind, format, size, mtime_ns, "
                "first_seen_at) VALUES (?, ?, '/lib', 'x.jpg', 'photo', 'jpeg', 1, 1, ?)",
                (rid, f"/lib/p{i}.jpg", now)).lastrowid
            conn.execute("INSERT INTO cluster_members(cluster_id, file_id, probability, "
                         "representative) VALUES (?, ?, 0.9, 0)", (cid, fid))
            shown = [people[None]] + ([people["Anna"]] if i < 6 else []) + \
                    ([people["Ben"]] if i == 9 else [])
            for idx, pid in enumerate(shown):
                conn.execute("INSERT INTO faces(file_id, idx, x, y, w, h, size_px, score, "
                             "sharpness, groupable, model_id, descriptor, person_id) VALUES "
                             "(?, ?, 0, 0, .1, .1, 80, 1, 100, 1, 'm', x'00', ?)", (fid, idx, pid))
        return cid, people
    return catalog.write(write)


def test_named_people_reach_the_evidence_and_unnamed_ids_never(catalog):
    cid, people = _plant(catalog)
    with catalog.read() as conn:
        ev = gather_evidence(conn, cid)
    assert ev.people == ["Anna"]  # Ben is in 1 of 10 photos: not what they are about
    prompt = ev.prompt()
    assert "Anna" in prompt and "Ben" not in prompt
    assert f"Person {people[None]}" not in prompt and "person_id" not in prompt
    assert fallback_name(ev).name.startswith("Anna")   # nothing else known: her name


def test_hidden_people_are_left_out(catalog):
    cid, people = _plant(catalog)
    catalog.write(lambda c: c.execute("UPDATE people SET hidden = 1 WHERE id = ?",
                                      (people["Anna"],)))
    with catalog.read() as conn:
        assert gather_evidence(conn, cid).people == []
