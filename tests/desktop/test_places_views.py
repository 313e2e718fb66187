"""Places, memories and the About attribution in the app, driven as a user would."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtWidgets import QFormLayout, QLabel

from core.pipeline import index_library
from core.scan.roots import add_root
from core.scan.scanner import scan
from tests.media_factory import write_jpeg

KYOTO = (35.0116, 135.7681)
TROMSO = (69.6496, 18.9560)


@pytest.fixture
def win(services, qtbot):
    from desktop.app import create_window

    w = create_window(services, start_background=False, welcome=False)
    qtbot.addWidget(w)
    w.show()
    yield w
    w.close()


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


def _form(detail) -> dict[str, str]:
    out = {}
    for i in range(detail.form.rowCount()):
        k = detail.form.itemAt(i, QFormLayout.LabelRole)
        v = detail.form.itemAt(i, QFormLayout.FieldRole)
        if k and v:
            out[k.widget().text()] = v.widget().text()
    return out


def test_detail_pane_shows_the_place_in_words(tmp_path, services, win, qtbot):
    _library(tmp_path, services)
    with services.catalog.read() as conn:
        ids = dict(conn.execute("SELECT name, id FROM files"))
    detail = win.detail
    detail.show_file(ids["kyoto.jpg"])
    qtbot.waitUntil(lambda: _form(detail).get("Place") == "Kyoto, Japan", timeout=10000)
    detail.show_file(ids["nogps.jpg"])
    qtbot.waitUntil(lambda: _form(detail).get("Place", "").startswith("probably Tromsø"),
                    timeout=10000)
    form = _form(detail)
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
    with qtbot.waitSignal(strip.loaded, timeout=15000):
        win.library.reload()
    assert strip.isVisible()
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
