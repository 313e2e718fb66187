"""Events: the cut itself on made-up timelines, then in a catalog with inferred places."""

from __future__ import annotations

import json

import numpy as np
import pytest

from core.places.events import home_position, segment
from tests.cli_runner import run_ok
from tests.media_factory import write_jpeg

H = 3600.0
DAY = 86400.0
NAN = float("nan")
HOME = (48.137, 11.575)           # Munich
KYOTO = (35.0116, 135.7681)
OSAKA = (34.6937, 135.5023)


def cut(points, home=HOME):
    times = np.array([p[0] for p in points])
    lat = np.array([p[1][0] if p[1] else NAN for p in points])
    lon = np.array([p[1][1] if p[1] else NAN for p in points])
    return segment(times, lat, lon, home).tolist()


def test_sessions_at_home_are_cut_by_six_hours():
    t0 = 1_700_000_000.0
    pts = [(t0, HOME), (t0 + 1 * H, HOME), (t0 + 3 * H, None),      # a birthday afternoon
           (t0 + 20 * H, HOME), (t0 + 21 * H, HOME),                 # next day: another event
           (t0 + 22 * H, None)]
    assert cut(pts) == [0, 0, 0, 1, 1, 1]


def test_a_trip_away_is_one_event_across_nights_and_towns():
    t0 = 1_700_000_000.0
    pts = [(t0 - 2 * DAY, HOME),                                     # at home before
           (t0, KYOTO), (t0 + 2 * H, KYOTO),                         # day 1
           (t0 + DAY, None), (t0 + DAY + H, None),                   # day 2: camera without GPS
           (t0 + 2 * DAY, OSAKA), (t0 + 2 * DAY + 3 * H, OSAKA),     # day 3, another town
           (t0 + 6 * DAY, HOME)]                                     # home again
    assert cut(pts) == [0, 1, 1, 1, 1, 1, 1, 2]


def test_days_without_gps_inside_a_trip_do_not_cut_it():
    t0 = 1_700_000_000.0
    pts = [(t0, KYOTO),                                              # day 1
           (t0 + 1.5 * DAY, None), (t0 + 1.5 * DAY + H, None),       # day 2-3: no GPS
           (t0 + 3 * DAY + 5 * H, OSAKA)]                            # day 4: 77 h after day 1
    assert cut(pts) == [0, 0, 0, 0]


def test_unlocated_sessions_after_a_trip_are_not_pulled_into_it():
    t0 = 1_700_000_000.0
    pts = [(t0, KYOTO), (t0 + 20 * H, None), (t0 + 40 * H, HOME)]
    assert cut(pts) == [0, 1, 2]


def test_two_trips_with_home_between_stay_apart():
    t0 = 1_700_000_000.0
    pts = [(t0, KYOTO), (t0 + 12 * H, HOME), (t0 + 24 * H, KYOTO)]
    assert cut(pts) == [0, 1, 2]


def test_no_gps_anywhere_means_sessions():
    t0 = 1_700_000_000.0
    pts = [(t0, None), (t0 + H, None), (t0 + 10 * H, None)]
    assert cut(pts, home=None) == [0, 0, 1]
    assert segment(np.zeros(0), np.zeros(0), np.zeros(0)).tolist() == []


def test_home_is_where_most_days_are_not_where_most_photos_are():
    days = np.arange(30) * DAY
    times = np.concatenate([days, 40 * DAY + np.arange(500) * 60])   # one busy day in Kyoto
    lat = np.concatenate([np.full(30, HOME[0]), np.full(500, KYOTO[0])])
    lon = np.concatenate([np.full(30, HOME[1]), np.full(500, KYOTO[1])])
    assert home_position(times, lat, lon) == pytest.approx(HOME)


