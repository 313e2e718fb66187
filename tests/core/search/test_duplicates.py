"""Exact duplicates by content hash, near-duplicates by CLIP + pHash, and the keeper rule."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from PIL import Image, ImageDraw

from core.cli.main import main
from core.scan.roots import add_root
from core.scan.scanner import scan
from core.search import duplicates, phash_image
from core.search.dupes import hamming
from core.search.vectors import drop_cached
from tests.core.search import planting as P
from tests.media_factory import write_jpeg


@pytest.fixture(autouse=True)
def _fresh_index_cache():
    drop_cached()
    yield
    drop_cached()


def shapes(size, seed) -> Image.Image:
    """A picture with structure (random ellipses), unlike the factory's gradients."""
    rng = np.random.default_rng(seed)
    img = Image.new("RGB", size, tuple(int(x) for x in rng.integers(0, 255, 3)))
    d = ImageDraw.Draw(img)
    w, h = size
    for _ in range(12):
        x0, y0 = int(rng.integers(0, w)), int(rng.integers(0, h))
        x1, y1 = x0 + int(rng.integers(10, w // 2)), y0 + int(rng.integers(10, h // 2))
        d.ellipse([x0, y0, x1, y1], fill=tuple(int(x) for x in rng.integers(0, 255, 3)))
    return img


def library(tmp_path):
    lib = tmp_path / "lib"
    orig = write_jpeg(lib / "orig.jpg", (800, 600), seed=3, taken="2021:05:01 10:00:00",
                      camera=("Canon", "EOS 80D"))
    shutil.copy(orig, lib / "copy_of_orig.jpg")                   # exact duplicate
    with Image.open(orig) as im:                                  # re-saved smaller, worse
        im.resize((400, 300), Image.Resampling.LANCZOS).save(lib / "small.jpg", quality=55)
    shapes((800, 600), 11).save(lib / "other.jpg", quality=90)    # a different picture
    return lib


def test_hashes_match_resaves_not_other_pictures(tmp_path):
    lib = library(tmp_path)
    h = {p.stem: phash_image(Image.open(p)) for p in lib.glob("*.jpg")}
    assert hamming(h["orig"], h["small"]) <= 6
    assert hamming(h["orig"], h["other"]) > 16
    a, b = phash_image(shapes((300, 200), 1)), phash_image(shapes((300, 200), 2))
    assert hamming(a, b) > 16


def test_exact_and_near_groups(tmp_path, catalog, paths):
    lib = library(tmp_path)
    add_root(catalog, lib, paths.home)
    scan(catalog)
    with catalog.read() as conn:
        ids = {r[1].rsplit("/", 1)[1]: r[0] for r in conn.execute("SELECT id, path FROM files")}
    # Exact duplicates need no vectors and no model.
    groups = duplicates(catalog, None)
    assert len(groups) == 1 and groups[0].kind == "exact"
    assert {f.file_id for f in groups[0].files} == {ids["orig.jpg"], ids["copy_of_orig.jpg"]}

    # Vectors as CLIP would give them: all four close; the other picture too (a CLIP false
    # positive that the perceptual hash must reject).
    rng = np.random.default_rng(0)
    base = P.unit(rng.normal(size=32))
    P.vector(catalog, ids["orig.jpg"], base)
    P.vector(catalog, ids["copy_of_orig.jpg"], base)
    P.vector(catalog, ids["small.jpg"], P.near(base, 0.97, rng))
    P.vector(catalog, ids["other.jpg"], P.near(base, 0.95, rng))
    groups = duplicates(catalog, None)
    kinds = [g.kind for g in groups]
    assert kinds == ["exact", "near"]
    near = groups[1]
    members = {f.file_id for f in near.files}
    assert ids["small.jpg"] in members and ids["other.jpg"] not in members
    assert near.files[0].width == 800 and "largest resolution" in near.reason
    assert near.similarity == pytest.approx(0.97, abs=1e-3)
    with catalog.read() as conn:   # hashes were stored for the candidates
        assert conn.execute("SELECT count(*) FROM phashes").fetchone()[0] >= 3
    assert [g.kind for g in duplicates(catalog, None, near=False)] == ["exact"]


def test_keeper_rule(catalog):
    r = P.root(catalog)
    small = P.file(catalog, r, "/lib/a.jpg", content_hash="same", width=100, height=100,
                   taken=1.5e9)
    newer = P.file(catalog, r, "/lib/b.jpg", content_hash="same", width=200, height=200,
                   taken=1.7e9)
    old_no_exif = P.file(catalog, r, "/lib/c.jpg", content_hash="same", width=200, height=200,
                         taken=None, mtime=1.6e9)
    old_exif = P.file(catalog, r, "/lib/d.jpg", content_hash="same", width=200, height=200,
                      taken=1.6e9, source="exif", camera=("Sony", "A7"))
    P.file(catalog, r, "/lib/gone.jpg", content_hash="same", status="missing",
           width=4000, height=3000)
    (g,) = duplicates(catalog, None, near=False)
    order = [f.file_id for f in g.files]
    assert order == [old_exif, old_no_exif, newer, small]
    assert g.keep == old_exif and g.reason == "has EXIF"


def test_cli_duplicates_json(tmp_path, capsys):
    lib = library(tmp_path)
    assert main(["add", str(lib)]) == 0
    assert main(["scan"]) == 0
    capsys.readouterr()
    assert main(["duplicates", "--exact-only", "--json"]) == 0
    groups = json.loads(capsys.readouterr().out)
    assert len(groups) == 1 and groups[0]["kind"] == "exact" and len(groups[0]["files"]) == 2
    assert main(["duplicates"]) == 0
    assert "exact duplicates (2 files)" in capsys.readouterr().out


def test_a_photo_without_a_perceptual_hash_stays_visible(tmp_path, catalog, paths, caplog):
    from core.query import list_problems
    from tests.media_factory import write_truncated_jpeg

    lib = tmp_path / "lib"
    write_jpeg(lib / "orig.jpg", (400, 300), seed=3)
    broken = write_truncated_jpeg(lib / "broken.jpg", seed=3)
    shutil.copy(broken, lib / "broken_copy.jpg")                  # its exact duplicate
    add_root(catalog, lib, paths.home)
    scan(catalog)
    with catalog.read() as conn:
        ids = {r[1].rsplit("/", 1)[1]: r[0] for r in conn.execute("SELECT id, path FROM files")}
    base = P.unit(np.random.default_rng(0).normal(size=32))
    for fid in ids.values():                                      # CLIP calls all three alike
        P.vector(catalog, fid, base)

    with caplog.at_level("WARNING", logger="core.search.dupes"):
        groups = duplicates(catalog, None)
    # still grouped with its copy by content; no near group can be confirmed without pixels
    assert [(g.kind, {f.file_id for f in g.files}) for g in groups] == [
        ("exact", {ids["broken.jpg"], ids["broken_copy.jpg"]})]
    assert "no perceptual hash for" in caplog.text and "broken.jpg" in caplog.text
    problems = {(p.file_id, p.stage) for p in list_problems(catalog)}
    assert (ids["broken.jpg"], "phash") in problems and (ids["orig.jpg"], "phash") not in problems

    # once the file is readable again, the error goes away
    write_jpeg(lib / "broken.jpg", (400, 300), seed=3)
    scan(catalog)
    duplicates(catalog, None)
    assert (ids["broken.jpg"], "phash") not in {(p.file_id, p.stage) for p in list_problems(catalog)}


def flag(colour, size=(300, 200)) -> Image.Image:
    """A flag on a pole on white: the same layout in another colour is another picture."""
    img = Image.new("RGB", size, "white")
    d = ImageDraw.Draw(img)
    d.rectangle([40, 10, 48, 190], fill=(90, 60, 30))
    d.rectangle([48, 20, 260, 110], fill=colour)
    return img


def test_lookalikes_of_the_same_shape_are_not_duplicates_but_resizes_are(tmp_path, catalog,
                                                                           paths):
    lib = tmp_path / "lib"
    lib.mkdir()
    flag((200, 30, 30)).save(lib / "red.png")
    flag((30, 160, 40)).save(lib / "green.png")
    flag((200, 30, 30)).resize((600, 400)).save(lib / "red_big.png")   # the red flag, resized
    h = {p.stem: phash_image(Image.open(p)) for p in lib.glob("*.png")}
    # the perceptual hash alone cannot tell the colours apart: this is what the pixels are for
    assert hamming(h["red"], h["green"]) <= 12
    add_root(catalog, lib, paths.home)
    scan(catalog)
    with catalog.read() as conn:
        ids = {r[1].rsplit("/", 1)[1]: r[0] for r in conn.execute("SELECT id, path FROM files")}
    rng = np.random.default_rng(1)
    base = P.unit(rng.normal(size=32))
    for name, cos in (("red.png", 1.0), ("green.png", 0.96), ("red_big.png", 0.98)):
        P.vector(catalog, ids[name], P.near(base, cos, rng) if cos < 1 else base)
    groups = duplicates(catalog, None)
    assert len(groups) == 1 and groups[0].kind == "near"
    assert {f.file_id for f in groups[0].files} == {ids["red.png"], ids["red_big.png"]}
    assert groups[0].suggested_trash == []          # near: nothing is ticked for the trash


def test_pixel_difference_separates_resaves_from_different_pictures():
    from core.search.dupes import PIXEL_MAX_DIFFERENCE, pixel_difference

    a = shapes((640, 400), 5)
    wide = a.resize((320, 200), Image.Resampling.LANCZOS)
    cropped_43 = a.crop((53, 0, 587, 400))                        # the 4:3 centre of it
    assert pixel_difference(a, wide) < PIXEL_MAX_DIFFERENCE / 2
    assert pixel_difference(a, cropped_43) < PIXEL_MAX_DIFFERENCE
    b = a.copy()
    ImageDraw.Draw(b).rectangle([300, 150, 360, 210], fill=(0, 0, 0))  # one small region differs
    assert pixel_difference(a, b) > PIXEL_MAX_DIFFERENCE
