"""The Reorganize review by unit, driven as a person does: units with their folder, count,
dates, place and thumbnails; a whole unit ticked, renamed, a photo moved to another unit, then
applied; the latest plan after a restart; the layout choice remembered; a 900x600 window."""

from __future__ import annotations

import os

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QPalette

from core.config import Settings
from core.organize import STAYS, apply_plan, make_plan, plan_items
from core.scan.roots import add_root
from core.scan.scanner import scan
from tests.desktop.review import (
    answer_next_dialog,
    click_file_tick,
    click_unit,
    click_unit_tick,
    double_click,
    drag_files_to_unit,
)
from tests.media_factory import write_jpeg

MONTHLY = "{year}/{month}"


def _library(tmp_path, services):
    """Four photos of a trip in April 2023 (taken in Kyoto), three of July, one undated."""
    lib = tmp_path / "Pictures"
    for i in range(4):
        write_jpeg(lib / "Camera" / f"IMG_04{i}.jpg", (96, 72), seed=i,
                   taken=f"2023:04:0{i + 2} 10:00:00")
    for i in range(3):
        write_jpeg(lib / "Camera" / f"IMG_07{i}.jpg", (96, 72), seed=10 + i,
                   taken=f"2023:07:1{i} 10:00:00")
    write_jpeg(lib / "Camera" / "scan.jpg", (96, 72), seed=20)
    add_root(services.catalog, lib)
    scan(services.catalog)

    def kyoto(conn):
        conn.execute("INSERT INTO file_places(file_id, source, place, region, country) "
                     "SELECT id, 'gps', 'Kyoto', 'Kyoto', 'Japan' FROM files "
                     "WHERE name LIKE 'IMG_04%'")

    services.catalog.write(kyoto)
    return lib.resolve()


def _show(win, qtbot):
    page = win.reorganize
    with qtbot.waitSignal(page.planShown, timeout=10000):
        win.show_page("reorganize")
    return page


def test_units_show_their_folder_count_dates_place_and_thumbnails(tmp_path, services, win,
                                                                  qtbot):
    lib = _library(tmp_path, services)
    make_plan(services.catalog, services.settings, layout="date", template=MONTHLY)
    page = _show(win, qtbot)
    model = page.unit_model
    assert [u.folder for u in model.units] == ["2023/04", "2023/07", "Left where they are"]
    april = model.units[0]
    assert april.key == str(lib / "2023" / "04")
    tip = model.data(model.index(0), Qt.ToolTipRole)
    assert "4 photos · 2-5 Apr 2023 · Kyoto, Japan" in tip
    assert model.data(model.index(0), Qt.CheckStateRole) == Qt.Checked
    # the strip: the unit's photos, in date order, from the thumbnail loader
    qtbot.waitUntil(lambda: all(services.thumbs.cached(f.file_id) for f in april.files),
                    timeout=15000)
    page.units.viewport().repaint()
    img = page.units.viewport().grab().toImage()
    rect = page.units.visualRect(model.index(0))
    fm = page.units.fontMetrics()
    y = rect.top() + 6 + 2 * fm.height() + 6 + 28
    empty = page.units.palette().color(QPalette.AlternateBase)
    x0 = rect.left() + 6 + 20
    cells = [QColor(img.pixel(x0 + i * 60 + 28, y)) for i in range(4)]
    assert all(c != empty for c in cells), cells
    assert len({c.name() for c in cells}) > 1   # four different photos
    # the files that stay, each with its reason
    click_unit(qtbot, page, 2)
    assert page.file_model.rowCount() == 1
    assert page.file_model.data(page.file_model.index(0, 2)) == "no capture date"
    assert page.file_model.data(page.file_model.index(0, 0), Qt.CheckStateRole) is None
    assert not page.rename_btn.isEnabled() and not page.move_btn.isEnabled()