def test_events_in_the_catalog_infer_places_for_photos_without_gps(tmp_path, capsys, catalog):
    lib = tmp_path / "lib"
    # home life in Munich on many days, then a weekend in Kyoto with one photo without GPS
    for d in range(1, 8):
        write_jpeg(lib / f"home{d}.jpg", seed=d, taken=f"2023:03:0{d} 12:00:00", gps=HOME)
    write_jpeg(lib / "k1.jpg", seed=20, taken="2023:04:01 10:00:00", gps=KYOTO)
    write_jpeg(lib / "k2.jpg", seed=21, taken="2023:04:01 18:00:00")          # no GPS
    write_jpeg(lib / "k3.jpg", seed=22, taken="2023:04:02 09:00:00", gps=KYOTO)
    write_jpeg(lib / "undated.jpg", seed=23)                                   # no camera date
    run_ok(capsys, "add", str(lib))
    run_ok(capsys, "scan")
    run_ok(capsys, "index", "--stage", "places")
    events = json.loads(run_ok(capsys, "events", "--json"))
    assert events[0]["title"] == "Kyoto" and events[0]["file_count"] == 3
    assert events[0]["away"] is True
    assert len(events) == 1                         # the days at home hold one photo each
    # the CLI says the days as the app's timeline does
    assert run_ok(capsys, "events").split()[:5] == ["1-2", "Apr", "2023", "3", "Kyoto"]
    singles = json.loads(run_ok(capsys, "events", "--min-files", "1", "--json"))
    assert [e["title"] for e in singles[1:]] == ["Munich (München)"] * 7   # English first
    assert not any(e["away"] for e in singles[1:])
    hits = json.loads(run_ok(capsys, "search", "Kyoto", "--json"))["hits"]
    assert {h["path"].rsplit("/", 1)[1] for h in hits} == {"k1.jpg", "k2.jpg", "k3.jpg"}
    # by another of its names too: the photo without GPS takes its event's place's names
    hits = json.loads(run_ok(capsys, "search", "Kioto", "--json"))["hits"]
    assert {h["path"].rsplit("/", 1)[1] for h in hits} == {"k1.jpg", "k2.jpg", "k3.jpg"}
    from core.places.store import file_place
    from core.search import ask

    with catalog.read() as conn:
        fid = conn.execute("SELECT id FROM files WHERE name = 'k2.jpg'").fetchone()[0]
        undated = conn.execute("SELECT id FROM files WHERE name = 'undated.jpg'").fetchone()[0]
        p = file_place(conn, fid)
        assert (p.place, p.country, p.inferred) == ("Kyoto", "Japan", True)
        assert file_place(conn, undated) is None                # no date: no event, no place
        assert conn.execute("SELECT count(*) FROM event_members WHERE file_id = ?",
                            (undated,)).fetchone()[0] == 0
    answer = ask(catalog, None, fid, "where was this?")
    assert answer.answer.startswith("Probably taken in Kyoto") and not answer.confident


