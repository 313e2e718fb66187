"""`shoebox people`, `shoebox faces` and search by person, through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli_runner import run as run_cli
from tests.core.people.conftest import FACE_COUNT, PEOPLE, index_faces


@pytest.fixture
def indexed(face_lib, catalog, face_registry, face_settings, paths):
    index_faces(catalog, face_registry, face_settings, paths)
    catalog.close()  # the CLI opens its own
    return face_lib


def run(capsys, *argv) -> tuple[int, dict | str]:
    """(exit code, the JSON read when asked for and it succeeded, else stdout + stderr)."""
    code, out, err = run_cli(capsys, *argv)
    if "--json" in argv and code == 0:
        return code, json.loads(out)
    return code, out + err


def _by_files(listing) -> dict[frozenset, dict]:
    return {frozenset(Path(f).name for f in p["files"]): p for p in listing["people"]}


def test_people_lists_names_merges_and_hides(indexed, capsys):
    code, listing = run(capsys, "people", "--json")
    assert code == 0 and listing["unassigned_faces"] == 1
    people = _by_files(listing)
    assert set(people) == {frozenset(v) for v in PEOPLE.values()}
    obama = people[frozenset(PEOPLE["obama"])]
    assert set(obama) >= {"id", "name", "face_count", "files"} and obama["face_count"] == 4
    assert all(Path(f).is_absolute() and Path(f).exists() for f in obama["files"])

    code, named = run(capsys, "people", "name", str(obama["id"]), "Barack Obama", "--json")
    assert code == 0 and named["name"] == "Barack Obama"
    biden = people[frozenset(PEOPLE["biden"])]
    assert run(capsys, "people", "hide", str(biden["id"]))[0] == 0
    _, listing = run(capsys, "people", "--json")
    assert [p["name"] for p in listing["people"]] == ["Barack Obama"]
    code, merged = run(capsys, "people", "merge", str(obama["id"]), str(biden["id"]), "--json")
    assert merged["id"] == obama["id"] and merged["face_count"] == 4 + 3
    code, text = run(capsys, "people", "name", "999", "X")
    assert code == 2 and "no person 999" in text


def test_faces_of_a_file_and_remove_and_split(indexed, capsys):
    code, out = run(capsys, "faces", str(indexed / "two_people.jpg"), "--json")
    assert code == 0 and len(out["faces"]) == 2
    face = out["faces"][0]
    assert set(face["box"]) == {"x", "y", "w", "h"} and face["person_id"]
    code, text = run(capsys, "people", "remove", str(face["id"]))
    assert code == 0 and f"no longer in person {face['person_id']}" in text
    code, split = run(capsys, "people", "split", str(out["faces"][1]["id"]), "--json")
    assert code == 0
    _, again = run(capsys, "faces", str(indexed / "two_people.jpg"), "--json")
    assert again["faces"][0]["person_id"] is None
    assert again["faces"][1]["person_id"] == split["id"]
    _, one = run(capsys, "faces", str(indexed / "astronaut.jpg"), "--json")
    code, named = run(capsys, "people", "name-face", str(one["faces"][0]["id"]), "Eileen",
                      "--json")
    assert code == 0 and named["name"] == "Eileen" and named["face_count"] == 1
    code, text = run(capsys, "faces", str(indexed / "nope.jpg"))
    assert code == 2


def test_search_by_a_persons_name_alone_and_with_other_words(indexed, capsys):
    _, listing = run(capsys, "people", "--json")
    biden = _by_files(listing)[frozenset(PEOPLE["biden"])]
    run(capsys, "people", "name", str(biden["id"]), "Jöe Bidén")
    code, res = run(capsys, "search", "joe biden", "--json", "--limit", "200")
    assert code == 0
    assert {Path(h["path"]).name for h in res["hits"]} == PEOPLE["biden"]
    # with other words: the person's photos that also match them (file names here)
    code, res = run(capsys, "search", "JOE BIDEN two", "--json", "--limit", "200")
    assert {Path(h["path"]).name for h in res["hits"]} == {"two_people.jpg"}
    code, res = run(capsys, "search", "", "--person", "joe biden", "--json")
    assert {Path(h["path"]).name for h in res["hits"]} == PEOPLE["biden"]
    code, text = run(capsys, "search", "", "--person", "nobody")
    assert code == 2 and "no person is called 'nobody'" in text


def test_forget_needs_yes_and_off_is_a_setting(indexed, capsys, paths):
    code, text = run(capsys, "people", "forget")
    assert code == 2 and "--yes" in text
    code, out = run(capsys, "people", "forget", "--yes", "--json")
    assert out["faces"] == FACE_COUNT and out["people"] == 2
    assert run(capsys, "people", "off")[0] == 0
    from core.config import Settings

    assert Settings.load(paths).faces is False
    code, st = run(capsys, "models", "status", "--json")
    assert "turned off" in json.dumps(st)
