"""Exact duplicates by content hash, near-duplicates by CLIP + pHash, and the keeper rule."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from PIL import Image, ImageDraw

from core.cli.main import main
from core.media.phash import hamming
from core.scan.roots import add_root
from core.scan.scanner import scan
from core.search import duplicates, phash_image, vectors
from core.search.vectors import drop_cached
from tests.core.search import planting as P
from tests.media_factory import shapes, write_jpeg


@pytest.fixture(autouse=True)
def _fresh_index_cache():
    drop_cached()
    yield
    drop_cached()


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


@pytest.mark.parametrize("exact_max", [20_000, 2], ids=["exact index", "compact index"])
def test_exact_and_near_groups(tmp_path, catalog, paths, monkeypatch, exact_max):
    """The same groups whether the photos are compared on their vectors or, in a library
    past the index's exact_max, on their codes' estimates with the pairs scored exactly."""
    monkeypatch.setattr(vectors, "EXACT_MAX", exact_max)
    estimated = []
    real = vectors.VectorIndex.estimated_vectors_of

    def spied(self, rows):
        estimated.append(self.binary)
        return real(self, rows)
    monkeypatch.setattr(vectors.VectorIndex, "estimated_vectors_of", spied)
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
    assert estimated == ([True] if exact_max == 2 else [])


def test_pairs_found_on_estimates_are_kept_by_their_exact_cosine(catalog, monkeypatch):
    """Candidates come from the codes' estimates from ESTIMATE_MARGIN under the threshold;
    only the pairs whose vectors are at or above it stay, with their exact cosine, read in
    chunks of pairs."""
    from core.search.dupes import ESTIMATE_MARGIN, _scored_exactly
    from core.search.near_pairs import Pairs

    monkeypatch.setattr(vectors, "EXACT_MAX", 50)
    rng = np.random.default_rng(4)
    r = P.root(catalog)
    base = [P.unit(rng.normal(size=32)) for _ in range(3)]
    cosines = [0.99, 0.95, 0.921, 0.919, 0.905]      # with base[0], then unrelated photos
    vecs = base + [P.near(base[0], c, rng) for c in cosines]
    vecs += [P.unit(rng.normal(size=32)) for _ in range(100)]
    for i, v in enumerate(vecs):
        P.vector(catalog, P.file(catalog, r, f"/lib/{i}.jpg"), v)
    with catalog.read() as conn:
        index = vectors.get_index(catalog.path, conn, P.MODEL)
    assert index.binary
    order = np.argsort(index.file_ids)            # photo i is the index's row order[i]
    est = index.estimated_vectors_of(order)
    found = Pairs(np.zeros(5, np.int64), np.arange(3, 8), (est[3:8] @ est[0]).astype(np.float32))
    assert (found.cos >= 0.92 - ESTIMATE_MARGIN).all()   # all five are candidates
    for chunk in (1, 2, 65_536):
        kept = _scored_exactly(index, order, found, 0.92, chunk)
        assert kept.b.tolist() == [3, 4, 5]
        assert kept.cos == pytest.approx([0.99, 0.95, 0.921], abs=6e-4)
    empty = Pairs.empty()
    assert len(_scored_exactly(index, order, empty, 0.92)) == 0


def _keeper(catalog, *specs):
    """Plant one exact group (same content) from (path, extra) specs; the group's order."""
    r = P.root(catalog)
    ids = {path: P.file(catalog, r, path, content_hash="same", **extra) for path, extra in specs}
    (g,) = duplicates(catalog, None, near=False)
    names = {v: k for k, v in ids.items()}
    return [names[f.file_id] for f in g.files], g.reason


@pytest.mark.parametrize("copy", [
    "/lib/Backup/IMG_1.jpg", "/lib/Photos (1)/IMG_1.jpg", "/lib/old/IMG_1.jpg",
    "/lib/Phone backup 2023/IMG_1.jpg", "/lib/DCIM/IMG_1 (1).jpg", "/lib/DCIM/IMG_1 - Copy.jpg",
    "/lib/DCIM/Copy of IMG_1.jpg",
])
def test_the_original_is_kept_over_a_backup_even_with_a_shorter_path(catalog, copy):
    order, why = _keeper(catalog, ("/lib/DCIM/Camera/2023/IMG_1.jpg", {}), (copy, {}))
    assert order[0] == "/lib/DCIM/Camera/2023/IMG_1.jpg" and why == "not a backup or a copy"


