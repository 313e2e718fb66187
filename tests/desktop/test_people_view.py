"""The People view, the faces on the detail pane and the privacy settings, driven like a
person would, on real face photos indexed with the real dlib models."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog, QMessageBox

from core.config import Settings
from core.query.people import person_files
from tests.core.people.conftest import FACE_COUNT, PEOPLE, PHOTOS, copy_photo


@pytest.fixture
def face_window(tmp_path, services, make_window):
    from core.pipeline import index_library
    from core.scan.roots import add_root
    from core.scan.scanner import scan
    from models import Registry

    lib = tmp_path / "Family"
    for name, src in PHOTOS.items():
        copy_photo(src, lib / name)
    add_root(services.catalog, lib)
    scan(services.catalog)
    settings = Settings(device="cpu", model_idle_unload_s=0, workers=1)
    reg = Registry(settings, services.paths)
    try:
        index_library(services.catalog, reg, settings, services.paths,
                      stages=["thumbnail", "faces"])
    finally:
        reg.close()
    return make_window(start_background=True), lib


def _open_people(win, qtbot):
    page = win.people
    with qtbot.waitSignal(page.loaded, timeout=15000):
        if win.current_page() == "people":
            page.refresh()
        else:
            win.show_page("people")
    return page


def _labels(page) -> list[str]:
    """The tiles' text, as painted."""
    model = page.list.model()
    return [model.index(r).data() for r in range(model.rowCount())]


def _click(page, row: int, modifier=Qt.NoModifier) -> None:
    """A click on a tile, as a person does (Ctrl adds it to the selection)."""
    from pytestqt.qtbot import QtBot

    index = page.list.model().index(row)
    page.list.scrollTo(index)
    QtBot.mouseClick(page.list.viewport(), Qt.LeftButton, modifier,
                     page.list.visualRect(index).center())


def _select(page, *rows: int) -> None:
    _click(page, rows[0])
    for r in rows[1:]:
        _click(page, r, Qt.ControlModifier)
    assert sorted(i.row() for i in page.list.selectionModel().selectedIndexes()) == \
        sorted(rows)


def test_people_view_name_merge_not_this_person_hide_and_photos(face_window, qtbot, monkeypatch):
    win, _lib = face_window
    monkeypatch.setattr(type(win.people), "_ask", lambda *a: True)  # yes to every question
    page = _open_people(win, qtbot)
    assert _labels(page) == ["Who is this?\n4 photos", "Who is this?\n3 photos"]
    assert "2 people have no name yet" in page.notice.text()
    qtbot.waitUntil(page.pictured, timeout=15000)                           # face mosaics
    assert all(not page.model.index(r).data(Qt.DecorationRole).isNull() for r in range(2))
    # nobody selected yet: the faces box below says what it is for (it was blank)
    assert page.current_id() is None and "Select a person" in page.faces_title.text()

    # name the first: it moves to the named group, at the top
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Barack", True))
    _select(page, 0)
    first = page.current_id()
    with qtbot.waitSignal(page.loaded, timeout=15000):
        page.buttons["name"].click()
    assert _labels(page)[0] == "Barack\n4 photos"

    # see all their photos in the grid
    files = person_files(win.services.catalog, first)
    _click(page, 0)
    page.buttons["photos"].click()
    qtbot.waitUntil(lambda: win.current_page() == "library"
                    and win.library.model.rowCount() == len(files), timeout=15000)

    # "not this person": one face out of Barack
    page = _open_people(win, qtbot)
    with qtbot.waitSignal(page.facesLoaded, timeout=15000):
        _click(page, 1)
        _click(page, 0)
    assert page.faces.count() == 4
    page.faces.item(3).setSelected(True)
    with qtbot.waitSignal(page.loaded, timeout=15000):
        page.not_btn.click()
    assert _labels(page)[0] == "Barack\n3 photos"

    # hide the unnamed one
    _select(page, 1)
    with qtbot.waitSignal(page.loaded, timeout=15000):
        page.buttons["hide"].click()
    assert _labels(page) == ["Barack\n3 photos"]

    # the name finds the photos from the search box
    qtbot.keyClicks(win.search_edit, "barack")
    qtbot.keyClick(win.search_edit, Qt.Key_Return)
    qtbot.waitUntil(lambda: win.search.last_results is not None
                    and len(win.search.last_results) == 3, timeout=15000)


def test_people_view_merges_two_people_into_the_named_one(face_window, qtbot, monkeypatch):
    win, _lib = face_window
    monkeypatch.setattr(type(win.people), "_ask", lambda *a: True)  # yes to the merge
    page = _open_people(win, qtbot)
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Barack", True))
    _select(page, 0)
    with qtbot.waitSignal(page.loaded, timeout=15000):
        page.buttons["name"].click()
    _select(page, 0, 1)   # the user says they are one
    with qtbot.waitSignal(page.loaded, timeout=15000):
        page.buttons["merge"].click()
    assert _labels(page) == ["Barack\n6 photos"]   # two_people.jpg holds both faces


def test_detail_pane_shows_faces_names_an_unknown_one_and_opens_people(
        face_window, qtbot, monkeypatch):
    win, _lib = face_window
    with win.services.catalog.read() as conn:
        one = conn.execute("SELECT id FROM files WHERE name = 'astronaut.jpg'").fetchone()[0]
        two = conn.execute("SELECT id FROM files WHERE name = 'two_people.jpg'").fetchone()[0]
    with qtbot.waitSignal(win.detail.facesShown, timeout=15000):
        win.open_detail(one)
    assert [b.text() for b in win.detail.face_buttons] == ["Who?"]
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Eileen", True))
    with qtbot.waitSignal(win.detail.facesShown, timeout=15000):
        win.detail.face_buttons[0].click()
    assert [b.text() for b in win.detail.face_buttons] == ["Eileen"]

    with qtbot.waitSignal(win.detail.facesShown, timeout=15000):
        win.open_detail(two)
    assert [b.text() for b in win.detail.face_buttons] == ["Who?", "Who?"]  # two people, unnamed
    # a named face opens its person in the People view
    with qtbot.waitSignal(win.detail.facesShown, timeout=15000):
        win.open_detail(one)
    with qtbot.waitSignal(win.people.loaded, timeout=15000):
        win.detail.face_buttons[0].click()
    qtbot.waitUntil(lambda: win.current_page() == "people"
                    and win.people.list.currentIndex().isValid()
                    and win.people.list.currentIndex().data().startswith("Eileen"),
                    timeout=15000)
    assert {Path(f).name for p in win.people.people if p.name is None
            for _, f in person_files(win.services.catalog, p.id)} >= PEOPLE["obama"]


def test_settings_turn_faces_off_and_delete_all_face_data(face_window, qtbot, monkeypatch,
                                                          paths):
    from desktop.views.settings_dialog import SettingsDialog

    win, _lib = face_window
    page = _open_people(win, qtbot)
    assert page.model.rowCount() == 2
    dlg = SettingsDialog(win.services, win)
    qtbot.addWidget(dlg)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Yes)
    with qtbot.waitSignal(dlg.facesForgotten, timeout=15000) as got:
        dlg.forget_faces.click()
    assert got.args[0] == {"faces": FACE_COUNT, "people": 2, "crops": FACE_COUNT}
    assert f"Deleted {FACE_COUNT} faces" in dlg.faces_notice.text()
    dlg.faces.setChecked(False)
    dlg.save()
    assert Settings.load(paths).faces is False
    page = _open_people(win, qtbot)
    assert page.model.rowCount() == 0 and "No people yet" in page.notice.text()

