"""The geocoder against the real GeoNames table the default install ships."""

from __future__ import annotations

import numpy as np
import pytest

from core.files.positions import valid_position
from core.places.geocoder import (
    Geocoder,
    haversine_km,
    place_label,
    shared_geocoder,
)


@pytest.fixture(scope="module")
def geo(tmp_path_factory):
    return Geocoder.load(tmp_path_factory.mktemp("places-cache"))


@pytest.mark.parametrize("lat, lon, town, region, country", [
    (35.0116, 135.7681, "Kyoto", "Kyoto", "Japan"),
    (-33.0458, -71.6197, "Valparaíso", "Valparaíso", "Chile"),
    (69.6496, 18.9560, "Tromsø", "Troms", "Norway"),
    (-54.8019, -68.3030, "Ushuaia", "Tierra del Fuego", "Argentina"),
    (37.5665, 126.9780, "Seoul", "Seoul", "South Korea"),     # not "Korea, Republic of"
])
def test_real_towns(geo, lat, lon, town, region, country):
    p = geo.lookup(lat, lon)
    assert (p.name, p.country) == (town, country)
    assert region in p.region
    assert p.distance_km < 10


def index_of(geo, name: str) -> int:
    return next(i for i, n in enumerate(geo.name_idx) if geo.names[n] == name)


def test_great_circle_not_raw_degrees(geo):
    """At 64° N a degree of longitude is 0.44 of one of latitude: comparing raw degrees (as
    reverse-geocode's own lookup does) names Kópavogur for this point, 4.1 km away, though
    Reykjavík's centre is 2.6 km away."""
    import reverse_geocode

    point = (64.1466, -21.9426)
    assert reverse_geocode.get(point)["city"] == "Kópavogur"      # the package's answer
    p = geo.lookup(*point)
    assert p.name == "Reykjavík"
    rey = index_of(geo, "Reykjavík")
    kop = index_of(geo, "Kópavogur")
    d_rey = float(haversine_km(*point, geo.lat[rey], geo.lon[rey]))
    d_kop = float(haversine_km(*point, geo.lat[kop], geo.lon[kop]))
    assert d_rey < d_kop and abs(p.distance_km - d_rey) < 0.01


def test_near_ties_go_to_the_larger_place(geo):
    """Seltjarnarnes (pop. 4,700) and Reykjavík (119,000) are within 2 % of each other from
    this point: the city names it. Right next to Seltjarnarnes' centre, the town does."""
    assert geo.lookup(64.1466, -21.9426).name == "Reykjavík"
    i = index_of(geo, "Seltjarnarnes")
    assert geo.lookup(float(geo.lat[i]) + 0.001, float(geo.lon[i])).name == "Seltjarnarnes"


def test_open_sea_and_bad_positions_have_no_place(geo):
    assert geo.lookup(10.0, -40.0) is None                  # mid-Atlantic
    for lat, lon in [(0.0, 0.0), (0.00001, -0.00002), (91, 0), (0, 181), (float("nan"), 3),
                     (float("inf"), 0), ("12", None), (None, None), ("x", "y")]:
        assert geo.lookup(lat, lon) is None, (lat, lon)
    assert valid_position("45.5", "-73.6") == (45.5, -73.6)


def test_many_at_once_match_one_by_one(geo):
    rng = np.random.default_rng(0)
    lat, lon = rng.uniform(-50, 65, 300), rng.uniform(-170, 170, 300)
    many = geo.lookup_many(lat, lon)
    assert many == [geo.lookup(a, b) for a, b in zip(lat, lon)]


def test_cache_is_written_then_used(tmp_path):
    first = Geocoder.load(tmp_path)
    files = list(tmp_path.glob("geonames-*.npz"))
    assert len(files) == 1
    second = Geocoder.load(tmp_path)
    assert len(second) == len(first) > 150_000
    assert second.lookup(35.0116, 135.7681) == first.lookup(35.0116, 135.7681)
    files[0].write_bytes(b"not a zip")                      # a damaged cache is rebuilt
    assert Geocoder.load(tmp_path).lookup(35.0116, 135.7681).name == "Kyoto"
    assert shared_geocoder(tmp_path) is shared_geocoder(None)   # one table per process


def test_one_place_label_for_lists_and_for_the_detail():
    assert place_label("Kyoto", "Kyoto", "Japan") == "Kyoto, Japan"
    assert place_label(None, "Highland", "United Kingdom") == "Highland, United Kingdom"
    assert place_label(None, None, None) == ""
    # the detail and Ask name the region too, unless it is the town's own name
    assert place_label("Reykjavík", "Capital Region", "Iceland",
                       with_region=True) == "Reykjavík, Capital Region, Iceland"
    assert place_label("Kyoto", "Kyoto", "Japan", with_region=True) == "Kyoto, Japan"
    assert place_label(None, "Highland", "United Kingdom",
                       with_region=True) == "Highland, United Kingdom"
