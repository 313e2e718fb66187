"""The People page over a model: thousands of people are a model that Qt asks about as it
paints (the page made a list item per person on the GUI thread), their mosaics are read for
the tiles on screen, and the selection, the current person and the keyboard work as before."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QListWidget

from core.query.people import PersonSummary
from desktop.views.people_model import PeopleListing
from tests.desktop.conftest import shown_page


def _listing(n: int, named: int = 3) -> PeopleListing:
    people = [PersonSummary(i + 1, f"Name {i}" if i < named else None, False, 50 - i % 40,
                            40 - i % 30) for i in range(n)]
    return PeopleListing(people, n - named, people[named] if n > named else None, 7)


def _page(services, qtbot):
    from desktop.views.people import PeoplePage

    page = shown_page(qtbot, PeoplePage(services))
    qtbot.waitExposed(page)
    return page


def test_thousands_of_people_are_a_model_read_for_the_tiles_on_screen(services, qtbot,
                                                                      monkeypatch):
    from desktop.views import people_model

    read: list[int] = []
    monkeypatch.setattr(people_model, "person_faces",
                        lambda _catalog, pid, *_a: read.append(pid) or [])
    page = _page(services, qtbot)
    with qtbot.waitSignal(page.loaded, timeout=5000):
        page._show(_listing(5000))
    assert page.model.rowCount() == 5000 and page.findChildren(QListWidget) == [page.faces]
    assert page.title.text() == "People (5000)"
    assert "4,997 people have no name yet; the one seen most (37 photos)" in \
        page.notice.text() and "7 faces are in nobody yet" in page.notice.text()
    qtbot.waitUntil(page.pictured, timeout=10000)
    on_screen = {page.people[r].id for r in page.visible_rows()}
    assert 0 < len(on_screen) < 60 and set(read) == on_screen       # not 5,000
    page.list.scrollToBottom()
    qtbot.waitUntil(lambda: 5000 in read, timeout=10000)
    assert len(read) < 120
    # the same people again: the mosaics are kept; one whose faces changed is read again
    read.clear()
    again = _listing(5000)
    changed = again.people[-1]
    again.people[-1] = PersonSummary(changed.id, None, False, changed.face_count + 1, 1)
    with qtbot.waitSignal(page.loaded, timeout=5000):
        page._show(again)
    qtbot.waitUntil(page.pictured, timeout=10000)
    assert read == [5000]


def test_selection_current_and_keys_survive_a_new_listing(services, qtbot, monkeypatch):
    from desktop.views import people as people_view

    monkeypatch.setattr(people_view, "person_faces", lambda *_a, **_k: [])
    page = _page(services, qtbot)
    with qtbot.waitSignal(page.loaded, timeout=5000):
        page._show(_listing(2000))
    assert page.current_id() is None and page.selected_ids() == []
    # the keyboard: the first key makes a person current, the arrows move, Shift extends
    page.list.setFocus()
    with qtbot.waitSignal(page.facesLoaded, timeout=5000):
        qtbot.keyClick(page.list, Qt.Key_Home)
    assert page.current_id() == 1 and page.selected_ids() == [1]
    assert page.faces_title.text().startswith("Faces of Name 0")
    qtbot.keyClick(page.list, Qt.Key_Right, Qt.ShiftModifier)
    qtbot.keyClick(page.list, Qt.Key_Right, Qt.ShiftModifier)
    assert page.current_id() == 3 and page.selected_ids() == [1, 2, 3]
    assert page._labels(page.selected_ids()) == "Name 0, Name 1, Name 2"
    # read again (after an edit elsewhere): the same people stay selected and current
    with qtbot.waitSignal(page.loaded, timeout=5000):
        page._show(_listing(2000))
    assert page.current_id() == 3 and page.selected_ids() == [1, 2, 3]
    # Return opens the current person's photos
    with qtbot.waitSignal(page.showFiles, timeout=5000) as shown:
        qtbot.keyClick(page.list, Qt.Key_Return)
    assert shown.args[0] == "Name 2"
    # a person asked for from elsewhere (a face on the detail pane) is made current, shown
    page.select(1900)
    assert page.current_id() == 1900 and page.selected_ids() == [1900]
    qtbot.waitUntil(lambda: 1899 in page.visible_rows(), timeout=5000)
    # one person fewer (a merge): the tiles are laid out again, the current one is kept in view
    with qtbot.waitSignal(page.loaded, timeout=5000):
        page._show(_listing(1999))
    qtbot.waitUntil(lambda: 1899 in page.visible_rows(), timeout=5000)
    assert page.current_id() == 1900
    qtbot.keyClick(page.list, Qt.Key_A, Qt.ControlModifier)
    assert len(page.selected_ids()) == 1999 and page.buttons["hide"].text() == "Hide…"
