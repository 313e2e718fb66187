"""A phone's camera roll, planned end to end through the real code (benchmarks/camera_roll.py
builds it: trips, a day out, a birthday, everyday photos, screenshots, scans, one flat folder),
with no collections and no LLM; and the `plan` command's units."""

import json
import os

import pytest

from benchmarks.camera_roll import CAMERA, build
from benchmarks.eval_plans import prepare_camera_roll, run_camera_roll, structure_problems
from core.config import Settings
from core.organize import get_plan, make_plan, plan_items, set_unit_decision
from core.organize.event_names import event_key, rename_event
from tests.cli_runner import run_ok


@pytest.fixture(scope="module")
def roll_result(tmp_path_factory):
    return run_camera_roll(tmp_path_factory.mktemp("roll"), 0.35, None, Settings())


def test_every_event_lands_whole_in_a_folder_of_its_own_with_year_and_place(roll_result):
    r = roll_result
    assert r["layout"] == "event" and "capture date" in r["layout_reason"]
    assert r["events"] == 5 and r["names_ok"] == 5, r["event_folders"]
    assert r["filed_right"] == 1.0          # nothing from outside an event inside it, either
    assert r["ari"] == 1.0
    assert r["screenshots_together"]
    folders = {ev: n["folder"] for ev, n in r["event_folders"].items()}
    assert folders["Kyoto"] == "2023/2023-04 Kyoto, Japan"
    assert folders["Lisbon"] == "2023/2023-10 Lisbon, Portugal"
    assert folders["Birthday"] == "2023/2023-06-17"           # at home: the day names it
    assert folders["Iceland"].startswith("2022/2022-08 ") and "Iceland" in folders["Iceland"]


def test_every_file_is_placed_the_plan_is_stable_and_applying_it_settles_it(roll_result):
    r = roll_result
    assert r["placed"] == r["files"] and r["structure_problems"] == []
    assert r["same_plan_twice"]
    assert r["applied"] == r["files"] and r["failed"] == 0
    assert r["moves_after_apply"] == 0


@pytest.fixture
def roll(tmp_path, catalog, paths):
    root = (tmp_path / "Phone").resolve()
    truth = build(root, 0.2)
    prepare_camera_roll(catalog, paths, root, truth)
    return root, truth


def test_units_are_stored_with_each_move_and_decided_together(roll, catalog):
    root, _ = roll
    pid = make_plan(catalog)
    items = plan_items(catalog, pid)
    assert all(i.unit_key and i.unit_kind and i.unit_title for i in items)
    kyoto = [i for i in items if i.unit_title == "Kyoto, Japan"]
    assert kyoto and {i.unit_kind for i in kyoto} == {"event"}
    set_unit_decision(catalog, pid, os.path.dirname(kyoto[0].dst), "skip", folder="Travel/Kyoto")
    after = {i.id: i for i in plan_items(catalog, pid)}
    assert all(after[i.id].decision == "skip" and
               after[i.id].dst == str(root / "Travel" / "Kyoto" / os.path.basename(i.dst))
               for i in kyoto)
    assert structure_problems(items, str(root)) == []


def test_a_title_once_given_stays_and_the_users_wins(roll, catalog):
    root, _ = roll
    items = plan_items(catalog, make_plan(catalog))
    kyoto = [i.file_id for i in items if i.unit_title == "Kyoto, Japan"]
    with catalog.read() as conn:
        (event_id,) = {r[0] for r in conn.execute(
            f"SELECT event_id FROM event_members WHERE file_id IN ({','.join('?' * len(kyoto))})",
            kyoto)}
        members = [r[0] for r in conn.execute(
            "SELECT file_id FROM event_members WHERE event_id = ?", (event_id,))]

    def llm_named(conn):  # what a first plan with the LLM stored, one photo ago
        earlier = members[:-1]
        conn.execute("INSERT INTO event_names(key, title, named_by, members, created_at) "
                     "VALUES (?, 'Temples, Kyoto', 'llm:x', ?, 0)",
                     (event_key(earlier), json.dumps(earlier)))
    catalog.write(llm_named)
    # the event gained a photo since: still the event that was titled; planned again (an LLM
    # asked again could not change it)
    for _ in range(2):
        items = plan_items(catalog, make_plan(catalog))
        assert {os.path.dirname(i.dst) for i in items if i.file_id in kyoto} == \
            {str(root / "2023" / "2023-04 Temples, Kyoto")}
    rename_event(catalog, members, "Cherry blossoms")
    items = plan_items(catalog, make_plan(catalog))
    assert {os.path.dirname(i.dst) for i in items if i.file_id in kyoto} == \
        {str(root / "2023" / "2023-04 Cherry blossoms")}


