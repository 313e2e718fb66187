"""Events: the timeline cut into runs of photos close in time and place — a birthday, a day
trip, a weekend away — and places inferred for the photos without GPS inside them.

How the cut is made (segment(), pure and vectorised):
1. Sessions: photos in time order, cut wherever nothing was taken for SESSION_GAP (6 h), so
   a night's sleep or a working day ends a session at home.
2. Trips: consecutive sessions far from home (over AWAY_KM from the place most days of the
   library were photographed) join while the gaps between them stay under TRIP_GAP (2 days):
   a weekend away, a fortnight's holiday. Sessions without any GPS between two such sessions
   are part of the trip; at home, sessions stay apart.
Only files with a capture date (core.files.dates) take part: a file dated by its
modification time was dated when it was copied, not when it was taken.

A member without GPS takes the place of the member with GPS nearest to it in time within its
event (for a one-town event: the event's place), recorded as inferred.
"""

from __future__ import annotations

import logging
import zlib
from collections import Counter
from dataclasses import asdict, dataclass

import numpy as np

from core.catalog import Catalog, Connection
from core.catalog.chunks import in_chunks
from core.files.dates import capture_dated_sql
from core.places.geocoder import haversine_km, unit_vectors
from core.places.store import (
    FilePlace,
    file_places,
    home_country,
    set_inferred_places,
    summarize_places,
)

log = logging.getLogger(__name__)

SESSION_GAP_S = 6 * 3600
TRIP_GAP_S = 48 * 3600
AWAY_KM = 50.0
HOME_CELL_DEG = 0.5          # home: the 0.5° cell (~50 km) photographed on most days
_FINGERPRINT_KEY = "events_fingerprint"   # in search_state: the timeline events were made from


# --- the cut -------------------------------------------------------------------------------

def home_position(times: np.ndarray, lat: np.ndarray, lon: np.ndarray
                  ) -> tuple[float, float] | None:
    """Where the library's photos were taken on most distinct days (None without GPS)."""
    ok = ~np.isnan(lat)
    if not ok.any():
        return None
    cells = np.stack([np.floor(lat[ok] / HOME_CELL_DEG), np.floor(lon[ok] / HOME_CELL_DEG),
                      np.floor(times[ok] / 86400)], axis=1)
    days = np.unique(cells, axis=0)                     # one vote per cell and day
    cell_ids, counts = np.unique(days[:, :2], axis=0, return_counts=True)
    best = cell_ids[np.argmax(counts)]
    inside = (np.floor(lat[ok] / HOME_CELL_DEG) == best[0]) & \
             (np.floor(lon[ok] / HOME_CELL_DEG) == best[1])
    return float(np.median(lat[ok][inside])), float(np.median(lon[ok][inside]))


def segment(times: np.ndarray, lat: np.ndarray, lon: np.ndarray,
            home: tuple[float, float] | None = None) -> np.ndarray:
    """Event number of each photo (times sorted ascending; lat/lon NaN where unknown).
    Numbers start at 0 and grow with time."""
    n = len(times)
    if n == 0:
        return np.zeros(0, np.int64)
    times = np.asarray(times, np.float64)
    lat, lon = np.asarray(lat, np.float64), np.asarray(lon, np.float64)
    session = np.concatenate([[0], np.cumsum(np.diff(times) > SESSION_GAP_S)])
    n_sessions = int(session[-1]) + 1
    starts = np.searchsorted(session, np.arange(n_sessions), side="left")
    ends = np.searchsorted(session, np.arange(n_sessions), side="right") - 1
    # where each session was: the mean direction of its located photos (NaN: nowhere known)
    ok = ~np.isnan(lat)
    vec = np.zeros((n, 3))
    vec[ok] = unit_vectors(lat[ok], lon[ok])
    sums = np.zeros((n_sessions, 3))
    np.add.at(sums, session, vec)
    located = np.bincount(session, weights=ok.astype(np.float64), minlength=n_sessions) > 0
    s_lat = np.full(n_sessions, np.nan)
    s_lon = np.full(n_sessions, np.nan)
    norm = np.linalg.norm(sums[located], axis=1)
    s_lat[located] = np.degrees(np.arcsin(np.clip(sums[located, 2] / norm, -1, 1)))
    s_lon[located] = np.degrees(np.arctan2(sums[located, 1], sums[located, 0]))
    if home is None:
        away = np.zeros(n_sessions, bool)
    else:
        away = located & (haversine_km(s_lat, s_lon, home[0], home[1]) > AWAY_KM)
    # join away sessions (and the unlocated ones between them) into trips
    event_of_session = np.empty(n_sessions, np.int64)
    event = -1
    pending: list[int] = []          # unlocated sessions after an away one, not placed yet
    last_away_end = None             # end time of the current trip's last session (away, or
    #                                  unlocated after it: a day without GPS does not end a trip)
    for s in range(n_sessions):
        joins_trip = (last_away_end is not None and times[starts[s]] - last_away_end <= TRIP_GAP_S)
        if away[s] and joins_trip:
            for p in pending:
                event_of_session[p] = event
            pending = []
            event_of_session[s] = event
            last_away_end = times[ends[s]]
            continue
        if not located[s] and joins_trip:
            pending.append(s)                             # decided by what comes next
            last_away_end = times[ends[s]]
            continue
        for p in pending:                                 # the trip ended before them
            event += 1
            event_of_session[p] = event
        pending = []
        event += 1
        event_of_session[s] = event
        last_away_end = times[ends[s]] if away[s] else None
    for p in pending:
        event += 1
        event_of_session[p] = event
    return event_of_session[session]


