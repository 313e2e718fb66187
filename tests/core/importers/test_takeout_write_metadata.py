"""`import_takeout(..., write_metadata=True)` / `--write-metadata`: the JSON's date and GPS go
into the copies' own EXIF (read back by ExifTool); by default the copies are the exported
bytes, and a photo that cannot take them is copied as exported."""

from __future__ import annotations

import json
import time
import zipfile
from datetime import datetime
from zoneinfo import ZoneInfo

import xxhash

from core.importers.takeout import import_takeout
from tests.core.xmp.helpers import exiftool
from tests.media_factory import write_jpeg
from tests.takeout_factory import jpeg_bytes, sidecar, write_zip

Y = "Photos from 2016"
KYOTO = (35.0116, 135.7681)
T0 = 1468318210  # 2016-07-12 10:10:10 UTC: 19:10:10 in Kyoto


def _takeout(tmp_path, name="takeout-001.zip"):
    own = write_jpeg(tmp_path / "src" / "own.jpg", taken="2010:01:02 03:04:05", seed=30)
    return write_zip(tmp_path / name, {
        f"{Y}/kyoto.jpg": jpeg_bytes(1),
        f"{Y}/kyoto.jpg.json": sidecar("kyoto.jpg", T0, lat=KYOTO[0], lon=KYOTO[1]),
        "Kyoto trip/kyoto.jpg": jpeg_bytes(1),    # the same photo in an album
        f"{Y}/nowhere.jpg": jpeg_bytes(2),
        f"{Y}/nowhere.jpg.json": sidecar("nowhere.jpg", T0 + 60),
        f"{Y}/own.jpg": own.read_bytes(),   # its own EXIF date: never overwritten
        f"{Y}/own.jpg.json": sidecar("own.jpg", T0 + 120, lat=-33.8568, lon=151.2153),
        f"{Y}/broken.jpg": b"not a jpeg at all",
        f"{Y}/broken.jpg.json": sidecar("broken.jpg", T0 + 180, lat=1.0, lon=2.0),
    })


def _members(zp) -> dict[str, str]:
    with zipfile.ZipFile(zp) as zf:
        return {n.rsplit("/", 1)[1]: xxhash.xxh3_128(zf.read(n)).hexdigest()
                for n in zf.namelist() if not n.endswith(".json")}


def _copies(lib) -> dict[str, str]:
    return {p.name: xxhash.xxh3_128(p.read_bytes()).hexdigest() for p in lib.rglob("*.jpg")}


def test_by_default_the_copies_are_the_exported_bytes(catalog, tmp_path):
    zp = _takeout(tmp_path)
    summary = import_takeout(catalog, [zp], tmp_path / "Library")
    assert _copies(tmp_path / "Library") == _members(zp)
    assert summary.metadata_written == 0 and summary.metadata_failed == []


def test_write_metadata_puts_the_date_and_gps_into_the_files_exif(catalog, tmp_path):
    zp = _takeout(tmp_path)
    lib = tmp_path / "Library"
    summary = import_takeout(catalog, [zp], lib, write_metadata=True)
    assert summary.copied == 4 and summary.metadata_written == 3 and summary.duplicates == 1
    # a file exiv2 cannot write is copied as exported, and listed
    assert [f["file"].rsplit("/", 1)[1] for f in summary.metadata_failed] == ["broken.jpg"]
    exported, copies = _members(zp), _copies(lib)
    assert copies["broken.jpg"] == exported["broken.jpg"]
    assert not list(lib.rglob("*.shoebox-part"))
    kyoto = exiftool(lib / "2016" / "kyoto.jpg")
    wall = datetime.fromtimestamp(T0, ZoneInfo("Asia/Tokyo"))
    assert kyoto["DateTimeOriginal"] == wall.strftime("%Y:%m:%d %H:%M:%S") == "2016:07:12 19:10:10"
    assert abs(kyoto["GPSLatitude"] - KYOTO[0]) < 1e-4
    assert abs(kyoto["GPSLongitude"] - KYOTO[1]) < 1e-4
    nowhere = exiftool(lib / "2016" / "nowhere.jpg")   # no position: this machine's time
    assert nowhere["DateTimeOriginal"] == datetime.fromtimestamp(T0 + 60).strftime(
        "%Y:%m:%d %H:%M:%S") and "GPSLatitude" not in nowhere
    own = exiftool(lib / "2016" / "own.jpg")   # its own date kept; the position it lacked added
    assert own["DateTimeOriginal"] == "2010:01:02 03:04:05"
    assert abs(own["GPSLatitude"] + 33.8568) < 1e-4 and abs(own["GPSLongitude"] - 151.2153) < 1e-4
    with catalog.read() as conn:
        rows = {r["name"]: r for r in conn.execute("SELECT * FROM files")}
    # the scan reads what was written, and the catalog's date is the same second
    k = rows["kyoto.jpg"]
    assert k["taken_at_source"] == "exif"
    assert k["taken_at"] == time.mktime(wall.replace(tzinfo=None).timetuple())
    assert abs(k["gps_lat"] - KYOTO[0]) < 1e-4
    with catalog.read() as conn:   # the album's copy of it is the same photo, in its album
        assert conn.execute("SELECT a.name FROM album_files af JOIN albums a ON a.id = "
                            "af.album_id WHERE af.file_id = ?", (k["id"],)).fetchone()[0] == "Kyoto trip"


def test_the_same_takeout_again_is_recognised_though_the_copies_changed(catalog, tmp_path):
    zp = _takeout(tmp_path)
    lib = tmp_path / "Library"
    import_takeout(catalog, [zp], lib, write_metadata=True)
    again = tmp_path / "again"
    again.mkdir()
    summary = import_takeout(catalog, [zp.rename(again / "takeout-001.zip")], lib,
                             write_metadata=True)
    assert summary.copied == 0 and summary.duplicates == 5
    assert len(list(lib.rglob("*.jpg"))) == 4


def test_cli_write_metadata_flag(tmp_path, capsys):
    from tests.cli_runner import run_ok

    zp = _takeout(tmp_path)
    out = json.loads(run_ok(capsys, "import", "takeout", str(zp), "--into",
                            str(tmp_path / "Library"), "--write-metadata", "--json"))
    assert out["metadata_written"] == 3
    lib = tmp_path / "Library"
    assert exiftool(lib / "2016" / "kyoto.jpg")["DateTimeOriginal"] == "2016:07:12 19:10:10"


def test_cli_without_the_flag_keeps_the_bytes(tmp_path, capsys):
    from tests.cli_runner import run_ok

    zp = _takeout(tmp_path)
    run_ok(capsys, "import", "takeout", str(zp), "--into", str(tmp_path / "Library"))
    assert _copies(tmp_path / "Library") == _members(zp)
