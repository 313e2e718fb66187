"""Places, memories and the About attribution in the app, driven as a user would."""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import QLabel, QScrollArea

from core.pipeline import index_library
from core.scan.roots import add_root
from core.scan.scanner import scan
from tests.desktop.forms import detail_form
from tests.media_factory import write_jpeg

KYOTO = (35.0116, 135.7681)
TROMSO = (69.6496, 18.9560)


def _library(tmp_path, services):
    lib = tmp_path / "lib"
    today = dt.date.today()
    write_jpeg(lib / "kyoto.jpg", (300, 200), seed=1,
               taken=f"{today.year - 3}:{today:%m:%d} 10:00:00", gps=KYOTO)
    write_jpeg(lib / "tromso.jpg", (300, 200), seed=2, taken="2020:01:15 10:00:00", gps=TROMSO)
    write_jpeg(lib / "nogps.jpg", (300, 200), seed=3, taken="2020:01:15 10:30:00")
    add_root(services.catalog, lib)
    scan(services.catalog)
    index_library(services.catalog, services.registry, services.settings, services.paths,
                  stages=["places"])
    return lib


def test_detail_pane_shows_the_place_in_words(tmp_path, services, win, qtbot):
    _library(tmp_path, services)
    with services.catalog.read() as conn:
        ids = dict(conn.execute("SELECT name, id FROM files"))
    detail = win.detail
    detail.show_file(ids["kyoto.jpg"])
    qtbot.waitUntil(lambda: detail_form(detail).get("Place") == "Kyoto, Japan", timeout=10000)
    detail.show_file(ids["nogps.jpg"])
    qtbot.waitUntil(lambda: detail_form(detail).get("Place", "").startswith("probably Tromsø"),
                    timeout=10000)
    form = detail_form(detail)
    assert "no GPS" in form["Place"] and form["Event"].startswith("Tromsø · 15 Jan 2020")


def test_place_chip_lists_places_with_counts_and_filters_the_grid(tmp_path, services, win,
                                                                  qtbot):
    _library(tmp_path, services)
    win.search.refresh_menus()
    menu = win.place_chip.menu()
    qtbot.waitUntil(lambda: any("Kyoto" in a.text() for a in menu.actions()), timeout=10000)
    texts = [a.text() for a in menu.actions() if a.text()]
    assert "Tromsø, Norway  (2)" in texts            # one own GPS, one inferred
    assert "Kyoto, Japan  (1)" in texts
    assert "Japan  (1)" in texts                     # countries too
    kyoto = next(a for a in menu.actions() if a.text().startswith("Kyoto"))
    with qtbot.waitSignal(win.library.loaded, timeout=10000):
        kyoto.trigger()
    names = {r[4] for r in win.library.model.rows()}
    assert names == {"kyoto.jpg"} and win.place_chip.text() == "Place: Kyoto, Japan"
    anywhere = next(a for a in menu.actions() if a.text() == "Anywhere")
    with qtbot.waitSignal(win.library.loaded, timeout=10000):
        anywhere.trigger()
    assert len(win.library.model.rows()) == 3


def test_on_this_day_shows_and_dismisses(tmp_path, services, win, qtbot):
    _library(tmp_path, services)
    strip = win.library.memories
    win.library.reload()          # the window's first read may have found an empty catalog
    qtbot.waitUntil(strip.isVisible, timeout=15000)
    assert [m.years_ago for m in strip.memories] == [3]
    labels = [w.text() for w in strip.findChildren(QLabel) if "years ago" in w.text()]
    assert labels == ["3 years ago · Kyoto, Japan (1)"]
    assert [r[4] for r in strip.model.rows()] == ["kyoto.jpg"]
    year = dt.date.today().year - 3
    with qtbot.waitSignal(strip.loaded, timeout=15000):
        strip.dismiss(year)
    assert not strip.isVisible() and strip.memories == []
    with qtbot.waitSignal(strip.loaded, timeout=15000):     # stored: not back after a reload
        win.library.reload()
    assert not strip.isVisible()


def test_about_names_geonames_and_its_licence():
    from desktop.main_window import ABOUT_TEXT

    assert "GeoNames" in ABOUT_TEXT and "CC BY 4.0" in ABOUT_TEXT