# --- in the catalog ------------------------------------------------------------------------

@dataclass
class Event:
    id: int
    start_at: float
    end_at: float
    file_count: int
    located: int
    place: str | None
    region: str | None
    country: str | None
    away: bool
    title: str | None           # 'Kyoto', 'Iceland trip', 'Bavaria'; None: nowhere known

    def to_dict(self) -> dict:
        return asdict(self)


def _timeline(conn: Connection):
    rows = conn.execute(
        f"SELECT f.id, f.taken_at, f.gps_lat, f.gps_lon FROM files f "
        f"WHERE f.status = 'present' AND f.kind IN ('photo', 'video') AND {capture_dated_sql()} "
        f"AND f.taken_at IS NOT NULL ORDER BY f.taken_at, f.id").fetchall()
    ids = np.array([r[0] for r in rows], np.int64)
    times = np.array([r[1] for r in rows], np.float64)
    lat = np.array([np.nan if r[2] is None else r[2] for r in rows], np.float64)
    lon = np.array([np.nan if r[3] is None else r[3] for r in rows], np.float64)
    return ids, times, lat, lon


def _fingerprint(conn: Connection) -> int:
    """Changes when anything events are made from changes: dates, positions, places."""
    row = conn.execute(
        f"SELECT count(*), total(f.id * 7 + f.taken_at), total(coalesce(f.gps_lat, 0) * f.id), "
        f"total(coalesce(f.gps_lon, 0) * f.id) FROM files f WHERE f.status = 'present' "
        f"AND f.kind IN ('photo', 'video') AND {capture_dated_sql()}").fetchone()
    places = conn.execute("SELECT count(*), total(file_id * length(coalesce(place, '') || "
                          "coalesce(country, '') || coalesce(spellings, ''))) FROM file_places "
                          "WHERE source = 'gps'").fetchone()
    return zlib.crc32(repr((tuple(row), tuple(places))).encode()) & 0x7FFFFFFF


def update_events(catalog: Catalog, *, force: bool = False) -> int | None:
    """Recompute events and inferred places when the timeline changed since the last time
    (force: always). Returns the number of events, or None when nothing had changed."""
    with catalog.read() as conn:
        fp = _fingerprint(conn)
        row = conn.execute("SELECT value FROM search_state WHERE key = ?",
                           (_FINGERPRINT_KEY,)).fetchone()
        if not force and row is not None and row[0] == fp:
            return None
        ids, times, lat, lon = _timeline(conn)
        home = home_position(times, lat, lon)
        labels = segment(times, lat, lon, home)
        own = file_places(conn, ids.tolist())
        own = {fid: p for fid, p in own.items() if not p.inferred}
    events, inferred = _describe(ids, times, lat, lon, labels, own, home)
    catalog.write(_store, events, ids, labels, inferred, fp)
    return len(events)


