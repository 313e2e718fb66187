"""The views read through core.query: the chips filter the grid with the one filter dialect
(in every grouping), a failed read reaches the user, and a settings change never closes the
model registry under a running task."""

from __future__ import annotations

import threading

import pytest

from core.config import Settings
from core.errors import ShoeboxError
from core.query import ID, Filters, list_library
from core.scan.roots import add_root
from core.scan.scanner import scan
from tests.media_factory import write_jpeg, write_video


def _library(tmp_path, services):
    lib = tmp_path / "lib"
    write_jpeg(lib / "trip" / "sea.jpg", (120, 90), seed=1, taken="2024:08:01 10:00:00",
               gps=(45.43, 12.33), camera=("Fuji", "X_100"))
    write_jpeg(lib / "trip" / "hill.jpg", (120, 90), seed=2, taken="2024:08:02 10:00:00",
               camera=("Fuji", "XA100"))
    write_jpeg(lib / "home" / "cat.jpg", (120, 90), seed=3)   # no EXIF date: its mtime
    write_video(lib / "home" / "clip.mp4", seconds=1)
    add_root(services.catalog, lib)
    scan(services.catalog)
    return lib


def _grid_ids(win) -> set[int]:
    model = win.library.model
    return {model.row_tuple(i)[ID] for i in range(model.rowCount())}


def _reload(win, qtbot) -> None:
    with qtbot.waitSignal(win.library.loaded, timeout=10000):
        win.search.run_now()


@pytest.mark.parametrize("group", ["date", "folder", "collection", "name"])
def test_chips_filter_the_grid_as_core_filters_do(tmp_path, services, win, qtbot, group):
    _library(tmp_path, services)
    page = win.library
    page.group.setCurrentIndex(page.group.findData(group))
    _reload(win, qtbot)
    assert len(_grid_ids(win)) == 4
    with qtbot.waitSignal(page.loaded, timeout=10000):
        win.chips["gps"].setChecked(True)   # toggling a chip re-runs the filter
    want = {r[ID] for r in list_library(services.catalog, Filters(has_gps=True)).rows}
    assert len(want) == 1 and _grid_ids(win) == want
    assert page.title.text() == "Filtered library"
    win.chips["gps"].setChecked(False)
    win.search.camera = "x_1"               # "_" is a letter here, not a LIKE wildcard
    _reload(win, qtbot)
    assert _grid_ids(win) == want
    win.search.camera = None
    with qtbot.waitSignal(page.loaded, timeout=10000):
        win.chips["video"].setChecked(True)
    assert _grid_ids(win) == {r[ID] for r in list_library(services.catalog,
                                                           Filters(kind="video")).rows}


def test_a_failed_grid_read_is_shown(tmp_path, services, win, qtbot):
    _library(tmp_path, services)
    page = win.library
    _reload(win, qtbot)
    shown = _grid_ids(win)
    with qtbot.waitSignal(page.loaded, timeout=10000):
        page.set_filters(Filters(kind="sculpture"))
    assert page.load_error and "unknown kind 'sculpture'" in page.notice.text()
    assert _grid_ids(win) == shown           # what was on screen stays
    _reload(win, qtbot)
    assert page.load_error is None and page.notice.text() == "4 items"


def test_the_detail_pane_and_menus_read_through_core_query(tmp_path, services, win, qtbot):
    _library(tmp_path, services)
    _reload(win, qtbot)
    sea = next(r for r in win.library.model.rows() if r[4] == "sea.jpg")
    with qtbot.waitSignal(win.detail.loaded, timeout=10000):
        win.open_detail(sea[ID])
    info = win.detail.info
    assert info.name == "sea.jpg" and info.camera == "Fuji X_100" and info.gps_lon == 12.33
    win.search.refresh_menus()
    menu = win.camera_chip.menu()
    qtbot.waitUntil(lambda: len(menu.actions()) == 4, timeout=10000)  # any, separator, 2 cameras
    assert [a.text() for a in menu.actions()][2:] == ["Fuji XA100", "Fuji X_100"]  # sorted


def test_a_background_failure_with_no_view_waiting_reaches_the_status_area(services, win):
    services.report_error("indexing what is on screen first",
                          ShoeboxError("the catalog is locked by another program"))
    assert win.status_area.head.full_text() == "Failed: indexing what is on screen first"
    assert "locked by another program" in win.status_area.details.full_text()


