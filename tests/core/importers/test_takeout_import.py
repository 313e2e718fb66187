"""`import_takeout` end to end: Takeouts built from the tracker threads' file names, one row
per quirk, checked in the catalog (each photo once, the JSON's date to the second, position
to 1e-4 degrees, albums, descriptions found by search)."""

from __future__ import annotations

import json
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from core.errors import Cancelled
from core.importers import takeout as takeout_mod
from core.importers.takeout import import_takeout
from core.scan.roots import add_root
from core.scan.scanner import scan
from core.search.text import text_search
from core.tasks import TaskState
from tests.media_factory import write_jpeg
from tests.takeout_factory import album_metadata, jpeg_bytes, sidecar, write_folder, write_zip

Y = "Photos from 2016"
KYOTO = (35.0116, 135.7681)
PARIS = (48.8566, 2.3522)
T0 = 1468318210  # 2016-07-12 10:10:10 UTC

# (quirk, media path, JSON path (None: none), content seed, UTC, position, description)
ROWS = [
    ("old name.ext.json, position -> Tokyo time", f"{Y}/IMG_20160712_101010.jpg",
     f"{Y}/IMG_20160712_101010.jpg.json", 1, T0, KYOTO, "temple at dawn"),
    ("new supplemental-metadata", f"{Y}/IMG_0770.jpg",
     f"{Y}/IMG_0770.jpg.supplemental-metadata.json", 2, T0 + 100, None, ""),
    ("clipped .supplement, JSON in part 2", f"{Y}/Screenshot_20241227_105539_Edge.jpg",
     f"{Y}/Screenshot_20241227_105539_Edge.jpg.supplement.json", 3, T0 + 200, None, ""),
    ("numbered copy (1), old form", f"{Y}/IMG_1(1).jpg", f"{Y}/IMG_1.jpg(1).json", 4,
     T0 + 300, None, ""),
    ("the first of the numbered", f"{Y}/IMG_1.jpg", f"{Y}/IMG_1.jpg.json", 5, T0 + 400, None, ""),
    ("JSON without the extension", f"{Y}/Peanut Butter Balls.jpg",
     f"{Y}/Peanut Butter Balls.supplemental-metadata.json", 6, T0 + 500, None,
     "peanut butter balls for grandma"),
    ("edited copy shares the JSON", f"{Y}/2234089303984509579-edited.jpg",
     f"{Y}/2234089303984509579.supplemental-metadata.json", 7, T0 + 600, None, ""),
    ("the original of the edited", f"{Y}/2234089303984509579.jpg", None, 8, T0 + 600, None, ""),
    ("geoDataExif when geoData is 0,0", f"{Y}/paris.jpg", f"{Y}/paris.jpg.json", 9, T0 + 700,
     "exif", ""),
    ("title inside the JSON as last resort", f"{Y}/weird name.jpg", f"{Y}/zz-other.json", 10,
     T0 + 800, None, ""),
]


def _files(rows) -> tuple[dict, dict]:
    part1, part2 = {}, {}
    for quirk, media, js, seed, utc, pos, desc in rows:
        part1[media] = jpeg_bytes(seed)
        if js is None:
            continue
        title = media.rsplit("/", 1)[1]
        if "edited" in quirk:
            title = title.replace("-edited", "")
        kw = {}
        if pos == "exif":
            kw = {"exif_lat": PARIS[0], "exif_lon": PARIS[1]}
        elif pos:
            kw = {"lat": pos[0], "lon": pos[1]}
        (part2 if "part 2" in quirk else part1)[js] = sidecar(title, utc, description=desc,
                                                              favorited=seed == 6, **kw)
    # the first photo again in an album, with its JSON there too
    part1["Kyoto trip/IMG_20160712_101010.jpg"] = jpeg_bytes(1)
    part1["Kyoto trip/IMG_20160712_101010.jpg.json"] = sidecar(
        "IMG_20160712_101010.jpg", T0, lat=KYOTO[0], lon=KYOTO[1])
    part1["Kyoto trip/metadata.json"] = album_metadata("Kyoto trip")
    # a motion photo's movie, and a photo without JSON
    part1[f"{Y}/IMG_0770.MP4"] = b"\x00\x00\x00\x18ftypmp42" + bytes(64)
    part1[f"{Y}/lonely.jpg"] = jpeg_bytes(11)
    part1["archive_browser.html"] = b"<html></html>"
    return part1, part2


