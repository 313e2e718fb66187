"""Stacks in the window: the grid shows a burst as one tile with its count, a click on the
count opens it in place and closes it again; the Cull page ticks a stack's lesser shots only
once the user opens it, culls them into the Shoebox trash and undoes it."""

from __future__ import annotations

import os

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from core.query import ID, NAME, STACK
from tests.core.cull.helpers import stacked_library
from tests.desktop.cull_rows import open_stack, shot_rows, top_rows


def test_a_stack_is_one_tile_with_its_count_that_opens_in_place(tmp_path, services, win,
                                                                 qtbot):
    stacked_library(services.catalog, tmp_path / "lib")
    with qtbot.waitSignal(win.library.loaded, timeout=10000):
        win.search.run_now()
    model, grid = win.library.model, win.library.grid
    names = [model.row_tuple(i)[NAME] for i in range(model.rowCount())]
    assert sorted(names) == ["IMG_1.jpg", "IMG_9.jpg"]       # the sharp frame, for three
    row = names.index("IMG_1.jpg")
    assert model.stack_size(row) == 3
    cover = model.row_tuple(row)[ID]
    grid.scrollTo(model.index(row))
    badge = grid.stack_badge_rect(model.index(row))
    with qtbot.waitSignal(win.library.stackOpened, timeout=10000):
        qtbot.mouseClick(grid.viewport(), Qt.LeftButton, pos=badge.center())
    names = [model.row_tuple(i)[NAME] for i in range(model.rowCount())]
    assert names[row:row + 3] == ["IMG_1.jpg", "IMG_2.jpg", "IMG_0.jpg"]   # best first
    assert len(names) == 4 and model.index_of(cover).row() == row
    assert all(model.index_of(model.row_tuple(i)[ID]).row() == i for i in range(4))
    grid.viewport().repaint()                                  # paints badge and marks
    qtbot.mouseClick(grid.viewport(), Qt.LeftButton, pos=badge.center())
    assert [model.row_tuple(i)[NAME] for i in range(model.rowCount())] == \
        [n for n in names if n not in ("IMG_2.jpg", "IMG_0.jpg")]
    assert model.row_tuple(model.index_of(cover).row())[STACK] == 3


def test_the_cull_page_ticks_only_an_opened_stack_and_its_cull_undoes(tmp_path, services, win,
                                                                     qtbot, monkeypatch):
    lib = stacked_library(services.catalog, tmp_path / "lib")
    before = {p: p.read_bytes() for p in lib.iterdir()}
    page = win.cull
    with qtbot.waitSignal(page.loaded, timeout=20000):
        win.show_page("cull")
    assert len(top_rows(page)) == 1
    shots = shot_rows(page, 0)
    assert len(shots) == 3 and page.ticked() == []          # nothing ticked unopened
    assert "best:" in shots[0]["why"] and shots[0]["name"] == "IMG_1.jpg"
    open_stack(qtbot, page, 0)
    assert sorted(page.ticked()) == sorted(shots[i]["file_id"] for i in (1, 2))
    assert [s["ticked"] for s in shot_rows(page, 0)] == [False, True, True]
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Yes)
    with qtbot.waitSignal(page.loaded, timeout=20000):
        page.cull_ticked()
    assert sorted(p.name for p in lib.iterdir()) == sorted([".shoebox-culled", "IMG_1.jpg",
                                                            "IMG_9.jpg"])
    assert page.empty_btn.isEnabled() and page.undo_btn.isEnabled()
    with qtbot.waitSignal(page.loaded, timeout=20000):
        page.undo_last()
    assert {p: p.read_bytes() for p in lib.iterdir()} == before
    assert not os.path.exists(lib / ".shoebox-culled")
