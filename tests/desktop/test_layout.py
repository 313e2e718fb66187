"""The window at a small (900x600) and a large (1440x900) size, each main view with the detail
pane open where it belongs: nothing narrower than its minimum, no clipped title or button
text, nothing past the window's edge, and the window never resizes itself."""

from __future__ import annotations

import time

import pytest
from PIL import Image
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QListView,
    QSizePolicy,
    QSlider,
    QWidget,
)

from desktop.main_window import SEARCH_MIN_W
from tests.media_factory import write_jpeg, write_video

SIZES = [(900, 600), (1440, 900)]


def _shown(w: QWidget, win: QWidget) -> bool:
    return w.isVisible() and w.window() is win and w.width() > 0


def layout_problems(win) -> list[str]:
    """What a person would see as broken: text cut off, controls squeezed, things off-window."""
    out = []
    for w in win.findChildren(QWidget):
        if not _shown(w, win) or w.objectName().startswith("qt_"):
            continue
        name = f"{type(w).__name__}({w.objectName() or getattr(w, 'text', lambda: '')()!r})"
        if isinstance(w, (QAbstractButton, QLabel, QComboBox, QSlider, QLineEdit)):
            if w.width() < w.minimumWidth():
                out.append(f"{name} narrower than its minimum ({w.width()} < {w.minimumWidth()})")
            left = w.mapTo(win, QPoint(0, 0)).x()
            if left + w.width() > win.width() + 1 and not _in_scroll_area(w):
                out.append(f"{name} runs past the window's right edge")
        fm = QFontMetrics(w.font())
        # a heading must show its whole text at these sizes, even one that can elide; other
        # eliding labels (a folder path, a notice) end in "…" with the whole text in a tooltip
        if isinstance(w, QLabel) and w.text() and not w.wordWrap() and "<" not in w.text() and \
                (w.objectName() == "heading" or
                 w.sizePolicy().horizontalPolicy() != QSizePolicy.Ignored):
            full = getattr(w, "full_text", w.text)()
            need = max(fm.horizontalAdvance(line) for line in full.split("\n"))
            if need > w.contentsRect().width():
                out.append(f"{name}: text clipped ({need} px in {w.contentsRect().width()})")
        if isinstance(w, QAbstractButton) and w.text():
            text = w.text().replace("&", "")
            need = fm.horizontalAdvance(text) + (w.iconSize().width() if not w.icon().isNull()
                                                 else 0)
            if need + 6 > w.width():
                out.append(f"{name}: button text clipped ({need} px in {w.width()})")
        if isinstance(w, QSlider) and w.orientation() == Qt.Horizontal and w.width() < 60:
            out.append(f"{name}: slider collapsed to {w.width()} px")
        if w is win.search_edit and w.width() < SEARCH_MIN_W:
            # (the chips take a row of their own before they squeeze it)
            out.append(f"the search box squeezed to {w.width()} px")
        if isinstance(w, QListView) and w.viewMode() == QListView.IconMode and w.model():
            # (the tile pages are models: their first tiles, a few screens of them)
            m = w.model()
            rects = [w.visualRect(m.index(r, 0)) for r in range(min(m.rowCount(), 200))]
            if any(a.intersects(b) for i, a in enumerate(rects) for b in rects[i + 1:]):
                out.append(f"{name}: tiles overlap")
        if isinstance(w, QAbstractItemView) and w.objectName() in ("units", "files") and \
                w.viewport().width() < 240:
            out.append(f"the review's {w.objectName()} only {w.viewport().width()} px wide")
        if isinstance(w, QAbstractItemView) and w.objectName() in ("units", "files") and \
                w.viewport().height() < 120:
            out.append(f"the review's {w.objectName()} only {w.viewport().height()} px high")
    return out


def _in_scroll_area(w: QWidget) -> bool:
    from PySide6.QtWidgets import QAbstractScrollArea

    p = w.parentWidget()
    while p is not None:
        if isinstance(p, QAbstractScrollArea):
            return True
        p = p.parentWidget()
    return False


def settle(qtbot, ms: int = 150) -> None:
    end = time.monotonic() + ms / 1000
    while time.monotonic() < end:
        QApplication.processEvents()
        qtbot.wait(20)


@pytest.fixture
def demo(tmp_path, services):
    """A small library with collections and a drafted plan (core.demo), a video among it."""
    from core.demo import build_demo_library

    lib = tmp_path / "Pictures"
    for i in range(16):  # two colours: two collections from the colour histograms
        path = write_jpeg(lib / "Phone" / f"IMG_{i:04d}.jpg", (32, 24), seed=i,
                          taken=f"2023:0{1 + i % 6}:1{i % 9} 12:00:00")
        colour = (200 + i % 3 * 10, 40, 30) if i % 2 else (30, 60, 190 + i % 3 * 10)
        with Image.open(path) as im:
            exif = im.info.get("exif", b"")
        Image.new("RGB", (320, 240) if i % 3 else (200, 360), colour).save(path, exif=exif)
    write_video(lib / "Videos" / "a birthday party in the garden.mp4", seconds=2)
    build_demo_library(services.catalog, services.registry, services.settings, services.paths,
                       lib)
    return lib


