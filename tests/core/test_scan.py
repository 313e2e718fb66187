import os
import shutil

import pytest

from core.errors import LibraryError
from core.query import library_status, list_problems
from core.scan.roots import add_root, folder_name, remove_root, root_names
from core.scan.scanner import scan
from tests.media_factory import (
    write_jpeg,
    write_png,
    write_truncated_jpeg,
    write_video,
)


@pytest.fixture
def library(tmp_path, catalog):
    lib = tmp_path / "Pictures"
    write_jpeg(lib / "2021" / "venice.jpg", taken="2021:07:04 12:30:00", gps=(45.4375, 12.3358),
               camera=("Canon", "EOS 80D"), orientation=6)
    write_jpeg(lib / "2021" / "beach.jpg", seed=3)
    write_png(lib / "screens" / "shot.png")
    write_video(lib / "clips" / "party.mp4", seconds=1.0)
    (lib / "notes.txt").write_text("not media")
    add_root(catalog, lib)
    return lib


@pytest.fixture
def deny(monkeypatch):
    """Make folders unreadable. chmod is enough for a normal user; root (as in some CI) reads
    everything, so then the OS's answer is simulated at os.scandir."""
    denied = []
    real = os.scandir

    def scandir(path="."):
        if os.fspath(path) in denied:
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)

    def make(folder):
        denied.append(str(folder))
    return make


def files(catalog, status="present"):
    with catalog.read() as conn:
        return {r["path"]: r for r in conn.execute("SELECT * FROM files WHERE status=?", (status,))}


def test_first_scan_records_media_with_metadata_and_second_scan_changes_nothing(catalog, library):
    report = scan(catalog)
    assert (report.new, report.problems) == (4, 0)
    rows = files(catalog)
    venice = rows[str(library / "2021" / "venice.jpg")]
    assert (venice["kind"], venice["format"], venice["taken_at_source"]) == ("photo", "jpeg", "exif")
    assert venice["gps_lat"] == pytest.approx(45.4375, abs=1e-4)
    assert venice["gps_lon"] == pytest.approx(12.3358, abs=1e-4)
    assert (venice["camera_make"], venice["camera_model"], venice["orientation"]) == ("Canon", "EOS 80D", 6)
    assert rows[str(library / "2021" / "beach.jpg")]["taken_at_source"] == "mtime"
    video = rows[str(library / "clips" / "party.mp4")]
    assert video["kind"] == "video" and video["duration_s"] == pytest.approx(1.0, abs=0.2)
    assert (video["width"], video["height"]) == (64, 48)
    assert str(library / "notes.txt") not in rows

    again = scan(catalog)
    assert again.nothing_changed and again.unchanged == 4


def test_rescan_does_not_read_unchanged_files(catalog, library, monkeypatch):
    scan(catalog)
    from core.scan import scanner

    def fail(*a):
        raise AssertionError("an unchanged file was read")

    monkeypatch.setattr(scanner, "hash_file", fail)
    assert scan(catalog).nothing_changed


def test_moved_file_keeps_its_identity_and_results(catalog, library):
    scan(catalog)
    old = str(library / "2021" / "beach.jpg")
    fid = files(catalog)[old]["id"]
    catalog.write(lambda c: c.execute("INSERT INTO captions VALUES (?, 'm', 'a beach', 0)", (fid,)))
    new = library / "Trips" / "Sea" / "beach-renamed.jpg"
    new.parent.mkdir(parents=True)
    os.rename(old, new)
    report = scan(catalog)
    assert (report.moved, report.new, report.missing) == (1, 0, 0)
    row = files(catalog)[str(new)]
    assert row["id"] == fid and row["folder"] == str(new.parent)
    with catalog.read() as conn:
        assert conn.execute("SELECT text FROM captions WHERE file_id=?", (fid,)).fetchone()[0] == "a beach"


def test_move_seen_over_two_scans_is_still_a_move(catalog, library, tmp_path):
    scan(catalog)
    src = library / "2021" / "venice.jpg"
    fid = files(catalog)[str(src)]["id"]
    parked = tmp_path / "elsewhere.jpg"
    shutil.move(src, parked)
    assert scan(catalog).missing == 1
    assert files(catalog, "missing")[str(src)]["id"] == fid
    shutil.move(parked, library / "venice-back.jpg")
    report = scan(catalog)
    assert report.moved == 1 and files(catalog)[str(library / "venice-back.jpg")]["id"] == fid


def test_deleted_file_is_marked_missing_and_changed_file_is_rehashed(catalog, library):
    scan(catalog)
    (library / "screens" / "shot.png").unlink()
    target = library / "2021" / "beach.jpg"
    before = files(catalog)[str(target)]
    write_jpeg(target, seed=99, size=(80, 60))
    report = scan(catalog)
    assert (report.missing, report.changed) == (1, 1)
    assert str(library / "screens" / "shot.png") in files(catalog, "missing")
    after = files(catalog)[str(target)]
    assert after["id"] == before["id"] and after["content_hash"] != before["content_hash"]
    assert after["width"] == 80
    assert library_status(catalog)["files"]["missing"] == 1


def test_touched_file_with_same_bytes_is_not_a_change(catalog, library):
    scan(catalog)
    os.utime(library / "2021" / "beach.jpg", (1, 1))
    report = scan(catalog)
    assert report.nothing_changed


