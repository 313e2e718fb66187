"""Events brought up to date stretch by stretch equal the whole timeline cut again: random
timelines, then new photos inside events, between them, at the ends, far off, files deleted,
gone missing, moved in time, losing their date or gaining or losing GPS."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from core.places.events import update_events
from core.places.geocoder import Place
from core.places.store import set_gps_place
from tests.core.search import planting as P


@pytest.fixture(autouse=True)
def _small_reach(monkeypatch):
    """These libraries are small: look a few files around the changes first, not 64 (which
    would be half of one, and cut it whole)."""
    from core.places import events

    monkeypatch.setattr(events, "STRETCH_REACH", 4)


H = 3600.0
DAY = 86400.0
T0 = 1_600_000_000.0
HOME = (48.137, 11.575)                  # exactly: home photos keep home where it is
AWAY = {"Kyoto": (35.0116, 135.7681), "Osaka": (34.6937, 135.5023), "Lyon": (45.76, 4.84)}


def _put(catalog, root: int, rows) -> list[int]:
    """Files (time, (name, (lat, lon)) | None) with their own GPS places, in one write."""
    def fn(c):
        ids = []
        for t, where in rows:
            n = c.execute("SELECT coalesce(max(id), 0) + 1 FROM files").fetchone()[0]
            gps = where[1] if where else (None, None)
            fid = c.execute(
                "INSERT INTO files(root_id, path, folder, name, kind, format, size, mtime_ns, "
                "taken_at, taken_at_source, gps_lat, gps_lon, status, first_seen_at) "
                "VALUES (?, ?, '/lib', ?, 'photo', 'jpeg', 1, 0, ?, 'exif', ?, ?, 'present', 0)",
                (root, f"/lib/{n}.jpg", f"{n}.jpg", t, *gps)).lastrowid
            if where:
                set_gps_place(c, fid, _place(where))
            ids.append(fid)
        return ids
    return catalog.write(fn)


def _place(where) -> Place:
    name, (lat, lon) = where
    country = ("Germany", "DE") if name == "Munich" else ("Japan", "JP") \
        if name in ("Kyoto", "Osaka") else ("France", "FR")
    return Place(name, name + " region", country[0], country[1], 1.0, lat, lon)


def _somewhere(rng, name: str | None):
    """A photo's place: home exactly, another town jittered, or no GPS (None)."""
    if name is None or rng.random() < 0.25:
        return None
    if name == "Munich":
        return ("Munich", HOME)
    lat, lon = AWAY[name]
    return (name, (lat + rng.normal(0, 0.02), lon + rng.normal(0, 0.02)))


def _timeline(rng) -> list:
    """About 150 days: afternoons at home, trips away, days without GPS, quiet days."""
    rows = []
    day = 0
    while day < 150:
        r = rng.random()
        if r < 0.15:                              # a trip of 2-5 days
            name = rng.choice(list(AWAY))
            for d in range(int(rng.integers(2, 6))):
                for s in range(int(rng.integers(1, 3))):
                    t = T0 + (day + d) * DAY + (8 + 6.5 * s + rng.random()) * H
                    rows += [(t + k * rng.uniform(60, 1800), _somewhere(rng, name))
                             for k in range(int(rng.integers(1, 5)))]
            day += int(rng.integers(2, 6))
        elif r < 0.75:                            # at home, a session or two
            for s in range(int(rng.integers(1, 3))):
                t = T0 + day * DAY + (10 + 7 * s + rng.random()) * H
                rows += [(t + k * rng.uniform(60, 1200), _somewhere(rng, "Munich"))
                         for k in range(int(rng.integers(1, 6)))]
        day += int(rng.integers(1, 3))
    return rows


def _changes(catalog, root: int, rng, n: int) -> None:
    """n random changes of the kinds a scan or an edit makes."""
    with catalog.read() as conn:
        files = conn.execute("SELECT id, taken_at FROM files WHERE status = 'present' "
                             "AND taken_at_source = 'exif' ORDER BY taken_at").fetchall()
    times = np.array([f[1] for f in files])
    new = []
    for _ in range(n):
        kind = rng.choice(["inside", "between", "edge", "far", "delete", "missing", "move",
                           "undated", "gps", "ungps"])
        i = int(rng.integers(len(files)))
        fid = files[i][0]
        if kind == "inside":
            new.append((times[i] + rng.uniform(-2, 2) * H, _somewhere(rng, "Munich")))
        elif kind == "between" and i + 1 < len(times):   # bridges two events, or not
            new.append((rng.uniform(times[i], times[i + 1]),
                        _somewhere(rng, rng.choice(["Munich", "Kyoto"]))))
        elif kind == "edge":
            new.append((times[0] - rng.uniform(0, 3) * DAY if rng.random() < 0.5
                        else times[-1] + rng.uniform(0, 3) * DAY, _somewhere(rng, "Osaka")))
        elif kind == "far":
            new.append((times[-1] + rng.uniform(20, 40) * DAY, _somewhere(rng, "Lyon")))
        elif kind == "delete":
            catalog.write(lambda c, f=fid: c.execute("DELETE FROM files WHERE id = ?", (f,)))
        elif kind == "missing":
            catalog.write(lambda c, f=fid: c.execute(
                "UPDATE files SET status = 'missing' WHERE id = ?", (f,)))
        elif kind == "move":
            to = times[i] + rng.uniform(-3, 3) * DAY
            catalog.write(lambda c, f=fid, t=to: c.execute(
                "UPDATE files SET taken_at = ? WHERE id = ?", (t, f)))
        elif kind == "undated":
            catalog.write(lambda c, f=fid: c.execute(
                "UPDATE files SET taken_at_source = 'mtime' WHERE id = ?", (f,)))
        elif kind in ("gps", "ungps"):
            where = _somewhere(rng, "Kyoto") if kind == "gps" else None

            def fn(c, f=fid, w=where):
                gps = w[1] if w else (None, None)
                c.execute("UPDATE files SET gps_lat = ?, gps_lon = ? WHERE id = ?", (*gps, f))
                set_gps_place(c, f, _place(w) if w else None)
            catalog.write(fn)
    _put(catalog, root, new)