def _rows(catalog, sql, *params):
    with catalog.read() as conn:
        return conn.execute(sql, params).fetchall()


@pytest.fixture
def takeout(tmp_path):
    part1, part2 = _files(ROWS)
    return [write_zip(tmp_path / "takeout-001.zip", part1),
            write_zip(tmp_path / "takeout-002.zip", part2)]


def test_every_photo_once_with_its_json_date_place_album_and_description(
        catalog, tmp_path, takeout):
    summary = import_takeout(catalog, takeout, tmp_path / "Library")
    lib = tmp_path / "Library"
    files = {r["name"]: r for r in _rows(
        catalog, "SELECT * FROM files WHERE status = 'present'")}
    assert summary.media == len(ROWS) + 3 and summary.duplicates == 1
    assert summary.companions == 1 and summary.copied == len(ROWS) + 2
    assert [u["file"].rsplit("/", 1)[1] for u in summary.unmatched] == ["lonely.jpg"]
    assert summary.albums == 1 and summary.other_files == 1
    assert not list(lib.rglob("*.json")) and not list(lib.rglob("*.shoebox-part"))
    for quirk, media, js, seed, utc, pos, _ in ROWS:
        name = media.rsplit("/", 1)[1]
        f = files[name]
        assert f["path"] == str(lib / "2016" / name), quirk
        assert f["taken_at_source"] == "takeout", quirk
        zone = ZoneInfo("Asia/Tokyo") if pos == KYOTO else (
            ZoneInfo("Europe/Paris") if pos == "exif" else None)
        wall = datetime.fromtimestamp(utc, zone).replace(tzinfo=None)
        assert f["taken_at"] == time.mktime(wall.timetuple()), quirk
    k = files["IMG_20160712_101010.jpg"]
    assert abs(k["gps_lat"] - KYOTO[0]) < 1e-4 and abs(k["gps_lon"] - KYOTO[1]) < 1e-4
    p = files["paris.jpg"]
    assert abs(p["gps_lat"] - PARIS[0]) < 1e-4 and abs(p["gps_lon"] - PARIS[1]) < 1e-4
    assert files["IMG_0770.MP4"]["taken_at_source"] == "takeout"  # the movie takes its date
    assert files["IMG_0770.MP4"]["kind"] == "other"  # and stands with its photo
    from core.query import file_detail
    assert file_detail(catalog, files["IMG_0770.jpg"]["id"]).companions == ["IMG_0770.MP4"]
    assert files["Peanut Butter Balls.jpg"]["favorite"] == 1
    albums = _rows(catalog, "SELECT a.name, f.name FROM album_files af JOIN albums a "
                   "ON a.id = af.album_id JOIN files f ON f.id = af.file_id")
    assert [tuple(r) for r in albums] == [("Kyoto trip", "IMG_20160712_101010.jpg")]
    with catalog.read() as conn:
        for word, name in (("grandma", "Peanut Butter Balls.jpg"),
                           ("temple", "IMG_20160712_101010.jpg"),
                           ("kyoto trip", "IMG_20160712_101010.jpg")):
            hits, _ = text_search(conn, word)
            assert files[name]["id"] in [h.file_id for h in hits], word