def test_plan_prints_the_units_and_remembers_the_layout_given(roll, capsys):
    out = run_ok(capsys, "plan", "--no-llm")
    assert "event layout (" in out and "have a capture date" in out
    assert "units (folder, files, dates, place; what they are):" in out
    kyoto = next(line for line in out.splitlines() if "2023-04 Kyoto" in line)
    # folder, files, date span, place, and what the unit is
    assert kyoto.lstrip().startswith("2023/2023-04 Kyoto, Japan/")
    assert " files" in kyoto and "Apr 2023" in kyoto and "Kyoto, Japan  [event: a trip away]" \
        in kyoto
    assert "Screenshots/2023/" in out and "Scans/" in out and "[month: everyday" in out
    data = json.loads(run_ok(capsys, "plan", "--json"))
    assert data["layout"] == "event" and {u["kind"] for u in data["units"]} >= {
        "event", "screenshots", "scans", "month"}
    assert "hint:" not in out                           # the places are named
    run_ok(capsys, "plan", "--layout", "date", "--no-llm")
    assert json.loads(run_ok(capsys, "plan", "--json"))["layout"] == "date"      # remembered
    assert Settings.load().organize_layout_chosen
    run_ok(capsys, "plan", "--layout", "auto", "--no-llm")
    assert json.loads(run_ok(capsys, "plan", "--json"))["layout"] == "event"     # forgotten
    assert not Settings.load().organize_layout_chosen


def test_files_dated_only_by_their_names_are_filed_and_screenshots_go_together(
        tmp_path, catalog, paths):
    from tests.media_factory import write_jpeg, write_png

    cam = tmp_path / "Phone" / CAMERA
    write_png(cam / "Screenshot_20230201-120000.png")
    write_png(cam / "Screenshot_20220705-080000.png")
    write_jpeg(cam / "IMG-20230101-WA0001.jpg")
    write_jpeg(cam / "IMG_0001.jpg")
    from tests.core.organize.helpers import scan_library

    scan_library(catalog, tmp_path / "Phone")
    pid = make_plan(catalog)
    dst = {os.path.basename(i.src): os.path.relpath(i.dst, (tmp_path / "Phone").resolve())
           for i in plan_items(catalog, pid)}
    assert dst == {"Screenshot_20230201-120000.png": "Screenshots/2023/"
                   "Screenshot_20230201-120000.png",
                   "Screenshot_20220705-080000.png": "Screenshots/2022/"
                   "Screenshot_20220705-080000.png",
                   "IMG-20230101-WA0001.jpg": "2023/2023-01/IMG-20230101-WA0001.jpg",
                   "IMG_0001.jpg": "Unknown date/IMG_0001.jpg"}
    assert get_plan(catalog, pid)["summary"]["stays"] == []


def test_a_plan_before_places_are_named_says_how_to_name_them(tmp_path, capsys):
    root = (tmp_path / "Phone").resolve()
    build(root, 0.2)
    run_ok(capsys, "add", str(root))
    run_ok(capsys, "scan")
    out = run_ok(capsys, "plan", "--no-llm")
    assert "photos have GPS but no place name yet" in out and "shoebox index" in out
    assert "[event: a trip away]" in out          # the trips are found all the same


def test_the_llm_path_names_events_once_and_a_retry_cannot_rename_them(roll, catalog, registry):
    from core.organize.event_names import title_events

    with catalog.read() as conn:
        events = {r[0]: (r[1], r[2], bool(r[3]), [m[0] for m in conn.execute(
            "SELECT file_id FROM event_members WHERE event_id = ?", (r[0],))])
            for r in conn.execute("SELECT id, start_at, end_at, away FROM events "
                                  "WHERE away = 1 AND file_count >= 3")}
    first = title_events(catalog, events, registry)
    assert first.llm_unavailable is None and first.by_llm + first.by_fallback == len(events) == 4
    # a tiny random model seldom answers valid JSON: what it answers is repaired and stored,
    # the rest fall back to the place (these are all away from home)
    assert all(t and "/" not in t for t in first.titles.values())
    again = title_events(catalog, events, registry)            # the LLM is not asked again:
    assert again.cached == len(events) and again.titles == first.titles   # nothing renamed
    assert set(again.sources.values()) == {"stored"}


def test_a_layout_the_user_chose_beats_the_automatic_one(roll, catalog):
    s = Settings(organize_layout="date", organize_layout_chosen=True)
    assert get_plan(catalog, make_plan(catalog, s))["summary"]["layout"] == "date"
    s.organize_layout_chosen = False
    summary = get_plan(catalog, make_plan(catalog, s))["summary"]
    assert summary["layout"] == "event" and "have a capture date" in summary["layout_reason"]