def test_a_unit_is_skipped_renamed_a_photo_moved_and_the_plan_applied(tmp_path, services, win,
                                                                      qtbot):
    lib = _library(tmp_path, services)
    pid = make_plan(services.catalog, services.settings, layout="date", template=MONTHLY)
    page = _show(win, qtbot)

    def decisions():
        return {os.path.basename(i.src): i.decision for i in plan_items(services.catalog, pid)}

    # the April unit's tick: all four skipped, at once in the view, then in the catalog
    with qtbot.waitSignal(page.planShown, timeout=10000):
        click_unit_tick(qtbot, page, 0)
        assert page.unit_model.check_state(0) == Qt.Unchecked
    assert {n: d for n, d in decisions().items() if "_04" in n} == dict.fromkeys(
        (f"IMG_04{i}.jpg" for i in range(4)), "skip")
    assert "4 skipped" in page.summary.text()
    # Space on the unit takes them back
    page.units.setFocus()
    with qtbot.waitSignal(page.planShown, timeout=10000):
        qtbot.keyClick(page.units, Qt.Key_Space)
    assert set(decisions().values()) == {"accept"}
    # July's folder renamed: a double-click on the unit, a new name; the unit stays in view
    # where its new name sorts it
    seen = []
    answer_next_dialog("2023 Summer", seen)
    with qtbot.waitSignal(page.planShown, timeout=10000):
        double_click(qtbot, page.units.viewport(),
                     page.units.visualRect(page.unit_model.index(1)).center())
    assert seen and seen[0][1] == "2023/07"
    assert [u.folder for u in page.unit_model.units] == ["2023 Summer", "2023/04",
                                                         "Left where they are"]
    assert page.units.currentIndex().row() == 0 and page.file_model.unit.folder == "2023 Summer"
    # one April photo goes with the summer ones: "Move to…" offers the plan's other folders
    click_unit(qtbot, page, 1)
    page.files.setCurrentIndex(page.file_model.index(3, 0))
    moved = page.file_model.files[3].item
    seen = []
    answer_next_dialog("2023 Summer", seen)
    with qtbot.waitSignal(page.planShown, timeout=10000):
        qtbot.mouseClick(page.move_btn, Qt.LeftButton)
    assert seen[0][2] == ["2023 Summer"]
    assert [len(u.files) for u in page.unit_model.units] == [4, 3, 1]
    # and one April photo is skipped by its own tick
    assert page.units.currentIndex().row() == 1
    skipped = page.file_model.files[0].item
    with qtbot.waitSignal(page.planShown, timeout=10000):
        click_file_tick(qtbot, page, 0)
    assert page.unit_model.check_state(1) == Qt.PartiallyChecked
    page.confirm = lambda text: True
    with qtbot.waitSignal(page.applied, timeout=30000):
        qtbot.mouseClick(page.apply_btn, Qt.LeftButton)
    assert sorted(os.listdir(lib / "2023 Summer")) == [
        os.path.basename(moved.src), "IMG_070.jpg", "IMG_071.jpg", "IMG_072.jpg"]
    assert len(os.listdir(lib / "2023" / "04")) == 2
    assert os.path.exists(skipped.src) and os.path.exists(lib / "Camera" / "scan.jpg")


def test_after_a_restart_the_latest_plan_shows_and_apply_needs_something_to_do(
        tmp_path, services, make_window, qtbot):
    """An older draft was shown after a restart, "Review and apply…" on, and a plan with
    nothing to do offered a dry run of 0 operations."""
    _library(tmp_path, services)
    make_plan(services.catalog, services.settings, layout="date", template=MONTHLY)  # a draft
    latest = make_plan(services.catalog, services.settings, layout="date", template="{year}")
    apply_plan(services.catalog, latest)
    page = _show(make_window(), qtbot)
    assert page.plan["id"] == latest and page.plan["state"] == "applied"
    assert not page.apply_btn.isEnabled()
    # a new plan right after: nothing left to move but the undated photo, which stays
    empty = make_plan(services.catalog, services.settings, layout="date", template="{year}")
    page = _show(make_window(), qtbot)
    assert page.plan["id"] == empty and page.plan["state"] == "draft" and not page.items
    assert [u.key for u in page.unit_model.units] == [STAYS]
    assert not page.apply_btn.isEnabled()
    assert page.summary.text().startswith("Nothing to move")


