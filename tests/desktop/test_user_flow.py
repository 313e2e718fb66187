"""A user's session, driven through the real window: add a folder, watch it scan, see the
problems list, search, open the detail pane, review a reorganization, apply it, undo it."""

from __future__ import annotations

import os

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMessageBox

from core.organize import STAYS
from tests.desktop.review import click_file_tick, click_unit
from tests.media_factory import write_jpeg, write_truncated_jpeg

pytestmark = pytest.mark.slow  # end to end through the GUI

MODEL_ID = "test/clip@0:fp32"


def make_library(root):
    lib = root / "Photos"
    for i in range(6):
        write_jpeg(lib / "Camera Roll" / f"IMG_{i:04d}.jpg", (160, 120), seed=i,
                   taken=f"2022:07:0{i + 1} 10:00:00")
        write_jpeg(lib / "Camera Roll" / f"DSC_{i:04d}.jpg", (160, 120), seed=50 + i,
                   taken=f"2023:12:2{i} 18:00:00")
    write_jpeg(lib / "misc" / "beach_sunset.jpg", (160, 120), seed=99, taken="2021:05:05 19:00:00")
    write_truncated_jpeg(lib / "misc" / "broken.jpg")
    return lib


def add_vectors_and_collections(catalog):
    """Two clear groups of vectors, as CLIP would give for two kinds of photo; then the real
    clustering and (fallback) naming code makes collections from them."""
    from core.collections import recluster
    from core.organize import name_collections

    rng = np.random.default_rng(0)
    centres = {"IMG": np.eye(16, dtype=np.float32)[0], "DSC": np.eye(16, dtype=np.float32)[5]}
    with catalog.read() as conn:
        files = [(r[0], r[1]) for r in conn.execute(
            "SELECT id, name FROM files WHERE error IS NULL")]

    def write(conn):
        for fid, name in files:
            c = centres.get(name[:3])
            if c is None:
                continue
            v = c + rng.normal(0, 0.02, 16).astype(np.float32)
            v /= np.linalg.norm(v)
            conn.execute("INSERT INTO embeddings(file_id, frame_ms, model_id, dim, vector) "
                         "VALUES (?, -1, ?, 16, ?)", (fid, MODEL_ID, v.astype("<f4").tobytes()))

    catalog.write(write)
    recluster(catalog, None, None, model_id=MODEL_ID)
    name_collections(catalog, None, None, use_llm=False)


def wait_idle(services, qtbot, timeout=90):   # (a loaded 2-core machine: minutes)
    assert services.background.wait_idle(timeout)