def test_bad_inputs_are_recorded_and_the_scan_finishes(catalog, library, deny):
    bad = library / "bad"
    bad.mkdir()
    (bad / "empty.jpg").write_bytes(b"")
    write_truncated_jpeg(bad / "truncated.jpg")
    (bad / "garbage.png").write_bytes(b"this is not a png at all" * 10)
    (bad / "huge.png").write_bytes(_png_header(60000, 60000))  # a damaged size: 3.6 GP
    os.symlink("loop-b", bad / "loop-a.jpg")
    os.symlink("loop-a.jpg", bad / "loop-b")
    os.symlink("/nonexistent/target.jpg", bad / "broken.jpg")
    os.symlink(str(library), bad / "link-to-library")  # a folder loop if links were followed
    latin1 = os.fsencode(str(bad)) + b"/caf\xe9.jpg"
    write_jpeg(bad / "placeholder.jpg")
    os.rename(bad / "placeholder.jpg", latin1)
    deep = bad
    for i in range(12):
        deep = deep / f"a-rather-long-folder-name-number-{i:02d}"
    write_jpeg(deep / "deep.jpg")
    assert len(os.fsencode(str(deep / "deep.jpg"))) > 255
    locked = bad / "locked"
    write_jpeg(locked / "secret.jpg")
    deny(locked)
    report = scan(catalog)

    rows = files(catalog)
    assert str(deep / "deep.jpg") in rows and rows[str(deep / "deep.jpg")]["error"] is None
    reasons = {p.path: p.reason for p in list_problems(catalog)}
    assert "empty file" in reasons[str(bad / "empty.jpg")]
    assert "truncated JPEG" in reasons[str(bad / "truncated.jpg")]
    assert "not a readable image" in reasons[str(bad / "garbage.png")]
    assert "too large to decode safely" in reasons[str(bad / "huge.png")]  # the scan went on
    assert "loop" in reasons[str(bad / "loop-a.jpg")]
    assert "broken" in reasons[str(bad / "broken.jpg")]
    assert "permission denied" in reasons[str(locked)]
    assert "not valid UTF-8" in reasons[str(bad) + "/caf\\xe9.jpg"]
    assert report.new >= 8
    assert library_status(catalog)["errors"]["total"] == len(reasons)


def _png_header(width: int, height: int) -> bytes:
    """The start of a PNG (CRCs right) that claims width x height: what Pillow reads to open it."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"")))


def test_unreadable_folder_does_not_mark_its_files_missing(catalog, library, deny):
    scan(catalog)
    folder = library / "2021"
    deny(folder)
    report = scan(catalog)
    assert report.missing == 0
    assert str(folder / "venice.jpg") in files(catalog)


def test_disconnected_root_is_reported_not_emptied(catalog, library, tmp_path):
    scan(catalog)
    library.rename(tmp_path / "unplugged")
    report = scan(catalog)
    assert report.unavailable_roots == [str(library)] and report.missing == 0
    assert len(files(catalog)) == 4


def test_hidden_system_and_data_folders_are_skipped(catalog, library, shoebox_home):
    for folder in (".hidden", "@eaDir", ".Trash-1000", "$RECYCLE.BIN"):
        write_jpeg(library / folder / "x.jpg")
    write_jpeg(library / ".dotfile.jpg")
    write_jpeg(library / "shoebox-data" / "thumb.jpg")
    report = scan(catalog, skip=[library / "shoebox-data"])
    assert report.new == 4


def test_roots_cannot_overlap_and_must_exist(catalog, library, tmp_path):
    with pytest.raises(LibraryError, match="already in the library"):
        add_root(catalog, library / "2021")
    with pytest.raises(LibraryError, match="contains"):
        add_root(catalog, library.parent)
    with pytest.raises(LibraryError, match="does not exist"):
        add_root(catalog, tmp_path / "nope")
    scan(catalog)
    assert remove_root(catalog, library) == 4
    assert files(catalog) == {}


def test_folder_scope_rescans_only_that_folder(catalog, library, monkeypatch):
    scan(catalog)
    write_jpeg(library / "2021" / "new.jpg", seed=7)
    write_jpeg(library / "screens" / "elsewhere.jpg", seed=8)
    report = scan(catalog, folders=[(str(library / "2021"), False)])
    assert report.new == 1 and report.missing == 0
    assert str(library / "screens" / "elsewhere.jpg") not in files(catalog)


def test_file_that_vanishes_during_the_scan_is_not_recorded(catalog, library, monkeypatch):
    from core.scan import scanner

    real = scanner.hash_file
    victim = str(library / "2021" / "beach.jpg")

    def vanish_then_hash(path):
        if path == victim:
            os.remove(path)  # deleted by the user between the walk and the read
        return real(path)

    monkeypatch.setattr(scanner, "hash_file", vanish_then_hash)
    report = scan(catalog)
    assert (report.new, report.problems) == (3, 0)
    assert victim not in files(catalog)


def test_root_names_are_the_folders_own_names(catalog, tmp_path):
    for name in ("Photos", "Phone backup"):
        (tmp_path / name).mkdir()
        add_root(catalog, tmp_path / name)
    with catalog.read() as conn:
        assert root_names(conn) == ["Phone backup", "Photos"]
    assert folder_name("/mnt/me/Photos/") == folder_name("/mnt/me/Photos") == "Photos"


def test_a_metadata_reader_that_fails_unexpectedly_costs_one_file_not_the_scan(
        catalog, library, monkeypatch):
    from core.scan import metadata

    real = metadata._photo_info

    def surprising(path):
        if path.endswith("beach.jpg"):
            raise RuntimeError("a parser bug")
        return real(path)

    monkeypatch.setattr(metadata, "_photo_info", surprising)
    report = scan(catalog)
    reasons = {p.path: p.reason for p in list_problems(catalog)}
    assert report.new == 4 and "a parser bug" in reasons[str(library / "2021" / "beach.jpg")]
    assert files(catalog)[str(library / "2021" / "venice.jpg")]["error"] is None
