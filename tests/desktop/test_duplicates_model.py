"""The Duplicates page at scale: a model Qt asks about the rows it paints (no item per file,
no tree laid out row by row), the groups found and made ready on a worker, and a decision that
takes out its own group's rows and nothing else."""

from __future__ import annotations

import threading

from PySide6.QtWidgets import QTableView, QTreeView, QTreeWidget

from core.search.types import DuplicateFile, DuplicateGroup
from tests.core.search import planting as P
from tests.desktop.conftest import shown_page
from tests.media_factory import write_jpeg


def _groups(n: int) -> list[DuplicateGroup]:
    return [DuplicateGroup("exact", [DuplicateFile(3 * g + k, f"/lib/{g}/IMG_{k}.jpg", 640, 480,
                                                   1000, None, False) for k in (1, 2)],
                           3 * g + 1, "first one found") for g in range(n)]


def _page(services, qtbot):
    from desktop.views.duplicates import DuplicatesPage

    return shown_page(qtbot, DuplicatesPage(services), 900, 700)


def test_thousands_of_groups_are_rows_of_a_model_asked_only_about_the_rows_painted(
        services, qtbot):
    from desktop.views.duplicates_model import prepare

    page = _page(services, qtbot)
    model = page.model
    asked: list[int] = []
    real = model.locate
    model.locate = lambda row: (asked.append(row), real(row))[1]
    n = 20_000
    with qtbot.waitSignal(page.loaded, timeout=10000):
        page._show(prepare(_groups(n)))
    qtbot.wait(100)                                   # painted
    assert model.rowCount() == 3 * n                  # a heading and two files per group
    assert isinstance(page.view, QTableView)          # a tree lays out every row in Python
    assert not page.findChildren(QTreeWidget) and not page.findChildren(QTreeView)
    assert asked and len(set(asked)) < 100            # the rows on screen, not 60,000
    # the headings on screen span their row; one far below is not spanned yet
    assert page.view.columnSpan(0, 0) == 4
    assert page.view.columnSpan(model.heading_row(n - 1), 0) == 1
    page.view.scrollToBottom()
    qtbot.waitUntil(lambda: page.view.columnSpan(model.heading_row(n - 1), 0) == 4,
                    timeout=5000)
    assert len(set(asked)) < 200
    # found again, as groups of three files: the headings of before do not span file rows
    threes = [DuplicateGroup("exact", [DuplicateFile(10 * g + k, f"/lib/{g}/{k}.jpg", 640, 480,
                                                     1000, None, False) for k in range(3)],
                             10 * g, "first one found") for g in range(50)]
    page.view.scrollToTop()
    with qtbot.waitSignal(page.loaded, timeout=10000):
        page._show(prepare(threes))
    qtbot.wait(100)
    assert page.view.columnSpan(3, 0) == 1 and page.view.columnSpan(4, 0) == 4


def test_the_groups_are_found_and_made_ready_on_a_worker(services, qtbot, monkeypatch):
    import core.search
    from desktop.views import duplicates as view
    from desktop.views.duplicates_model import prepare

    threads = {}

    def find(*_a, **_k):
        threads["find"] = threading.current_thread()
        return _groups(3)

    def ready(groups):
        threads["prepare"] = threading.current_thread()
        return prepare(groups)

    monkeypatch.setattr(core.search, "duplicates", find)
    monkeypatch.setattr(view, "prepare", ready)
    page = _page(services, qtbot)
    with qtbot.waitSignal(page.loaded, timeout=10000):
        page.refresh()
    assert len(page.groups) == 3
    assert threads["find"] is not threading.main_thread()
    assert threads["prepare"] is not threading.main_thread()


def _plant(services, tmp_path, contents: str) -> None:
    cat = services.catalog
    r = P.root(cat, str(tmp_path))
    for c in contents:
        for copy in ("", " copy"):
            path = str(write_jpeg(tmp_path / f"{c}{copy}.jpg", (60, 40), seed=ord(c)))
            P.file(cat, r, path, content_hash=c)


def test_a_decision_takes_out_its_group_rows_and_nothing_else(tmp_path, services, qtbot):
    _plant(services, tmp_path, "ABC")
    page = _page(services, qtbot)
    with qtbot.waitSignal(page.loaded, timeout=10000):
        page.near.setChecked(False)
    model, view = page.model, page.view
    assert model.rowCount() == 9
    before = [model.index(r, 0).data() for r in range(9)]
    removed, inserted, resets = [], [], []
    model.rowsRemoved.connect(lambda _p, first, last: removed.append((first, last)))
    model.rowsInserted.connect(lambda _p, first, last: inserted.append((first, last)))
    model.modelReset.connect(lambda: resets.append(1))
    view.setCurrentIndex(model.index(model.heading_row(1), 0))
    ticked = set(model.ticked)
    middle = page.groups[1]
    page.keep_btn.click()
    assert removed == [(3, 5)] and not inserted and not resets
    assert [model.index(r, 0).data() for r in range(6)] == before[:3] + before[6:]
    assert middle not in page.groups and len(page.groups) == 2
    # its copy is no longer ticked; the others' ticks stay
    assert set(model.ticked) == ticked - {f.file_id for f in middle.files}
    assert page.title.text() == "Duplicates (2 groups)" and len(model.ticked) == 2
    assert view.currentIndex().row() == model.heading_row(1)   # the next group is current

    # with "Show dismissed", a decided group moves to the end: its rows out, then in at the end
    with qtbot.waitSignal(page.loaded, timeout=10000):
        page.show_dismissed.setChecked(True)
    removed.clear()
    inserted.clear()
    resets.clear()
    view.setCurrentIndex(model.index(model.heading_row(0), 0))
    page.keep_btn.click()
    assert removed == [(0, 2)] and inserted == [(6, 8)] and not resets
    assert page.groups[-1].decision == "keep_both"
    assert "dismissed: you keep both" in model.index(6, 0).data()
    assert page.title.text() == "Duplicates (1 group)"
