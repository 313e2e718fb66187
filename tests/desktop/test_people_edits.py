"""People edits ask first and can be taken back: Hide asks and hidden people can be shown
again from the app; Merge asks and can be undone right after."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from tests.desktop.test_people_view import _labels
from tests.desktop.test_people_view import _select as _select_rows


def _plant(services) -> dict[str, int]:
    def write(conn):
        rid = conn.execute("INSERT INTO roots(path, added_at) VALUES ('/lib', 0)").lastrowid
        people = {}
        for name in ("Anna", "Ben", "Cleo"):
            people[name] = conn.execute("INSERT INTO people(name, created_at, updated_at) "
                                        "VALUES (?, 0, 0)", (name,)).lastrowid
            for i in range(2):
                fid = conn.execute(
                    "INSERT INTO files(root_id, path, folder, name, kind, format, size, "
                    "mtime_ns, first_seen_at, content_hash) VALUES (?, ?, '/lib', 'x.jpg', "
                    "'photo', 'jpeg', 1, 1, 0, ?)",
                    (rid, f"/lib/{name}{i}.jpg", f"{len(people):02x}{i:030x}")).lastrowid
                conn.execute("INSERT INTO faces(file_id, idx, x, y, w, h, size_px, score, "
                             "sharpness, groupable, model_id, descriptor, person_id) VALUES "
                             "(?, 0, 0, 0, .1, .1, 80, 1, 100, 1, 'm', x'00', ?)",
                             (fid, people[name]))
        return people
    return services.catalog.write(write)


@pytest.fixture
def answers(monkeypatch):
    """The user's answers to the page's questions, in order; records what was asked."""
    said: list[bool] = []
    asked: list[str] = []

    def exec_(box):
        asked.append(box.windowTitle())
        yes = said.pop(0)
        for b in box.buttons():
            if (box.buttonRole(b) == QMessageBox.AcceptRole) == yes:
                b.click()
                break
        return 0
    monkeypatch.setattr(QMessageBox, "exec", exec_)
    return said, asked


def _names(page) -> list[str]:
    return [t.split("\n")[0] + (" (hidden)" if "(hidden)" in t else "") for t in _labels(page)]


def _select(page, *names: str) -> None:
    rows = [r for r, t in enumerate(_labels(page)) if t.split("\n")[0] in names]
    _select_rows(page, *rows)


def _open(win, qtbot):
    with qtbot.waitSignal(win.people.loaded, timeout=15000):
        win.show_page("people")
    return win.people


def test_hide_asks_and_a_hidden_person_can_be_shown_again(services, win, qtbot, answers):
    said, asked = answers
    _plant(services)
    page = _open(win, qtbot)
    assert _names(page) == ["Anna", "Ben", "Cleo"]
    _select(page, "Ben")
    said.append(False)                       # Cancel: nothing happens
    page.buttons["hide"].click()
    qtbot.wait(300)
    assert asked == ["Hide people"] and _names(page) == ["Anna", "Ben", "Cleo"]
    said.append(True)
    with qtbot.waitSignal(page.loaded, timeout=15000):
        page.buttons["hide"].click()
    assert _names(page) == ["Anna", "Cleo"]

    with qtbot.waitSignal(page.loaded, timeout=15000):
        page.show_hidden.click()
    assert _names(page) == ["Anna", "Ben (hidden)", "Cleo"]
    _select(page, "Ben")
    assert page.buttons["hide"].text() == "Show again"
    with qtbot.waitSignal(page.loaded, timeout=15000):
        page.buttons["hide"].click()     # showing again asks nothing: it loses nothing
    assert asked == ["Hide people", "Hide people"]  # showing again asked nothing
    with qtbot.waitSignal(page.loaded, timeout=15000):
        page.show_hidden.click()
    assert _names(page) == ["Anna", "Ben", "Cleo"]


def test_merge_asks_and_can_be_undone(services, win, qtbot, answers):
    said, asked = answers
    people = _plant(services)
    page = _open(win, qtbot)
    _select(page, "Ben", "Cleo")
    said.append(False)
    page.buttons["merge"].click()
    qtbot.wait(300)
    assert asked == ["Merge people"] and _names(page) == ["Anna", "Ben", "Cleo"]
    assert not page.buttons["undo"].isVisible()
    said.append(True)
    with qtbot.waitSignal(page.loaded, timeout=15000):
        page.buttons["merge"].click()
    assert _names(page) == ["Anna", "Ben"]
    assert _labels(page)[1] == "Ben\n4 photos"
    assert page.buttons["undo"].isVisible()
    with qtbot.waitSignal(page.loaded, timeout=15000):
        page.buttons["undo"].click()
    assert _names(page) == ["Anna", "Ben", "Cleo"]
    assert [p.id for p in page.people] == [people["Anna"], people["Ben"], people["Cleo"]]
    assert not page.buttons["undo"].isVisible()
