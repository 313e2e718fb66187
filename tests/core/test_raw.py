"""Camera RAW files: decoded from the preview their camera embedded (or demosaicked), read for
metadata, and - beside a JPEG twin - kept as that photo's companion, never a second photo."""

from __future__ import annotations

import os

import pytest
from PIL import Image

from core.catalog.derived import derived_tables
from core.files.kinds import classify, raw_companions
from core.media.errors import MediaError
from core.media.images import open_image
from core.query import file_detail, library_status, list_library
from core.scan.metadata import read_info
from core.scan.roots import add_root
from core.scan.scanner import scan
from tests.media_factory import write_dng, write_jpeg

RED, BLUE = (200, 30, 30), (30, 30, 200)


def halves(size=(120, 80)) -> Image.Image:
    """Red on the left, blue on the right: which way up a decode came out is plain to see."""
    w, h = size
    img = Image.new("RGB", size, BLUE)
    img.paste(RED, (0, 0, w // 2, h))
    return img


def is_red(px) -> bool:
    return px[0] > 150 and px[2] < 110


def is_blue(px) -> bool:
    return px[2] > 150 and px[0] < 110


@pytest.mark.parametrize("preview", ["jpeg", "bitmap", None])
def test_a_raw_decodes_upright_from_its_preview_or_its_mosaic(tmp_path, preview):
    # orientation 6: the camera was turned right, so the left of the sensor is the top
    path = write_dng(tmp_path / "IMG_1.DNG", picture=halves(), preview=preview, orientation=6)
    img = open_image(path)
    assert img.mode == "RGB" and img.size == ((80, 120) if preview else (40, 60))
    assert is_red(img.getpixel((40 if preview else 20, 5)))
    assert is_blue(img.getpixel((40 if preview else 20, img.height - 5)))


def test_a_preview_too_small_for_the_model_gives_way_to_the_mosaic(tmp_path):
    path = write_dng(tmp_path / "IMG_2.dng", picture=halves((200, 160)), preview="jpeg",
                     preview_scale=4)  # a 50x40 preview
    assert open_image(path, target=32).size == (50, 40)  # enough for a 32 px view
    big = open_image(path, target=64)  # a model needs 64 px: demosaicked at half size
    assert big.size == (100, 80)
    assert open_image(path).size == (100, 80)  # to look at: never a thumbnail-sized preview
    assert is_red(big.getpixel((5, 40))) and is_blue(big.getpixel((95, 40)))
    assert open_image(path, target=100).size == (200, 160)  # half is not enough: full size


def test_a_large_preview_is_decoded_scaled_for_a_small_target(tmp_path):
    path = write_dng(tmp_path / "IMG_3.dng", picture=halves((640, 480)), preview="jpeg")
    img = open_image(path, target=100)
    assert 100 <= min(img.size) < 200  # libjpeg-turbo scaled it inside the DCT


def test_damaged_and_missing_raws_say_what_is_wrong(tmp_path):
    fake = tmp_path / "IMG_4.CR2"
    fake.write_bytes(b"II*\0" + os.urandom(2000))
    with pytest.raises(MediaError, match="camera RAW file LibRaw cannot read"):
        open_image(fake)
    with pytest.raises(FileNotFoundError):
        open_image(tmp_path / "gone.nef")
    info = read_info(str(fake), "photo", "raw")
    assert info.error and "LibRaw cannot read" in info.error


def test_raw_metadata_comes_from_its_exif_and_libraw(tmp_path):
    path = write_dng(tmp_path / "IMG_5.dng", (96, 64), preview=None, orientation=8,
                     taken="2021:06:05 10:11:12", camera=("Canon", "EOS R5"))
    info = read_info(str(path), "photo", "raw")
    assert (info.width, info.height, info.orientation) == (96, 64, 8)
    assert (info.camera_make, info.camera_model, info.taken_at_source) == ("Canon", "EOS R5", "exif")
    assert info.error is None


def test_a_raw_pairs_with_a_jpeg_or_heic_of_the_same_stem_and_shot_only():
    names = ["IMG_1.CR2", "img_1.jpg", "IMG_2.NEF", "IMG_2.png", "IMG_3.ARW", "IMG_3.HEIC",
             "IMG_4.dng", "IMG_4.MOV", "IMG_5.jpg"]
    assert raw_companions((n, None) for n in names) == {"IMG_1.CR2", "IMG_3.ARW"}
    assert classify("IMG_1.CR2") == ("photo", "raw")
    # camera times: the same shot (to the second) pairs; another camera's IMG_6 does not
    shots = [("IMG_6.CR2", 1000.0), ("IMG_6.JPG", 1001.0), ("IMG_7.CR2", 1000.0),
             ("IMG_7.JPG", 5000.0), ("IMG_8.CR2", 1000.0), ("IMG_8.JPG", None)]
    assert raw_companions(shots) == {"IMG_6.CR2", "IMG_8.CR2"}


def _rows(catalog):
    with catalog.read() as conn:
        return {r["name"]: r for r in conn.execute("SELECT * FROM files")}


def _listed(catalog):
    return {os.path.basename(r[1]) for r in list_library(catalog).rows}


def test_a_lone_raw_is_a_photo_and_a_twin_is_its_jpegs_companion(catalog, tmp_path):
    lib = tmp_path / "Pictures"
    write_dng(lib / "trip" / "IMG_1.CR2", taken="2022:05:01 09:00:00")  # DNG inside: any RAW
    write_jpeg(lib / "trip" / "IMG_1.JPG", taken="2022:05:01 09:00:00")
    write_dng(lib / "trip" / "IMG_2.DNG", taken="2022:05:01 09:01:00", orientation=6)
    add_root(catalog, lib)
    scan(catalog)
    rows = _rows(catalog)
    assert (rows["IMG_1.CR2"]["kind"], rows["IMG_2.DNG"]["kind"]) == ("other", "photo")
    assert rows["IMG_2.DNG"]["taken_at_source"] == "exif" and rows["IMG_2.DNG"]["width"] == 96
    assert _listed(catalog) == {"IMG_1.JPG", "IMG_2.DNG"}  # one tile a shot
    assert library_status(catalog)["files"]["other"] == 1
    jpeg = file_detail(catalog, rows["IMG_1.JPG"]["id"])
    assert (jpeg.format, jpeg.companions) == ("jpeg", ["IMG_1.CR2"])  # the pane names it
    lone = file_detail(catalog, rows["IMG_2.DNG"]["id"])
    assert (lone.format, lone.companions) == ("raw", [])
    assert (lone.width, lone.height) == (64, 96)  # the camera was turned: shown portrait


def test_a_raw_and_another_cameras_jpeg_of_the_same_name_stay_two_photos(catalog, tmp_path):
    lib = tmp_path / "Pictures"
    write_dng(lib / "IMG_1234.CR2", taken="2022:05:01 09:00:00")           # the Canon's
    write_jpeg(lib / "IMG_1234.JPG", seed=4, taken="2023:08:14 17:30:00")  # the phone's
    add_root(catalog, lib)
    scan(catalog)
    assert _rows(catalog)["IMG_1234.CR2"]["kind"] == "photo"
    assert _listed(catalog) == {"IMG_1234.CR2", "IMG_1234.JPG"}


def test_a_twin_that_arrives_or_leaves_later_settles_the_raw(catalog, tmp_path):
    lib = tmp_path / "Pictures"
    raw = write_dng(lib / "IMG_7.NEF")
    add_root(catalog, lib)
    scan(catalog)
    raw_id = _rows(catalog)["IMG_7.NEF"]["id"]

    def derive(conn):  # what the pipeline would have made from the lone RAW
        conn.execute("INSERT INTO jobs(file_id, stage, state, updated_at) "
                     "VALUES (?, 'clip', 'done', 0)", (raw_id,))
        conn.execute("INSERT INTO captions(file_id, model_id, text, created_at) "
                     "VALUES (?, 'm', 'a red door', 0)", (raw_id,))
    catalog.write(derive)

    write_jpeg(lib / "IMG_7.jpg")  # the camera's JPEG copied in afterwards
    scan(catalog, folders=[(str(lib), False)])  # as the watcher asks: only this folder
    rows = _rows(catalog)
    assert rows["IMG_7.NEF"]["kind"] == "other" and rows["IMG_7.NEF"]["id"] == raw_id
    with catalog.read() as conn:
        left = {t: conn.execute(f"SELECT count(*) FROM {t} WHERE {c} = ?", (raw_id,)).fetchone()[0]
                for t, c in derived_tables(conn)}
    assert {"jobs", "captions", "embeddings", "faces"} <= left.keys()
    assert not any(left.values())  # its twin carries the shot now
    assert _listed(catalog) == {"IMG_7.jpg"}

    (lib / "IMG_7.jpg").unlink()
    scan(catalog)
    assert _rows(catalog)["IMG_7.NEF"]["kind"] == "photo"
    assert _listed(catalog) == {"IMG_7.NEF"}
    assert raw.exists()


def test_raws_recorded_before_they_were_decoded_are_read_again_without_rehashing(
        catalog, tmp_path, monkeypatch):
    from core.scan import scanner

    lib = tmp_path / "Pictures"
    write_dng(lib / "IMG_9.dng", taken="2019:12:24 18:00:00")
    write_jpeg(lib / "beach.jpg")
    add_root(catalog, lib)
    scan(catalog)
    catalog.write(lambda c: c.execute(  # as earlier versions recorded a RAW: never read
        "UPDATE files SET kind = 'other', width = NULL, height = NULL, taken_at = 0, "
        "taken_at_source = 'mtime', camera_make = NULL WHERE format = 'raw'"))
    hashed = []
    real_hash = scanner.hash_file
    monkeypatch.setattr(scanner, "hash_file", lambda p: hashed.append(p) or real_hash(p))

    report = scan(catalog)
    row = _rows(catalog)["IMG_9.dng"]
    assert (row["kind"], row["width"], row["taken_at_source"]) == ("photo", 96, "exif")
    assert (report.new, report.changed, hashed) == (0, 0, [])  # same row, bytes not re-read
    again = scan(catalog)
    assert again.nothing_changed and again.unchanged == 2  # read once, then left alone


def test_copies_of_a_raw_are_duplicates_but_the_one_kept_with_its_jpeg_is_never_offered(
        catalog, tmp_path):
    from core.search import duplicates

    lib = tmp_path / "Pictures"
    shot = write_dng(lib / "a" / "IMG_5.CR2")
    write_jpeg(lib / "a" / "IMG_5.JPG")
    for backup in ("b", "c"):
        (lib / backup).mkdir()
        (lib / backup / "IMG_5.CR2").write_bytes(shot.read_bytes())
    add_root(catalog, lib)
    scan(catalog)
    groups = duplicates(catalog, near=False)
    assert [sorted(os.path.relpath(f.path, lib) for f in g.files) for g in groups] == [
        ["b/IMG_5.CR2", "c/IMG_5.CR2"]]


def test_a_preview_whose_header_lies_about_its_size_is_refused_not_a_crash(tmp_path):
    # rawpy shapes a bitmap preview from the header: a damaged width made an array over memory
    # that is not there, and reading it killed the process (found by mutating DNGs)
    import struct
    import subprocess
    import sys

    path = write_dng(tmp_path / "IMG_6.dng", (200, 150), preview="bitmap")
    data = bytearray(path.read_bytes())
    ifd0 = struct.unpack_from("<I", data, 4)[0]
    for i in range(struct.unpack_from("<H", data, ifd0)[0]):
        entry = ifd0 + 2 + 12 * i
        if struct.unpack_from("<H", data, entry)[0] == 256:  # the preview's ImageWidth
            struct.pack_into("<I", data, entry + 8, 46280)
    path.write_bytes(bytes(data))
    code = ("import sys; from core.media.images import open_image; "
            "print(*open_image(sys.argv[1]).size)")
    run = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, check=False,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]  # -11 was the crash
    assert run.stdout.split() == ["100", "75"]  # demosaicked at half size instead
