"""Nothing destructive happens without the user's yes.

Two guards. Statically: Qt passes a signal's arguments (a button's `checked`, an index, a text)
positionally, so a slot connected straight to a signal must have no positional parameter with a
default, or a `clicked(False)` lands in it (that is how "Move ticked files to trash…" trashed
without asking). At run time: with every dialog answered Cancel, every button of every view and
every menu action is pressed; the files on disk, the trash, the library folders, the people and
the plans must be exactly as before."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QInputDialog,
    QMenu,
    QMessageBox,
)

from core.organize.apply import apply_plan
from core.organize.plan import list_plans, make_plan
from core.scan.roots import add_root, list_roots
from core.scan.scanner import scan
from tests.media_factory import write_jpeg

DESKTOP = Path(__file__).resolve().parents[2] / "desktop"


# --- static: no slot a signal can fill by accident ---------------------------------------

def _defaulted_positionals(fn: ast.FunctionDef) -> list[str]:
    args = fn.args.posonlyargs + fn.args.args
    return [a.arg for a in args[len(args) - len(fn.args.defaults):]] if fn.args.defaults else []


def _risky_connections(source: str) -> list[str]:
    """`x.connect(self.m)` where m is a method of the same class, or `x.connect(f)` where f is
    a function of the same module, and the callable has a defaulted positional parameter."""
    tree = ast.parse(source)
    module_fns = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    found = []
    for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
        methods = {n.name: n for n in cls.body if isinstance(n, ast.FunctionDef)}
        for call in ast.walk(cls):
            if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                    and call.func.attr == "connect" and call.args):
                continue
            slot = call.args[0]
            if (isinstance(slot, ast.Attribute) and isinstance(slot.value, ast.Name)
                    and slot.value.id == "self"):
                fn = methods.get(slot.attr)
            elif isinstance(slot, ast.Name):
                fn = module_fns.get(slot.id)
            else:
                fn = None
            if fn is not None and _defaulted_positionals(fn):
                found.append(f"line {call.lineno}: {ast.unparse(call)} fills "
                             f"{_defaulted_positionals(fn)}")
    return found


def test_the_audit_finds_the_bug_it_was_written_for():
    buggy = ("class P:\n"
             "    def __init__(self):\n"
             "        self.trash_btn.clicked.connect(self.trash_checked)\n"
             "    def trash_checked(self, ask=True):\n"
             "        pass\n")
    assert _risky_connections(buggy) == [
        "line 3: self.trash_btn.clicked.connect(self.trash_checked) fills ['ask']"]
    assert _risky_connections(buggy.replace("ask=True", "*, ask=True")) == []


def test_no_signal_is_connected_to_a_slot_with_a_defaulted_positional_parameter():
    problems = {str(f.relative_to(DESKTOP.parent)): _risky_connections(f.read_text())
                for f in sorted(DESKTOP.rglob("*.py"))}
    assert {f: p for f, p in problems.items() if p} == {}


# --- at run time: every button, every dialog answered Cancel -----------------------------

@pytest.fixture
def everyone_says_cancel(monkeypatch):
    """Every question, message, modal dialog, input and file dialog is answered Cancel (or
    nothing); returns the titles asked, in order. Opening a file outside the app is refused."""
    asked: list[str] = []

    def answer(result):
        def f(_parent, title, *_a, **_k):
            asked.append(title)
            return result
        return staticmethod(f)

    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.Cancel))
    monkeypatch.setattr(QMessageBox, "warning", answer(QMessageBox.Ok))
    monkeypatch.setattr(QMessageBox, "information", answer(QMessageBox.Ok))
    monkeypatch.setattr(QMessageBox, "critical", answer(QMessageBox.Ok))
    monkeypatch.setattr(QMessageBox, "about", answer(None))

    def box_exec(box):
        asked.append(box.windowTitle())
        return QMessageBox.Cancel
    monkeypatch.setattr(QMessageBox, "exec", box_exec)

    def dialog_exec(dlg):
        asked.append(dlg.windowTitle())
        return QDialog.Rejected
    monkeypatch.setattr(QDialog, "exec", dialog_exec)
    monkeypatch.setattr(QInputDialog, "getText", answer(("", False)))
    monkeypatch.setattr(QInputDialog, "getItem", answer(("", False)))
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", answer(""))
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", answer(([], "")))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", answer(("", "")))
    monkeypatch.setattr(QMenu, "exec", lambda *a, **k: None)
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda *a: False))
    return asked


def _library(tmp_path: Path, services) -> Path:
    """Exact copies (Duplicates ticks one), a draft plan and an applied one (so Undo has
    something to undo)."""
    lib = tmp_path / "Photos"
    write_jpeg(lib / "DCIM" / "sea.jpg", (320, 240), seed=1, taken="2024:08:01 10:00:00")
    write_jpeg(lib / "DCIM" / "hill.jpg", (320, 240), seed=2, taken="2023:05:02 10:00:00")
    (lib / "Backup").mkdir()
    shutil.copy2(lib / "DCIM" / "sea.jpg", lib / "Backup" / "sea.jpg")
    add_root(services.catalog, lib)
    scan(services.catalog)
    applied = make_plan(services.catalog, layout="date", template="{year}")
    apply_plan(services.catalog, applied)
    make_plan(services.catalog, layout="date", template="{year}/{month}")
    return lib


def _plant_people(services) -> None:
    def plant_people(conn):
        ids = [r[0] for r in conn.execute("SELECT id FROM files ORDER BY id")]
        for n, fid in enumerate(ids[:2]):
            pid = conn.execute("INSERT INTO people(name, created_at, updated_at) "
                               "VALUES (?, 0, 0)", (f"Person {n}",)).lastrowid
            conn.execute("INSERT INTO faces(file_id, idx, x, y, w, h, size_px, score, "
                         "sharpness, groupable, model_id, descriptor, person_id) VALUES "
                         "(?, 0, .2, .2, .3, .3, 80, 1, 100, 1, 'm', x'00', ?)", (fid, pid))
    services.catalog.write(plant_people)


def _state(services, lib: Path, trash: Path) -> dict:
    with services.catalog.read() as conn:
        people = conn.execute("SELECT id, name, hidden FROM people ORDER BY id").fetchall()
        faces = conn.execute("SELECT id, person_id FROM faces ORDER BY id").fetchall()
    return {
        "disk": sorted((str(p.relative_to(lib)), p.stat().st_size)
                       for p in lib.rglob("*") if p.is_file()),
        "trash": sorted(str(p) for p in trash.rglob("*")) if trash.exists() else [],
        "roots": [r.path for r in list_roots(services.catalog)],
        "people": [tuple(r) for r in people],
        "faces": [tuple(r) for r in faces],
        # (proposing a new draft destroys nothing: only plans past the draft are compared)
        "plans": [(p["id"], p["state"]) for p in list_plans(services.catalog)
                  if p["state"] != "draft"],
    }


def _select_everything(page) -> None:
    for view in page.findChildren(QAbstractItemView):
        model = view.model()
        if model is not None and model.rowCount() and view.isVisible():
            view.setCurrentIndex(model.index(0, 0))
            view.selectAll()


def _press_every_button(page, qtbot, services, enter, skip=()) -> list[str]:
    """Press each button of the page once; `enter` brings the page back (with everything
    selected) before each press, since a button may have gone to another page."""
    pressed = []
    for b in page.findChildren(QAbstractButton):
        enter()
        if b.isVisible() and b.isEnabled() and b.text() not in skip:
            pressed.append(b.text())
            qtbot.mouseClick(b, Qt.LeftButton)
            qtbot.wait(50)
            assert services.background.wait_idle(60)
    return pressed


def test_with_every_dialog_cancelled_no_button_or_menu_destroys_anything(
        tmp_path, make_services, make_window, trash_home, qtbot, everyone_says_cancel):
    from desktop.main_window import PAGE_TITLES, PAGES
    from desktop.views.settings_dialog import SettingsDialog

    services = make_services()
    lib = _library(tmp_path, services)
    win = make_window(services, start_background=True)
    assert services.background.wait_idle(180)   # the first index loads the models
    _plant_people(services)  # after the first index, which would replace them with what it finds
    before = _state(services, lib, trash_home)
    pressed = []
    for key in PAGES:
        page = win.page_widgets[key]

        def enter(key=key, page=page):
            if win.current_page() != key:
                win.show_page(key)
                qtbot.wait(300)
                assert services.background.wait_idle(60)
            _select_everything(page)

        pressed += _press_every_button(page, qtbot, services, enter)
        for action in win.menuBar().actions():
            for sub in action.menu().actions():
                if (sub.isEnabled() and not sub.isSeparator() and sub.text() != "&Quit"
                        and sub.text() not in PAGE_TITLES.values()):
                    enter()
                    sub.trigger()
                    qtbot.wait(50)
                    assert services.background.wait_idle(60)
    dlg = SettingsDialog(services, win)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitUntil(lambda: dlg.roots.count() == 1, timeout=10000)
    dlg.roots.setCurrentRow(0)
    pressed += _press_every_button(dlg, qtbot, services, lambda: dlg.roots.setCurrentRow(0),
                                   skip=("OK", "Save"))
    dlg.reject()
    assert services.background.wait_idle(60)

    # the destructive ones were reached, and each asked first
    for name in ("Move ticked files to trash…", "Hide…", "Merge selected…", "Not this person…",
                 "Remove folder…"):
        assert name in pressed
    for title in ("Move to trash", "Hide", "Merge", "Not this person", "Remove folder", "Undo"):
        assert any(t.startswith(title) for t in everyone_says_cancel), title
    assert _state(services, lib, trash_home) == before
