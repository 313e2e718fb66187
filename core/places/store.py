"""File places in the catalog: written by the places stage (from GPS) and by events (inferred
for files without GPS), read by search filters, the detail pane, `ask`, naming and the GUI.

A file's place words (town, region, country, and their accent-free spellings) are indexed
for search by triggers on `file_places` (migration 0007).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass

from core.catalog.chunks import in_chunks
from core.catalog.connection import Connection
from core.places.exonyms import town_title
from core.places.geocoder import Place, place_label
from core.plain import NO_MARK_LETTERS, plain


def place_key(text: str | None) -> str | None:
    """A name folded for matching: lower case, no accents, single spaces ('Łódź' -> 'lodz',
    'Valparaíso' -> 'valparaiso')."""
    return (plain(text) or None) if text else None


@dataclass(frozen=True)
class FilePlace:
    place: str | None
    region: str | None
    country: str | None
    country_code: str | None
    inferred: bool            # from the file's event, not from its own GPS
    distance_km: float | None = None
    spellings: str | None = None   # other searchable names, folded (see _row)

    def label(self) -> str:
        """'Kyoto, Japan' (region only when there is no town)."""
        return place_label(self.place, self.region, self.country)

    def to_dict(self) -> dict:
        return {**asdict(self), "label": self.label()}


def plain_spellings(*names: str | None) -> str | None:
    """The folded forms of names with letters SQLite's tokenizer keeps as they are (ł, ø, æ,
    ß, đ, ...), so 'Lodz' finds Łódź; None when the tokenizer's own folding is enough."""
    extra = [place_key(n) for n in names if n and n != n.translate(NO_MARK_LETTERS)]
    return " ".join(e for e in extra if e) or None


def _row(file_id: int, source: str, p: FilePlace | Place, distance: float | None) -> tuple:
    if isinstance(p, FilePlace):        # a place already recorded (an event's, for a member)
        name, spellings = p.place, p.spellings
    else:                               # the geocoder's: accent-free forms and other names
        name = p.name
        spellings = " ".join(x for x in (plain_spellings(name, p.region, p.country),
                                         p.alternates) if x) or None
    return (file_id, source, name, p.region, p.country, p.country_code, distance,
            place_key(name), place_key(p.region), place_key(p.country), spellings)


_UPSERT = """
INSERT INTO file_places(file_id, source, place, region, country, country_code, distance_km,
                        place_key, region_key, country_key, spellings)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT(file_id) DO UPDATE SET source = excluded.source, place = excluded.place,
    region = excluded.region, country = excluded.country, country_code = excluded.country_code,
    distance_km = excluded.distance_km, place_key = excluded.place_key,
    region_key = excluded.region_key, country_key = excluded.country_key,
    spellings = excluded.spellings
"""


def set_gps_place(conn: Connection, file_id: int, place: Place | None) -> None:
    """Record where a file's own GPS says it was (None: it has no usable position; an
    inferred place, if any, is left to the events step)."""
    if place is None:
        conn.execute("DELETE FROM file_places WHERE file_id = ? AND source = 'gps'", (file_id,))
        return
    conn.execute(_UPSERT, _row(file_id, "gps", place, place.distance_km))


def set_inferred_places(conn: Connection, places: dict[int, FilePlace | None],
                        scope: list[int] | None = None) -> int:
    """Make the inferred ('event') places of files match `places` (None: no inferred place);
    files with a GPS place are never touched. scope: only these files' places are looked at
    (None: all files'). Writes only what changed; returns that count."""
    select = "SELECT file_id, place, region, country, spellings, source FROM file_places"
    if scope is None:
        rows = conn.execute(select).fetchall()
    else:
        rows = [r for chunk, marks in in_chunks(sorted(set(scope)))
                for r in conn.execute(f"{select} WHERE file_id IN ({marks})", chunk)]
    have = {r[0]: (r[1], r[2], r[3], r[4]) for r in rows if r[5] == "event"}
    gps = {r[0] for r in rows if r[5] == "gps"}
    changed = 0
    for fid, p in places.items():
        if fid in gps:
            continue
        if p is None:
            if fid in have:
                conn.execute("DELETE FROM file_places WHERE file_id = ? AND source = 'event'",
                             (fid,))
                changed += 1
            continue
        if have.get(fid) != (p.place, p.region, p.country, p.spellings):
            conn.execute(_UPSERT, _row(fid, "event", p, None))
            changed += 1
    stale = [fid for fid in have if fid not in places]
    conn.executemany("DELETE FROM file_places WHERE file_id = ? AND source = 'event'",
                     [(f,) for f in stale])
    return changed + len(stale)


