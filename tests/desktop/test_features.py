"""Views and polish, each driven as a user would: duplicates to the trash, shortcuts, settings,
window state, diagnostics, the video detail with its transcript, collections edits."""

from __future__ import annotations

import json
import os
import shutil

import pytest
from PySide6.QtCore import QItemSelectionModel, QSettings, Qt
from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtWidgets import QMessageBox

from core.config import Settings
from core.scan.roots import add_root
from core.scan.scanner import scan
from tests.core.search import planting as P
from tests.media_factory import write_jpeg, write_video


def _library(tmp_path, services):
    lib = tmp_path / "lib"
    write_jpeg(lib / "a" / "sea.jpg", (300, 200), seed=1, taken="2024:08:01 10:00:00",
               gps=(45.43, 12.33), camera=("Canon", "EOS 80D"))
    shutil.copy2(lib / "a" / "sea.jpg", lib / "b" if (lib / "b").mkdir() is None else None)
    write_jpeg(lib / "a" / "hill.jpg", (300, 200), seed=2, taken="2024:08:02 10:00:00")
    add_root(services.catalog, lib)
    scan(services.catalog)
    return lib


def test_duplicates_go_to_the_trash_after_confirmation(tmp_path, services, make_window,
                                                      trash_home, qtbot, monkeypatch):
    lib = _library(tmp_path, services)
    w = make_window()
    w.duplicates.near.setChecked(False)
    with qtbot.waitSignal(w.duplicates.loaded, timeout=10000):
        w.show_page("duplicates")
    assert len(w.duplicates.groups) == 1
    paths = w.duplicates.checked_paths()
    assert len(paths) == 1  # the keeper is unticked
    doomed = paths[0]
    # the user says no: nothing happens
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Cancel)
    w.duplicates.trash_checked()
    qtbot.wait(200)
    assert os.path.exists(doomed)
    # the user says yes: the file goes to the trash, not gone for good
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Yes)
    w.duplicates.trash_checked()
    qtbot.waitUntil(lambda: not os.path.exists(doomed), timeout=10000)
    assert any(p.name == os.path.basename(doomed) for p in (trash_home / "files").iterdir())
    assert services.background.wait_idle(90)   # the rescan's index loads the models
    qtbot.waitUntil(lambda: w.duplicates.groups == [], timeout=10000)
    assert (lib / "a" / "sea.jpg").exists() or (lib / "b" / "sea.jpg").exists()
    w.close()


def test_near_duplicates_are_never_ticked_and_are_compared_side_by_side(tmp_path, services,
                                                                        qtbot):
    from core.search.types import DuplicateFile, DuplicateGroup
    from desktop.views.duplicates import DuplicatesPage
    from desktop.views.duplicates_model import prepare

    lib = tmp_path / "lib"
    paths = {}
    for name, seed in (("a.jpg", 1), ("a_copy.jpg", 1), ("p.jpg", 2), ("p_small.jpg", 2)):
        paths[name] = str(write_jpeg(lib / name, (120, 80), seed=seed))

    def f(i, name):
        return DuplicateFile(i, paths[name], 120, 80, 1000 + i, None, False)

    exact = DuplicateGroup("exact", [f(1, "a.jpg"), f(2, "a_copy.jpg")], 1, "first one found")
    near = DuplicateGroup("near", [f(3, "p.jpg"), f(4, "p_small.jpg")], 3, "largest resolution",
                          similarity=0.97)
    page = DuplicatesPage(services)
    qtbot.addWidget(page)
    page.show()
    with qtbot.waitSignal(page.loaded, timeout=5000):
        page._show(prepare([exact, near]))
    model = page.model
    # only the identical copy is ticked; nothing of the look-alike pair
    assert page.checked_paths() == [paths["a_copy.jpg"]]
    assert "compare them below" in model.index(model.heading_row(1), 0).data()
    # the look-alikes are side by side, large, each with what tells them apart
    assert [fid for fid, _, _ in page._compared] == [3, 4]
    qtbot.waitUntil(lambda: all(lbl.pixmap() is not None and not lbl.pixmap().isNull()
                                for _, _, lbl in page._compared), timeout=10000)
    page.view.setCurrentIndex(model.index(model.heading_row(0) + 2, 0))   # a_copy.jpg's row
    assert [fid for fid, _, _ in page._compared] == [1, 2]


