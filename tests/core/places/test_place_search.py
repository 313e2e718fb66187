"""Places are words: real photos of the sample library, copied with EXIF GPS written at real towns, are
found by town, region and country names, with or without accents, and by --place."""

from __future__ import annotations

import json
import shutil
from fractions import Fraction
from pathlib import Path

import pytest
from PIL import Image

from core.sample import sample_dir
from tests.cli_runner import run_ok

SAMPLES = sample_dir()

# sample photo -> our name for it and where it is said to have been taken (its own GPS, if
# any, is replaced)
SOURCES = {
    "Aqua.jpg": "Phone/2023-04 Lisbon/IMG_2031.jpg",
    "Dune.jpg": "Phone/2023-04 Lisbon/IMG_2033.jpg",
    "Garden.jpg": "Phone/2023-04 Lisbon/IMG_2034.jpg",
    "Storm.jpg": "Phone/2015-02 Florida/IMG_0412.jpg",
    "TwoWings.jpg": "Phone/2023-06 Home/IMG_2301.jpg",
    "Blinds.jpg": "Scans/cameraman.jpg",                  # no GPS
    "RainDrops.jpg": "Downloads/hubble_deep_field.jpg",   # no GPS
}
TOWNS = {
    "Aqua.jpg": (-33.0458, -71.6197),        # Valparaíso, Chile
    "Dune.jpg": (69.6496, 18.9560),          # Tromsø, Norway
    "Garden.jpg": (35.0116, 135.7681),       # Kyoto, Japan
    "Storm.jpg": (-54.8019, -68.3030),       # Ushuaia, Argentina
    "TwoWings.jpg": (50.0614, 19.9366),      # Kraków, Poland
}
UNPLACED = ["Blinds.jpg", "RainDrops.jpg"]


def dms(value: float):
    d = int(value)
    m = int((value - d) * 60)
    s = ((value - d) * 60 - m) * 60
    return (Fraction(d), Fraction(m), Fraction(s).limit_denominator(1000))


def with_gps(src: Path, dst: Path, lat: float, lon: float) -> Path:
    """A copy of a real photo with an EXIF GPS block (IFD 0x8825) at (lat, lon)."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    with Image.open(src) as im:
        exif = im.getexif()
        gps = exif.get_ifd(0x8825)
        gps[1], gps[2] = ("N" if lat >= 0 else "S"), dms(abs(lat))
        gps[3], gps[4] = ("E" if lon >= 0 else "W"), dms(abs(lon))
        im.save(dst, "JPEG", quality=90, exif=exif.tobytes())
    return dst


@pytest.fixture
def library(tmp_path, capsys):
    lib = tmp_path / "lib" / "DCIM"
    for name, (lat, lon) in TOWNS.items():
        with_gps(SAMPLES / SOURCES[name], lib / name, lat, lon)
    for name in UNPLACED:
        shutil.copy(SAMPLES / SOURCES[name], lib / name)
    run_ok(capsys, "add", str(tmp_path / "lib"))
    run_ok(capsys, "scan")
    run_ok(capsys, "index", "--stage", "places")
    return lib


def search(capsys, *argv) -> list[str]:
    out = json.loads(run_ok(capsys, "search", *argv, "--json"))
    return [Path(h["path"]).name for h in out["hits"]]


@pytest.mark.parametrize("query, photo", [
    ("Valparaíso", "Aqua.jpg"), ("Valparaiso", "Aqua.jpg"), ("valparaiso chile", "Aqua.jpg"),
    ("Chile", "Aqua.jpg"),
    ("Tromsø", "Dune.jpg"), ("Tromso", "Dune.jpg"), ("Norway", "Dune.jpg"),
    ("Kyoto", "Garden.jpg"), ("Japan", "Garden.jpg"),
    ("Ushuaia", "Storm.jpg"), ("Tierra del Fuego", "Storm.jpg"), ("Argentina", "Storm.jpg"),
    ("Kraków", "TwoWings.jpg"), ("Krakow", "TwoWings.jpg"), ("Lesser Poland", "TwoWings.jpg"),
    ("photos from Poland", "TwoWings.jpg"),
])
def test_search_by_town_region_country_with_or_without_accents(library, capsys, query, photo):
    hits = search(capsys, query)
    assert hits and hits[0] == photo, (query, hits)
    assert not set(hits) & set(UNPLACED)


def test_place_filter_and_places_list(library, capsys):
    assert search(capsys, "--place", "valparaiso") == ["Aqua.jpg"]
    assert search(capsys, "--place", "NORWAY") == ["Dune.jpg"]
    assert search(capsys, "--place", "Atlantis") == []
    places = json.loads(run_ok(capsys, "places", "--json"))
    labels = {p["label"]: p["count"] for p in places}
    assert labels == {"Valparaíso, Chile": 1, "Tromsø, Norway": 1, "Kyoto, Japan": 1,
                      "Ushuaia, Argentina": 1, "Kraków, Poland": 1}


def test_ask_where_was_this_taken(library, catalog):
    from core.search import ask

    out = ask(catalog, None, str(library / "Garden.jpg"), "Where was this taken?")
    assert out.answer.startswith("Taken in Kyoto") and "Japan" in out.answer
    assert out.based_on == ["place"] and out.confident
    assert out.context["place"] == "Kyoto, Japan (from the photo's GPS)"  # the region is the town


def test_moved_photo_keeps_its_place_and_is_not_redone(library, capsys, tmp_path):
    (library / "trip").mkdir()
    (library / "Garden.jpg").rename(library / "trip" / "Garden.jpg")
    run_ok(capsys, "scan")
    out = json.loads(run_ok(capsys, "index", "--stage", "places", "--json"))
    assert out["stages"]["places"]["done"] == 0
    assert search(capsys, "Kyoto") == ["Garden.jpg"]