@pytest.fixture
def win(services, qtbot):
    """The window as the app shows it: Fusion and the app's style sheet (its headings are
    bigger and bold; without it a clipped heading went unseen)."""
    from desktop.app import create_window
    from desktop.style import apply_theme

    app = QApplication.instance()
    style, sheet, palette = app.style().name(), app.styleSheet(), app.palette()
    apply_theme(app, dark=False)
    w = create_window(services, start_background=False, welcome=False)
    qtbot.addWidget(w)
    yield w
    w.close()
    app.setStyleSheet(sheet)
    app.setStyle(style)
    app.setPalette(palette)


def _video_id(services) -> int:
    from core.query import Filters, list_library

    rows = list_library(services.catalog, Filters(kind="video"), "date").rows
    return rows[0][0]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_view_fits_the_window_and_the_window_keeps_its_size(demo, services, win, qtbot,
                                                                 size):
    win.resize(*size)
    win.show()
    qtbot.waitUntil(lambda: win.library.rows_loaded, timeout=40000)
    settle(qtbot)
    assert (win.width(), win.height()) == size
    seen = {}

    def check(view: str) -> None:
        settle(qtbot)
        seen[view] = layout_problems(win)
        assert (win.width(), win.height()) == size, f"{view}: the window resized itself"

    check("library")
    # a video's detail pane made the window grow to 1129 px
    with qtbot.waitSignal(win.detail.loaded, timeout=40000):
        win.open_detail(_video_id(services))
    assert win.detail.isVisible()
    check("library + video detail")
    win.search_edit.setText("IMG")
    win.search.run_now()
    qtbot.waitUntil(lambda: win.library.mode == "search", timeout=40000)
    check("search + detail")

    def tiles_pictured():  # the tiles' pictures come after the tiles: both must lay out
        return win.collections.pictured()

    for page, ready in (("people", lambda: True),
                        ("collections", tiles_pictured),
                        ("reorganize", lambda: win.reorganize.plan is not None),
                        ("duplicates", lambda: win.duplicates.groups is not None),
                        ("problems", lambda: True)):
        win.show_page(page)
        qtbot.waitUntil(lambda r=ready: bool(r()), timeout=40000)
        if page == "collections":
            assert win.detail.isVisible()  # the pane belongs to Library and Collections
        else:
            assert not win.detail.isVisible(), f"the detail pane stays open in {page}"
        check(page)
    win.show_page("library")
    assert win.detail.isVisible()  # back where it belongs, it is there again
    check("library again")
    problems = {k: v for k, v in seen.items() if v}
    assert not problems, "\n".join(f"{k}: {p}" for k, v in problems.items() for p in v)


@pytest.mark.parametrize("size", [(900, 600), (1366, 768)])
def test_no_status_text_widens_the_window_while_indexing(make_window, qtbot, size):
    """Long stages, paths, rates and errors in the status area end in "…"; the window keeps
    the size the user gave it (an indexing status once held it 2,200 px wide)."""
    from core.tasks import Progress

    win = make_window(size=size)
    qtbot.waitExposed(win)
    long_path = "/mnt/photos/Pictures/" + "/".join(["A very long folder name"] * 12) + "/x.jpg"
    bg = win.services.background
    for p in (Progress("index", 1234, 100000, 3.2, 5000.0, f"reading text in {long_path}"),
              Progress("naming collections", 3, 40, 0.04, 900.0, "naming " + "x" * 400)):
        bg.progress.emit(p)
        qtbot.wait(50)
        assert win.width() == size[0], win.width()
        assert win.minimumSizeHint().width() <= size[0]
    assert win.status_area.details.full_text().endswith("25 s each  ·  ETA 15m 00s")  # not 0.0/s
    win.services.errorReported.emit("index", "cannot read " + long_path + "\n" + "y" * 500)
    win.status_area.counts.setText("123,456 photos · 7,890 videos · " + "z" * 300)
    qtbot.wait(50)
    assert win.width() == size[0] and win.minimumSizeHint().width() <= size[0]
    assert win.status_area.head.toolTip().startswith("cannot read")   # the whole text is kept


@pytest.mark.parametrize("size", SIZES)
def test_every_filter_chip_is_on_screen_none_behind_an_overflow(make_window, qtbot, size):
    """At 900x600 the chips that did not fit hid behind a » whose popup opened over the page
    title; they have a row of their own below the search box, which has the whole width."""
    win = make_window(size=size)
    qtbot.waitExposed(win)
    settle(qtbot)
    chips = [*win.chips.values(), win.camera_chip, win.folder_chip, win.place_chip]
    for chip in chips:
        assert chip.isVisible(), chip.text()
        right = chip.mapTo(win, QPoint(chip.width(), 0)).x()
        assert right <= win.width(), chip.text()
    search_bottom = win.search_edit.mapTo(win, QPoint(0, win.search_edit.height())).y()
    chip_top = chips[0].mapTo(win, QPoint(0, 0)).y()
    assert chip_top >= search_bottom
    assert win.search_edit.width() >= win.width() - 40