def _snapshot(catalog):
    """Events with their members, and the inferred places: what the user sees, ids aside."""
    with catalog.read() as conn:
        members: dict[int, set] = {}
        for f, e in conn.execute("SELECT file_id, event_id FROM event_members"):
            members.setdefault(e, set()).add(f)
        events = sorted((tuple(r[1:]), tuple(sorted(members.get(r[0], ())))) for r in conn.execute(
            "SELECT id, start_at, end_at, file_count, located, place, region, country, "
            "country_code, lat, lon, away FROM events"))
        inferred = sorted(tuple(r) for r in conn.execute(
            "SELECT file_id, place, region, country, spellings FROM file_places "
            "WHERE source = 'event'"))
    return events, inferred


def test_stretches_cut_again_equal_the_whole_timeline_cut_again(tmp_path, caplog):
    """30 random libraries, three rounds of changes each: the result always equals the whole
    timeline cut again; and nearly always it was found by cutting only stretches (changes
    that reach far enough cut the whole timeline, by design)."""
    from core.catalog import Catalog
    from core.config import Paths

    partial = rounds = 0
    for seed in range(30):
        catalog = Catalog.open(Paths(tmp_path / str(seed)))
        try:
            rng = np.random.default_rng(seed)
            root = P.root(catalog)
            _put(catalog, root, _timeline(rng))
            assert update_events(catalog)
            for _ in range(3):
                with catalog.read() as conn:
                    total = conn.execute("SELECT count(*) FROM event_members").fetchone()[0]
                _changes(catalog, root, rng, int(rng.integers(1, total // 50)))
                caplog.clear()
                with caplog.at_level(logging.INFO, logger="core.places.events"):
                    update_events(catalog)
                partial += "stretch" in caplog.text
                rounds += 1
                cut_partly = _snapshot(catalog)
                update_events(catalog, force=True)
                assert cut_partly == _snapshot(catalog), f"seed {seed}"
                assert update_events(catalog) is None           # nothing changed since
        finally:
            catalog.close()
    assert partial >= 0.75 * rounds, (partial, rounds)


def test_a_new_photo_recuts_only_its_own_day(catalog, caplog):
    root = P.root(catalog)
    _put(catalog, root, [(T0 + d * DAY + k * 600, ("Munich", HOME))
                         for d in range(30) for k in range(3)])
    assert update_events(catalog) == 30
    with catalog.read() as conn:
        before = dict(conn.execute("SELECT start_at, id FROM events").fetchall())
    _put(catalog, root, [(T0 + 10 * DAY + 1800, None)])
    with caplog.at_level(logging.INFO, logger="core.places.events"):
        assert update_events(catalog) == 30
    assert "1 stretch(es) of the timeline cut again (4 files)" in caplog.text
    with catalog.read() as conn:
        after = dict(conn.execute("SELECT start_at, id FROM events").fetchall())
        inferred = conn.execute("SELECT place FROM file_places WHERE source = 'event'").fetchall()
    day10 = T0 + 10 * DAY
    assert {t: e for t, e in after.items() if t != day10} == \
        {t: e for t, e in before.items() if t != day10}         # the other days: untouched
    assert [r[0] for r in inferred] == ["Munich"]


def test_home_is_found_again_once_enough_of_the_library_changed(catalog, caplog):
    """Under HOME_REFRESH of the timeline changed, home stays; past it, all is cut again and
    home moves to where most days now are."""
    root = P.root(catalog)
    _put(catalog, root, [(T0 + 3 * d * DAY, ("Munich", HOME)) for d in range(100)])
    update_events(catalog)
    lyon = ("Lyon", AWAY["Lyon"])
    _put(catalog, root, [(T0 + 400 * DAY + 3 * d * DAY, lyon) for d in range(4)])
    with caplog.at_level(logging.INFO, logger="core.places.events"):
        update_events(catalog)
    assert "stretch" in caplog.text
    with catalog.read() as conn:
        assert conn.execute("SELECT count(*) FROM events WHERE away = 1").fetchone()[0] == 4
    caplog.clear()
    _put(catalog, root, [(T0 + 500 * DAY + 3 * d * DAY, lyon) for d in range(200)])
    with caplog.at_level(logging.INFO, logger="core.places.events"):
        update_events(catalog)
    assert "whole timeline" in caplog.text
    with catalog.read() as conn:                # Lyon is home now: Munich's days are away
        assert conn.execute("SELECT count(*) FROM events WHERE away = 1").fetchone()[0] == 100


def test_files_outside_the_timeline_change_no_event_and_do_not_move_home(catalog):
    root = P.root(catalog)
    _put(catalog, root, [(T0 + 3 * d * DAY, ("Munich", HOME)) for d in range(10)])
    assert update_events(catalog) == 10
    P.file(catalog, root, "/lib/scan.pdf", kind="other")
    P.file(catalog, root, "/lib/copied.jpg", taken=T0 + 3 * DAY, source="mtime")
    assert update_events(catalog) is None
    with catalog.read() as conn:
        state = dict(conn.execute("SELECT key, value FROM search_state").fetchall())
        assert conn.execute("SELECT count(*) FROM timeline_changes").fetchone()[0] == 0
    assert state["events_home_drift"] == 0
