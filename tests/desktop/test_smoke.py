"""The app opens on a real catalog and shows the library in a virtualised grid."""

from __future__ import annotations

from PySide6.QtWidgets import QListView

from core.scan.roots import add_root
from core.scan.scanner import scan
from tests.media_factory import write_jpeg, write_video


def test_window_opens_with_title_icon_and_empty_state(window, qtbot):
    assert window.windowTitle() == "Shoebox"
    assert not window.windowIcon().isNull()
    qtbot.waitUntil(lambda: window.library.rows_loaded, timeout=5000)
    assert window.library.model.rowCount() == 0
    assert window.library.stack.currentWidget() is window.library.empty


def test_grid_shows_library_with_thumbnails(tmp_path, services, make_window, qtbot):
    lib = tmp_path / "lib"
    for i in range(6):
        write_jpeg(lib / f"p{i}.jpg", (400, 300), seed=i, taken=f"2023:0{i + 1}:02 10:00:00")
    write_video(lib / "clip.mp4", seconds=0.5, audio=None)
    add_root(services.catalog, lib)
    scan(services.catalog)
    win = make_window()
    qtbot.waitUntil(lambda: win.library.model.rowCount() == 7, timeout=5000)
    grid = win.library.grid
    # the date grouping draws timeline bands: items have their own sizes (a band's first line
    # is taller, its last item fills its line); every other grouping keeps a uniform grid
    assert isinstance(grid, QListView) and not grid.uniformItemSizes()
    # newest first by camera date; the video has none (dated by its mtime: when it was
    # copied), so it comes last, under "Unknown date"
    names = [win.library.model.row_tuple(i)[4] for i in range(7)]
    assert names[0] == "p5.jpg" and names[-1] == "clip.mp4"
    assert win.library.model.headers[6].month == "Unknown date"
    # every thumbnail on one screen: the name grouping is a plain grid (the bands of seven
    # one-photo months are taller than the window)
    win.library.group.setCurrentIndex(win.library.group.findData("name"))
    qtbot.waitUntil(lambda: not win.library.model.headers, timeout=5000)
    assert grid.uniformItemSizes()
    qtbot.waitUntil(lambda: all(services.thumbs.cached(win.library.model.row_tuple(i)[0])
                                for i in range(7)), timeout=10000)
    pm = services.thumbs.get_cached(next(r[0] for r in win.library.model.rows() if r[4] == "p5.jpg"))
    assert pm.width() == 256 and pm.height() == 192  # landscape kept its shape
    win.close()


def test_grid_groups_carry_month_and_folder_labels(tmp_path, services, make_window, qtbot):
    lib = tmp_path / "lib"
    write_jpeg(lib / "x" / "a.jpg", taken="2023:03:02 10:00:00")
    write_jpeg(lib / "x" / "b.jpg", seed=2, taken="2023:03:09 10:00:00")
    write_jpeg(lib / "y" / "c.jpg", seed=3, taken="2021:12:24 10:00:00")
    add_root(services.catalog, lib)
    scan(services.catalog)
    win = make_window()
    model = win.library.model
    qtbot.waitUntil(lambda: model.rowCount() == 3, timeout=5000)
    assert model.starts == {0: "March 2023", 2: "December 2021"}
    win.library.group.setCurrentIndex(win.library.group.findData("folder"))
    qtbot.waitUntil(lambda: model.starts.get(0) == "x", timeout=5000)
    assert model.starts == {0: "x", 2: "y"}
    win.close()


def test_first_run_opens_the_welcome(make_window, qtbot, monkeypatch):
    from desktop.views.welcome import WelcomeDialog

    shown = []
    monkeypatch.setattr(WelcomeDialog, "exec", lambda self: shown.append(self) or 0)
    win = make_window(welcome=True)
    qtbot.waitUntil(lambda: bool(shown), timeout=5000)
    assert shown[0].windowTitle() == "Welcome to Shoebox"
    win.close()
