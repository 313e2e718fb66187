"""Albums as plan units: an album the user made that holds one stretch of time is filed
together (its own folder, named after it), over the kinds and events of its files; a file in
several albums goes with the smallest; a selection across years is not a unit."""

from __future__ import annotations

import os
import time
from datetime import datetime

import pytest

from core.organize import make_plan, plan_items, review_units
from core.organize.units import EventFacts, UnitFile, plan_units

ROOT = "/lib"


def ts(*args) -> float:
    return time.mktime(datetime(*args).timetuple())


def uf(i, taken=None, *albums, kind=None, event=None):
    return UnitFile(i, ROOT, f"{ROOT}/2023/f{i}.jpg", taken, kind, event, None, False,
                    tuple(albums))


TRIP = EventFacts(1, ts(2023, 4, 3, 9), ts(2023, 4, 6, 18), 6, True, "Kyoto, Japan")
APRIL = [ts(2023, 4, 3 + i % 4, 10 + i) for i in range(6)]

# (case, files, {file id: (unit kind, folder)} for the files asked about)
ROWS = [
    ("an album wins over the event", [uf(i, APRIL[i], "Kyoto trip", event=1)
                                      for i in range(4)] + [uf(9, APRIL[5], event=1)],
     {0: ("album", "2023/2023-04 Kyoto trip"), 9: ("event", "2023/2023-04 Kyoto, Japan")}),
    ("a screenshot in the album goes with it",
     [uf(i, APRIL[i], "Kyoto trip") for i in range(3)]
     + [uf(5, APRIL[4], "Kyoto trip", kind="screenshot")],
     {5: ("album", "2023/2023-04 Kyoto trip")}),
    ("in two albums: the smallest",
     [uf(i, APRIL[i], "Japan", "Temples" if i < 3 else "Japan") for i in range(6)],
     {0: ("album", "2023/2023-04 Temples"), 4: ("album", "2023/2023-04 Japan")}),
    ("an album over years is a selection, not a unit",
     [uf(i, ts(2019 + i, 5, 1, 10), "Best of") for i in range(4)],
     {0: ("month", "2019/2019-05")}),
    ("too few files for a unit", [uf(i, APRIL[i], "Pair") for i in range(2)],
     {0: ("month", "2023/2023-04")}),
    ("an undated album", [uf(i, None, "Drawings") for i in range(3)],
     {0: ("album", "Albums/Drawings")}),
    ("one day", [uf(i, ts(2023, 6, 17, 14, i), "Birthday") for i in range(3)],
     {0: ("album", "2023/2023-06-17 Birthday")}),
]


@pytest.mark.parametrize("case, files, expected", ROWS, ids=[r[0] for r in ROWS])
def test_albums_as_units(case, files, expected):
    units, stays = plan_units(files, {1: TRIP})
    unit_of = {fid: u for u in units for fid in u.file_ids}
    assert stays == {} and sorted(unit_of) == sorted(f.id for f in files), case
    assert {fid: (unit_of[fid].kind, unit_of[fid].folder) for fid in expected} == expected, case


def test_an_album_of_a_takeout_is_filed_together_by_a_plan(catalog, tmp_path):
    from core.importers.takeout import import_takeout
    from tests.takeout_factory import jpeg_bytes, sidecar, write_zip

    t0 = 1468318210  # 2016-07-12
    files = {}
    for i in range(5):
        name = f"IMG_{i}.jpg"
        files[f"Photos from 2016/{name}"] = jpeg_bytes(60 + i)
        files[f"Photos from 2016/{name}.json"] = sidecar(name, t0 + (0, 1, 2, 60, 120)[i] * 86400)
        if i < 3:
            files[f"Kyoto trip/{name}"] = jpeg_bytes(60 + i)
    lib = tmp_path / "Library"
    import_takeout(catalog, [write_zip(tmp_path / "t.zip", files)], lib)
    pid = make_plan(catalog, layout="event")
    moves = {os.path.basename(i.src): i for i in plan_items(catalog, pid) if i.role == "file"}
    trip = [moves[f"IMG_{i}.jpg"] for i in range(3)]
    assert {(i.unit_kind, i.unit_title) for i in trip} == {("album", "Kyoto trip")}
    assert {os.path.relpath(os.path.dirname(i.dst), lib) for i in trip} == {
        "2016/2016-07 Kyoto trip"}
    assert trip[0].reason == "in your album “Kyoto trip”"
    assert all(moves[f"IMG_{i}.jpg"].unit_kind != "album" for i in (3, 4))
    folders = [u.folder for u in review_units(catalog, pid)["units"]]
    assert "2016/2016-07 Kyoto trip" in folders