@pytest.mark.timeout(120)
def test_user_session(tmp_path, window, services, qtbot, monkeypatch):
    lib = make_library(tmp_path)
    # --- add a folder: scan runs in the background, the grid fills ---
    window.add_folders([str(lib)])
    wait_idle(services, qtbot)
    qtbot.waitUntil(lambda: window.library.model.rowCount() == 14, timeout=10000)
    assert services.watch.running  # watching starts once the folder is in

    # --- the problems list shows the corrupt file, and the status area counts it ---
    window.status_area.refresh_counts()
    qtbot.waitUntil(lambda: window.status_area.error_count == 1, timeout=5000)
    assert "1 problem" in window.status_area.errors_btn.text()
    qtbot.mouseClick(window.status_area.errors_btn, Qt.LeftButton)
    assert window.current_page() == "problems"
    qtbot.waitUntil(lambda: len(window.problems.entries) == 1, timeout=5000)
    entry = window.problems.entries[0]
    assert entry.path.endswith("broken.jpg") and "truncated" in entry.reason
    assert window.problems.tree.topLevelItem(0).text(0).endswith("broken.jpg")
    # opening it shows the file's own problem in the detail pane
    with qtbot.waitSignal(window.detail.loaded, timeout=10000):
        window.problems.tree.itemActivated.emit(window.problems.tree.topLevelItem(0), 0)
    assert "truncated" in window.detail.errors.text()
    window.detail.hide()

    # --- no models here: the app says so, and still browses and searches by words ---
    qtbot.waitUntil(lambda: window.status_area.models.full_text() != "", timeout=5000)
    assert "models" in window.status_area.models.full_text().lower()

    # --- search as you type: the expected item first ---
    window.show_page("library")
    window.search_edit.setFocus()
    qtbot.keyClicks(window.search_edit, "sunset")
    qtbot.waitUntil(lambda: window.library.mode == "search"
                    and window.library.model.rowCount() > 0, timeout=10000)
    first = window.library.model.row_tuple(0)
    assert first[4] == "beach_sunset.jpg"
    assert "found by its file name; relevance" in window.library.model.data(
        window.library.model.index(0), Qt.ToolTipRole)

    # --- open the detail pane on it ---
    idx = window.library.model.index(0)
    window.library.grid.setCurrentIndex(idx)
    with qtbot.waitSignal(window.detail.loaded, timeout=10000):
        window.library.grid.activated.emit(idx)
    assert window.detail.isVisible()
    assert window.detail.name.text() == "beach_sunset.jpg"
    labels = [window.detail.form.itemAt(i).widget().text()
              for i in range(window.detail.form.count()) if window.detail.form.itemAt(i).widget()]
    assert any("2021" in t for t in labels)  # the EXIF date
    qtbot.waitUntil(lambda: window.detail._preview_pm is not None, timeout=10000)

    # --- back to the library ---
    qtbot.mouseClick(window.library.back_btn, Qt.LeftButton)
    qtbot.waitUntil(lambda: window.library.mode == "library"
                    and window.library.model.rowCount() == 14, timeout=10000)

    # --- collections exist (vectors as CLIP would make them), shown on the page ---
    add_vectors_and_collections(services.catalog)
    window.show_page("collections")
    qtbot.waitUntil(lambda: len(window.collections.collections) == 2, timeout=10000)

    # --- reorganize: propose, review, accept, apply ---
    window.show_page("reorganize")
    page = window.reorganize
    page.layout_box.setCurrentIndex(page.layout_box.findData("topic"))   # the user picks it
    with qtbot.waitSignal(page.planShown, timeout=30000):
        qtbot.mouseClick(page.propose_btn, Qt.LeftButton)
    heads = [i for i in page.items if i.role == "file"]
    assert len(heads) == 12
    assert [u.key == STAYS for u in page.unit_model.units] == [False, False, True]
    # skip one file by unticking it, as a user would
    click_unit(qtbot, page, 0)
    skipped_id = page.file_model.files[0].item.id
    with qtbot.waitSignal(page.planShown, timeout=10000):
        click_file_tick(qtbot, page, 0)
    assert next(i for i in page.items if i.id == skipped_id).decision == "skip"
    # edit one file's destination (what the dialog on double-click sends)
    edited_id = next(i.id for i in page.items if i.role == "file" and i.id != skipped_id)
    with qtbot.waitSignal(page.planShown, timeout=10000):
        page.set_item(edited_id, folder="Favourites")
    edited = next(i for i in page.items if i.id == edited_id)
    assert os.path.basename(os.path.dirname(edited.dst)) == "Favourites"
    moving = [i for i in page.items if i.role == "file" and i.decision == "accept"]
    assert len(moving) == 11
    skipped = next(i for i in page.items if i.id == skipped_id)
    asked = []
    page.confirm = lambda text: asked.append(text) or True
    with qtbot.waitSignal(page.applied, timeout=30000):
        qtbot.mouseClick(page.apply_btn, Qt.LeftButton)
    assert asked and "11 files" in asked[0] and "Dry run" in asked[0]
    for i in moving:
        assert not os.path.exists(i.src) and os.path.exists(i.dst), i
    assert os.path.exists(skipped.src)
    assert os.path.exists(edited.dst) and "Favourites" in edited.dst
    wait_idle(services, qtbot)

    # --- Ctrl+Z: undo the last reorganization (after a question): every file back ---
    page.refresh()
    qtbot.waitUntil(lambda: page.plans and page.plans[0]["state"] == "applied", timeout=10000)
    assert window.act_undo.shortcut() == QKeySequence(QKeySequence.Undo)
    questions = []
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: questions.append(a[2]) or QMessageBox.Yes)
    with qtbot.waitSignal(page.undone, timeout=30000):
        window.act_undo.trigger()
    assert questions and "back where they were" in questions[0]
    for i in moving:
        assert os.path.exists(i.src) and not os.path.exists(i.dst), i
    wait_idle(services, qtbot)