def test_shortcuts_search_preview_delete(tmp_path, services, win, trash_home, qtbot, monkeypatch):
    _library(tmp_path, services)
    win.library.reload()
    qtbot.waitUntil(lambda: win.library.model.rowCount() == 3, timeout=10000)
    win.activateWindow()
    # Ctrl+F puts the cursor in the search box
    assert win.act_find.shortcut() == QKeySequence(QKeySequence.Find)
    win.act_find.trigger()
    assert win.search_edit.hasFocus()
    # Space previews the current item, and again closes it
    grid = win.library.grid
    grid.setFocus()
    grid.setCurrentIndex(win.library.model.index(0))
    with qtbot.waitSignal(win.detail.loaded, timeout=10000):
        qtbot.keyClick(grid, Qt.Key_Space)
    assert win.detail.isVisible()
    qtbot.keyClick(grid, Qt.Key_Space)
    assert not win.detail.isVisible()
    # Delete asks first, then moves to the trash
    asked = []
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: asked.append(a[2]) or QMessageBox.Yes)
    path = win.library.model.row_tuple(0)[1]
    grid.selectionModel().select(win.library.model.index(0),
                                 grid.selectionModel().SelectionFlag.ClearAndSelect)
    qtbot.keyClick(grid, Qt.Key_Delete)
    assert asked and "trash" in asked[0]
    qtbot.waitUntil(lambda: not os.path.exists(path), timeout=10000)
    assert services.background.wait_idle(20)
    qtbot.waitUntil(lambda: win.library.model.rowCount() == 2, timeout=10000)


def test_settings_are_saved_in_the_data_folder(tmp_path, services, win, paths, qtbot, monkeypatch):
    from desktop.views.settings_dialog import SettingsDialog

    (tmp_path / "pictures").mkdir()
    add_root(services.catalog, tmp_path / "pictures")
    dlg = SettingsDialog(services, win)
    qtbot.addWidget(dlg)
    qtbot.waitUntil(lambda: dlg.roots.count() == 1, timeout=10000)  # read in a worker
    assert dlg.roots.item(0).text() == str(tmp_path / "pictures")
    dlg.workers.setValue(5)
    dlg.floor.setValue(0.3)
    dlg.mode.setCurrentText("copy")
    dlg.device.setCurrentText("cpu")
    dlg.model_edits["clip"].setText(str(paths.home / "my-clip"))
    dlg.watch.setChecked(False)
    assert not dlg.xmp.isChecked()  # sidecars are written only once the user asks
    dlg.xmp.setChecked(True)
    dlg.save()
    saved = json.loads(paths.settings.read_text())
    assert saved["xmp_sidecars"] is True and saved["xmp_machine_words"] is False
    assert saved["workers"] == 5 and saved["organize_mode"] == "copy"
    assert saved["relevance_floor"] == pytest.approx(0.3) and saved["device"] == "cpu"
    assert saved["models"]["clip"].endswith("my-clip") and saved["watch"] is False
    assert Settings.load(paths).workers == 5
    assert services.settings.workers == 5


def test_window_state_is_remembered_inside_the_data_folder(make_window, paths):
    w = make_window()
    w.resize(720, 520)  # inside the offscreen screen (800x600): restore clamps to it
    w.show_page("duplicates")
    w.close()
    ini = paths.home / "window.ini"
    assert ini.exists()
    assert QSettings(str(ini), QSettings.IniFormat).value("last_view") == "duplicates"
    w2 = make_window()
    assert w2.current_page() == "duplicates"
    assert (w2.width(), w2.height()) == (720, 520)
    w2.close()


def test_copy_diagnostics_has_counts_but_no_file_names(tmp_path, services, win, qtbot):
    lib = _library(tmp_path, services)
    from desktop.diagnostics import copy_diagnostics

    got = []
    copy_diagnostics(services, win, on_done=got.append)
    qtbot.waitUntil(lambda: bool(got), timeout=30000)
    text = got[0]
    assert QGuiApplication.clipboard().text() == text
    info = json.loads(text)
    assert info["catalog"]["files"]["photo"] == 3 and info["qt"] and info["python"]
    assert "sea.jpg" not in text and str(lib) not in text and str(tmp_path) not in text