def test_real_exif_beats_the_json_and_the_library_copy_is_not_copied_again(catalog, tmp_path):
    lib = tmp_path / "Photos"
    exif_photo = write_jpeg(lib / "old" / "cam.jpg", taken="2010:01:02 03:04:05", seed=21)
    add_root(catalog, lib)
    scan(catalog)
    zp = write_zip(tmp_path / "t.zip", {
        f"{Y}/cam.jpg": exif_photo.read_bytes(),
        f"{Y}/cam.jpg.json": sidecar("cam.jpg", T0, lat=KYOTO[0], lon=KYOTO[1],
                                     description="my old camera"),
    })
    summary = import_takeout(catalog, [zp], lib / "Takeout")
    assert summary.duplicates == 1 and summary.copied == 0
    (row,) = _rows(catalog, "SELECT * FROM files")
    assert row["taken_at_source"] == "exif"  # the JSON does not beat real EXIF
    assert abs(row["gps_lat"] - KYOTO[0]) < 1e-4  # but the position is taken where none was
    with catalog.read() as conn:
        assert [h.file_id for h in text_search(conn, "camera")[0]] == [row["id"]]
    assert len(_rows(catalog, "SELECT * FROM roots")) == 1  # inside a root: none added


def test_an_extracted_folder_imports_like_its_zip(catalog, tmp_path):
    part1, part2 = _files(ROWS)
    folder = write_folder(tmp_path / "x", {**part1, **part2})
    summary = import_takeout(catalog, [folder], tmp_path / "Library")
    assert summary.copied == len(ROWS) + 2 and len(summary.unmatched) == 1


def test_an_interrupted_import_goes_on_where_it_stopped(catalog, tmp_path, takeout):
    task = TaskState("import")
    seen = []

    def stop_after_three(p):
        seen.append(p.done)
        if p.done >= 3 and p.total:
            task.cancel()

    task.on_progress, task.min_interval_s = stop_after_three, 0
    with pytest.raises(Cancelled):
        import_takeout(catalog, takeout, tmp_path / "Library", task)
    lib = tmp_path / "Library"
    assert not list(lib.rglob("*.shoebox-part"))
    summary = import_takeout(catalog, takeout, lib)
    assert summary.already_imported + summary.copied + summary.duplicates == summary.media
    names = sorted(p.name for p in lib.rglob("*") if p.is_file())
    assert len(names) == len(set(names)) == len(ROWS) + 2


def test_a_copy_made_before_a_kill_is_not_copied_twice(catalog, tmp_path, takeout, monkeypatch):
    def killed(*_):
        raise KeyboardInterrupt  # the journal never got written, as after kill -9

    monkeypatch.setattr(takeout_mod, "_record", killed)
    with pytest.raises(KeyboardInterrupt):
        import_takeout(catalog, takeout, tmp_path / "Library")
    monkeypatch.undo()
    summary = import_takeout(catalog, takeout, tmp_path / "Library")
    files = [p for p in (tmp_path / "Library").rglob("*") if p.is_file()]
    assert len(files) == len(ROWS) + 2 and not any("(2)" in p.name for p in files)
    assert summary.copied == len(ROWS) + 2


def test_not_a_zip_is_a_clear_error(catalog, tmp_path):
    from core.errors import LibraryError

    bad = tmp_path / "takeout.zip"
    bad.write_bytes(b"not a zip")
    with pytest.raises(LibraryError, match="not a Takeout zip"):
        import_takeout(catalog, [bad], tmp_path / "Library")


