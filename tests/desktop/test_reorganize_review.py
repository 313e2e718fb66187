"""The review shows what will happen: the live preview of a layout, full destination paths in the
tree and its tooltips, a count per folder, the reason of each flagged item and of each repaired
folder, and the full folders in the confirmation."""

from __future__ import annotations

import os

import numpy as np
import pytest

from core.scan.roots import add_root
from core.scan.scanner import scan
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
    return win.reorganize, win


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
    tree = page.proposed_tree
    assert tree.topLevelItemCount() == 2
    heads = [tree.topLevelItem(i) for i in range(2)]
    for head in heads:
        full = head.text(4)
        assert full.startswith(str(lib) + os.sep) and os.path.basename(str(lib)) not in \
            full[len(str(lib)):]
        assert f"to {full}{os.sep}  ({head.text(1)} files)" in head.toolTip(0)
        for j in range(head.childCount()):
            child = head.child(j)
            assert child.text(4).startswith(full + os.sep) and child.text(4) in child.toolTip(0)
    flagged = [head.child(j) for head in heads for j in range(head.childCount())
               if head.child(j).text(0).startswith("⚠")]
    assert len(flagged) == 1 and "only 20% sure" in flagged[0].text(3)

    # the confirmation lists the full folders with their counts
    asked = []
    page.confirm = lambda text: asked.append(text) or False
    page.apply()
    qtbot.waitUntil(lambda: bool(asked), timeout=20000)
    assert any(f"{h.text(4)}{os.sep}  (" in asked[0] for h in heads)
    assert (lib / "DCIM" / "100CANON" / "IMG_0000.jpg").exists()   # said no: nothing moved


def test_a_collection_that_stays_says_why(tmp_path, services, page, qtbot):
    lib = _library(tmp_path, services, beach_folder="Seaside 2023")
    page, window = page
    window.show_page("reorganize")
    with qtbot.waitSignal(page.planShown, timeout=30000):
        page.propose()
    tree = page.proposed_tree
    rows = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
    stays = [r for r in rows if r.text(0).startswith("stays where it is")]
    assert len(rows) == 2 and len(stays) == 1
    assert "already together in “Seaside 2023”" in stays[0].text(3)
    assert all(str(lib / "Seaside 2023") not in i.src for i in page.items)