def test_video_detail_transcript_seeks_and_transcript_hit_opens_at_the_moment(
        tmp_path, services, win, qtbot):
    lib = tmp_path / "lib"
    write_video(lib / "party.mp4", seconds=3, audio="tone")
    add_root(services.catalog, lib)
    scan(services.catalog)
    with services.catalog.read() as conn:
        fid = conn.execute("SELECT id FROM files").fetchone()[0]

    # what the transcript stage stores (a tiny Whisper says nonsense)
    P.transcript(services.catalog, fid, [(0.0, 1.0, "hello everyone"),
                                         (2.0, 3.0, "happy birthday grandma")])
    win.search_edit.setText("birthday grandma")
    win.search.run_now()
    qtbot.waitUntil(lambda: win.library.mode == "search"
                    and win.library.model.rowCount() == 1, timeout=10000)
    with qtbot.waitSignal(win.detail.loaded, timeout=10000):
        win.library.grid.activated.emit(win.library.model.index(0))
    assert win.detail._pending_seek == pytest.approx(2.0)  # opened at the spoken moment
    assert win.detail.video_box.isVisible()
    assert win.detail.transcript.count() == 2
    item = win.detail.transcript.item(0)
    assert item.text().startswith("0:00") and "hello everyone" in item.text()
    win.detail.transcript.itemClicked.emit(item)
    assert win.detail._pending_seek == 0.0 and win.detail.time_label.text() == "0:00"
    qtbot.waitUntil(lambda: win.detail._preview_pm is not None, timeout=10000)


def _collections_page(tmp_path, services, win, qtbot):
    """The Collections page, shown, on the user-flow library's two collections."""
    from tests.desktop.test_user_flow import add_vectors_and_collections, make_library

    make_library(tmp_path)
    add_root(services.catalog, tmp_path / "Photos")
    scan(services.catalog)
    add_vectors_and_collections(services.catalog)
    with qtbot.waitSignal(win.collections.loaded, timeout=10000):
        win.show_page("collections")
    return win.collections


def test_collections_rename_merge_keep(tmp_path, services, win, qtbot):
    page = _collections_page(tmp_path, services, win, qtbot)
    assert len(page.collections) == 2 and page.model.rowCount() == 2
    first = page.collections[0].id
    with qtbot.waitSignal(page.loaded, timeout=10000):
        page._write(__import__("desktop.organize_api", fromlist=["x"]).rename_collection, first,
                    "Summer by the sea")
    assert any(c.name == "Summer by the sea" for c in page.collections)
    page.list.selectAll()
    with qtbot.waitSignal(page.loaded, timeout=10000):
        page.merge_selected()
    assert len(page.collections) == 1 and page.collections[0].size == 12
    page.list.setCurrentIndex(page.model.index(0))
    page.list.selectionModel().select(page.model.index(0), QItemSelectionModel.ClearAndSelect)
    with qtbot.waitSignal(page.loaded, timeout=10000):
        page.toggle_keep()
    assert page.collections[0].keep_as_is is True


def test_split_a_selection_off_a_collection_and_keep_a_folder(tmp_path, services, win, qtbot):
    page = _collections_page(tmp_path, services, win, qtbot)
    big = page.collections[0]
    index = next(page.model.index(i) for i in range(page.model.rowCount())
                 if page.model.index(i).data(Qt.UserRole) == big.id)
    page._open(index)  # double-click: the collection's files in the grid
    qtbot.waitUntil(lambda: win.library.collection_id == big.id
                    and win.library.model.rowCount() == big.size, timeout=10000)
    grid = win.library.grid
    sel = grid.selectionModel()
    for row in (0, 1):
        sel.select(win.library.model.index(row), sel.SelectionFlag.Select)
    with qtbot.waitSignal(page.loaded, timeout=10000):
        win.split_selection("Two of them")
    assert next(c for c in page.collections if c.id == big.id).size == big.size - 2
    assert any(c.name == "Two of them" and c.size == 2 for c in page.collections)
    # keep a folder as it is
    grid.setCurrentIndex(win.library.model.index(0))
    sel.select(win.library.model.index(0), sel.SelectionFlag.ClearAndSelect)
    win.keep_folder()
    qtbot.waitUntil(lambda: "kept as it is" in win.status_area.head.full_text(), timeout=10000)
    with services.catalog.read() as conn:
        kept = [r[0] for r in conn.execute("SELECT path FROM keep_folders")]
    assert kept == [os.path.realpath(os.path.dirname(win.library.model.row_tuple(0)[1]))]