def test_saving_settings_never_closes_the_registry_a_running_task_holds(services, qtbot):
    old = services.registry
    holding, release = threading.Event(), threading.Event()

    def index_like(task):
        reg = services.registry    # what start_index's work does when it starts
        holding.set()
        release.wait(10)
        return reg

    services.background.submit("index", index_like)
    qtbot.waitUntil(holding.is_set, timeout=5000)
    services.save_settings(Settings(workers=3))
    assert services.registry is not old                 # new settings, new registry
    assert services.retired_registries == 1
    qtbot.wait(700)                                     # the retire timer has looked again
    assert not old._stop.is_set()                       # still open under the running task
    release.set()
    assert services.background.wait_idle(10)
    qtbot.waitUntil(lambda: services.retired_registries == 0, timeout=5000)
    assert old._stop.is_set()                           # closed once its user finished


def test_a_search_typed_while_indexing_shows_the_matches_indexing_brings(tmp_path, services,
                                                                          win, qtbot):
    """"0 results" stays no longer than the index takes: when indexing finishes (and every
    few seconds while it runs) the typed search runs again."""
    from PySide6.QtCore import Qt

    from tests.core.search import planting as P

    lib = tmp_path / "lib"
    write_jpeg(lib / "IMG_0001.jpg", (200, 150), seed=1)
    add_root(services.catalog, lib)
    scan(services.catalog)
    qtbot.keyClicks(win.search_edit, "lighthouse")
    qtbot.keyClick(win.search_edit, Qt.Key_Return)
    qtbot.waitUntil(lambda: win.search.last_results is not None, timeout=15000)
    assert len(win.search.last_results) == 0
    with services.catalog.read() as conn:
        fid = conn.execute("SELECT id FROM files").fetchone()[0]
    P.caption(services.catalog, fid, "a red lighthouse on a rocky coast")  # what indexing wrote
    services.background.finished.emit("index", None)
    qtbot.waitUntil(lambda: len(win.search.last_results) == 1, timeout=15000)
    assert win.library.mode == "search" and win.search_edit.text() == "lighthouse"


def test_the_folder_chip_offers_subfolders_under_their_root(tmp_path, services, win, qtbot):
    lib = tmp_path / "lib"
    write_jpeg(lib / "2023" / "Trip" / "a.jpg", (40, 30), seed=1)
    write_jpeg(lib / "Scans" / "b.jpg", (40, 30), seed=2)
    add_root(services.catalog, lib)
    scan(services.catalog)
    win.search.refresh_menus()
    menu = win.folder_chip.menu()
    qtbot.waitUntil(lambda: len(menu.actions()) > 3, timeout=10000)
    texts = [a.text() for a in menu.actions() if not a.isSeparator()][1:]
    root = str(lib.resolve())
    assert texts == [f"{root}  (2)", "      2023  (1)", "            Trip  (1)",
                     "      Scans  (1)"]
    next(a for a in menu.actions() if a.text().strip().startswith("Trip")).trigger()
    assert win.search.folder == str(lib.resolve() / "2023" / "Trip")
    assert win.folder_chip.text() == "Folder: Trip"


def test_a_result_says_why_it_is_there_not_a_bare_score(tmp_path, services, win, qtbot):
    from PySide6.QtCore import Qt

    from desktop.library_model import match_reason
    from tests.core.search import planting as P

    assert match_reason({"matched": "text", "field": "text"}) == "text in it"
    assert match_reason({"matched": "text", "field": "transcript"}) == "what is said"
    assert match_reason({"matched": "vector"}) == "how it looks"
    assert match_reason({"matched": "both", "field": "caption"}) == \
        "its description + how it looks"
    lib = tmp_path / "lib"
    write_jpeg(lib / "IMG_0001.jpg", (200, 150), seed=1)
    add_root(services.catalog, lib)
    scan(services.catalog)
    with services.catalog.read() as conn:
        fid = conn.execute("SELECT id FROM files").fetchone()[0]
    P.caption(services.catalog, fid, "a red lighthouse on a rocky coast")
    qtbot.keyClicks(win.search_edit, "lighthouse")
    qtbot.keyClick(win.search_edit, Qt.Key_Return)
    qtbot.waitUntil(lambda: win.search.last_results is not None
                    and len(win.search.last_results) == 1, timeout=15000)
    model = win.library.model
    tip = model.data(model.index(0, 0), Qt.ToolTipRole)
    assert "found by its description; relevance" in tip and "match score" not in tip


