"""`shoebox metadata write`: sidecars that ExifTool (not the library that wrote them) reads
as digiKam and Lightroom would."""

from __future__ import annotations

import errno
import hashlib
import os

import pytest

from core.config import Settings
from core.xmp import sidecars
from core.xmp import write as write_mod
from core.xmp.packet import read_sidecar
from core.xmp.write import write_sidecars
from tests.cli_runner import run_ok
from tests.core.xmp import golden
from tests.core.xmp.helpers import exiftool, exiftool_regions, iou, plant_face, scanned
from tests.media_factory import write_dng, write_jpeg, write_video

BOX = (0.1, 0.2, 0.3, 0.25)  # as the faces stage stores it: fractions of the upright picture


def _items(value) -> list:
    """ExifTool gives a one-item list as the item itself, sometimes."""
    return value if isinstance(value, list) else [value]


def _digest(path) -> str:
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


@pytest.mark.parametrize("orientation", [1, 6, 8])
def test_a_named_person_becomes_a_face_region_and_a_keyword(catalog, tmp_path, orientation):
    photo = write_jpeg(tmp_path / "lib" / "IMG_1.jpg", size=(80, 60), orientation=orientation)
    before = _digest(photo)
    ids = scanned(catalog, tmp_path / "lib")
    plant_face(catalog, ids["IMG_1.jpg"], BOX, name="Anna")

    report = write_sidecars(catalog)

    assert report.written == 1
    sidecar = tmp_path / "lib" / "IMG_1.jpg.xmp"
    info = exiftool(sidecar)
    [(name, box)] = exiftool_regions(info)
    assert name == "Anna" and iou(box, BOX) >= 0.99
    dims = info["RegionInfo"]["AppliedToDimensions"]
    # the picture as shown: a portrait photo stored landscape with orientation 6 or 8
    assert (dims["W"], dims["H"]) == ((60, 80) if orientation in (6, 8) else (80, 60))
    assert _items(info["Subject"]) == ["Anna"]
    assert _items(info["HierarchicalSubject"]) == ["People|Anna"]
    assert _digest(photo) == before  # the original's bytes never change
    assert sidecars.is_own_write(str(sidecar))


def test_a_sidecar_written_again_keeps_its_permissions(catalog, tmp_path):
    """The sidecar is replaced through a temporary file: its mode must come with it (a
    family's shared folder has 0664 sidecars; the temporary file had the umask's 0644)."""
    write_jpeg(tmp_path / "lib" / "IMG_1.jpg")
    ids = scanned(catalog, tmp_path / "lib")
    _, pid = plant_face(catalog, ids["IMG_1.jpg"], BOX, name="Anna")
    write_sidecars(catalog)
    sidecar = tmp_path / "lib" / "IMG_1.jpg.xmp"
    os.chmod(sidecar, 0o664)
    catalog.write(lambda c: c.execute("UPDATE people SET name = 'Anne' WHERE id = ?", (pid,)))
    old = os.umask(0o022)
    try:
        assert write_sidecars(catalog).written == 1
    finally:
        os.umask(old)
    assert _items(exiftool(sidecar)["Subject"]) == ["Anne"]
    assert oct(os.stat(sidecar).st_mode & 0o777) == oct(0o664)


def test_unnamed_people_and_files_with_nothing_to_say_get_no_sidecar(catalog, tmp_path):
    write_jpeg(tmp_path / "lib" / "a.jpg")
    write_jpeg(tmp_path / "lib" / "b.jpg", seed=1)
    ids = scanned(catalog, tmp_path / "lib")
    plant_face(catalog, ids["a.jpg"], BOX, name=None, by="auto")
    assert write_sidecars(catalog).written == 0
    assert sorted(os.listdir(tmp_path / "lib")) == ["a.jpg", "b.jpg"]


def test_a_rename_replaces_shoeboxs_keyword_and_region_and_writing_again_changes_nothing(
        catalog, tmp_path):
    write_jpeg(tmp_path / "lib" / "a.jpg")
    ids = scanned(catalog, tmp_path / "lib")
    _, pid = plant_face(catalog, ids["a.jpg"], BOX, name="Anna")
    write_sidecars(catalog)
    catalog.write(lambda c: c.execute("UPDATE people SET name = 'Anne' WHERE id = ?", (pid,)))
    assert write_sidecars(catalog).written == 1
    found = read_sidecar(str(tmp_path / "lib" / "a.jpg.xmp"))
    assert found.keywords == ["Anne"] and found.hierarchy == ["People|Anne"]
    assert [r.name for r in found.regions] == ["Anne"] and found.regions[0].mine
    mtime = os.stat(tmp_path / "lib" / "a.jpg.xmp").st_mtime_ns
    assert write_sidecars(catalog).unchanged == 1
    assert os.stat(tmp_path / "lib" / "a.jpg.xmp").st_mtime_ns == mtime


