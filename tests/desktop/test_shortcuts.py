"""One source of truth for the keyboard: desktop/shortcuts.py. The window binds every shortcut
from it (nothing bound elsewhere), and the user guide's Keyboard section (docs/GUIDE.md) lists each row."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtGui import QAction, QKeySequence

from desktop.shortcuts import SHORTCUTS

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "GUIDE.md"


def keyboard_section() -> str:
    text = GUIDE.read_text(encoding="utf-8")
    m = re.search(r"^## Keyboard\n(.*?)(?=^## )", text, re.MULTILINE | re.DOTALL)
    assert m, "docs/GUIDE.md has a '## Keyboard' section"
    return m.group(1)


def _rows(section: str) -> list[tuple[str, str]]:
    """(keys cell, what-it-does cell) of each table row, backticks and escapes dropped."""
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) >= 2 and not set(cells[0]) <= {"-", " "}:
            rows.append((cells[0].replace("`", ""), cells[1].replace("\\", "")))
    return rows[1:]  # the header


def test_the_readme_lists_every_shortcut_as_the_code_defines_it():
    rows = _rows(keyboard_section())
    for name, sc in SHORTCUTS.items():
        keys = " or ".join(sc.keys) if name != "pages" else f"{sc.keys[0]} … {sc.keys[-1]}"
        assert (keys, sc.does) in rows, f"GUIDE.md Keyboard: no row '{keys} | {sc.does}' ({name})"
    assert len(rows) == len(SHORTCUTS), "GUIDE.md lists a shortcut the code does not define"


def test_the_window_binds_its_shortcuts_from_the_table_only(window):
    bound = {QKeySequence(k).toString() for sc in SHORTCUTS.values() if sc.bound
             for k in sc.keys}
    used = set()
    for action in window.findChildren(QAction):
        for seq in action.shortcuts():
            text = seq.toString()
            assert text in bound, f"{action.text()!r} has {text}, which desktop/shortcuts.py " \
                                  "does not list"
            used.add(text)
    assert used == bound, f"listed but bound to nothing: {sorted(bound - used)}"


def test_ctrl_z_reaches_the_window_from_the_search_box_it_starts_in(win, qtbot, monkeypatch):
    """The search box has the focus at start; with nothing typed to undo, Ctrl+Z is the
    window's "undo the last reorganization" (which says there is none), and once something
    was typed it undoes the typing first."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QMessageBox

    said = []
    monkeypatch.setattr(QMessageBox, "information", lambda _p, title, *a, **k: said.append(title))
    win.activateWindow()
    win.search_edit.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is win.search_edit, timeout=5000)
    qtbot.keyClick(win.search_edit, Qt.Key_Z, Qt.ControlModifier)
    qtbot.waitUntil(lambda: said == ["Undo"], timeout=10000)

    qtbot.keyClicks(win.search_edit, "beach")
    qtbot.keyClick(win.search_edit, Qt.Key_Z, Qt.ControlModifier)
    qtbot.wait(300)
    assert win.search_edit.text() == "" and said == ["Undo"]   # the typing was undone
