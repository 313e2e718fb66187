"""The text role with RapidOCR's real weights (shipped in its wheel) on rendered pictures."""

from __future__ import annotations

import dataclasses
import shutil

import numpy as np
import pytest
from PIL import Image

from core.config import Settings
from models import ModelUnavailable, Registry
from models.ocr import package_folder
from tests.text_factory import draw_lines, plain_photo, text_photo


@pytest.fixture(scope="module")
def reader():
    from models.ocr import TextReader

    r = TextReader(package_folder(), cpu_threads=2)
    yield r
    r.unload()


def words(lines) -> set[str]:
    return {w.lower().strip(".,") for ln in lines for w in ln.text.split()}


def test_reads_lines_with_their_place_and_confidence(reader):
    img = Image.new("RGB", (800, 400), "white")
    boxes = draw_lines(img, ["Quarterly invoice 4711", "Harbour ferry timetable"], px=40,
                       at=(60, 120))
    lines = reader.read(img)
    assert [ln.text for ln in lines] == ["Quarterly invoice 4711", "Harbour ferry timetable"]
    for ln, (x0, y0, x1, y1) in zip(lines, boxes):
        assert ln.confidence > 0.9
        xs = [x * 800 for x, _ in ln.box]
        ys = [y * 400 for _, y in ln.box]
        # the outline sits on the drawn line (within a few pixels of padding)
        assert abs(min(xs) - x0) < 15 and abs(max(xs) - x1) < 15
        assert min(ys) < y0 + 10 and max(ys) > y1 - 10 and max(ys) - min(ys) < 80


def test_upside_down_and_transparent_pictures_are_read(reader):
    img = text_photo(["ORCHARD MARKET"], size=(700, 300), px=48)
    assert "orchard" in words(reader.read(img.rotate(180)))
    # black text on a transparent background: on black it would vanish; laid on white it reads
    logo = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    draw_lines(logo, ["Lighthouse"], px=56, fill=(0, 0, 0, 255))
    assert "lighthouse" in words(reader.read(logo))
    assert "lighthouse" in words(reader.read(np.asarray(logo)))


def test_a_picture_without_text_gives_no_lines(reader):
    assert reader.read(plain_photo()) == []
    assert reader.read(Image.new("RGB", (4, 4))) == []       # too small to hold a line
    with pytest.raises(ValueError):
        reader.read(np.zeros((20, 20, 3), np.float32))


def test_status_identity_and_unload(paths):
    reg = Registry(Settings(), paths)
    try:
        info = reg.status()["text"]
        assert info["state"] == "ready" and info["device"] == "cpu" and info["kind"] == "onnx"
        assert info["identity"].startswith("rapidocr-") and info["size_mb"] > 20
        r = reg.text_reader()
        assert r.loaded and reg.status()["text"]["state"] == "loaded"
        reg.release("text")
        assert not r.loaded and r._engine is None   # the ONNX sessions are gone
        assert reg.status()["text"]["state"] == "ready"
        assert r.read(text_photo(["Reloads itself"], size=(600, 200)))  # used again: reloads
    finally:
        reg.close()


def test_other_model_files_change_the_identity_and_broken_ones_say_why(paths, tmp_path):
    other = tmp_path / "ocr-models"
    shutil.copytree(package_folder(), other)
    rec = next(other.glob("*rec*.onnx"))
    base = Settings()
    reg = Registry(base, paths)
    try:
        default_id = reg.identity("text")
    finally:
        reg.close()
    with rec.open("r+b") as f:   # a damaged recogniser: same size, other bytes
        f.seek(100)
        f.write(b"\0" * 64)
    settings = dataclasses.replace(base, models={"text": str(other)})
    reg = Registry(settings, paths)
    try:
        assert reg.identity("text") != default_id
        with pytest.raises(ModelUnavailable, match="could not be loaded"):
            reg.text_reader()
        assert reg.status()["text"]["state"] == "unavailable"
        rec.unlink()
        info = reg.status()["text"]
        assert info["state"] == "unavailable" and "rec" in info["reason"]
    finally:
        reg.close()
    settings = dataclasses.replace(base, models={"text": str(tmp_path / "nowhere")})
    info = Registry(settings, paths).status()["text"]
    assert info["state"] == "missing" and "shoebox models use text" in info["reason"]