def _describe(ids, times, lat, lon, labels, own: dict[int, FilePlace],
              home: tuple[float, float] | None):
    """Rows for the events table, and the inferred place of each member without GPS."""
    events = []
    inferred: dict[int, FilePlace | None] = {}
    bounds = np.flatnonzero(np.diff(labels)) + 1
    for chunk in np.split(np.arange(len(ids)), bounds):
        if not len(chunk):
            continue
        members = ids[chunk].tolist()
        located = [(i, own[f]) for i, f in zip(chunk.tolist(), members) if f in own]
        top = Counter((p.place, p.region, p.country, p.country_code) for _, p in located)
        place = top.most_common(1)[0][0] if top else (None, None, None, None)
        at = chunk[~np.isnan(lat[chunk])]
        e_lat = float(np.median(lat[at])) if len(at) else None
        e_lon = float(np.median(lon[at])) if len(at) else None
        away = bool(home is not None and e_lat is not None
                    and haversine_km(e_lat, e_lon, *home) > AWAY_KM)
        events.append((float(times[chunk[0]]), float(times[chunk[-1]]), len(members),
                       len(located), *place, e_lat, e_lon, away))
        if located:
            at = np.array([times[i] for i, _ in located])
            for i, f in zip(chunk.tolist(), members):
                if f not in own:
                    j = int(np.argmin(np.abs(at - times[i])))
                    p = located[j][1]
                    inferred[f] = FilePlace(p.place, p.region, p.country, p.country_code, True,
                                            spellings=p.spellings)
    return events, inferred


def _store(conn: Connection, events, ids, labels, inferred, fp: int) -> None:
    """Write the new events, keeping the rows (and ids) of events that did not change, and
    touching only the members that moved: after a scan adds a day's photos, only that day's
    event is written."""
    old = {(r[1], r[2], r[3]): r[0] for r in conn.execute(
        "SELECT id, start_at, end_at, file_count FROM events")}
    new_ids, kept = [], set()
    for e in events:
        key = (e[0], e[1], e[2])
        eid = old.get(key)
        if eid is not None and eid not in kept:
            conn.execute("UPDATE events SET located = ?, place = ?, region = ?, country = ?, "
                         "country_code = ?, lat = ?, lon = ?, away = ? WHERE id = ?",
                         (*e[3:], eid))
        else:
            eid = conn.execute(
                "INSERT INTO events(start_at, end_at, file_count, located, place, region, "
                "country, country_code, lat, lon, away) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                e).lastrowid
        kept.add(eid)
        new_ids.append(eid)
    gone = [eid for eid in old.values() if eid not in kept]
    conn.executemany("DELETE FROM events WHERE id = ?", [(g,) for g in gone])  # members cascade
    order = np.cumsum(np.concatenate([[0], np.diff(labels) != 0])) if len(labels) else labels
    want = {int(f): new_ids[int(k)] for f, k in zip(ids, order)}
    have = dict(conn.execute("SELECT file_id, event_id FROM event_members").fetchall())
    conn.executemany("INSERT INTO event_members(file_id, event_id) VALUES (?, ?) "
                     "ON CONFLICT(file_id) DO UPDATE SET event_id = excluded.event_id",
                     [(f, e) for f, e in want.items() if have.get(f) != e])
    conn.executemany("DELETE FROM event_members WHERE file_id = ?",
                     [(f,) for f in have if f not in want])
    set_inferred_places(conn, inferred)
    conn.execute("INSERT INTO search_state(key, value) VALUES (?, ?) ON CONFLICT(key) "
                 "DO UPDATE SET value = excluded.value", (_FINGERPRINT_KEY, fp))


def list_events(conn: Connection, *, date_from: float | None = None,
                date_to: float | None = None, min_files: int = 1) -> list[Event]:
    """Events, newest first, each with a title in words (never coordinates)."""
    rows = conn.execute(
        "SELECT id, start_at, end_at, file_count, located, place, region, country, away "
        "FROM events WHERE file_count >= ? AND end_at >= ? AND start_at <= ? "
        "ORDER BY start_at DESC",
        (min_files, -1e18 if date_from is None else date_from,
         1e18 if date_to is None else date_to)).fetchall()
    titles = event_titles(conn, [r[0] for r in rows])
    return [Event(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], bool(r[8]), titles.get(r[0]))
            for r in rows]


LOOK_UP = object()   # `home`: not known yet, ask the catalog (home_country)