def test_timeline_bands_year_month_event_and_unknown_date(tmp_path, services, win, qtbot):
    """The date grouping draws full-width headers: year, month, the event with its place;
    files without a camera date come last under 'Unknown date', whatever their file date."""
    lib = tmp_path / "lib"
    home = (48.137, 11.575)
    for d in range(1, 9):
        write_jpeg(lib / f"h{d}.jpg", seed=d, taken=f"2023:03:0{d} 12:00:00", gps=home)
    for i in range(7):
        write_jpeg(lib / f"k{i}.jpg", seed=20 + i, taken=f"2023:04:0{1 + i // 3} 1{i}:00:00",
                   gps=KYOTO if i != 2 else None)
    write_jpeg(lib / "old.jpg", seed=40, taken="2021:12:24 10:00:00")
    write_jpeg(lib / "copied.jpg", seed=41)          # no EXIF date: its file date is today
    add_root(services.catalog, lib)
    scan(services.catalog)
    index_library(services.catalog, services.registry, services.settings, services.paths,
                  stages=["places"])
    page = win.library
    with qtbot.waitSignal(page.loaded, timeout=10000):
        page.reload()
    model = page.model
    heads = {r: (h.year, h.month, h.event) for r, h in model.headers.items()}
    assert heads == {0: ("2023", "April 2023", "Kyoto · 1-3 Apr 2023"),
                     7: (None, "March 2023", None), 15: ("2021", "December 2021", None),
                     16: (None, "Unknown date", None)}
    assert model.row_tuple(16)[4] == "copied.jpg" and model.rowCount() == 17
    grid = page.grid
    qtbot.waitUntil(lambda: grid.visualRect(model.index(7)).isValid(), timeout=5000)
    first, march = grid.visualRect(model.index(0)), grid.visualRect(model.index(7))
    last_april = grid.visualRect(model.index(6))
    assert march.left() == first.left()                    # a band starts a line of its own
    assert march.top() >= last_april.bottom()
    assert first.height() > grid.itemDelegate().cell       # room for the header above
    # search results have no bands; back in the library they return
    page.show_results("results", [model.row_tuple(0)], {}, {}, [])
    assert not model.headers


def test_no_floating_month_label_over_the_timeline_headers(tmp_path, services, win, qtbot):
    """With timeline bands the headers say the month; the floating label that follows the
    scroll was a box painted over them each time the arrow keys moved the grid."""
    from PySide6.QtCore import Qt

    lib = tmp_path / "lib"
    for m in range(1, 13):
        for d in range(1, 4):
            write_jpeg(lib / f"p{m:02d}{d}.jpg", seed=m * 10 + d,
                       taken=f"2022:{m:02d}:0{d} 12:00:00")
    add_root(services.catalog, lib)
    scan(services.catalog)
    page = win.library
    with qtbot.waitSignal(page.loaded, timeout=10000):
        page.reload()
    grid = page.grid
    assert grid.bands
    grid.setFocus()
    grid.setCurrentIndex(page.model.index(0))
    for _ in range(12):
        qtbot.keyClick(grid, Qt.Key_Down)
    assert grid.verticalScrollBar().value() > 0 and not page.timeline.isVisible()


def test_twenty_years_of_memories_scroll_and_do_not_widen_the_window(win, qtbot):
    """Each year's title and Dismiss button sit in one row: in a row of their own they made
    the window's minimum width grow past the screen (seen at 100,000 files under Xvfb)."""
    from core.search.memories import Memory

    win.resize(900, 600)
    strip = win.library.memories
    before = win.minimumSizeHint().width()
    found = [Memory("06-01", 2025 - i, i + 1, places=["Amsterdam, Netherlands"])
             for i in range(20)]
    with qtbot.waitSignal(strip.loaded, timeout=10000):   # the window's own read first
        strip.reload()
    qtbot.wait(200)
    strip._show((found, []))
    strip.show()
    assert len([w for w in strip.findChildren(QLabel) if " ago · " in w.text()]) == 20
    assert win.minimumSizeHint().width() <= max(before, 900)
    area = strip.findChild(QScrollArea)
    qtbot.waitUntil(lambda: area.horizontalScrollBar().maximum() > 0, timeout=5000)  # scrolls
