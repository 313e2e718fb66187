"""What a first real session hit, each driven through the real window: getting around, empty
and contradictory states, the Ask box, the transcript highlight, details, keyboard and focus."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from core.scan.roots import add_root, list_roots
from core.scan.scanner import scan
from tests.core.search import planting as P
from tests.desktop.cells import paint_cell
from tests.media_factory import write_jpeg, write_video


def _library(tmp_path, services, n=3, video=False):
    lib = tmp_path / "lib"
    for i in range(n):
        write_jpeg(lib / f"IMG_{i:03d}.jpg", (120, 90), seed=i, taken=f"2024:0{1 + i % 9}:01 10:00:00")
    if video:
        write_video(lib / "talk.mp4", seconds=3)
    add_root(services.catalog, lib)
    scan(services.catalog)
    return lib


@pytest.fixture
def win(make_window):
    return make_window(size=(1200, 800))


def _loaded(win, qtbot, rows):
    win.library.reload()
    qtbot.waitUntil(lambda: win.library.model.rowCount() == rows, timeout=10000)


def _ids(services):
    with services.catalog.read() as conn:
        return [r[0] for r in conn.execute("SELECT id FROM files ORDER BY name")]


# --- getting around -------------------------------------------------------------------------

def test_library_in_the_left_bar_is_the_whole_library_not_the_last_collection(
        tmp_path, services, win, qtbot):
    _library(tmp_path, services)
    _loaded(win, qtbot, 3)
    win.search.show_ids("Beach days", _ids(services)[:1], collection_id=7)
    qtbot.waitUntil(lambda: win.library.model.rowCount() == 1, timeout=10000)
    win.show_page("collections")
    win.nav.setCurrentRow(0)  # "Library"
    qtbot.waitUntil(lambda: win.library.model.rowCount() == 3, timeout=10000)
    assert win.library.mode == "library" and win.library.collection_id is None
    # clicking "Library" while a collection is shown there does the same
    win.search.show_ids("Beach days", _ids(services)[:1], collection_id=7)
    qtbot.waitUntil(lambda: win.library.model.rowCount() == 1, timeout=10000)
    win.nav.itemClicked.emit(win.nav.item(0))
    qtbot.waitUntil(lambda: win.library.model.rowCount() == 3, timeout=10000)


def test_a_filter_chip_starts_at_the_top(tmp_path, services, win, qtbot):
    _library(tmp_path, services, n=60)
    _loaded(win, qtbot, 60)
    win.library.zoom.setValue(320)
    bar = win.library.grid.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0, timeout=5000)
    bar.setValue(bar.maximum())
    win.chips["photo"].setChecked(True)
    qtbot.waitUntil(lambda: bar.value() == 0, timeout=10000)


def test_search_runs_as_you_type(tmp_path, services, win, qtbot):
    _library(tmp_path, services)
    _loaded(win, qtbot, 3)
    win.search_edit.setFocus()
    qtbot.keyClicks(win.search_edit, "IMG_001")  # no Enter
    # (the first search loads the search models: allow for a busy machine)
    qtbot.waitUntil(lambda: win.library.mode == "search"
                    and win.library.model.rowCount() >= 1, timeout=60000)


# --- empty and contradictory states ---------------------------------------------------------

def test_empty_states_say_what_to_do(tmp_path, services, win, qtbot):
    win.library.reload()
    qtbot.waitUntil(lambda: win.library.rows_loaded, timeout=10000)
    assert win.library.stack.currentWidget() is win.library.empty
    assert "Add a folder" in win.library.empty_add.text()
    win.show_page("problems")
    qtbot.waitUntil(lambda: win.problems.empty.isVisible(), timeout=10000)
    assert "No problems" in win.problems.empty.text() and not win.problems.tree.isVisible()
    _library(tmp_path, services)
    win.show_page("library")
    win.search_edit.setText("zebra crossing at midnight")
    win.search.run_now()
    qtbot.waitUntil(lambda: win.library.stack.currentWidget() is win.library.no_results,
                    timeout=60000)
    text = win.library.no_results.text()
    assert "Nothing found" in text and "Try other words" in text


def test_the_status_line_never_says_up_to_date_while_files_wait(tmp_path, services, win, qtbot):
    area = win.status_area
    # what library_status said in that session: nothing running, 70 files waiting
    area._show_counts({"errors": {"total": 0}, "files": {"photo": 650, "video": 4},
                       "files_pending": 70, "pending_jobs": {"thumbnail": 30, "clip": 70}})
    assert area.head.text() == "70 files to index"
    assert "to index" not in area.counts.text()  # said once
    area._on_state("idle")
    assert area.head.text() != "Up to date"
    assert area.errors_btn.text() == "No problems" and area.errors_btn.icon().isNull()


# --- the detail pane --------------------------------------------------------------------------

def test_the_ask_box_belongs_to_its_item(tmp_path, services, win, qtbot):
    _library(tmp_path, services)
    _loaded(win, qtbot, 3)
    a, b = _ids(services)[:2]
    with qtbot.waitSignal(win.detail.loaded, timeout=10000):
        win.open_detail(a)
    win.detail.ask_edit.setText("when was this taken?")
    win.detail._answer_text("Date: 2024-01-01 10:00")  # what ask() shows when it answers
    answer_a = win.detail.answer.text()
    with qtbot.waitSignal(win.detail.loaded, timeout=10000):
        win.open_detail(b)
    assert win.detail.ask_edit.text() == "" and win.detail.answer.text() == ""
    with qtbot.waitSignal(win.detail.loaded, timeout=10000):
        win.open_detail(a)
    assert win.detail.ask_edit.text() == "when was this taken?"
    assert win.detail.answer.text() == answer_a


def _with_transcript(services, fid):
    P.transcript(services.catalog, fid, [(0.0, 1.0, "hello everyone"), (1.0, 2.0, "welcome"),
                                         (2.0, 3.0, "you don't judge a book by its cover")])


def test_the_matched_line_is_highlighted_and_the_highlight_follows_playback(
        tmp_path, services, win, qtbot):
    _library(tmp_path, services, n=1, video=True)
    with services.catalog.read() as conn:
        vid = conn.execute("SELECT id FROM files WHERE kind = 'video'").fetchone()[0]
    _with_transcript(services, vid)
    with qtbot.waitSignal(win.detail.loaded, timeout=10000):
        win.open_detail(vid, at_s=2.0)  # as a transcript hit opens it
    tr = win.detail.transcript
    assert tr.currentRow() == 2  # the matched line, at once
    tr.itemClicked.emit(tr.item(0))  # a click seeks there...
    assert tr.currentRow() == 0
    win.detail._position(1500)  # ...and as the video plays on, the highlight moves with it
    assert tr.currentRow() == 1
    assert win.detail.time_label.text() == "0:01"


def test_tile_and_pane_say_the_same_length(tmp_path, services, win, qtbot):
    from desktop.library_model import _duration

    _library(tmp_path, services, n=0, video=True)
    services.catalog.write(lambda c: c.execute("UPDATE files SET duration_s = 29.6"))
    fid = _ids(services)[0]
    with qtbot.waitSignal(win.detail.loaded, timeout=10000):
        win.open_detail(fid)
    form = win.detail.form
    lengths = [form.itemAt(i, form.ItemRole.FieldRole).widget().text()
               for i in range(form.rowCount())
               if form.itemAt(i, form.ItemRole.LabelRole).widget().text() == "Length"]
    assert lengths == [_duration(29.6)] == ["0:29"]


# --- the grid: group labels and focus -----------------------------------------------------

def test_a_month_label_does_not_cover_a_tall_picture(tmp_path, services, win, qtbot):
    lib = tmp_path / "lib"
    write_jpeg(lib / "tall.jpg", (90, 300), seed=3, taken="2024:05:01 10:00:00")
    add_root(services.catalog, lib)
    scan(services.catalog)
    win.library.group.setCurrentIndex(win.library.group.findData("folder"))  # labels in cells
    _loaded(win, qtbot, 1)
    grid, model = win.library.grid, win.library.model
    qtbot.waitUntil(lambda: bool(model.starts), timeout=10000)  # the cell carries its folder
    fid = _ids(services)[0]
    qtbot.waitUntil(lambda: services.thumbs.cached(fid), timeout=10000)
    img = paint_cell(grid, 0, focused=False)
    # the picture's top rows are the picture's colours, not the label's highlight colour
    hl = grid.palette().highlight().color().rgb()
    col = img.width() // 2
    top_of_picture = next(y for y in range(img.height())
                          if img.pixel(col, y) != QImage(1, 1, QImage.Format_RGB32).pixel(0, 0)
                          and img.pixel(col, y) not in (hl, 0xFFFFFFFF))
    label_rows = [y for y in range(img.height()) if img.pixel(8, y) == hl]
    assert label_rows, "the month label is drawn"
    assert max(label_rows) < top_of_picture + 3


def test_the_keyboard_cell_is_visible(tmp_path, services, win, qtbot):
    _library(tmp_path, services, n=1)
    _loaded(win, qtbot, 1)
    grid = win.library.grid
    assert paint_cell(grid, 0, focused=True) != paint_cell(grid, 0, focused=False)
    from desktop.style import style_sheet

    qss = style_sheet()
    assert ":focus" in qss and 'QToolButton[chip="true"]:focus' in qss


# --- keyboard -----------------------------------------------------------------------------

def test_main_flows_work_without_a_mouse(tmp_path, services, win, qtbot):
    _library(tmp_path, services, n=3)
    _loaded(win, qtbot, 3)
    win.activateWindow()
    qtbot.keyClick(win, Qt.Key_F, Qt.ControlModifier)  # search
    assert win.search_edit.hasFocus()
    qtbot.keyClicks(win.search_edit, "IMG")
    qtbot.waitUntil(lambda: win.library.mode == "search"
                    and win.library.model.rowCount() == 3, timeout=60000)
    qtbot.keyClick(win.search_edit, Qt.Key_Down)  # into the results
    grid = win.library.grid
    assert grid.hasFocus() and grid.currentIndex().row() == 0
    with qtbot.waitSignal(win.detail.loaded, timeout=10000):
        qtbot.keyClick(grid, Qt.Key_Return)  # open
    assert win.detail.isVisible()
    first = win.detail.file_id
    with qtbot.waitSignal(win.detail.loaded, timeout=10000):
        qtbot.keyClick(grid, Qt.Key_Right, Qt.AltModifier)  # next item
    assert win.detail.file_id != first
    with qtbot.waitSignal(win.detail.loaded, timeout=10000):
        qtbot.keyClick(grid, Qt.Key_Left, Qt.AltModifier)  # previous item
    assert win.detail.file_id == first
    qtbot.keyClick(grid, Qt.Key_K, Qt.ControlModifier)  # ask
    assert win.detail.ask_edit.hasFocus()
    qtbot.keyClick(win.detail.ask_edit, Qt.Key_Escape)  # close the pane
    assert not win.detail.isVisible()


def test_space_ticks_in_the_review_and_delete_trashes_in_duplicates(
        tmp_path, services, win, qtbot, monkeypatch):
    from PySide6.QtWidgets import QTableView

    from core.organize import make_plan

    # Space belongs to the grid's preview only: in a list of ticks it ticks
    _library(tmp_path, services)
    make_plan(services.catalog, services.settings, layout="date", template="{year}")
    page = win.reorganize
    with qtbot.waitSignal(page.planShown, timeout=10000):
        win.show_page("reorganize")
    page.files.setFocus()
    qtbot.keyClick(page.files, Qt.Key_Space)
    assert page.file_model.data(page.file_model.index(0, 0), Qt.CheckStateRole) == Qt.Unchecked
    assert not win.detail.isVisible()
    win.show_page("duplicates")
    trashed = []
    monkeypatch.setattr(win.duplicates, "trash_checked", lambda *a, **k: trashed.append(1))
    dup_list = win.duplicates.findChild(QTableView)
    dup_list.setFocus()
    qtbot.keyClick(dup_list, Qt.Key_Delete)
    assert trashed


# --- settings and about -------------------------------------------------------------------

def test_settings_removes_a_folder_from_the_catalog_not_the_disk(tmp_path, services, win, qtbot):
    from desktop.views.settings_dialog import SettingsDialog
    from models.role import role_names

    lib = _library(tmp_path, services)
    dlg = SettingsDialog(services, win)
    qtbot.addWidget(dlg)
    qtbot.waitUntil(lambda: dlg.roots.count() == 1, timeout=10000)
    qtbot.waitUntil(lambda: all(w.text() != "checking…" for w in dlg.model_states.values()),
                    timeout=20000)
    assert set(dlg.model_states) == set(role_names())  # every role says whether it is ready
    assert all(w.text() in ("ready", "not ready") for w in dlg.model_states.values())
    dlg.roots.setCurrentRow(0)
    # asked, and yes; then the dialog is cancelled: nothing has left the library
    dlg.remove_folder(confirm=lambda text: "nothing is deleted" in text)
    assert dlg.roots.item(0).text().endswith("(will be removed)")
    assert services.background.wait_idle(10) and len(list_roots(services.catalog)) == 1
    dlg.reject()
    qtbot.wait(200)
    assert services.background.wait_idle(10)
    assert len(list_roots(services.catalog)) == 1 and len(_ids(services)) == 3

    # asked, yes, and saved: it leaves the catalog, never the disk
    dlg = SettingsDialog(services, win)
    qtbot.addWidget(dlg)
    qtbot.waitUntil(lambda: dlg.roots.count() == 1, timeout=10000)
    dlg.roots.setCurrentRow(0)
    dlg.remove_folder(confirm=lambda text: "nothing is deleted" in text)
    with qtbot.waitSignal(dlg.folderRemoved, timeout=10000) as sig:
        dlg.save()
    assert sig.args == [3]
    assert list_roots(services.catalog) == [] and _ids(services) == []
    assert len(list(lib.glob("*.jpg"))) == 3  # the files stay on disk


def test_about_shows_the_version():
    from core import __version__
    from desktop.main_window import about_text

    assert f"Shoebox {__version__}" in about_text()


def test_transparent_white_drawing_is_visible_on_its_tile(tmp_path, paths):
    """A white drawing on a transparent PNG: its thumbnail shows the drawing."""
    from PIL import Image, ImageDraw

    from core.media.thumbnails import make_thumbnails

    src = tmp_path / "drawing.png"
    im = Image.new("RGBA", (200, 200), (255, 255, 255, 0))
    ImageDraw.Draw(im).ellipse((40, 40, 160, 160), outline=(255, 255, 255, 255), width=12)
    im.save(src)
    out = make_thumbnails(paths, str(src), "photo", "feedbeef" * 5)[0]
    with Image.open(out) as t:
        g = t.convert("L")
        lo, hi = g.getextrema()
    assert hi - lo > 100  # drawing and backdrop differ (it was white on white)
    QApplication.processEvents()
