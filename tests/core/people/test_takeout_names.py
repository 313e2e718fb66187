"""A Takeout's `people[].name` (no face box) is offered as a person's name only where it is
unambiguous: one name left for one unnamed face in a photo, or one unnamed person in common
across the photos with that name. One row per case; the user confirms by naming."""

from __future__ import annotations

import json

import pytest

from core.query.takeout_people import takeout_suggestions
from tests.cli_runner import run_ok
from tests.core.xmp.helpers import plant_face, scanned
from tests.media_factory import write_jpeg

# (case, photos: [(the JSON's names, the faces' people: "P1" unnamed, "=Zoe" named)],
#  expected {person: name})
ROWS = [
    ("one name, one unnamed face", [(["Anna"], ["P1"])], {"P1": "Anna"}),
    ("two names, two unnamed faces", [(["Anna", "Ben"], ["P1", "P2"])], {}),
    ("a named person's name is set aside", [(["Anna", "Zoe"], ["=Zoe", "P1"])],
     {"P1": "Anna"}),
    ("one name, two unnamed faces", [(["Anna"], ["P1", "P2"])], {}),
    ("one name, no face of an unnamed person", [(["Anna"], ["=Zoe"])], {}),
    ("one person in common across two photos",
     [(["Anna", "Ben"], ["P1", "P2"]), (["Anna", "Carl"], ["P1", "P3"])], {"P1": "Anna"}),
    ("two people always together", [(["Anna", "Ben"], ["P1", "P2"]),
                                    (["Anna", "Ben"], ["P1", "P2"])], {}),
    ("one name, two photos, no one in common",
     [(["Anna", "Ben"], ["P1", "P2"]), (["Anna", "Carl"], ["P3", "P4"])], {}),
    ("one person, two names", [(["Anna"], ["P1"]), (["Ben"], ["P1"])], {}),
    ("one name, two people", [(["Anna"], ["P1"]), (["Anna"], ["P2"])], {}),
    ("the case of a name does not split it", [(["anna"], ["P1"]), (["Anna", "Ben"],
                                                                  ["P1", "P2"])],
     {"P1": "Anna"}),
]


def _plant(catalog, tmp_path, photos) -> dict[str, int]:
    lib = tmp_path / "lib"
    for i in range(len(photos)):
        write_jpeg(lib / f"p{i}.jpg", seed=40 + i)
    ids = scanned(catalog, lib)
    people: dict[str, int] = {}
    for i, (names, faces) in enumerate(photos):
        fid = ids[f"p{i}.jpg"]
        for k, who in enumerate(faces):
            named = who.removeprefix("=") if who.startswith("=") else None
            _, pid = plant_face(catalog, fid, (0.1 * k, 0.1, 0.1, 0.1), name=named,
                                person_id=people.get(who), by="auto", idx=k)
            people[who] = pid

        def put(conn, fid=fid, names=names):
            h = conn.execute("SELECT content_hash FROM files WHERE id = ?", (fid,)).fetchone()[0]
            conn.executemany("INSERT INTO takeout_people(content_hash, name) VALUES (?, ?)",
                             [(h, n) for n in names])
        catalog.write(put)
    return people


@pytest.mark.parametrize("case, photos, expected", ROWS, ids=[r[0] for r in ROWS])
def test_a_takeout_name_is_offered_only_when_unambiguous(catalog, tmp_path, case, photos,
                                                         expected):
    people = _plant(catalog, tmp_path, photos)
    with catalog.read() as conn:
        got = takeout_suggestions(conn)
    assert got == {people[who]: name for who, name in expected.items()}, case


def test_the_offer_reaches_the_people_list_and_naming_confirms_it(catalog, tmp_path, capsys):
    people = _plant(catalog, tmp_path, [(["Anna"], ["P1"])])
    pid = people["P1"]
    listed = json.loads(run_ok(capsys, "people", "--json"))["people"]
    assert [(p["id"], p["suggested_name"], p["suggested_by"]) for p in listed] == [
        (pid, "Anna", "takeout")]
    assert f'Google Photos named these faces Anna: `shoebox people name {pid} "Anna"`' \
        in run_ok(capsys, "people")
    run_ok(capsys, "people", "name", str(pid), "Anna")
    listed = json.loads(run_ok(capsys, "people", "--json"))["people"]
    assert [(p["name"], p["suggested_name"]) for p in listed] == [("Anna", None)]