def test_at_900x600_the_layout_is_remembered_the_preview_folds_and_paths_stay_in_view(
        tmp_path, services, make_services, make_window, qtbot):
    lib = _library(tmp_path, services)
    win = make_window(size=(900, 600))
    win.show_page("reorganize")
    page = win.reorganize
    assert page.layout_box.currentData() == "auto"     # the library's shape picks, at first
    page.layout_box.setFocus()
    with qtbot.waitSignal(page.previewShown, timeout=20000):
        while page.layout_box.currentData() != "date":
            qtbot.keyClick(page.layout_box, Qt.Key_Down)
    chosen = Settings.load(services.paths)
    assert chosen.organize_layout == "date" and chosen.organize_layout_chosen
    assert page.preview.isVisible() and str(lib / "2023" / "04") in page.preview.text()
    # the preview folds away, and the units get its room
    qtbot.wait(50)
    before = page.units.viewport().height()
    qtbot.mouseClick(page.preview_btn, Qt.LeftButton)
    qtbot.waitUntil(lambda: page.units.viewport().height() > before, timeout=5000)
    assert not page.preview.isVisible()
    with qtbot.waitSignal(page.planShown, timeout=30000):
        qtbot.mouseClick(page.propose_btn, Qt.LeftButton)
    # the full destination of the file in view is on screen, not in a column off to the right
    label = page.file_to
    dst = page.file_model.files[0].item.dst
    assert label.full_text() == f"To  {dst}" and label.isVisible()
    left = label.mapTo(win, QPoint(0, 0)).x()
    assert left + label.width() <= win.width() and label.text().endswith(
        os.path.basename(dst))
    # a restart keeps the choice, even before any plan is shown
    again = make_services(Settings.load(services.paths))
    assert make_window(again).reorganize.layout_box.currentData() == "date"


@pytest.mark.parametrize("probability", [0.0, None])
def test_an_unknown_membership_score_is_no_unsure_move(tmp_path, services, win, qtbot,
                                                       probability):
    """Review lines read "only 0% sure it belongs to 'Party'", flagged."""
    from tests.core.organize.helpers import plant_collections

    lib = _library(tmp_path, services)
    plant_collections(services.catalog, lib, {"Party": ("Party", {
        "Camera/IMG_040.jpg": probability, "Camera/IMG_041.jpg": 0.9})})
    make_plan(services.catalog, services.settings, layout="topic")
    page = _show(win, qtbot)
    assert page.unit_model.units[0].folder == "Party"
    whys = [page.file_model.data(page.file_model.index(r, 2)) for r in range(2)]
    names = [page.file_model.data(page.file_model.index(r, 0)) for r in range(2)]
    assert sorted(whys) == ["collection “Party”", "collection “Party”, 90% sure"]
    assert not any(n.startswith("⚠") for n in names)
    assert "unsure" not in page.summary.text()


def test_a_plan_asked_for_while_a_tick_is_being_written_still_shows(tmp_path, services, win,
                                                                     qtbot, monkeypatch):
    """The review waits for its writes before it shows a plan read again; a new plan that
    arrived meanwhile was dropped, and the page kept the old one."""
    import time

    import desktop.views.reorganize as view

    _library(tmp_path, services)
    first = make_plan(services.catalog, services.settings, layout="date", template=MONTHLY)
    page = _show(win, qtbot)
    real = view.set_unit_decision

    def slow(*a, **k):   # a busy disk
        time.sleep(1.5)
        return real(*a, **k)

    monkeypatch.setattr(view, "set_unit_decision", slow)
    click_unit_tick(qtbot, page, 0)
    with qtbot.waitSignal(page.planShown, timeout=20000,
                          check_params_cb=lambda pid: pid != first) as shown:
        qtbot.mouseClick(page.propose_btn, Qt.LeftButton)
    assert page.plan["id"] == shown.args[0] > first
    qtbot.waitUntil(lambda: not page._writing, timeout=10000)
    assert {i.decision for i in plan_items(services.catalog, first)
            if "_04" in i.src} == {"skip"}


def test_the_summary_counts_follow_each_tick_companions_and_folders_included():
    """The counts are kept as ticks change (recounting 20,000 moves at every key was slow):
    they must say what counting afresh says."""
    from core.organize import PlanItem
    from desktop.views.reorganize import Tally

    def item(i, src, dst, role="file", head=None, flagged=False):
        return PlanItem(i, i, src, dst, "", None, None, flagged, "accept", role, head)

    items = [item(1, "/r/a/1.jpg", "/r/X/1.jpg"), item(2, "/r/a/1.xmp", "/r/X/1.xmp",
                                                        "sidecar", 1),
             item(3, "/r/b/2.jpg", "/r/X/2.jpg", flagged=True), item(4, "/r/b/3.jpg", "/r/Y/3.jpg")]
    t = Tally(items)
    assert t.summary() == {"files": 3, "skipped": 0, "companions": 1, "folders_to": 2,
                           "folders_from": 2, "flagged": 1}
    assert t.decide([items[0], items[2]], "skip") == -2
    assert items[1].decision == "skip"   # the sidecar goes with its photo
    assert t.summary() == Tally(items).summary() == {
        "files": 1, "skipped": 2, "companions": 0, "folders_to": 1, "folders_from": 1,
        "flagged": 0}
    assert t.decide([items[0]], "accept") == 1 and t.decide([items[0]], "accept") == 0
    assert t.summary() == Tally(items).summary()