def test_cli_import_then_show_says_where_the_date_came_from(tmp_path, capsys):
    from tests.cli_runner import run_ok

    zp = write_zip(tmp_path / "t.zip", {
        f"{Y}/IMG_20160712_101010.jpg": jpeg_bytes(1),
        f"{Y}/IMG_20160712_101010.jpg.supplemental-metadata.json": sidecar(
            "IMG_20160712_101010.jpg", T0, lat=KYOTO[0], lon=KYOTO[1], description="dawn"),
        f"{Y}/nojson.jpg": jpeg_bytes(2),
        f"{Y}/IMG_5.jpg": jpeg_bytes(3),
        f"{Y}/IMG_5.jpg.json": sidecar("IMG_5.jpg", T0),
    })
    out = json.loads(run_ok(capsys, "import", "takeout", str(zp), "--into",
                            str(tmp_path / "Lib"), "--json"))
    assert out["copied"] == 3 and out["matched_json"] == 2
    assert out["unmatched"][0]["file"].endswith("nojson.jpg") and out["unmatched"][0]["reason"]
    text = run_ok(capsys, "import", "takeout", str(zp), "--into", str(tmp_path / "Lib"))
    assert "3 imported before" in text and "nojson.jpg" in text
    shown = run_ok(capsys, "show", str(tmp_path / "Lib" / "2016" / "IMG_20160712_101010.jpg"))
    assert "takeout: from the Google Takeout JSON" in shown and "Asia/Tokyo" in shown
    assert "dawn" in shown
    shown = run_ok(capsys, "show", str(tmp_path / "Lib" / "2016" / "IMG_5.jpg"))
    assert "this machine's time zone" in shown
    assert json.loads(run_ok(capsys, "albums", "--json")) == []


def test_album_and_favourite_filter_the_library(catalog, tmp_path, takeout):
    from core.query.filters import Filters, allowed_ids

    import_takeout(catalog, takeout, tmp_path / "Library")
    with catalog.read() as conn:
        names = {r[0]: r[1] for r in conn.execute("SELECT id, name FROM files")}
        in_album = allowed_ids(conn, Filters(album="kyoto TRIP"))
        favs = allowed_ids(conn, Filters(favorite=True))
    assert [names[i] for i in in_album] == ["IMG_20160712_101010.jpg"]
    assert [names[i] for i in favs] == ["Peanut Butter Balls.jpg"]
    from core.query.albums import list_albums

    assert [(a.name, a.files) for a in list_albums(catalog)] == [("Kyoto trip", 1)]


def test_a_damaged_file_in_the_zip_is_listed_and_the_rest_imported(catalog, tmp_path):
    good, bad = jpeg_bytes(1), jpeg_bytes(2)
    zp = write_zip(tmp_path / "t.zip", {f"{Y}/good.jpg": good, f"{Y}/bad.jpg": bad})
    data = bytearray(zp.read_bytes())
    at = data.index(bad[-60:-40])
    data[at] ^= 0xFF  # one flipped byte inside bad.jpg: its CRC no longer matches
    zp.write_bytes(bytes(data))
    summary = import_takeout(catalog, [zp], tmp_path / "Library")
    assert summary.copied == 1
    assert [f["file"].rsplit("/", 1)[1] for f in summary.failed] == ["bad.jpg"]
    assert "damaged in the zip" in summary.failed[0]["reason"]
    assert sorted(p.name for p in (tmp_path / "Library").rglob("*") if p.is_file()) == [
        "good.jpg"]


@pytest.mark.timeout(120)
def test_kill_9_mid_import_loses_nothing_and_a_second_run_finishes(catalog, tmp_path):
    import os
    import signal
    import subprocess
    import sys

    n = 400
    pad = os.urandom(300_000)
    files = {}
    for i in range(n):  # ~300 KB photos: slow enough to be killed half way
        jpg = jpeg_bytes(i % 7)
        files[f"{Y}/IMG_{i:04d}.jpg"] = jpg[:2] + b"".join(
            b"\xff\xfe" + (len(c) + 2).to_bytes(2, "big") + c
            for c in (i.to_bytes(4, "big") + pad[k:k + 60000] for k in range(0, len(pad), 60000))
        ) + jpg[2:]
        files[f"{Y}/IMG_{i:04d}.jpg.json"] = sidecar(f"IMG_{i:04d}.jpg", T0 + i)
    zp = write_zip(tmp_path / "takeout-001.zip", files)
    lib = tmp_path / "Library"
    code = "import sys; from core.cli.main import main; sys.exit(main(sys.argv[1:]))"
    proc = subprocess.Popen([sys.executable, "-c", code, "import", "takeout", str(zp),
                             "--into", str(lib)], cwd=os.getcwd())
    deadline = time.time() + 60
    while time.time() < deadline and proc.poll() is None:
        if len(list(lib.rglob("*.jpg"))) >= n // 4:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the import ended before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    copied_before = len(list(lib.rglob("*.jpg")))
    assert 0 < copied_before < n
    summary = import_takeout(catalog, [zp], lib)
    names = sorted(p.name for p in lib.rglob("*") if p.is_file())
    assert names == [f"IMG_{i:04d}.jpg" for i in range(n)]  # each once, none half-copied
    assert summary.copied + summary.already_imported == n and not summary.failed
    dated = _rows(catalog, "SELECT count(*) FROM files WHERE taken_at_source = 'takeout'")
    assert dated[0][0] == n


