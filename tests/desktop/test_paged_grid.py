"""A library past the bands limit is paged: the grid holds its file ids and a few pages of
rows fetched by id (desktop.grid_rows.PagedRows), and shows exactly what the plain list
shows; the current file survives a reload, a stack opens in place, thumbnails repaint their
rows, and scrolling through everything keeps no more rows than the cache holds."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import QCoreApplication, Qt

from core.query import ID, NAME, STACK, list_library
from desktop import grid_rows
from desktop.library_model import FileIdRole
from desktop.views import library as library_view
from tests.core.cull.helpers import stacked_library
from tests.desktop.big_catalog import build as big_catalog
from tests.desktop.conftest import wait_until

TOTAL = 1500


@pytest.fixture
def big(services, paths, tmp_path, monkeypatch):
    """1,500 files (the newest 40 real photos with thumbnails), paged past 500 rows, in pages
    of 50 rows, 4 pages kept."""
    big_catalog(services.catalog, paths, tmp_path / "lib", TOTAL, real=40, size=(320, 240))
    monkeypatch.setattr(library_view, "BANDS_MAX_ROWS", 500)
    monkeypatch.setattr(library_view, "IDS_DELAY_MS", 0)
    monkeypatch.setattr(grid_rows, "PAGE_ROWS", 50)
    monkeypatch.setattr(grid_rows, "MAX_PAGES", 4)
    return services


def _window(make_window, qtbot):
    win = make_window()
    win.resize(900, 700)
    win.show()
    with qtbot.waitSignal(win.library.loaded, timeout=30000):
        win.library.reload()
    return win


def _reload(win, qtbot) -> None:
    with qtbot.waitSignal(win.library.loaded, timeout=30000):
        win.library.reload()


def test_a_paged_library_shows_the_plain_list_s_rows_in_its_order(big, make_window, qtbot,
                                                                  monkeypatch):
    win = _window(make_window, qtbot)
    page, model = win.library, win.library.model
    starts: dict[str, dict] = {}
    for group in ("date", "folder", "name"):
        if page.group.currentData() != group:
            with qtbot.waitSignal(page.loaded, timeout=30000):
                page.group.setCurrentIndex(page.group.findData(group))
        assert model.paged and model.rowCount() == TOTAL
        assert page.notice.text() == f"{TOTAL:,} items"
        paged = [model.row_tuple(i) for i in range(model.rowCount())]
        starts[group] = dict(model.starts)
        assert paged == list_library(big.catalog, None, group).rows
        monkeypatch.setattr(library_view, "BANDS_MAX_ROWS", 20_000)   # the plain list's path
        _reload(win, qtbot)
        assert not model.paged
        assert model.rows() == paged and model.starts == starts[group]
        monkeypatch.setattr(library_view, "BANDS_MAX_ROWS", 500)
        _reload(win, qtbot)
    assert len(starts["folder"]) > 1 and not starts["name"]


def test_scrolling_through_a_paged_library_keeps_at_most_the_cache_s_rows(big, make_window,
                                                                          qtbot):
    win = _window(make_window, qtbot)
    grid, model = win.library.grid, win.library.model
    source = model._rows
    bound = grid_rows.PAGE_ROWS * grid_rows.MAX_PAGES
    # ids for every row (selections, the indexer's priority) fetch no page
    before = source.fetched
    ids = [model.index(i).data(FileIdRole) for i in range(model.rowCount())]
    assert source.fetched == before
    assert ids == [r[ID] for r in list_library(big.catalog).rows]
    bar = grid.verticalScrollBar()
    most = 0
    while True:
        bar.setValue(bar.value() + bar.pageStep())
        grid.viewport().repaint()
        QCoreApplication.processEvents()
        most = max(most, source.cached())
        if bar.value() >= bar.maximum():
            break
    assert 0 < most <= bound
    assert source.fetched >= TOTAL // grid_rows.PAGE_ROWS      # every page was painted
    assert grid.visible_ids()[-1] == ids[-1]
    for i in range(model.rowCount()):                           # and every row asked for
        assert model.row_tuple(i)[ID] == ids[i]
        assert source.cached() <= bound


def test_the_current_file_survives_a_reload_of_a_paged_library(big, make_window, qtbot):
    win = _window(make_window, qtbot)
    grid, model = win.library.grid, win.library.model
    fid = model.file_id(1200)
    grid.setCurrentIndex(model.index(1200))
    grid.scrollToTop()

    def newer(conn):   # a file newer than all: every row moves down one
        root_id, folder = conn.execute("SELECT root_id, folder FROM files LIMIT 1").fetchone()
        conn.execute(
            "INSERT INTO files(root_id, path, folder, name, kind, format, size, mtime_ns, "
            "content_hash, width, height, taken_at, taken_at_source, status, first_seen_at) "
            "VALUES (?, ?, ?, 'new.jpg', 'photo', 'jpeg', 1, 0, 'x', 64, 64, ?, 'exif', "
            "'present', ?)", (root_id, f"{folder}/new.jpg", folder, time.time() + 10 ** 9,
                              time.time()))
    big.catalog.write(newer)
    _reload(win, qtbot)
    assert model.paged and model.rowCount() == TOTAL + 1 and model.row_tuple(0)[NAME] == "new.jpg"
    assert grid.current_id() == fid and grid.currentIndex().row() == 1201
    assert grid.selected_ids() == [fid]


def test_thumbnails_repaint_the_rows_they_arrived_for(big, make_window, qtbot):
    win = _window(make_window, qtbot)
    grid, model = win.library.grid, win.library.model
    changed: list[tuple[int, int]] = []
    model.dataChanged.connect(lambda a, b, _roles: changed.append((a.row(), b.row())))
    grid.viewport().repaint()
    visible = grid.visible_ids()
    assert visible
    thumbs = big.thumbs
    wait_until(qtbot, lambda: all(thumbs.cached(i) for i in visible))
    wait_until(qtbot, lambda: bool(changed))
    assert all(0 <= a <= b < len(visible) + grid_rows.PAGE_ROWS for a, b in changed)
    # a batch repaints the span of its rows that are shown; the rest of the library is not
    # looked up (a row not cached is not on screen: it gets its thumbnail when painted)
    changed.clear()
    model._on_thumbs([model.file_id(TOTAL - 1), visible[3], visible[1]])
    assert changed == [(1, 3)]


def test_a_stack_opens_and_closes_in_place_in_a_paged_grid(tmp_path, services, win, qtbot,
                                                          monkeypatch):
    monkeypatch.setattr(library_view, "BANDS_MAX_ROWS", 1)     # two tiles: paged
    monkeypatch.setattr(library_view, "IDS_DELAY_MS", 0)
    stacked_library(services.catalog, tmp_path / "lib")
    with qtbot.waitSignal(win.library.loaded, timeout=10000):
        win.search.run_now()
    model, grid = win.library.model, win.library.grid
    assert model.paged
    names = [model.row_tuple(i)[NAME] for i in range(model.rowCount())]
    assert names == ["IMG_9.jpg", "IMG_1.jpg"]                 # newest first; three shots, one
    cover = model.file_id(1)
    assert model.stack_size(1) == 3
    grid.scrollTo(model.index(1))
    badge = grid.stack_badge_rect(model.index(1))
    with qtbot.waitSignal(win.library.stackOpened, timeout=10000):
        qtbot.mouseClick(grid.viewport(), Qt.LeftButton, pos=badge.center())
    assert [model.row_tuple(i)[NAME] for i in range(model.rowCount())] == \
        ["IMG_9.jpg", "IMG_1.jpg", "IMG_2.jpg", "IMG_0.jpg"]   # best first, after the cover
    assert all(model.index_of(model.file_id(i)).row() == i for i in range(4))
    assert set(model.in_stack) == {model.file_id(2), model.file_id(3)}
    grid.viewport().repaint()                                  # paints the badge and marks
    qtbot.mouseClick(grid.viewport(), Qt.LeftButton, pos=badge.center())
    assert [model.row_tuple(i)[NAME] for i in range(model.rowCount())] == \
        ["IMG_9.jpg", "IMG_1.jpg"]
    assert model.index_of(cover).row() == 1 and model.row_tuple(1)[STACK] == 3
    assert not model.in_stack and not model.open_stacks