def test_places_and_a_date_from_the_file_name_go_in(catalog, tmp_path):
    write_jpeg(tmp_path / "lib" / "IMG_20230402_101500.jpg")
    ids = scanned(catalog, tmp_path / "lib")
    fid = ids["IMG_20230402_101500.jpg"]
    catalog.write(lambda c: c.execute(
        "INSERT INTO file_places(file_id, source, place, region, country, country_code) "
        "VALUES (?, 'gps', 'Kyoto', 'Kyoto', 'Japan', 'JP')", (fid,)))
    write_sidecars(catalog)
    info = exiftool(tmp_path / "lib" / "IMG_20230402_101500.jpg.xmp")
    assert (info["City"], info["State"], info["Country"]) == ("Kyoto", "Kyoto", "Japan")
    assert _items(info["HierarchicalSubject"]) == ["Places|Japan|Kyoto"]
    assert str(info["DateCreated"]).startswith("2023:04:02 10:15:00")


def test_a_read_only_folder_is_reported_once_and_the_rest_is_written(catalog, tmp_path,
                                                                     monkeypatch):
    locked = str(tmp_path / "lib" / "locked")
    real = write_mod.merge_into

    def refusing(path, ours, *args):  # a read-only folder, also where root ignores modes
        if os.path.dirname(path) == locked:
            calls.append(path)
            raise PermissionError(errno.EACCES, "Permission denied")
        return real(path, ours, *args)
    calls: list[str] = []
    monkeypatch.setattr(write_mod, "merge_into", refusing)
    for name in ("a.jpg", "b.jpg"):
        write_jpeg(tmp_path / "lib" / "locked" / name)
    write_jpeg(tmp_path / "lib" / "open" / "c.jpg")
    ids = scanned(catalog, tmp_path / "lib")
    for i, name in enumerate(("a.jpg", "b.jpg", "c.jpg")):
        plant_face(catalog, ids[name], BOX, name=f"P{i}")
    os.chmod(tmp_path / "lib" / "locked", 0o555)
    try:
        report = write_sidecars(catalog)
    finally:
        os.chmod(tmp_path / "lib" / "locked", 0o755)
    assert report.refused == {locked: "Permission denied"} and len(calls) == 1
    assert report.written == 1 and (tmp_path / "lib" / "open" / "c.jpg.xmp").exists()


def test_name_a_person_then_shoebox_metadata_write(catalog, tmp_path, capsys):
    write_jpeg(tmp_path / "lib" / "a.jpg", orientation=6)
    ids = scanned(catalog, tmp_path / "lib")
    _, pid = plant_face(catalog, ids["a.jpg"], BOX, by="auto")
    run_ok(capsys, "people", "name", str(pid), "Anna")
    out = run_ok(capsys, "metadata", "write")
    assert out.startswith("1 sidecars written")
    info = exiftool(tmp_path / "lib" / "a.jpg.xmp")
    assert [n for n, _ in exiftool_regions(info)] == ["Anna"]
    run_ok(capsys, "metadata", "on")
    assert Settings.load().xmp_sidecars is True


def test_a_digikam_sidecar_is_merged_and_keeps_every_field_of_its_own(catalog, tmp_path):
    write_jpeg(tmp_path / "lib" / "a.jpg", size=(80, 60))
    (tmp_path / "lib" / "a.jpg.xmp").write_text(golden.digikam(), encoding="utf-8")
    ids = scanned(catalog, tmp_path / "lib")
    plant_face(catalog, ids["a.jpg"], BOX, name="Anna")
    theirs = exiftool(tmp_path / "lib" / "a.jpg.xmp")

    assert write_sidecars(catalog).written == 1

    info = exiftool(tmp_path / "lib" / "a.jpg.xmp")
    assert info["Subject"] == ["Lisbon", "Ben", "Anna"]
    assert info["HierarchicalSubject"] == ["Trips|Lisbon", "People|Ben", "People|Anna"]
    assert [n for n, _ in exiftool_regions(info)] == ["Ben", "Anna"]
    assert exiftool_regions(info)[0] == exiftool_regions(theirs)[0]
    for key in ("TagsList", "Rating", "Description"):
        assert info[key] == theirs[key]
    assert info["RegionInfo"]["AppliedToDimensions"] == theirs["RegionInfo"][
        "AppliedToDimensions"]


def test_a_raws_lightroom_sidecar_is_updated_instead_of_writing_a_second_one(catalog, tmp_path):
    write_dng(tmp_path / "lib" / "IMG_1.dng")
    (tmp_path / "lib" / "IMG_1.xmp").write_text(golden.lightroom(), encoding="utf-8")
    ids = scanned(catalog, tmp_path / "lib")
    plant_face(catalog, ids["IMG_1.dng"], BOX, name="Anna")
    theirs = exiftool(tmp_path / "lib" / "IMG_1.xmp")

    write_sidecars(catalog)

    assert not (tmp_path / "lib" / "IMG_1.dng.xmp").exists()
    info = exiftool(tmp_path / "lib" / "IMG_1.xmp")
    for key in ("Rating", "Label", "Version", "Exposure2012", "WhiteBalance"):
        assert info[key] == theirs[key]
    assert info["Subject"] == ["Fjord", "Anna"]
    assert [n for n, _ in exiftool_regions(info)] == ["Carla", "Anna"]


