"""The Reorganize review of a plan with thousands of units answers a key with the work of
that key: a tick repaints its rows, it does not lay out every unit again, and the plan's
objects stay out of the garbage collector's full passes."""

from __future__ import annotations

import gc
import time

import pytest
from PySide6.QtCore import Qt

from core.organize import make_plan
from core.scan.roots import add_root

UNITS = 3000


@pytest.fixture
def day_by_day(services, tmp_path):
    """A photo a day for UNITS days (rows only: the files need not exist), and a plan by
    day: UNITS units of one move each."""
    lib = tmp_path / "lib"
    lib.mkdir()
    root = add_root(services.catalog, lib)
    day = 86400.0
    start = time.time() - (UNITS + 1) * day

    def insert(conn):
        conn.executemany(
            "INSERT INTO files(root_id, path, folder, name, kind, format, size, mtime_ns, "
            "content_hash, width, height, taken_at, taken_at_source, status, first_seen_at) "
            "VALUES (?, ?, ?, ?, 'photo', 'jpeg', 1000, 0, ?, 640, 480, ?, 'exif', 'present', "
            "?)", [(root.id, f"{lib}/in/IMG_{i:05d}.jpg", f"{lib}/in", f"IMG_{i:05d}.jpg",
                    f"{i:032x}", start + i * day + 3600, start) for i in range(UNITS)])

    services.catalog.write(insert)
    return make_plan(services.catalog, services.settings, layout="date",
                     template="{year}/{month}/{day}")


def _shown(win, qtbot, plan_id):
    page = win.reorganize
    with qtbot.waitSignal(page.planShown, timeout=30000):
        page.show_plan(plan_id)
        win.show_page("reorganize")
    assert len(page.unit_model.units) >= UNITS
    return page


def test_a_tick_repaints_its_rows_without_laying_out_every_unit(day_by_day, win, qtbot,
                                                                 monkeypatch):
    from desktop.views.review_models import NO_PARENT, UnitModel

    asked = []
    real = UnitModel.rowCount

    def counted(self, parent=NO_PARENT):
        asked.append(1)
        return real(self, parent)

    monkeypatch.setattr(UnitModel, "rowCount", counted)
    page = _shown(win, qtbot, day_by_day)
    model = page.unit_model
    for row, view in ((5, page.units), (6, page.files)):   # Space on a unit, on a file
        page.units.setCurrentIndex(model.index(row))
        view.setFocus()
        qtbot.wait(100)
        before = page._tally.accepted
        asked.clear()
        qtbot.keyClick(view, Qt.Key_Space)
        qtbot.wait(200)   # (QListView lays its rows out on a timer)
        # the tick shows, in the unit's row and the summary; Qt asked the units' model about
        # a few rows, not twice about each of the 3,000 (QListView's relayout of every row)
        assert model.data(model.index(row), Qt.CheckStateRole) == Qt.Unchecked
        assert page._tally.accepted == before - 1
        assert f"{before - 1:,} files would be moved" in page.summary.text()
        assert len(asked) < 100, len(asked)
    qtbot.waitUntil(lambda: not page._writing, timeout=10000)


def test_the_plan_shown_is_out_of_the_collectors_full_passes(day_by_day, win, qtbot):
    page = _shown(win, qtbot, day_by_day)
    tracked = {id(o) for o in gc.get_objects()}
    u = page.unit_model.units[0]
    for o in (page.items[0], u, u.files[0], page.items):
        assert gc.is_tracked(o) and id(o) not in tracked


def test_a_units_summary_is_made_once_however_often_its_row_is_painted(day_by_day, win, qtbot,
                                                                     monkeypatch):
    """Its counts, dates and place do not change with decisions; counting the photos of a
    unit of 20,000 at every repaint of its row cost milliseconds a key."""
    from desktop.views import review_models

    made = []
    real = review_models.unit_summary
    monkeypatch.setattr(review_models, "unit_summary", lambda u: (made.append(u.key), real(u))[1])
    page = _shown(win, qtbot, day_by_day)
    for _ in range(3):
        page.units.viewport().repaint()
        qtbot.keyClick(page.units, Qt.Key_Down)
    assert made and len(made) == len(set(made))
    assert page.unit_model.data(page.unit_model.index(0), Qt.AccessibleTextRole) == \
        f"{page.unit_model.units[0].folder}: {real(page.unit_model.units[0])}"