def _multimedia_available() -> bool:
    try:
        import PySide6.QtMultimedia  # noqa: F401  (needs libpulse on Linux)
    except ImportError:
        return False
    return True


@pytest.mark.skipif(not _multimedia_available(), reason="libpulse0 is not installed (apt-get "
                    "install libpulse0): QtMultimedia cannot load; the pane shows still frames")
def test_video_plays_from_the_requested_moment(tmp_path, services, win, qtbot):
    lib = tmp_path / "lib"
    write_video(lib / "v.mp4", seconds=3, audio="tone")
    add_root(services.catalog, lib)
    scan(services.catalog)
    with services.catalog.read() as conn:
        fid = conn.execute("SELECT id FROM files").fetchone()[0]
    with qtbot.waitSignal(win.detail.loaded, timeout=10000):
        win.open_detail(fid, at_s=1.5)
    qtbot.waitUntil(lambda: win.detail._preview_pm is not None, timeout=10000)
    still = win.detail._preview_pm
    qtbot.mouseClick(win.detail.play_btn, Qt.LeftButton)
    qtbot.waitUntil(lambda: win.detail._preview_pm is not still, timeout=10000)  # frames
    qtbot.waitUntil(lambda: win.detail._player.position() >= 1500, timeout=10000)
    win.detail.stop_media()


def test_typing_in_the_search_box_is_not_taken_by_shortcuts(services, win, qtbot):
    win.act_find.trigger()
    qtbot.keyClicks(win.search_edit, "dog on a beach")
    assert win.search_edit.text() == "dog on a beach"  # Space stays a space here
    win.search_edit.setCursorPosition(0)
    qtbot.keyClick(win.search_edit, Qt.Key_Delete)
    assert win.search_edit.text() == "og on a beach"  # Delete edits the text, trashes nothing
    assert not win.detail.isVisible()


def test_duplicates_keep_the_row_and_the_scroll_when_the_list_is_found_again(tmp_path,
                                                                             services, qtbot):
    """Coming back to Duplicates (every visit finds them again), or a trash, kept jumping
    the list to its top; the row the user was on stays current and in view."""
    from core.search.types import DuplicateFile, DuplicateGroup
    from desktop.views.duplicates import DuplicatesPage
    from desktop.views.duplicates_model import prepare

    groups = []
    for g in range(30):
        a = str(write_jpeg(tmp_path / f"g{g}a.jpg", (60, 40), seed=g))
        b = str(write_jpeg(tmp_path / f"g{g}b.jpg", (60, 40), seed=g))
        groups.append(DuplicateGroup("exact", [DuplicateFile(2 * g + 1, a, 60, 40, 100, None,
                                                             False),
                                               DuplicateFile(2 * g + 2, b, 60, 40, 100, None,
                                                             False)], 2 * g + 1, "shorter path"))
    page = DuplicatesPage(services)
    qtbot.addWidget(page)
    page.resize(900, 600)
    page.show()
    with qtbot.waitSignal(page.loaded, timeout=5000):
        page._show(prepare(groups))
    view, model = page.view, page.model
    bar = view.verticalScrollBar()
    bar.setValue(bar.maximum() // 2)
    row = view.rowAt(view.viewport().rect().center().y())
    row = row + 1 if model.is_heading(row) else row        # a file's row, not a heading
    qtbot.mouseClick(view.viewport(), Qt.LeftButton,
                     pos=view.visualRect(model.index(row, 0)).center())
    qtbot.wait(50)
    chosen, scrolled = view.currentIndex().siblingAtColumn(0).data(), bar.value()
    assert scrolled > 0 and view.currentIndex().row() == row
    with qtbot.waitSignal(page.loaded, timeout=5000):
        page._show(prepare(groups))                         # what a refresh does
    assert view.currentIndex().siblingAtColumn(0).data() == chosen and bar.value() == scrolled