def test_machine_words_go_in_only_when_asked_and_events_always(catalog, tmp_path):
    write_jpeg(tmp_path / "lib" / "a.jpg", taken="2023:04:02 10:00:00")
    ids = scanned(catalog, tmp_path / "lib")
    fid = ids["a.jpg"]

    def plant(conn):
        conn.execute("INSERT INTO captions(file_id, model_id, text, created_at) VALUES "
                     "(?, 'blip', 'a temple garden', 0)", (fid,))
        conn.execute("INSERT INTO tags(file_id, tag, source) VALUES (?, 'temple', 'clip')", (fid,))
        conn.execute("INSERT INTO event_names(key, title, named_by, members, created_at) "
                     "VALUES ('k', 'Kyoto', 'user', ?, 0)", (f"[{fid}]",))
    catalog.write(plant)
    write_sidecars(catalog)
    info = exiftool(tmp_path / "lib" / "a.jpg.xmp")
    assert _items(info["Subject"]) == ["Kyoto"]
    assert _items(info["HierarchicalSubject"]) == ["Events|2023-04 Kyoto"]
    assert "Description" not in info
    write_sidecars(catalog, machine_words=True)
    info = exiftool(tmp_path / "lib" / "a.jpg.xmp")
    assert info["Subject"] == ["Kyoto", "temple"] and info["Description"] == "a temple garden"
    write_sidecars(catalog)  # turned off again: Shoebox takes back only what it wrote
    info = exiftool(tmp_path / "lib" / "a.jpg.xmp")
    assert _items(info["Subject"]) == ["Kyoto"] and "Description" not in info


def test_with_the_setting_on_every_index_keeps_sidecars_up_to_date(catalog, tmp_path, registry,
                                                                    tiny_settings, paths):
    from core.cli.index_cmds import describe
    from core.pipeline.run import index_library

    write_jpeg(tmp_path / "lib" / "a.jpg")
    ids = scanned(catalog, tmp_path / "lib")
    plant_face(catalog, ids["a.jpg"], BOX, name="Anna")
    index_library(catalog, registry, tiny_settings, paths, stages=["thumbnail"])
    assert not (tmp_path / "lib" / "a.jpg.xmp").exists()  # off by default
    tiny_settings.xmp_sidecars = True
    report = index_library(catalog, registry, tiny_settings, paths, stages=["thumbnail"])
    assert report.sidecars["written"] == 1
    assert "XMP sidecars: 1 written" in describe(report)
    assert [r.name for r in read_sidecar(str(tmp_path / "lib" / "a.jpg.xmp")).regions] == [
        "Anna"]


def test_a_face_another_program_already_tagged_with_that_name_is_not_tagged_twice(
        catalog, tmp_path):
    write_jpeg(tmp_path / "lib" / "a.jpg", size=(80, 60))
    (tmp_path / "lib" / "a.jpg.xmp").write_text(
        golden.digikam(keywords=("Anna",), regions=(("Anna", (0.11, 0.2, 0.3, 0.25)),)),
        encoding="utf-8")
    ids = scanned(catalog, tmp_path / "lib")
    plant_face(catalog, ids["a.jpg"], BOX, name="Anna")
    write_sidecars(catalog)
    info = exiftool(tmp_path / "lib" / "a.jpg.xmp")
    assert [n for n, _ in exiftool_regions(info)] == ["Anna"]
    assert _items(info["Subject"]) == ["Anna"]
    assert "People|Anna" in _items(info["HierarchicalSubject"])


def test_a_video_gets_the_keyword_of_a_person_on_its_keyframes_but_no_region(catalog,
                                                                              tmp_path):
    write_video(tmp_path / "lib" / "clip.mp4")
    ids = scanned(catalog, tmp_path / "lib")
    catalog.write(lambda c: c.execute(
        "INSERT INTO people(name, created_at, updated_at) VALUES ('Anna', 0, 0)"))
    catalog.write(lambda c: c.execute(
        "INSERT INTO faces(file_id, frame_ms, idx, x, y, w, h, size_px, score, sharpness, "
        "groupable, model_id, descriptor, person_id, assigned_by) VALUES "
        "(?, 1000, 0, .1, .1, .2, .2, 80, 1, 100, 1, 'm', x'00', 1, 'user')", (ids["clip.mp4"],)))
    write_sidecars(catalog)
    info = exiftool(tmp_path / "lib" / "clip.mp4.xmp")
    assert _items(info["Subject"]) == ["Anna"] and "RegionInfo" not in info
