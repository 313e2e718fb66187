"""Capture dates from file names, and the one list of date sources."""

import os
import time
from datetime import datetime

import pytest

from core.files.dates import DATE_SOURCES, capture_dated_sql, date_from_name
from core.places.events import update_events
from core.scan.roots import add_root
from core.scan.scanner import scan
from tests.cli_runner import run_ok
from tests.media_factory import write_jpeg, write_png


def _local(*args) -> float:
    return time.mktime(datetime(*args).timetuple())


@pytest.mark.parametrize("name, when", [
    ("Screenshot_20230201-120000.png", (2023, 2, 1, 12, 0, 0)),
    ("Screenshot_2023-02-01-12-30-15-123_com.android.chrome.png", (2023, 2, 1, 12, 30, 15)),
    ("Screen Shot 2019-05-01 at 10.11.12 AM.png", (2019, 5, 1, 10, 11, 12)),
    ("IMG-20230101-WA0001.jpg", (2023, 1, 1, 12, 0, 0)),        # WhatsApp: a day, no time
    ("VID-20230101-WA0002.mp4", (2023, 1, 1, 12, 0, 0)),
    ("PXL_20230402_101500123.jpg", (2023, 4, 2, 10, 15, 0)),
    ("PXL_20230402_101500123.MP.jpg", (2023, 4, 2, 10, 15, 0)),
    ("VID_20230402_101500.mp4", (2023, 4, 2, 10, 15, 0)),
    ("IMG_20230402_101500.jpg", (2023, 4, 2, 10, 15, 0)),
    ("20180812_101010.jpg", (2018, 8, 12, 10, 10, 10)),
    ("signal-2023-04-02-101500.jpg", (2023, 4, 2, 10, 15, 0)),
])
def test_names_phones_and_apps_write_give_their_capture_time(name, when):
    assert date_from_name(name) == _local(*when)


@pytest.mark.parametrize("name", [
    "IMG_0001.jpg", "DSC01234.JPG", "holiday.jpg", "20181332_101010.jpg",  # month 13
    "20230230_101010.jpg",                    # 30 February
    "Screenshot_20990101-120000.png",         # the future
    "scan_19750101_120000.jpg",               # before phones named files so
    "12345678901234.jpg", "report-2023.pdf",
])
def test_names_without_a_real_date_give_none(name):
    assert date_from_name(name) is None


def test_the_sources_are_one_ordered_list_used_in_sql():
    assert DATE_SOURCES[:2] == ("exif", "container") and DATE_SOURCES[-1] == "filename"
    assert "mtime" not in DATE_SOURCES
    assert capture_dated_sql("x") == ("x.taken_at_source IN ('exif', 'container', 'takeout', "
                                      "'xmp', 'filename')")
    # sidecars sit between a file's own metadata and its name
    assert DATE_SOURCES.index("container") < DATE_SOURCES.index("takeout") < \
        DATE_SOURCES.index("xmp") < DATE_SOURCES.index("filename")


def test_a_scan_dates_files_by_name_and_never_by_mtime(catalog, tmp_path):
    lib = tmp_path / "Camera"
    write_png(lib / "Screenshot_20230201-120000.png")
    write_jpeg(lib / "IMG-20230101-WA0001.jpg")
    write_jpeg(lib / "IMG_0001.jpg")
    write_jpeg(lib / "PXL_20230402_101500123.jpg", taken="2023:04:03 09:00:00")  # EXIF wins
    add_root(catalog, lib)
    scan(catalog)
    with catalog.read() as conn:
        rows = {r[0]: (r[1], r[2]) for r in conn.execute(
            "SELECT name, taken_at, taken_at_source FROM files")}
    assert rows["Screenshot_20230201-120000.png"] == (_local(2023, 2, 1, 12), "filename")
    assert rows["IMG-20230101-WA0001.jpg"] == (_local(2023, 1, 1, 12), "filename")
    assert rows["IMG_0001.jpg"][1] == "mtime"
    assert rows["PXL_20230402_101500123.jpg"] == (_local(2023, 4, 3, 9), "exif")