def test_f2_renames_a_unit_and_sends_files_elsewhere_from_the_keyboard(tmp_path, services, win,
                                                                       qtbot):
    lib = _library(tmp_path, services)
    pid = make_plan(services.catalog, services.settings, layout="date", template=MONTHLY)
    page = _show(win, qtbot)
    page.units.setFocus()
    answer_next_dialog("Kyoto 2023")
    with qtbot.waitSignal(page.planShown, timeout=10000):
        qtbot.keyClick(page.units, Qt.Key_F2)
    assert page.file_model.unit.folder == "Kyoto 2023"
    win.activateWindow()   # (offscreen, a closed dialog gives the focus back to no window)
    qtbot.waitUntil(win.isActiveWindow, timeout=5000)
    page.files.setFocus()
    qtbot.keyClick(page.files, Qt.Key_Down)
    qtbot.keyClick(page.files, Qt.Key_Down, Qt.ShiftModifier)   # two files selected
    answer_next_dialog("Favourites")
    with qtbot.waitSignal(page.planShown, timeout=10000):
        qtbot.keyClick(page.files, Qt.Key_F2)
    dst = {os.path.basename(i.src): os.path.relpath(os.path.dirname(i.dst), lib)
           for i in plan_items(services.catalog, pid)}
    assert sorted(dst.items())[:4] == [("IMG_040.jpg", "Kyoto 2023"),
                                       ("IMG_041.jpg", "Favourites"),
                                       ("IMG_042.jpg", "Favourites"),
                                       ("IMG_043.jpg", "Kyoto 2023")]


def test_skip_flagged_and_accept_all_reach_every_unit(tmp_path, services, win, qtbot):
    from tests.core.organize.helpers import plant_collections

    lib = _library(tmp_path, services)
    plant_collections(services.catalog, lib, {
        "Kyoto": ("Kyoto", {f"Camera/IMG_04{i}.jpg": 0.2 if i == 1 else 0.9 for i in range(4)}),
        "Summer": ("Summer", {f"Camera/IMG_07{i}.jpg": 0.3 if i == 2 else 0.8 for i in range(3)})})
    pid = make_plan(services.catalog, services.settings, layout="topic")
    page = _show(win, qtbot)

    def skipped():
        return sorted(os.path.basename(i.src) for i in plan_items(services.catalog, pid)
                      if i.decision == "skip")

    assert skipped() == ["IMG_041.jpg", "IMG_072.jpg"]   # unsure: skipped unless accepted
    with qtbot.waitSignal(page.planShown, timeout=10000):
        qtbot.mouseClick(page.accept_all, Qt.LeftButton)
    assert skipped() == [] and "0 skipped" in page.summary.text()
    assert "2 accepted files are unsure" in page.summary.text()
    with qtbot.waitSignal(page.planShown, timeout=10000):
        qtbot.mouseClick(page.skip_flagged, Qt.LeftButton)
    assert skipped() == ["IMG_041.jpg", "IMG_072.jpg"]
    assert [page.unit_model.check_state(r) for r in range(2)] == [Qt.PartiallyChecked] * 2


def test_photos_dragged_onto_another_unit_go_to_its_folder(tmp_path, services, win, qtbot):
    lib = _library(tmp_path, services)
    pid = make_plan(services.catalog, services.settings, layout="date", template=MONTHLY)
    page = _show(win, qtbot)
    dragged = [page.file_model.files[r].item.id for r in (0, 2)]
    with qtbot.waitSignal(page.planShown, timeout=10000):
        drag_files_to_unit(page, [0, 2], 1)   # two April photos onto July
    assert [len(u.files) for u in page.unit_model.units] == [2, 5, 1]
    moved = {i.id: i for i in plan_items(services.catalog, pid)}
    assert {os.path.dirname(moved[i].dst) for i in dragged} == {str(lib / "2023" / "07")}
    # nothing lands on the files that stay
    drag_files_to_unit(page, [0], 2)
    qtbot.wait(300)
    assert [len(u.files) for u in page.unit_model.units] == [2, 5, 1]