def test_recompute_touches_only_what_changed(catalog):
    """Events that did not change keep their rows; a new day's photos make a new event."""
    from core.places.events import update_events
    from tests.core.search import planting as P

    root = P.root(catalog)
    t0 = 1_700_000_000.0
    for i in range(6):
        P.file(catalog, root, f"/lib/{i}.jpg", taken=t0 + (i // 3) * DAY + i * 60)
    assert update_events(catalog) == 2
    assert update_events(catalog) is None                     # nothing changed: skipped
    with catalog.read() as conn:
        before = [tuple(r) for r in conn.execute("SELECT id, start_at FROM events ORDER BY id")]
    P.file(catalog, root, "/lib/new.jpg", taken=t0 + 5 * DAY)
    assert update_events(catalog) == 3
    with catalog.read() as conn:
        after = [tuple(r) for r in conn.execute("SELECT id, start_at FROM events ORDER BY id")]
        members = conn.execute("SELECT count(*) FROM event_members").fetchone()[0]
    assert after[:2] == before and len(after) == 3 and members == 7


def test_index_reports_events_only_when_the_timeline_changed(tmp_path, capsys):
    write_jpeg(tmp_path / "lib" / "a.jpg", taken="2023:04:01 10:00:00", gps=KYOTO)
    run_ok(capsys, "add", str(tmp_path / "lib"))
    run_ok(capsys, "scan")
    first = json.loads(run_ok(capsys, "index", "--stage", "places", "--json"))
    assert first["events"] == 1
    again = json.loads(run_ok(capsys, "index", "--stage", "places", "--json"))
    assert again["events"] is None


def test_titles_of_some_events_read_only_theirs_and_take_a_known_home(catalog):
    """A plan titles a few events at a time: each gets the title it gets among all of them,
    and the home country, once looked up, is not looked up again for every collection."""
    from core.places.events import event_titles
    from tests.core.search import planting as P

    root = P.root(catalog)
    t0 = 1_700_000_000.0
    ids = [P.file(catalog, root, f"/lib/{i}.jpg", taken=t0 + i * DAY) for i in range(6)]
    # event 1: two photos in Kyoto; event 2: Norway, two towns; event 3: no place at all; and
    # one more day in Japan, in no event (home: where most days are)
    places = {ids[0]: (1, "Kyoto", "Japan"), ids[1]: (1, "Kyoto", "Japan"),
              ids[2]: (2, "Oslo", "Norway"), ids[3]: (2, "Bergen", "Norway"),
              ids[4]: (3, None, None), ids[5]: (None, "Osaka", "Japan")}

    def plant(c):
        for e in (1, 2, 3):
            c.execute("INSERT INTO events(id, start_at, end_at, file_count, located) "
                      "VALUES (?, ?, ?, 2, 0)", (e, t0, t0 + H))
        for fid, (e, town, country) in places.items():
            if e:
                c.execute("INSERT INTO event_members(file_id, event_id) VALUES (?, ?)", (fid, e))
            if town:
                c.execute("INSERT INTO file_places(file_id, source, place, country) "
                          "VALUES (?, 'gps', ?, ?)", (fid, town, country))

    catalog.write(plant)
    with catalog.read() as conn:
        every = event_titles(conn, [1, 2, 3])
        assert every == {1: "Kyoto", 2: "Norway trip"}
        assert event_titles(conn, [2]) == {2: "Norway trip"}
        assert event_titles(conn, ["1"]) == {1: "Kyoto"} and event_titles(conn, []) == {}
        assert event_titles(conn, [2], home="Norway") == {2: "Norway"}


def test_nearest_located_member_is_argmin_ties_to_the_first():
    from core.places.events import nearest_in_time

    rng = np.random.default_rng(0)
    for _ in range(300):
        at = np.sort(rng.integers(0, 40, rng.integers(1, 30)).astype(float))
        t = rng.integers(-5, 45, rng.integers(0, 30)).astype(float)
        want = [int(np.argmin(np.abs(at - x))) for x in t]
        assert nearest_in_time(at, t).tolist() == want


def test_places_are_inferred_with_one_search_per_event_not_per_photo(monkeypatch):
    """A long event (thousands of photos, half without GPS) cost a scan of its located
    photos per photo without: quadratic in the event's size."""
    from core.places import events
    from core.places.store import FilePlace

    calls = []
    real = events.nearest_in_time
    monkeypatch.setattr(events, "nearest_in_time",
                        lambda at, t: calls.append(len(t)) or real(at, t))
    n = 4000
    ids = np.arange(1, n + 1)
    times = 1_700_000_000.0 + np.arange(n) * 60.0            # one session, one event each
    times[n // 2:] += 2 * DAY
    lat = np.where(ids % 2 == 0, HOME[0], NAN)
    lon = np.where(ids % 2 == 0, HOME[1], NAN)
    labels = segment(times, lat, lon, HOME)
    own = {int(f): FilePlace("Munich", "Bavaria", "Germany", "DE", False)
           for f in ids[ids % 2 == 0]}
    _, inferred = events._describe(ids, times, lat, lon, labels, own, HOME)
    assert len(inferred) == n // 2 and all(p.place == "Munich" for p in inferred.values())
    assert calls == [n // 4, n // 4]                          # two events, one call each
