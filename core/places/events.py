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

Kept up to date incrementally (update_events): triggers note every file whose date, GPS,
presence or own place changed (table timeline_changes, migration 0021); only the stretches of
the timeline around them, between cuts where events provably start afresh
(core.places.timeline_cuts), are cut again and written, with the home found at the last
whole cut. The result is the whole timeline cut with that home
(tests/core/places/test_events_incremental.py). The whole timeline is cut, and home found
again, on force, the first time, once HOME_REFRESH of the timeline changed since, when the
first GPS comes to a library without, and when the stretches would reach half of it.
"""

from __future__ import annotations

import logging
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
from core.places.timeline_cuts import dirty_stretches

log = logging.getLogger(__name__)

SESSION_GAP_S = 6 * 3600
TRIP_GAP_S = 48 * 3600
AWAY_KM = 50.0
HOME_CELL_DEG = 0.5          # home: the 0.5° cell (~50 km) photographed on most days
# in search_state (keys events_*): the last timeline_changes row events saw, the home they
# were cut with (absent: none), the timeline's size when it was found and the files changed
# since (see _changed_stretches)
_SEQ_KEY = "events_seq"
_HOME_KEYS = ("events_home_lat", "events_home_lon")
_HOME_BASE_KEY, _HOME_DRIFT_KEY = "events_home_base", "events_home_drift"
HOME_REFRESH = 0.05       # home is found again (the whole timeline cut) once this share changed
STRETCH_REACH = 64        # first look this many files around the changes for cuts (then 4x...)
WHOLE_ABOVE = 0.5         # loading over this share of the timeline: cutting it all is as cheap


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


def sessions(times: np.ndarray, lat: np.ndarray, lon: np.ndarray,
             home: tuple[float, float] | None):
    """The first step of segment(): session number of each photo (times sorted), each
    session's first and last photo (indexes), whether it has a located photo, and whether it
    is away from home (its photos' mean direction over AWAY_KM from it)."""
    n = len(times)
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
    return session, starts, ends, located, away


def segment(times: np.ndarray, lat: np.ndarray, lon: np.ndarray,
            home: tuple[float, float] | None = None) -> np.ndarray:
    """Event number of each photo (times sorted ascending; lat/lon NaN where unknown).
    Numbers start at 0 and grow with time."""
    if len(times) == 0:
        return np.zeros(0, np.int64)
    times = np.asarray(times, np.float64)
    lat, lon = np.asarray(lat, np.float64), np.asarray(lon, np.float64)
    session, starts, ends, located, away = sessions(times, lat, lon, home)
    n_sessions = len(starts)
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


# SQL condition on `f` (files): the file takes part in events
_IN_TIMELINE = (f"f.status = 'present' AND f.kind IN ('photo', 'video') AND "
                f"{capture_dated_sql()} AND f.taken_at IS NOT NULL")


def _timeline(conn: Connection, lo: float | None = None, hi: float | None = None, *,
              reach: int = 0):
    """ids, times, lat, lon (NaN: no GPS) of the timeline's files in time order; lo/hi: only
    those taken between them; reach: only the `reach` files taken after lo (-reach: before)."""
    if reach:
        span = f" AND f.taken_at {'>' if reach > 0 else '<'} ?"
        order = "ASC" if reach > 0 else "DESC"
        tail, args = f" ORDER BY f.taken_at {order}, f.id {order} LIMIT ?", (lo, abs(reach))
    else:
        span = "" if lo is None else " AND f.taken_at BETWEEN ? AND ?"
        tail, args = " ORDER BY f.taken_at, f.id", () if lo is None else (lo, hi)
    # a part by the date index (SQLite's own choice, the kind index, reads every file)
    index = "" if lo is None else " INDEXED BY files_taken"
    rows = conn.execute(f"SELECT f.id, f.taken_at, f.gps_lat, f.gps_lon FROM files f{index} "
                        f"WHERE {_IN_TIMELINE}{span}{tail}", args).fetchall()
    a = np.array(rows[::-1] if reach < 0 else rows, np.float64).reshape(-1, 4)  # None: NaN
    return a[:, 0].astype(np.int64), a[:, 1].copy(), a[:, 2].copy(), a[:, 3].copy()


def update_events(catalog: Catalog, *, force: bool = False) -> int | None:
    """Bring events and inferred places up to date with the files that changed since the last
    time: only the stretches of the timeline around them are cut again (see timeline_cuts),
    with the home found then. The whole timeline is cut again, home found anew, on force, on
    the first run, and when the changes reach too far (see _changed_stretches). Returns the
    number of events, or None when nothing had changed."""
    with catalog.read() as conn:
        conn.execute("BEGIN")  # one snapshot: the changes and the files agree
        try:
            state = dict(conn.execute("SELECT key, value FROM search_state "
                                      "WHERE key LIKE 'events_%'").fetchall())
            seq = conn.execute("SELECT coalesce(max(seq), 0) FROM timeline_changes").fetchone()[0]
            last = state.get(_SEQ_KEY)
            if not force and last is not None and seq <= last:
                return None
            part = None if force or last is None else _changed_stretches(conn, last, state)
            if part is None:
                ids, times, lat, lon = _timeline(conn)
                home = home_position(times, lat, lon)
                labels = segment(times, lat, lon, home)
            else:
                ids, times, lat, lon, labels, home = (part.ids, part.times, part.lat, part.lon,
                                                      part.labels, part.home)
            own = _own_places(conn, ids, whole=part is None)
        finally:
            conn.execute("COMMIT")
    events, inferred = _describe(ids, times, lat, lon, labels, own, home)
    if part is None:
        log.info("events: the whole timeline cut (%d files)", len(ids))
        return catalog.write(_store, events, ids, labels, inferred,
                             _State(seq, home, len(ids), 0))
    log.info("events: %d stretch(es) of the timeline cut again (%d files)",
             len(part.stretches), len(ids))
    count = catalog.write(_store, events, ids, labels, inferred,
                          _State(seq, home, int(state.get(_HOME_BASE_KEY, 0)), part.drift),
                          part.stretches, part.gone)
    return count if part.stretches else None     # None: no event's files changed


def _own_places(conn: Connection, ids: np.ndarray, *, whole: bool) -> dict[int, FilePlace]:
    """The GPS places of these files. For the whole timeline one pass over the table in its
    own order: a million lookups by id in time order cost more than the scan (4 s against
    ~1 s at 1M files), and grew faster than the library."""
    if not whole:
        return {f: p for f, p in file_places(conn, ids.tolist()).items() if not p.inferred}
    rows = conn.execute("SELECT file_id, place, region, country, country_code, distance_km, "
                        "spellings FROM file_places WHERE source = 'gps'").fetchall()
    wanted = np.zeros(max(int(ids.max(initial=0)), max((r[0] for r in rows), default=0)) + 1,
                      bool)
    wanted[ids] = True
    return {r[0]: FilePlace(r[1], r[2], r[3], r[4], False, r[5], r[6])
            for r in rows if wanted[r[0]]}


@dataclass(frozen=True)
class _Part:
    """The stretches of the timeline cut again: their files (in time order) and events."""

    ids: np.ndarray
    times: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    labels: np.ndarray
    home: tuple[float, float] | None          # the kept home they were cut with
    drift: int                                # files changed since it was found
    stretches: list[tuple[float, float]]      # between which times old events are replaced
    gone: list[int]                           # changed files no longer in the timeline


@dataclass(frozen=True)
class _State:
    """What update_events remembers in search_state."""

    seq: int                                  # the last timeline_changes row seen
    home: tuple[float, float] | None          # the home events were cut with
    home_base: int                            # the timeline's size when home was found
    drift: int                                # files changed since


def _changed_stretches(conn: Connection, last_seq: int, state: dict):
    """The timeline stretches touched by the changes after last_seq, cut again with the kept
    home; None when the whole timeline must be cut again: home may have moved (HOME_REFRESH
    of the timeline changed since it was found, or the first GPS came), or the pieces read
    around the changes hold over WHOLE_ABOVE of it."""
    rows = conn.execute("SELECT file_id, old_at FROM timeline_changes WHERE seq > ?",
                        (last_seq,)).fetchall()
    changed = sorted({r[0] for r in rows})
    now: dict[int, tuple] = {}                 # changed file -> (taken_at, in timeline, gps)
    for chunk, marks in in_chunks(changed):
        now.update((r[0], (r[1], bool(r[2]), r[3] is not None)) for r in conn.execute(
            f"SELECT f.id, f.taken_at, {_IN_TIMELINE}, f.gps_lat FROM files f "
            f"WHERE f.id IN ({marks})", chunk))
    events_of = events_of_files(conn, changed)
    # files of the timeline, before or now, changed since home was found (a scan that adds
    # documents or undated files does not move it)
    drift = int(state.get(_HOME_DRIFT_KEY, 0)) + sum(
        f in events_of or f not in now or now[f][1] for f in changed)
    if drift > HOME_REFRESH * max(int(state.get(_HOME_BASE_KEY, 0)), 1):
        return None
    home = None if _HOME_KEYS[0] not in state else \
        (float(state[_HOME_KEYS[0]]), float(state[_HOME_KEYS[1]]))
    if home is None and any(inside and gps for _, inside, gps in now.values()):
        return None
    # where changed files were (their old event, or the time they had, when they had one)
    # and are now
    affected = [r[1] for r in rows if r[1] is not None and (r[0] in events_of or r[0] not in now)]
    affected += [t for t, inside, _ in now.values() if inside]
    old_events = sorted(set(events_of.values()))
    for chunk, marks in in_chunks(old_events):
        for r in conn.execute(f"SELECT start_at, end_at FROM events WHERE id IN ({marks})", chunk):
            affected += [r[0], r[1]]
    affected = np.unique(np.array(affected, np.float64))
    if not len(affected):                      # no file of the timeline, before or now
        empty = np.zeros(0)
        return _Part(empty.astype(np.int64), empty, empty, empty, empty.astype(np.int64), home,
                     drift, [], [])
    total = conn.execute("SELECT count(*) FROM event_members").fetchone()[0] + len(changed)
    found = _stretches_within(conn, affected, np.array(changed, np.int64), home, total)
    if found is None:
        return None
    pieces, stretches = found
    ids, times, lat, lon, labels = [], [], [], [], []
    offset = 0
    for (p_ids, p_times, p_lat, p_lon), s in zip(pieces, stretches):
        cut = slice(s.start, s.stop)
        lab = segment(p_times[cut], p_lat[cut], p_lon[cut], home)
        ids.append(p_ids[cut])
        times.append(p_times[cut])
        lat.append(p_lat[cut])
        lon.append(p_lon[cut])
        labels.append(lab + offset)
        offset += int(lab.max()) + 1 if len(lab) else 0
    gone = [f for f in changed if not now.get(f, (None, False))[1]]
    cat = (lambda xs, dt: np.concatenate(xs) if xs else np.zeros(0, dt))
    return _Part(cat(ids, np.int64), cat(times, np.float64), cat(lat, np.float64),
                 cat(lon, np.float64), cat(labels, np.int64), home, drift,
                 [(s.lo, s.hi) for s in stretches], gone)


def _stretches_within(conn: Connection, affected: np.ndarray, changed: np.ndarray, home,
                      total: int):
    """Load the timeline around the affected times (those within a day in one piece) with
    STRETCH_REACH files on each side, then 4x that... until its touched stretches end in
    cuts, and find them: ([piece arrays per stretch], [Stretch]); None when the pieces hold
    over WHOLE_ABOVE of the timeline."""
    groups = [[g, STRETCH_REACH] for g in
              np.split(affected, np.flatnonzero(np.diff(affected) > 86400.0) + 1)]
    done: dict[tuple, tuple] = {}      # (first, last, count, reach) -> (piece, lo, hi, found)

    def key(g):
        return float(g[0][0]), float(g[0][-1]), len(g[0]), g[1]

    while True:
        loaded = 0
        for g in groups:
            if key(g) not in done:
                done[key(g)] = _touched_in_piece(conn, g[0], changed, home, g[1])
            loaded += len(done[key(g)][0][0])
            if loaded > WHOLE_ABOVE * total:        # as dear as the whole: stop reading
                return None
        merged = [[*groups[0], done[key(groups[0])][2]]]  # overlapping pieces are one
        for g in groups[1:]:
            _, lo, hi, _ = done[key(g)]
            last = merged[-1]
            if lo <= last[2]:
                merged[-1] = [np.concatenate([last[0], g[0]]), max(last[1], g[1]),
                              max(last[2], hi)]
            else:
                merged.append([*g, hi])
        groups = [m[:2] for m in merged]
        wider = [g for g in groups if key(g) in done and done[key(g)][3] is None]
        for g in wider:
            g[1] *= 4
        if not wider and all(key(g) in done for g in groups):
            break
    pieces, stretches = [], []
    for g in groups:
        piece, _, _, found = done[key(g)]
        pieces += [piece] * len(found)
        stretches += found
    return pieces, stretches


def _touched_in_piece(conn: Connection, affected: np.ndarray, changed: np.ndarray, home,
                      reach: int):
    """The timeline between the first and last affected time and `reach` files on each side
    of that, its first and last time, and its touched stretches (None: one reaches an edge
    of the piece that is not the timeline's)."""
    inner = _timeline(conn, affected[0], affected[-1])
    before = _timeline(conn, affected[0], reach=-reach)
    after = _timeline(conn, affected[-1], reach=reach)
    piece = tuple(np.concatenate(parts) for parts in zip(before, inner, after))
    p_ids, p_times, p_lat, p_lon = piece
    from_start, to_end = len(before[0]) < reach, len(after[0]) < reach
    lo = -np.inf if from_start else before[1][0]
    hi = np.inf if to_end else after[1][-1]
    if len(p_ids):
        _, starts, ends, located, away = sessions(p_times, p_lat, p_lon, home)
        at_home = located & ~away if home is not None else np.ones(len(starts), bool)
    else:
        starts = ends = np.zeros(0, np.int64)
        at_home = np.zeros(0, bool)
    found = dirty_stretches(p_times, starts, ends, at_home, np.isin(p_ids, changed), affected,
                            lo=lo, hi=hi, from_start=from_start, to_end=to_end,
                            session_gap=SESSION_GAP_S, trip_gap=TRIP_GAP_S)
    return piece, lo, hi, found


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
            at = times[[i for i, _ in located]]
            unplaced = np.array([f not in own for f in members])
            blind = ids[chunk[unplaced]].tolist()
            nearest = nearest_in_time(at, times[chunk[unplaced]])
            taken: dict[int, FilePlace] = {}     # one (immutable) place per located member
            for f, j in zip(blind, nearest.tolist(), strict=True):
                if j not in taken:
                    p = located[j][1]
                    taken[j] = FilePlace(p.place, p.region, p.country, p.country_code, True,
                                         spellings=p.spellings)
                inferred[f] = taken[j]
    return events, inferred


def nearest_in_time(at: np.ndarray, t: np.ndarray) -> np.ndarray:
    """For each time in t, the index in `at` (sorted ascending) of the nearest time, the first
    such index on a tie: argmin(|at - t|) by binary search, not a scan of `at` per time (an
    event of thousands of photos made that quadratic)."""
    right = np.searchsorted(at, t, side="left")             # first at >= t
    left = np.maximum(right - 1, 0)
    left = np.searchsorted(at, at[left], side="left")       # the first of equal times
    right = np.minimum(right, len(at) - 1)
    take_left = np.abs(t - at[left]) <= np.abs(at[right] - t)
    return np.where(take_left, left, right)


def _store(conn: Connection, events, ids, labels, inferred, state: _State,
           stretches: list[tuple[float, float]] | None = None, gone=()) -> int:
    """Write the new events, keeping the rows (and ids) of events that did not change, and
    touching only the members that moved: after a scan adds a day's photos, only that day's
    event is written. stretches: the new events replace only the old ones between these
    times (None: all); gone: changed files no longer in the timeline. Returns the number of
    events."""
    if stretches is None:
        old_rows = conn.execute("SELECT id, start_at, end_at, file_count FROM events").fetchall()
    else:
        old_rows = [r for lo, hi in stretches for r in conn.execute(
            "SELECT id, start_at, end_at, file_count FROM events "
            "WHERE start_at >= ? AND end_at <= ?", (lo, hi))]
    old = {(r[1], r[2], r[3]): r[0] for r in old_rows}
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
    dropped = [r[0] for r in old_rows if r[0] not in kept]
    conn.executemany("DELETE FROM events WHERE id = ?", [(g,) for g in dropped])  # members go
    order = np.cumsum(np.concatenate([[0], np.diff(labels) != 0])) if len(labels) else labels
    want = {int(f): new_ids[int(k)] for f, k in zip(ids, order)}
    if stretches is None:
        have = dict(conn.execute("SELECT file_id, event_id FROM event_members").fetchall())
    else:
        have = {}
        for chunk, marks in in_chunks(sorted({r[0] for r in old_rows} & kept)):
            have.update(conn.execute(f"SELECT file_id, event_id FROM event_members "
                                     f"WHERE event_id IN ({marks})", chunk).fetchall())
    conn.executemany("INSERT INTO event_members(file_id, event_id) VALUES (?, ?) "
                     "ON CONFLICT(file_id) DO UPDATE SET event_id = excluded.event_id",
                     [(f, e) for f, e in want.items() if have.get(f) != e])
    conn.executemany("DELETE FROM event_members WHERE file_id = ?",
                     [(f,) for f in have if f not in want])
    conn.executemany("DELETE FROM event_members WHERE file_id = ?", [(f,) for f in gone])
    set_inferred_places(conn, inferred,
                        scope=None if stretches is None else [*want, *gone])
    conn.execute("DELETE FROM timeline_changes WHERE seq <= ?", (state.seq,))
    conn.execute("DELETE FROM search_state WHERE key LIKE 'events_%'")
    values = {_SEQ_KEY: state.seq, _HOME_BASE_KEY: state.home_base, _HOME_DRIFT_KEY: state.drift}
    if state.home is not None:
        values.update(zip(_HOME_KEYS, state.home))
    conn.executemany("INSERT INTO search_state(key, value) VALUES (?, ?)", values.items())
    return conn.execute("SELECT count(*) FROM events").fetchone()[0]


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
