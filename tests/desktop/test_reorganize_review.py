"""The review shows what will happen: the live preview of a layout, full destination paths in the
tree and its tooltips, a count per folder, the reason of each flagged item and of each repaired
folder, and the full folders in the confirmation."""

from __future__ import annotations

import os

import numpy as np
import pytest
from PySide6.QtCore import Qt

from core.scan.roots import add_root
from core.scan.scanner import scan
from tests.desktop.review import click_unit
from tests.media_factory import write_jpeg

MODEL_ID = "test/clip@0:fp32"


def _library(tmp_path, services, beach_folder="DCIM/100CANON"):
    lib = tmp_path / "Pictures"
    for i in range(5):
        write_jpeg(lib / "DCIM" / "100CANON" / f"IMG_{i:04d}.jpg", (80, 60), seed=i,
                   taken=f"2022:07:0{i + 1} 10:00:00")
        write_jpeg(lib / beach_folder / f"DSC_{i:04d}.jpg", (80, 60), seed=50 + i,
                   taken=f"2023:12:2{i} 18:00:00")
    add_root(services.catalog, lib)
    scan(services.catalog)
    rng = np.random.default_rng(0)
    centres = {"IMG": np.eye(16, dtype=np.float32)[0], "DSC": np.eye(16, dtype=np.float32)[5]}
    words = {"IMG": "a dog running on the grass", "DSC": "a beach with waves at sunset"}
    with services.catalog.read() as conn:
        files = [(r[0], r[1]) for r in conn.execute("SELECT id, name FROM files")]

    def write(conn):
        for fid, name in files:
            v = centres[name[:3]] + rng.normal(0, 0.02, 16).astype(np.float32)
            v /= np.linalg.norm(v)
            conn.execute("INSERT INTO embeddings(file_id, frame_ms, model_id, dim, vector) "
                         "VALUES (?, -1, ?, 16, ?)", (fid, MODEL_ID, v.astype("<f4").tobytes()))
            conn.execute("INSERT INTO captions(file_id, model_id, text, created_at) "
                         "VALUES (?, 'blip', ?, 0)", (fid, words[name[:3]]))

    services.catalog.write(write)
    from core.collections import recluster
    from core.organize import name_collections

    recluster(services.catalog, None, None, model_id=MODEL_ID, min_cluster_size=3)
    name_collections(services.catalog, None, None, use_llm=False)
    # one photo the clustering was unsure of: it must say why it is flagged
    services.catalog.write(lambda c: c.execute(
        "UPDATE cluster_members SET probability = 0.2 WHERE file_id = "
        "(SELECT id FROM files WHERE name = 'IMG_0004.jpg')"))
    return lib.resolve()


@pytest.fixture
def page(win):
    """The Reorganize page set to the topic layout these tests are about (the app starts on
    Automatic, which picks events for a dated library)."""
    page = win.reorganize
    page.layout_box.blockSignals(True)
    page.layout_box.setCurrentIndex(page.layout_box.findData("topic"))
    page.layout_box.blockSignals(False)
    return page, win


def test_the_review_shows_full_destinations_counts_and_reasons(tmp_path, services, page, qtbot):
    lib = _library(tmp_path, services)
    page, window = page
    window.show_page("reorganize")

    # the live preview of the date layout: full folders and how many files go there
    with qtbot.waitSignal(page.previewShown, timeout=20000):
        page.layout_box.setCurrentIndex(page.layout_box.findData("date"))
    assert page.template.isEnabled()
    text = page.preview.text()
    assert f"{lib / '2022' / '07'}{os.sep}  (5 files)" in text
    assert f"{lib / '2023' / '12'}{os.sep}  (5 files)" in text
    with qtbot.waitSignal(page.previewShown, timeout=20000):
        page.template.setText("{year}")
    assert f"{lib / '2023'}{os.sep}  (5 files)" in page.preview.text()
    with qtbot.waitSignal(page.previewShown, timeout=20000):
        page.template.setText("{nope}")
    assert "unknown field" in page.preview.text()

    # the topic plan: every row says where it really goes
    with qtbot.waitSignal(page.previewShown, timeout=20000):
        page.layout_box.setCurrentIndex(page.layout_box.findData("topic"))
    assert not page.template.isEnabled()
    with qtbot.waitSignal(page.planShown, timeout=30000):
        page.propose()
    assert page.plan["summary"]["layout"] == "topic"
    units = page.unit_model.units
    assert len(units) == 2   # (nothing stays: every photo is in a collection)
    for row, u in enumerate(units):
        assert u.key.startswith(str(lib) + os.sep) and os.path.basename(str(lib)) not in \
            u.key[len(str(lib)):]
        assert page.unit_model.data(page.unit_model.index(row), Qt.ToolTipRole).startswith(
            f"{u.key}{os.sep}\n5 photos · ")
        click_unit(qtbot, page, row)
        assert page.file_model.rowCount() == 5
        for r in range(5):   # the full destination of each file, in view below the list
            page.files.setCurrentIndex(page.file_model.index(r, 0))
            dst = page.file_model.files[r].item.dst
            assert dst.startswith(u.key + os.sep)
            assert page.file_to.full_text() == f"To  {dst}"
            assert dst in page.file_model.data(page.file_model.index(r, 2), Qt.ToolTipRole)
    flagged = [(u, f) for u in units for f in u.files if f.item.flagged]
    assert len(flagged) == 1 and "only 20% sure" in flagged[0][1].reason
    click_unit(qtbot, page, units.index(flagged[0][0]))
    row = page.file_model.files.index(flagged[0][1])
    assert page.file_model.data(page.file_model.index(row, 0)).startswith("⚠")
    assert "only 20% sure" in page.file_model.data(page.file_model.index(row, 2))

    # the confirmation lists the full folders with their counts
    asked = []
    page.confirm = lambda text: asked.append(text) or False
    page.apply()
    qtbot.waitUntil(lambda: bool(asked), timeout=20000)
    assert all(f"{u.key}{os.sep}  (" in asked[0] for u in units)
    assert (lib / "DCIM" / "100CANON" / "IMG_0000.jpg").exists()   # said no: nothing moved


def test_a_collection_that_stays_says_why(tmp_path, services, page, qtbot):
    lib = _library(tmp_path, services, beach_folder="Seaside 2023")
    page, window = page
    window.show_page("reorganize")
    with qtbot.waitSignal(page.planShown, timeout=30000):
        page.propose()
    units = page.unit_model.units
    assert [u.folder for u in units][-1] == "Left where they are"
    click_unit(qtbot, page, len(units) - 1)
    whys = {page.file_model.data(page.file_model.index(r, 2))
            for r in range(page.file_model.rowCount())}
    assert whys == {"already together in “Seaside 2023”, a folder of its own: left there"}
    assert len(units) == 2 and page.file_model.rowCount() == 5
    assert all(str(lib / "Seaside 2023") not in i.src for i in page.items)