def file_place(conn: Connection, file_id: int) -> FilePlace | None:
    r = conn.execute("SELECT place, region, country, country_code, source, distance_km, "
                     "spellings FROM file_places WHERE file_id = ?", (file_id,)).fetchone()
    if r is None:
        return None
    return FilePlace(r[0], r[1], r[2], r[3], r[4] == "event", r[5], r[6])


def file_places(conn: Connection, file_ids) -> dict[int, FilePlace]:
    ids = [int(i) for i in file_ids]
    out: dict[int, FilePlace] = {}
    for chunk, marks in in_chunks(ids):
        for r in conn.execute(
                f"SELECT file_id, place, region, country, country_code, source, distance_km, "
                f"spellings FROM file_places WHERE file_id IN ({marks})", chunk):
            out[r[0]] = FilePlace(r[1], r[2], r[3], r[4], r[5] == "event", r[6], r[7])
    return out


@dataclass(frozen=True)
class PlaceCount:
    """One entry of the library's places: a town (with its region and country) and how many
    present photos and videos are there (`inferred` of them from their event)."""

    place: str | None
    region: str | None
    country: str | None
    count: int
    inferred: int

    def label(self) -> str:
        return place_label(self.place, self.region, self.country)

    def to_dict(self) -> dict:
        return {**asdict(self), "label": self.label()}


def library_places(conn: Connection, *, limit: int | None = None) -> list[PlaceCount]:
    """The library's places with their counts, most photos first (the GUI's place chip)."""
    rows = conn.execute(
        "SELECT p.place, p.region, p.country, count(*) AS n, "
        "       sum(p.source = 'event') AS inferred "
        "FROM file_places p JOIN files f ON f.id = p.file_id "
        "WHERE f.status = 'present' AND f.kind IN ('photo', 'video') "
        "GROUP BY p.place_key, p.region_key, p.country_key "
        "ORDER BY n DESC, p.country, p.place LIMIT ?",
        (-1 if limit is None else int(limit),)).fetchall()
    return [PlaceCount(r[0], r[1], r[2], r[3], r[4] or 0) for r in rows]


def place_filter_sql(text: str, alias: str = "f") -> tuple[str, list]:
    """SQL condition: the file was at a place whose town, region or country is `text`
    (case and accents ignored: 'valparaiso' finds Valparaíso), or one of the town's other
    names ('Bruges' finds Brugge). Values are bound."""
    key = place_key(text) or ""
    sql = (f"{alias}.id IN (SELECT file_id FROM file_places WHERE place_key = ? "
           "OR region_key = ? OR country_key = ? "
           "OR instr(' ' || spellings || ' ', ' ' || ? || ' ') > 0)")   # 'Bruges' for Brugge
    return sql, [key, key, key, key]


@dataclass
class PlacesSummary:
    """Where a set of files was, in words (for naming collections and showing events)."""

    label: str | None                       # 'Kyoto', 'Iceland trip', 'Bavaria', or None
    places: list[tuple[str, int]]           # ('Kyoto, Japan', files) most first
    located: int                            # files with a place (own or inferred)
    total: int


DOMINANT = 0.6   # a place that holds this share of the located files names the whole set


def summarize_places(places: list[FilePlace], total: int, home_country: str | None = None
                     ) -> PlacesSummary:
    """Name a set of files by where they were: one town holding most of them -> the town;
    else one region -> the region; else one country other than home -> '<country> trip';
    else the country. Never coordinates."""
    located = len(places)
    towns = Counter(p.label() for p in places if p.place)
    summary = PlacesSummary(None, towns.most_common(8), located, total)
    if not located:
        return summary
    def dominant(values) -> str | None:
        counts = Counter(v for v in values if v)
        if not counts:
            return None
        name, n = counts.most_common(1)[0]
        return name if n >= DOMINANT * located else None

    town = dominant(p.place for p in places)
    country = dominant(p.country for p in places)
    region = dominant(p.region for p in places)
    if town:                                                    # Kyoto; Bruges (Brugge)
        summary.label = town_title(town, next(p.country for p in places if p.place == town))
    elif country and home_country and country != home_country:
        summary.label = f"{country} trip"                       # Iceland trip
    elif region:
        summary.label = region                                  # Bavaria
    elif country:
        summary.label = country
    return summary


def home_country(conn: Connection) -> str | None:
    """The country most of the library's located photos were taken in, counted by distinct
    days so that one busy trip does not outweigh everyday life."""
    r = conn.execute(
        "SELECT p.country FROM file_places p JOIN files f ON f.id = p.file_id "
        "WHERE p.source = 'gps' AND p.country IS NOT NULL AND f.status = 'present' "
        "GROUP BY p.country "
        "ORDER BY count(DISTINCT date(f.taken_at, 'unixepoch', 'localtime')) DESC, "
        "count(*) DESC LIMIT 1").fetchone()
    return r[0] if r else None
