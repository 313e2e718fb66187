"""Camera names, clock times and file sizes read the same in the app and the CLI."""

from __future__ import annotations

import pytest

from core.query.display import camera_label, clock, file_size


@pytest.mark.parametrize("make, model, label", [
    ("Canon", "Canon EOS 5D Mark III", "Canon EOS 5D Mark III"),
    ("NIKON CORPORATION", "NIKON D2X", "Nikon D2X"),
    ("OLYMPUS IMAGING CORP.", "E-M10", "Olympus E-M10"),
    ("EASTMAN KODAK COMPANY", "KODAK Z740 ZOOM DIGITAL CAMERA", "Kodak Z740 ZOOM DIGITAL CAMERA"),
    ("SAMSUNG TECHWIN CO., LTD.", "Digimax S600", "Samsung Digimax S600"),
    ("Apple", "iPhone 12", "Apple iPhone 12"),
    ("HTC", "One", "HTC One"),
    ("  Canon ", None, "Canon"),
    (None, "DMC-FZ50", "DMC-FZ50"),
    (None, None, ""),
])
def test_the_maker_is_named_once(make, model, label):
    assert camera_label(make, model) == label


def test_one_clock_for_lengths_and_times():
    assert clock(29.6) == "0:29"       # the tile and the pane agree (it was 0:30 and 0:29)
    assert clock(0) == "0:00"
    assert clock(3725.2) == "1:02:05"
    assert clock(None) == "" and clock(float("nan")) == "" and clock(-1) == ""


def test_the_cli_and_the_detail_read_the_same_camera(tmp_path, catalog):
    from core.query import file_detail, filter_choices
    from core.scan.roots import add_root
    from core.scan.scanner import scan
    from tests.media_factory import write_jpeg

    write_jpeg(tmp_path / "lib" / "a.jpg", (64, 48), seed=1)
    add_root(catalog, tmp_path / "lib")
    scan(catalog)
    catalog.write(lambda c: c.execute(
        "UPDATE files SET camera_make = 'NIKON CORPORATION', camera_model = 'NIKON D2X'"))
    with catalog.read() as conn:
        fid = conn.execute("SELECT id FROM files").fetchone()[0]
    assert file_detail(catalog, fid).camera == "Nikon D2X"
    ch = filter_choices(catalog)
    assert ch.cameras == ["NIKON CORPORATION NIKON D2X"]          # the filter's value
    assert ch.camera_labels == {"NIKON CORPORATION NIKON D2X": "Nikon D2X"}


def test_file_sizes_to_three_figures():
    assert file_size(830_000) == "830 KB"
    assert file_size(2_413_000) == "2.41 MB" and file_size(2_433_000) == "2.43 MB"  # copies differ
    assert file_size(24_130_000) == "24.1 MB" and file_size(1_204_000_000) == "1.20 GB"
    assert file_size(512) == "512 bytes" and file_size(None) == ""


def test_month_label_is_the_local_month():
    import datetime as dt

    from core.query.display import month_label

    assert month_label(dt.datetime(2023, 3, 31, 23, 59).timestamp()) == "March 2023"


def test_plural_counts_read_as_english():
    from core.query.display import plural

    assert plural(1, "photo") == "1 photo" and plural(0, "photo") == "0 photos"
    assert plural(1, "person", "people") == "1 person" and plural(3, "person", "people") == \
        "3 people"
    assert plural(12000, "file") == "12,000 files"