def event_titles(conn: Connection, event_ids, *, home=LOOK_UP) -> dict[int, str | None]:
    """event id -> 'Kyoto' / 'Iceland trip' / 'Bavaria' (None: no member has a place).
    `home`: the library's home country, when the caller knows it already."""
    if home is LOOK_UP:
        home = home_country(conn)
    rows = []
    for chunk, marks in in_chunks(sorted({int(i) for i in event_ids})):
        rows += conn.execute(
            "SELECT m.file_id, m.event_id, p.place, p.region, p.country, p.country_code "
            "FROM event_members m JOIN file_places p ON p.file_id = m.file_id "
            f"WHERE p.source = 'gps' AND m.event_id IN ({marks})", chunk).fetchall()
    rows.sort(key=lambda r: r[0])   # each event's places in file order, as they always came
    by_event: dict[int, list[FilePlace]] = {}
    for r in rows:
        by_event.setdefault(r[1], []).append(FilePlace(r[2], r[3], r[4], r[5], False))
    return {e: summarize_places(ps, len(ps), home).label for e, ps in by_event.items()}


def events_of_files(conn: Connection, file_ids) -> dict[int, int]:
    """file id -> event id, for the files that belong to an event."""
    ids = [int(i) for i in file_ids]
    out: dict[int, int] = {}
    for chunk, marks in in_chunks(ids):
        out.update((r[0], r[1]) for r in conn.execute(
            f"SELECT file_id, event_id FROM event_members WHERE file_id IN ({marks})", chunk))
    return out


@dataclass
class WhereWhen:
    """Where and when a set of files was taken, in words: for naming collections."""

    place: str | None                           # 'Kyoto', 'Iceland trip', 'Bavaria', None
    places: list[tuple[str, int]]               # ('Kyoto, Japan', files) most first
    events: list[tuple[float, float, str | None, int]]  # (start, end, title, of these files)
    located: int                                # files with a place, own or inferred
    total: int


def where_and_when(conn: Connection, file_ids, *, max_events: int = 5,
                   home=LOOK_UP) -> WhereWhen:
    """The places and the event date ranges of a set of files (e.g. a collection). `home`:
    the library's home country, when the caller knows it already (it is a query over the
    whole library)."""
    if home is LOOK_UP:
        home = home_country(conn)
    ids = [int(i) for i in file_ids]
    places = list(file_places(conn, ids).values())
    summary = summarize_places(places, len(ids), home)
    counts = Counter(events_of_files(conn, ids).values())
    top = [e for e, _ in counts.most_common(max_events)]
    spans: list[tuple[float, float, str | None, int]] = []
    if top:
        marks = ",".join("?" * len(top))
        rows = {r[0]: (r[1], r[2]) for r in conn.execute(
            f"SELECT id, start_at, end_at FROM events WHERE id IN ({marks})", top)}
        titles = event_titles(conn, top, home=home)
        spans = [(*rows[e], titles.get(e), counts[e]) for e in top if e in rows]
    return WhereWhen(summary.label, summary.places, spans, summary.located, len(ids))


def event_of_file(conn: Connection, file_id: int) -> str | None:
    """'Kyoto · 1-5 Apr 2023' for a file in an event of several files, else None."""
    r = conn.execute("SELECT e.id, e.start_at, e.end_at, e.file_count FROM event_members m "
                     "JOIN events e ON e.id = m.event_id WHERE m.file_id = ?",
                     (int(file_id),)).fetchone()
    if r is None or r[3] < 2:
        return None
    title = event_titles(conn, [r[0]]).get(r[0])
    span = day_span(r[1], r[2])
    return f"{title} · {span}" if title else span


def day_span(a: float, b: float) -> str:
    """'3 Apr 2023', '1-5 Apr 2023', '28 Mar - 2 Apr 2023', '30 Dec 2022 - 2 Jan 2023'."""
    import datetime as dt

    da, db = dt.date.fromtimestamp(a), dt.date.fromtimestamp(b)
    if da == db:
        return f"{da.day} {da:%b %Y}"
    if (da.year, da.month) == (db.year, db.month):
        return f"{da.day}-{db.day} {db:%b %Y}"
    if da.year == db.year:
        return f"{da.day} {da:%b} - {db.day} {db:%b %Y}"
    return f"{da.day} {da:%b %Y} - {db.day} {db:%b %Y}"
