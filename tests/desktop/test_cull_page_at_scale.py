"""The Cull page with more stacks than fit a page: it made a QTreeWidgetItem per shot of every
stack on the GUI thread (20,000 stacks stalled it 4-5 s each time it was shown, and it forgot
the user's place after every cull). Now a table over a model, its stacks read on workers a page
at a time as the list is scrolled, the current shot and the open stacks kept by id."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QTreeWidget

from benchmarks.bench_cull_page import plant
from desktop.views import cull_model
from desktop.views.cull import CullPage
from tests.desktop.conftest import shown_page
from tests.desktop.cull_rows import open_stack, shot_rows, top_rows
from tests.desktop.review import double_click

STACKS = 100
PAGE = 8


@pytest.fixture
def page(services, tmp_path, qtbot, monkeypatch):
    monkeypatch.setattr(cull_model, "PAGE", PAGE)
    plant(services.catalog, tmp_path / "lib", STACKS, flagged=3)
    return shown_page(qtbot, CullPage(services), 900, 600)


@pytest.fixture
def gui_reads(services, monkeypatch):
    """Each catalog read made on the GUI thread from now on."""
    seen: list[str] = []
    real = services.catalog.read

    def read(*args, **kwargs):
        if threading.current_thread() is threading.main_thread():
            seen.append("read")
        return real(*args, **kwargs)

    monkeypatch.setattr(services.catalog, "read", read)
    return seen


def press_end_until(qtbot, page, done) -> None:
    page.tree.setFocus()
    for _ in range(STACKS):
        if done():
            return
        n = page.model.rowCount()
        qtbot.keyClick(page.tree, Qt.Key_End)
        qtbot.waitUntil(lambda n=n: page.model.rowCount() > n or done(), timeout=10000)
    assert done()


def test_the_stacks_are_a_model_read_a_page_at_a_time_as_the_list_scrolls(page, gui_reads,
                                                                        qtbot):
    sizes: list[int] = []
    page.model.rowsInserted.connect(lambda *_: sizes.append(page.model.groups()))
    with qtbot.waitSignal(page.loaded, timeout=20000):
        page.refresh()
    # a model the view asks about as it paints, no item per row
    assert page.findChildren(QTreeWidget) == [] and page.tree.model() is page.model
    assert page.model.groups() == PAGE and page.model.total == STACKS
    qtbot.wait(300)                             # (the view fills its screen, no more)
    assert PAGE < page.model.groups() < STACKS // 2
    # End, held: the rest arrive a page at a time, then the flagged photos' row
    press_end_until(qtbot, page, lambda: "Worth a look" in top_rows(page)[-1])
    assert len(top_rows(page)) == STACKS + 1
    assert sizes == [*range(2 * PAGE, STACKS, PAGE), STACKS, STACKS + 1]
    assert [s["name"] for s in shot_rows(page, STACKS)] == [
        f"IMG_{i:06d}.jpg" for i in range(page.model.stacks[-1].shots[-1].file_id + 1,
                                          page.model.stacks[-1].shots[-1].file_id + 4)]
    assert gui_reads == []                      # every read on a worker


def test_the_current_shot_its_open_stack_and_ticks_stay_across_a_refresh(page, gui_reads,
                                                                          qtbot):
    with qtbot.waitSignal(page.loaded, timeout=20000):
        page.refresh()
    g = 5 * PAGE + 3                            # past the first page
    press_end_until(qtbot, page, lambda: page.model.groups() > g)
    open_stack(qtbot, page, g)
    ticked = set(page.ticked())
    assert ticked and len(ticked) == len(shot_rows(page, g)) - 1
    qtbot.keyClick(page.tree, Qt.Key_Down)
    qtbot.keyClick(page.tree, Qt.Key_Down)      # the best, then the first lesser shot
    shot = shot_rows(page, g)[1]
    assert page.tree.currentIndex().data(cull_model.FILE_ROLE) == shot["file_id"]
    qtbot.keyClick(page.tree, Qt.Key_Space)     # unticked: it stays so
    assert set(page.ticked()) == ticked - {shot["file_id"]}
    stack_id = page.model.stack(g).id
    # read again (as after a cull elsewhere or coming back to the page): the listing reads
    # as far as the current stack, the same shot current, its stack open, the ticks as left
    with qtbot.waitSignal(page.loaded, timeout=20000):
        page.refresh()
    assert page.model.row_of[stack_id] == g and page.model.is_open(g)
    assert PAGE < page.model.groups() < STACKS
    assert page.tree.currentIndex().data(cull_model.FILE_ROLE) == shot["file_id"]
    assert set(page.ticked()) == ticked - {shot["file_id"]}
    assert shot_rows(page, g)[1]["ticked"] is False
    view = page.tree
    qtbot.waitUntil(lambda: view.visualRect(view.currentIndex()).intersects(
        view.viewport().rect()), timeout=5000)  # scrolled to
    # Left on a shot goes to its stack, Left again closes it
    qtbot.keyClick(view, Qt.Key_Left)
    assert view.currentIndex().row() == page.model.group_row(g)
    qtbot.keyClick(view, Qt.Key_Left)
    assert not page.model.is_open(g)
    assert gui_reads == []


def test_a_current_flagged_photo_stays_current_across_a_refresh(page, qtbot):
    """The flagged photos come after every stack: the listing reads them all to keep it."""
    with qtbot.waitSignal(page.loaded, timeout=20000):
        page.refresh()
    press_end_until(qtbot, page, lambda: "Worth a look" in top_rows(page)[-1])
    open_stack(qtbot, page, STACKS)
    qtbot.keyClick(page.tree, Qt.Key_Down)
    qtbot.keyClick(page.tree, Qt.Key_Down)
    photo = shot_rows(page, STACKS)[1]["file_id"]
    assert page.tree.currentIndex().data(cull_model.FILE_ROLE) == photo
    with qtbot.waitSignal(page.loaded, timeout=20000):
        page.refresh()
    assert page.model.groups() == STACKS + 1 and page.model.is_open(STACKS)
    assert page.tree.currentIndex().data(cull_model.FILE_ROLE) == photo


def test_a_fresh_find_forgets_the_open_stacks_and_ticks(page, qtbot):
    """"Find look-alikes" stacks anew: stack ids then name other stacks."""
    with qtbot.waitSignal(page.loaded, timeout=20000):
        page.refresh()
    open_stack(qtbot, page, 1)
    assert page.ticked()
    with qtbot.waitSignal(page.loaded, timeout=20000):
        page.refresh(keep=False)
    assert page.ticked() == [] and page.model.open_groups() == []
    assert not page.tree.currentIndex().isValid()


def test_a_stack_opens_and_closes_with_the_mouse_and_a_shot_opens_its_file(page, qtbot):
    with qtbot.waitSignal(page.loaded, timeout=20000):
        page.refresh()
    view, m = page.tree, page.model
    arrow = view.visualRect(m.index(2, 0)).topLeft() + QPoint(6, 6)
    qtbot.mouseClick(view.viewport(), Qt.LeftButton, pos=arrow)     # the stack's arrow
    assert m.open_groups() == [2] and m.index(2, 0).data().startswith(cull_model.OPEN)
    qtbot.mouseClick(view.viewport(), Qt.LeftButton, pos=arrow)
    assert m.open_groups() == [] and m.index(2, 0).data().startswith(cull_model.CLOSED)
    row = view.visualRect(m.index(1, 1)).center()
    double_click(qtbot, view.viewport(), row)                      # a double click opens it
    assert m.open_groups() == [1]
    shot = m.index(2, 1)                                           # its best shot
    with qtbot.waitSignal(page.openFile, timeout=5000) as opened:
        double_click(qtbot, view.viewport(), view.visualRect(shot).center())
    assert opened.args == [m.stack(1).shots[0].file_id]
    assert shot_rows(page, 1)[0]["ticked"] is False                # the best: never ticked
