"""Text read in photos and their kind reach collection naming: a collection of screenshots
or receipts is named and filed as such, and its text is evidence for the LLM."""

from __future__ import annotations

import json

from core.organize.evidence import gather_evidence
from core.organize.naming import fallback_name
from tests.core.organize.test_naming import plant_collection

BOX = json.dumps([[0.1, 0.1], [0.9, 0.1], [0.9, 0.2], [0.1, 0.2]])


def plant_text(catalog, cid, kind, lines_per_file):
    def write(conn):
        ids = [r[0] for r in conn.execute(
            "SELECT file_id FROM cluster_members WHERE cluster_id = ? ORDER BY file_id", (cid,))]
        for fid, lines in zip(ids, lines_per_file):
            for i, text in enumerate(lines):
                conn.execute("INSERT INTO text_lines(file_id, line_no, text, confidence, box, "
                             "model_id) VALUES (?, ?, ?, 0.97, ?, 'ocr')", (fid, i, text, BOX))
            if kind:
                conn.execute("INSERT INTO picture_kinds(file_id, kind, reason, model_id) "
                             "VALUES (?, ?, 'test', 'ocr')", (fid, kind))
    catalog.write(write)


def test_receipts_get_their_own_folder_and_their_text_is_evidence(catalog):
    cid = plant_collection(catalog, captions=["a piece of paper"] * 4, tags=["paper"])
    plant_text(catalog, cid, "document", [["Konsum Markt", "Butter 2.49", "Total 12.80"]] * 4)
    with catalog.read() as conn:
        ev = gather_evidence(conn, cid)
    assert ev.kinds == ["receipts"]
    assert "Konsum Markt" in ev.texts
    prompt = ev.prompt()
    assert "receipts" in prompt and "Text read in the photos" in prompt and "Konsum Markt" in prompt
    assert fallback_name(ev).folder.startswith("Receipts/")


def test_screenshots_need_most_of_the_collection(catalog):
    cid = plant_collection(catalog, captions=["a phone screen"] * 5, tags=["screen"])
    plant_text(catalog, cid, "screenshot", [["Settings"]] * 4)
    with catalog.read() as conn:
        ev = gather_evidence(conn, cid)
    assert ev.kinds == ["screenshots"]
    assert fallback_name(ev).folder.startswith("Screenshots")
    few = plant_collection(catalog, captions=["a beach"] * 5, tags=["beach"])
    plant_text(catalog, few, "screenshot", [["Settings"]] * 2)   # 2 of 5: not what they are
    with catalog.read() as conn:
        ev = gather_evidence(conn, few)
    assert ev.kinds == [] and fallback_name(ev).folder.startswith("Beach")
