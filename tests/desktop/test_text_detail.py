"""Text read in a photo, in the app: found by search, shown selectable and copyable in the
detail pane with its lines outlined on the preview; Screenshots/Documents chips filter."""

from __future__ import annotations

import pytest
from PIL import Image
from PySide6.QtGui import QGuiApplication

from core.config import Settings
from core.pipeline import index_library
from core.scan.roots import add_root
from core.scan.scanner import scan
from core.tasks import TaskState
from models import Registry
from tests.text_factory import draw_lines, plain_photo, text_photo


@pytest.fixture
def read_library(tmp_path, services, paths):
    lib = tmp_path / "lib"
    lib.mkdir()
    text_photo(["Ristorante Gallo Nero", "Via Roma 12"], size=(900, 500)).save(lib / "dinner.jpg")
    plain_photo().save(lib / "sky.jpg")
    shot = Image.new("RGB", (1170, 2532), "white")
    draw_lines(shot, ["Boarding pass", "Seat 14C"], px=44, at=(80, 300), gap=3)
    shot.save(lib / "Screenshot 2024-06-01 at 10.12.00.png")
    add_root(services.catalog, lib)
    scan(services.catalog)
    settings = Settings(workers=2, low_priority=False)
    reg = Registry(settings, paths)
    try:
        index_library(services.catalog, reg, settings, paths, TaskState("i"),
                      stages=["thumbnail", "text"])
    finally:
        reg.close()
    return lib


def outline_pixels(pane) -> int:
    img = pane.preview.pixmap().toImage()
    n = 0
    for y in range(0, img.height(), 2):
        for x in range(0, img.width(), 2):
            c = img.pixelColor(x, y)
            n += c.red() > 230 and 170 < c.green() < 230 and c.blue() < 60
    return n


def test_text_in_the_detail_pane_copy_and_outline(read_library, win, qtbot):
    win.search_edit.setText("gallo")
    win.search.run_now()
    qtbot.waitUntil(lambda: win.library.mode == "search"
                    and win.library.model.rowCount() == 1, timeout=15000)
    with qtbot.waitSignal(win.detail.loaded, timeout=10000):
        win.library.grid.activated.emit(win.library.model.index(0))
    pane = win.detail
    assert pane.text_view.isVisible() and pane.text_view.isReadOnly()
    assert "Ristorante Gallo Nero" in pane.text_view.toPlainText()
    assert "Via Roma 12" in pane.text_view.toPlainText()
    pane.copy_text()
    assert QGuiApplication.clipboard().text() == pane.text_view.toPlainText()
    cursor = pane.text_view.textCursor()       # a selection copies just that
    cursor.setPosition(0)
    cursor.setPosition(10, cursor.MoveMode.KeepAnchor)
    pane.text_view.setTextCursor(cursor)
    pane.copy_text()
    assert QGuiApplication.clipboard().text() == "Ristorante"
    qtbot.waitUntil(lambda: pane._preview_pm is not None, timeout=10000)
    pane._fit_preview()
    with_lines = outline_pixels(pane)
    pane.outline_box.setChecked(False)
    assert with_lines > 20 and outline_pixels(pane) == 0


def test_a_photo_without_text_hides_the_section_and_chips_filter(read_library, win, qtbot):
    win.chips["screenshot"].setChecked(True)
    qtbot.waitUntil(lambda: win.library.model.rowCount() == 1, timeout=15000)
    with qtbot.waitSignal(win.detail.loaded, timeout=10000):
        win.library.grid.activated.emit(win.library.model.index(0))
    assert win.detail.info.name.startswith("Screenshot")
    assert "Seat 14C" in win.detail.text_view.toPlainText()
    win.chips["document"].setChecked(True)    # one or the other
    assert not win.chips["screenshot"].isChecked()
    qtbot.waitUntil(lambda: win.library.model.rowCount() == 0, timeout=15000)
    win.chips["document"].setChecked(False)
    qtbot.waitUntil(lambda: win.library.model.rowCount() == 3, timeout=15000)
    sky = next(i for i in range(3)
               if win.library.model.index(i).data().startswith("sky"))
    with qtbot.waitSignal(win.detail.loaded, timeout=10000):
        win.library.grid.activated.emit(win.library.model.index(sky))
    assert not win.detail.text_view.isVisible() and not win.detail.text_title.isVisible()