def test_a_json_that_cannot_be_read_is_listed_and_its_photo_still_copied(catalog, tmp_path):
    zp = write_zip(tmp_path / "t.zip", {f"{Y}/a.jpg": jpeg_bytes(1),
                                        f"{Y}/a.jpg.json": b"{not json"})
    summary = import_takeout(catalog, [zp], tmp_path / "Library")
    assert summary.copied == 1 and summary.failed[0]["file"].endswith("a.jpg.json")
    assert summary.unmatched[0]["file"].endswith("a.jpg")


def test_a_numbered_copy_without_its_json_does_not_take_the_first_ones_by_title(
        catalog, tmp_path):
    zp = write_zip(tmp_path / "t.zip", {
        f"{Y}/IMG_1.jpg": jpeg_bytes(1), f"{Y}/IMG_1.jpg.json": sidecar("IMG_1.jpg", T0),
        f"{Y}/IMG_1(1).jpg": jpeg_bytes(2),
    })
    summary = import_takeout(catalog, [zp], tmp_path / "Library")
    assert [u["file"].rsplit("/", 1)[1] for u in summary.unmatched] == ["IMG_1(1).jpg"]


def test_people_names_are_kept_for_the_people_issue(catalog, tmp_path):
    zp = write_zip(tmp_path / "t.zip", {
        f"{Y}/a.jpg": jpeg_bytes(1),
        f"{Y}/a.jpg.json": sidecar("a.jpg", T0, people=("Anna", "Ben", "Anna")),
    })
    import_takeout(catalog, [zp], tmp_path / "Library")
    assert sorted(r[0] for r in _rows(catalog, "SELECT name FROM takeout_people")) == [
        "Anna", "Ben"]


def test_an_album_copy_never_races_its_year_folder_twin_into_undated(catalog, tmp_path,
                                                                      monkeypatch):
    files = {}
    for i in range(4):
        files[f"{Y}/IMG_{i}.jpg"] = files[f"Trip/IMG_{i}.jpg"] = jpeg_bytes(30 + i)
        files[f"{Y}/IMG_{i}.jpg.json"] = sidecar(f"IMG_{i}.jpg", T0)
    zp = write_zip(tmp_path / "t.zip", files)
    opened = takeout_mod.Entry.open

    def slow_year_folder(self, zips):  # the year folder's copy is the slower one
        if self.folder == Y:
            time.sleep(0.2)
        return opened(self, zips)
    monkeypatch.setattr(takeout_mod.Entry, "open", slow_year_folder)
    summary = import_takeout(catalog, [zp], tmp_path / "Library")
    assert summary.copied == 4 and summary.duplicates == 4
    assert sorted(p.relative_to(tmp_path / "Library").as_posix()
                  for p in (tmp_path / "Library").rglob("*.jpg")) == [
        f"2016/IMG_{i}.jpg" for i in range(4)]
    assert len(_rows(catalog, "SELECT * FROM album_files")) == 4