def test_starts_with_no_models_and_says_so(tmp_path, make_services, qtbot):
    """Every role pointed at an empty folder: nothing is ready, the app says so and works."""
    from core.config import Settings
    from desktop.views.welcome import WelcomeDialog
    from models.role import role_names

    empty = tmp_path / "no-model"
    empty.mkdir()
    services = make_services(Settings(models={r: str(empty) for r in role_names()}, watch=False))
    dlg = WelcomeDialog(services, first_run=True)
    qtbot.addWidget(dlg)
    with qtbot.waitSignal(dlg.statusShown, timeout=10000):
        pass
    states = [dlg.models.topLevelItem(i).text(1) for i in range(dlg.models.topLevelItemCount())]
    assert states and all(s not in ("ready", "ready (loaded)") for s in states)
    assert "not ready" in dlg.notice.text() and "works" in dlg.notice.text()


def test_welcome_points_a_role_at_a_model_folder(tmp_path, make_services, tiny_models, qtbot):
    from core.config import Settings
    from desktop.views.welcome import WelcomeDialog

    empty = tmp_path / "no-model"
    empty.mkdir()
    services = make_services(Settings(models={"clip": str(empty)}, watch=False))
    dlg = WelcomeDialog(services)
    qtbot.addWidget(dlg)
    qtbot.waitUntil(lambda: dlg.status.get("clip", {}).get("state") == "missing"
                    or dlg.status.get("clip", {}).get("state") == "unavailable", timeout=10000)
    with qtbot.waitSignal(dlg.statusShown, timeout=10000):
        dlg.use_model_folder("clip", str(tiny_models["clip"]))
    assert dlg.status["clip"]["state"] in ("ready", "loaded")
    assert services.settings.models["clip"] == str(tiny_models["clip"])
    assert Settings.load(services.paths).models["clip"] == str(tiny_models["clip"])


def test_watching_picks_up_a_new_photo(tmp_path, window, services, qtbot):
    lib = tmp_path / "Watched"
    write_jpeg(lib / "a.jpg")
    window.add_folders([str(lib)])
    wait_idle(services, qtbot)
    qtbot.waitUntil(lambda: window.library.model.rowCount() == 1, timeout=10000)
    qtbot.waitUntil(lambda: services.watch.running, timeout=10000)  # its watches are in place
    write_jpeg(lib / "b.jpg", seed=3)
    qtbot.waitUntil(lambda: window.library.model.rowCount() == 2, timeout=15000)


@pytest.mark.timeout(120)
def test_cancelling_an_apply_keeps_every_file_in_one_place_and_undo_restores(
        tmp_path, window, services, qtbot, monkeypatch):
    import hashlib
    import threading

    from core.organize import fileops

    def tree():
        return {p.relative_to(lib): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in lib.rglob("*") if p.is_file()}

    lib = make_library(tmp_path)
    window.add_folders([str(lib)])
    wait_idle(services, qtbot)
    add_vectors_and_collections(services.catalog)
    before = tree()
    window.show_page("reorganize")
    page = window.reorganize
    with qtbot.waitSignal(page.planShown, timeout=30000):
        qtbot.mouseClick(page.propose_btn, Qt.LeftButton)
    # each move takes a moment, as on a slow disk, so the user can press Cancel part-way
    real_move, moved, cancel_pressed = fileops.move, threading.Event(), threading.Event()

    def slow_move(*a, **k):   # the first photo is still moving when the user presses Cancel
        out = real_move(*a, **k)
        moved.set()
        cancel_pressed.wait(30)
        return out

    monkeypatch.setattr(fileops, "move", slow_move)
    page.confirm = lambda text: True
    qtbot.mouseClick(page.apply_btn, Qt.LeftButton)
    qtbot.waitUntil(moved.is_set, timeout=30000)
    assert page.cancel_btn.isEnabled()
    with qtbot.waitSignal(services.background.cancelled, timeout=30000):
        qtbot.mouseClick(page.cancel_btn, Qt.LeftButton)
        cancel_pressed.set()
    qtbot.waitUntil(lambda: not page.cancel_btn.isEnabled(), timeout=10000)
    after = tree()
    # nothing lost or doubled, and it stopped after the photo that was moving (one per group)
    assert sorted(after.values()) == sorted(before.values())
    assert len(set(after) - set(before)) == 1
    qtbot.waitUntil(lambda: page.plans and page.plans[0]["state"] == "failed", timeout=10000)
    assert "cancelled" in page.plans[0]["report"]["note"]
    with qtbot.waitSignal(page.undone, timeout=30000):
        page.undo(page.plans[0]["id"], ask=False)
    assert tree() == before
    wait_idle(services, qtbot)
