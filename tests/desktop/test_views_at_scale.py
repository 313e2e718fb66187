"""The pages that list the library's groups, on a library with many of them (the scale
benchmark's catalog builder, small): each shows its first screen without doing the work of
every row, and the rest as it is scrolled to."""

from __future__ import annotations

import pytest

from benchmarks.scale_catalog import build
from tests.desktop.conftest import shown_page, thumbnails_asked, wait_until


@pytest.fixture
def many_people(paths):
    """2,000 files whose faces belong to ~100 people (more than a screen of tiles)."""
    return build(paths.home, 2000, 4, "test/clip", "test/text", progress=lambda _m: None,
                 clip_dim=16, text_dim=16, n_people=120)


def test_people_page_reads_covers_for_the_tiles_on_screen_only(many_people, make_window,
                                                                  qtbot, monkeypatch):
    from PySide6.QtWidgets import QListWidget

    from desktop.views import people_model

    asked: list[int] = []
    real = people_model.person_faces

    def counting(catalog, person_id, *args):
        asked.append(person_id)
        return real(catalog, person_id, *args)

    monkeypatch.setattr(people_model, "person_faces", counting)
    win = make_window()
    win.resize(1000, 700)
    win.show()
    page = win.people
    with qtbot.waitSignal(page.loaded, timeout=30000):
        win.show_page("people")
    # a model the view asks about as it paints, no item per person
    n = page.model.rowCount()
    assert n > 60 and page.list.findChildren(QListWidget) == [] and page.list.model() is \
        page.model
    wait_until(qtbot, page.pictured)
    qtbot.wait(300)
    on_screen = page.visible_rows()
    assert 0 < len(on_screen) < n // 2
    assert set(asked) == {page.people[r].id for r in on_screen}   # no more, no fewer
    # scrolled to the end: the last tiles get their covers, not everything between
    page.list.scrollToBottom()
    last_id = page.people[-1].id
    wait_until(qtbot, lambda: last_id in asked)
    wait_until(qtbot, page.pictured)
    assert len(set(asked)) < n and len(asked) == len(set(asked))   # each read once
    # read again (as after an edit or coming back to the page): the mosaics held are kept
    with qtbot.waitSignal(page.loaded, timeout=30000):
        page.refresh()
    qtbot.wait(300)
    assert page.pictured() and len(asked) == len(set(asked))


def test_a_big_library_shows_its_first_page_then_pages_by_its_ids(paths, services,
                                                                  make_window, qtbot, tmp_path):
    from desktop import grid_rows
    from desktop.views import library as library_view
    from tests.desktop.big_catalog import build as big_catalog

    total = library_view.BANDS_MAX_ROWS + 5000
    big_catalog(services.catalog, paths, tmp_path / "lib", total, real=0)
    win = make_window()
    win.resize(1000, 700)
    win.show()
    model = win.library.model
    counts: list[tuple[int, bool]] = []
    model.rowsReplaced.connect(lambda: counts.append((model.rowCount(), model.paged)))
    with qtbot.waitSignal(win.library.loaded, timeout=30000):
        win.library.reload()
    # the first screen came from one page; `loaded` waited for the ids, and the rows held
    # are the few pages painted
    assert counts[-2:] == [(library_view.FIRST_PAGE, False), (total, True)]
    assert win.library.notice.text() == f"{total:,} items"
    win.library.grid.viewport().repaint()
    assert 0 < model._rows.cached() <= grid_rows.PAGE_ROWS * grid_rows.MAX_PAGES < total // 3
    # the same library again (new files): no first page, the ids replace the rows shown
    counts.clear()
    with qtbot.waitSignal(win.library.loaded, timeout=30000):
        win.library.reload()
    assert counts == [(total, True)]


def test_duplicates_page_asks_thumbnails_for_the_rows_on_screen_only(services, qtbot):
    from core.search.types import DuplicateFile, DuplicateGroup
    from desktop.views.duplicates import DuplicatesPage
    from desktop.views.duplicates_model import prepare

    groups = [DuplicateGroup("exact", [DuplicateFile(2 * g + k, f"/lib/{g}/IMG_{k}.jpg", 640,
                                                     480, 1000, None, False) for k in (1, 2)],
                             2 * g + 1, "first one found") for g in range(3000)]
    asked = thumbnails_asked(services)
    page = shown_page(qtbot, DuplicatesPage(services), 900, 700)
    with qtbot.waitSignal(page.loaded, timeout=10000):
        page._show(prepare(groups))
    qtbot.waitUntil(lambda: bool(asked), timeout=5000)
    on_screen = set(page.visible_file_ids())
    assert set(asked) <= on_screen | {1, 2} and len(asked) < 200   # not 6,000
    page.view.scrollToBottom()
    qtbot.waitUntil(lambda: 5999 in asked or 6000 in asked, timeout=5000)
    assert len(set(asked)) < 400
