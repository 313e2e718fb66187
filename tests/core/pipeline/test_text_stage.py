"""The text stage on rendered photos with the real RapidOCR weights: lines land with boxes,
screenshots and documents are told apart, bad input is recorded, model changes redo it."""

from __future__ import annotations

import dataclasses
import json
import shutil

import pytest
from PIL import Image

from core.config import Settings
from core.pipeline import index_library
from core.scan.roots import add_root
from core.scan.scanner import scan
from core.tasks import TaskState
from models import Registry
from models.ocr import package_folder
from tests.core.pipeline.conftest import file_id, rows
from tests.text_factory import draw_lines, plain_photo, text_photo

STAGES = ["thumbnail", "text"]


@pytest.fixture
def ocr_settings():
    return Settings(workers=2, low_priority=False)


@pytest.fixture
def library(tmp_path, catalog):
    lib = tmp_path / "Pictures"
    lib.mkdir()
    exif = Image.Exif()
    exif[271], exif[272] = "Canon", "EOS 80D"
    text_photo(["Bakery Rosenthal", "Fresh bread daily"]).save(lib / "street.jpg",
                                                               exif=exif.tobytes())
    plain_photo().save(lib / "meadow.jpg", exif=exif.tobytes())
    # stored sideways with EXIF orientation 6 (turn 90 degrees clockwise to show)
    turned = Image.new("RGB", (800, 300), "white")
    draw_lines(turned, ["Platform seven"], px=48, at=(40, 100))
    e6 = Image.Exif()
    e6[274] = 6
    turned.rotate(90, expand=True).save(lib / "sideways.jpg", exif=e6.tobytes())
    # a phone screenshot: PNG at a phone's screen size, small UI text, named like one
    shot = Image.new("RGB", (1080, 2340), (250, 250, 250))
    draw_lines(shot, ["Wi-Fi settings", "Bluetooth devices", "Battery saver"], px=34,
               at=(60, 200), gap=3)
    shot.save(lib / "Screenshot_20240501-101500.png")
    # a page of text (a document), photographed: a camera wrote EXIF
    page = Image.new("RGB", (1200, 1600), (235, 232, 220))
    draw_lines(page, [f"Item {i}: wholemeal flour 2 kg ....... 3.{i}0" for i in range(14)],
               px=36, at=(60, 80))
    page.save(lib / "receipt.jpg", exif=exif.tobytes())
    # a logo with a transparent background
    logo = Image.new("RGBA", (700, 240), (0, 0, 0, 0))
    draw_lines(logo, ["Nordlicht"], px=64, fill=(0, 0, 0, 255), at=(40, 60))
    logo.save(lib / "logo.png")
    add_root(catalog, lib)
    scan(catalog)
    return lib


def run(catalog, settings, paths, **kw):
    reg = Registry(settings, paths)
    try:
        return index_library(catalog, reg, settings, paths, TaskState("index"),
                             stages=STAGES, **kw)
    finally:
        reg.close()


def text_of(catalog, name):
    return " ".join(r[0] for r in rows(
        catalog, "SELECT text FROM text_lines WHERE file_id = ? ORDER BY line_no",
        file_id(catalog, name))).lower()


def test_lines_boxes_and_kinds_land(catalog, paths, ocr_settings, library):
    report = run(catalog, ocr_settings, paths)
    assert (report.stages["text"].done, report.stages["text"].errors) == (6, 0)
    assert "bakery rosenthal" in text_of(catalog, "street.jpg")
    assert text_of(catalog, "meadow.jpg") == ""
    assert "platform seven" in text_of(catalog, "sideways.jpg")   # EXIF rotation applied
    assert "nordlicht" in text_of(catalog, "logo.png")             # transparency on white
    shot = text_of(catalog, "Screenshot_20240501-101500.png")
    assert "bluetooth" in shot and "battery" in shot
    box, conf = rows(catalog, "SELECT box, confidence FROM text_lines WHERE file_id = ? "
                              "AND line_no = 0", file_id(catalog, "street.jpg"))[0]
    corners = json.loads(box)
    assert len(corners) == 4 and all(0 <= v <= 1 for pt in corners for v in pt)
    assert conf > 0.8
    kinds = dict(rows(catalog, "SELECT f.name, k.kind FROM picture_kinds k "
                               "JOIN files f ON f.id = k.file_id"))
    assert kinds == {"Screenshot_20240501-101500.png": "screenshot", "receipt.jpg": "document"}
    # nothing more to do; a model change redoes the stage
    assert run(catalog, ocr_settings, paths).stages["text"].done == 0


@pytest.mark.slow
def test_huge_photo_is_read_and_a_model_change_redoes_text(catalog, paths, ocr_settings,
                                                            library, tmp_path):
    big = plain_photo((9000, 6000))     # a 54 MP photo: decoded at a reduced scale
    draw_lines(big, ["Summit cross"], px=400, at=(600, 600))
    big.save(library / "huge.jpg", quality=70)
    scan(catalog)
    first = run(catalog, ocr_settings, paths)
    assert first.stages["text"].done == 7
    assert "summit" in text_of(catalog, "huge.jpg")
    other = tmp_path / "ocr-copy"
    shutil.copytree(package_folder(), other)
    (other / "NOTES.txt").write_text("a copy the user made")   # other files: other identity
    moved = dataclasses.replace(ocr_settings, models={"text": str(other)})
    again = run(catalog, moved, paths)
    assert again.stages["text"].done == 7
    ids = {r[0] for r in rows(catalog, "SELECT DISTINCT model_id FROM text_lines")}
    reg = Registry(moved, paths)
    assert ids == {reg.identity("text")}
    reg.close()


def test_broken_model_skips_the_stage_with_the_reason(catalog, paths, ocr_settings, library,
                                                      tmp_path):
    other = tmp_path / "ocr-broken"
    shutil.copytree(package_folder(), other)
    det = next(other.glob("*det*.onnx"))
    det.write_bytes(det.read_bytes()[:5000])   # truncated: ONNX Runtime refuses it
    broken = dataclasses.replace(ocr_settings, models={"text": str(other)})
    report = run(catalog, broken, paths)
    assert report.stages["text"].skipped and "could not be loaded" in report.stages["text"].skipped
    states = set(rows(catalog, "SELECT state, error IS NOT NULL FROM jobs WHERE stage = 'text'"))
    assert states == {("skipped", 1)}
    assert run(catalog, ocr_settings, paths).stages["text"].done == 6   # fixed: runs