def test_the_detail_pane_never_keeps_a_file_the_results_no_longer_hold(tmp_path, services,
                                                                       win, qtbot):
    from PySide6.QtCore import Qt

    from tests.core.search import planting as P

    lib = tmp_path / "lib"
    write_jpeg(lib / "sea.jpg", (200, 150), seed=1)
    write_jpeg(lib / "hill.jpg", (200, 150), seed=2)
    add_root(services.catalog, lib)
    scan(services.catalog)
    with services.catalog.read() as conn:
        ids = {r[1]: r[0] for r in conn.execute("SELECT id, name FROM files")}
    P.caption(services.catalog, ids["hill.jpg"], "a green hill under clouds")
    win.library.reload()
    qtbot.waitUntil(lambda: win.library.model.rowCount() == 2, timeout=10000)
    win.open_detail(ids["sea.jpg"])
    assert win.detail.isVisible() and win.detail.file_id == ids["sea.jpg"]
    qtbot.keyClicks(win.search_edit, "hill")
    qtbot.keyClick(win.search_edit, Qt.Key_Return)
    qtbot.waitUntil(lambda: win.search.last_results is not None
                    and len(win.search.last_results) == 1, timeout=15000)
    qtbot.waitUntil(lambda: not win.detail.isVisible()
                    or win.detail.file_id == ids["hill.jpg"], timeout=5000)


def test_an_undated_file_is_undated_everywhere_not_taken_today(tmp_path, services, win, qtbot):
    """A file without a capture date was copied today: "This year" must not list it, and
    the detail pane says its date is unknown instead of showing the copy day as taken."""
    from tests.desktop.forms import detail_form

    lib = tmp_path / "lib"
    write_jpeg(lib / "old.jpg", (80, 60), seed=1, taken="2019:05:01 10:00:00")
    write_jpeg(lib / "scan_0001.jpg", (80, 60), seed=2)       # no date anywhere: mtime is now
    add_root(services.catalog, lib)
    scan(services.catalog)
    with services.catalog.read() as conn:
        ids = {r[1]: r[0] for r in conn.execute("SELECT id, name FROM files")}
    assert {r[ID] for r in list_library(services.catalog, Filters(date_from=0)).rows} == \
        {ids["old.jpg"]}
    page = win.library
    with qtbot.waitSignal(page.loaded, timeout=10000):
        win.chips["year"].setChecked(True)
    assert page.model.rowCount() == 0                           # neither is from this year
    with qtbot.waitSignal(page.loaded, timeout=10000):
        win.chips["year"].setChecked(False)
    assert page.model.row_tuple(page.model.index_of(ids["scan_0001.jpg"]).row())[3] is None
    with qtbot.waitSignal(win.detail.loaded, timeout=10000):
        win.open_detail(ids["scan_0001.jpg"])
    facts = detail_form(win.detail)
    assert facts["Taken"] == "Unknown date" and "copied or changed" in facts["File date"]


def test_the_folder_menu_labels_each_folder_from_its_own_path(win):
    """The depth of each of the menu's 300 folders came from comparing it with every other
    one (~60 ms of the GUI thread, landing in the middle of whatever key was pressed then); it
    is read from the folder's own path now: the list of folders is walked once, not per row."""
    from core.query import FilterChoices

    class Walked(list):
        walks = 0

        def __iter__(self):
            Walked.walks += 1
            return super().__iter__()

    root = "/lib"
    folders = Walked([root, *(f for i in range(150) for f in (f"{root}/d{i:03d}",
                                                               f"{root}/d{i:03d}/e"))])
    win.search._fill_menus(FilterChoices([], folders, folder_counts={f: 1 for f in folders}))
    texts = [a.text() for a in win.folder_chip.menu().actions() if not a.isSeparator()][1:]
    assert texts[:3] == [f"{root}  (1)", "      d000  (1)", "            e  (1)"]
    assert len(texts) == 301
    assert Walked.walks <= 3   # 300 before: once per folder