def test_a_kept_or_organized_folder_wins_over_an_import_folder(catalog):
    catalog.write(lambda c: c.execute(  # (add_keep_folder resolves links: /lib is one here)
        "INSERT INTO keep_folders(path, added_at) VALUES ('/lib/Albums/Sea', 0)"))
    order, why = _keeper(catalog, ("/lib/Downloads/sea.jpg", {}),
                         ("/lib/Albums/Sea/sea.jpg", {}))
    assert order[0] == "/lib/Albums/Sea/sea.jpg" and why == "in a folder you keep"


def test_anywhere_else_wins_over_an_import_folder(catalog):
    order, why = _keeper(catalog, ("/lib/Import/a.jpg", {}), ("/lib/Trips/Rome/a.jpg", {}))
    assert order[0] == "/lib/Trips/Rome/a.jpg" and why == "not in an import folder"


def test_then_the_richer_metadata_then_the_shorter_path(catalog):
    order, why = _keeper(catalog, ("/lib/a/x.jpg", {"source": None}),
                         ("/lib/bbbbbb/x.jpg", {"taken": 1.6e9, "gps": (45.4, 12.3)}))
    assert order[0] == "/lib/bbbbbb/x.jpg" and why == "richer metadata (an EXIF date, GPS)"


def test_the_shorter_path_breaks_the_last_tie_and_mtime_never_counts(catalog):
    order, why = _keeper(catalog, ("/lib/Family/Holidays/x.jpg", {"mtime": 1.0e9}),
                         ("/lib/Family/x.jpg", {"mtime": 1.7e9}))
    assert order == ["/lib/Family/x.jpg", "/lib/Family/Holidays/x.jpg"]
    assert why == "shorter path"


def test_a_sidecar_is_richer_metadata(catalog, tmp_path):
    lib = tmp_path / "lib"
    (lib / "a").mkdir(parents=True)
    (lib / "bb").mkdir()
    (lib / "bb" / "x.jpg.xmp").write_text("<x:xmpmeta/>")
    r = P.root(catalog, str(lib))
    short = P.file(catalog, r, f"{lib}/a/x.jpg", content_hash="same", source=None)
    with_xmp = P.file(catalog, r, f"{lib}/bb/x.jpg", content_hash="same", source=None)
    (g,) = duplicates(catalog, None, near=False)
    assert g.keep == with_xmp != short and g.reason == "richer metadata (a sidecar)"


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


def test_screenshots_with_different_text_are_not_near_duplicates(tmp_path, catalog, paths):
    """Two white screenshots of one layout pass the pHash and pixel checks (difference ~0.1);
    the text the OCR reads (real RapidOCR weights) tells them apart, and still joins a
    half-size re-save of one of them to its original."""
    from core.config import Settings
    from core.pipeline import index_library
    from core.tasks import TaskState
    from models import Registry
    from tests.text_factory import draw_lines

    lib = tmp_path / "lib"
    lib.mkdir()
    for name, lines in (("receipt", ["Receipt 4411", "Plumber Jansen", "Total 120 EUR"]),
                        ("notes", ["Meeting notes", "Call the school", "Buy milk today"])):
        img = Image.new("RGB", (720, 1280), "white")
        draw_lines(img, lines, px=34, at=(40, 80), gap=2)
        img.save(lib / f"Screenshot_{name}.png")
        if name == "receipt":
            img.resize((540, 960), Image.Resampling.LANCZOS).save(lib / "receipt_small.jpg",
                                                                   quality=85)
    add_root(catalog, lib, paths.home)
    scan(catalog)
    settings = Settings(workers=1, low_priority=False)
    reg = Registry(settings, paths)
    try:
        index_library(catalog, reg, settings, paths, TaskState("i"), stages=["text"])
    finally:
        reg.close()
    with catalog.read() as conn:
        ids = {r[1].rsplit("/", 1)[1]: r[0] for r in conn.execute("SELECT id, path FROM files")}
        read = {n: " ".join(r[0] for r in conn.execute(
            "SELECT text FROM text_lines WHERE file_id = ? ORDER BY line_no", (i,)))
            for n, i in ids.items()}
    assert "Plumber" in read["Screenshot_receipt.png"] and "milk" in read["Screenshot_notes.png"]
    rng = np.random.default_rng(0)
    base = P.unit(rng.normal(size=32))       # CLIP sees three alike white pages
    for i in ids.values():
        P.vector(catalog, i, P.near(base, 0.99, rng))
    (g,) = duplicates(catalog, None)
    assert {f.file_id for f in g.files} == {ids["Screenshot_receipt.png"],
                                            ids["receipt_small.jpg"]}