def test_a_catalog_scanned_before_names_were_read_gets_their_dates_without_rehashing(
        catalog, tmp_path, monkeypatch):
    lib = tmp_path / "Camera"
    shot = write_png(lib / "Screenshot_20230201-120000.png")
    write_jpeg(lib / "IMG_0001.jpg")
    add_root(catalog, lib)
    scan(catalog)

    def old_scanner(conn):  # an earlier version recorded the file's mtime; 0012 left no source
        conn.execute("UPDATE files SET taken_at = 1, taken_at_source = NULL")
    catalog.write(old_scanner)
    from core.scan import scanner

    def no_hashing(path):
        raise AssertionError(f"{path} was read again")
    monkeypatch.setattr(scanner, "hash_file", no_hashing)
    report = scan(catalog)
    assert report.unchanged == 2
    with catalog.read() as conn:
        got = dict(conn.execute("SELECT name, taken_at_source FROM files").fetchall())
        taken = conn.execute("SELECT taken_at FROM files WHERE path = ?",
                             (str(shot),)).fetchone()[0]
    assert got == {"Screenshot_20230201-120000.png": "filename", "IMG_0001.jpg": "mtime"}
    assert taken == _local(2023, 2, 1, 12)
    with catalog.read() as conn:           # once: the next scan has nothing left to look at
        assert conn.execute("SELECT count(*) FROM files WHERE taken_at_source IS NULL"
                            ).fetchone()[0] == 0


def test_a_date_from_a_name_counts_for_events(catalog, tmp_path):
    lib = tmp_path / "Camera"
    for i in range(3):
        write_jpeg(lib / f"PXL_20230402_10{i}000000.jpg", seed=i)
    os.utime(lib, None)
    add_root(catalog, lib)
    scan(catalog)
    assert update_events(catalog) == 1
    with catalog.read() as conn:
        assert conn.execute("SELECT file_count FROM events").fetchone()[0] == 3


def test_show_says_where_the_date_came_from(tmp_path, capsys):
    photo = write_jpeg(tmp_path / "lib" / "IMG-20230101-WA0001.jpg")
    run_ok(capsys, "add", str(tmp_path / "lib"))
    run_ok(capsys, "scan")
    out = run_ok(capsys, "show", str(photo))
    assert "2023-01-01 12:00 (filename: from the file name)" in out


def test_a_catalog_from_before_takes_filename_dates_and_keeps_its_rows(paths, monkeypatch):
    """Migration 0012 lifts the CHECK that named three sources, without rebuilding `files`."""
    from core.catalog import migrate as m
    from core.catalog.connection import connect

    shipped = m.available_migrations()
    monkeypatch.setattr(m, "available_migrations", lambda: [x for x in shipped if x[0] <= 10])
    m.migrate(paths.catalog, paths.backups)
    conn = connect(paths.catalog)
    conn.execute("INSERT INTO roots(path, added_at) VALUES ('/x', 0)")
    conn.execute("INSERT INTO files(root_id, path, folder, name, kind, format, size, mtime_ns, "
                 "taken_at, taken_at_source, first_seen_at) VALUES (1, '/x/a.jpg', '/x', "
                 "'a.jpg', 'photo', 'jpeg', 1, 0, 5, 'exif', 0), (1, '/x/c.jpg', '/x', 'c.jpg', "
                 "'photo', 'jpeg', 1, 0, 7, 'mtime', 0)")
    conn.close()
    monkeypatch.setattr(m, "available_migrations", lambda: shipped)
    assert 12 in m.migrate(paths.catalog, paths.backups)
    conn = connect(paths.catalog)
    conn.execute("INSERT INTO files(root_id, path, folder, name, kind, format, size, mtime_ns, "
                 "taken_at, taken_at_source, first_seen_at) VALUES (1, '/x/IMG-20230101-WA0001"
                 ".jpg', '/x', 'b.jpg', 'photo', 'jpeg', 1, 0, 6, 'filename', 0)")
    assert [tuple(r) for r in conn.execute(
        "SELECT path, taken_at_source FROM files ORDER BY id")] == [
        ("/x/a.jpg", "exif"), ("/x/c.jpg", None),   # the next scan looks at its name
        ("/x/IMG-20230101-WA0001.jpg", "filename")]
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    conn.close()
