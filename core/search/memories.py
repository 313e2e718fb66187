"""'On this day': photos and videos taken on this month and day in earlier years, one group
per year, near-duplicates collapsed to their best copy (core.search.dupes), and the years
the user dismissed for this day left out.

Only capture dates count (core.files.dates: EXIF, container, file name): a file dated by its
modification time was dated when it was copied. Days are local, as the scanner read the camera's clock. On 28 February of
a year without a 29th, the 29ths of leap years are remembered too.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import time
from dataclasses import asdict, dataclass, field

from core.catalog import Catalog, Connection
from core.files.dates import capture_dated_sql
from core.places.store import file_places
from core.query.display import plural
from core.search.dupes import duplicate_groups_among

MAX_PER_YEAR = 60   # a memory is a glance, not the whole day's 400 burst shots
MAX_DUP_CHECK = 200  # files of a year compared for near-duplicates


@dataclass
class MemoryFile:
    file_id: int
    path: str
    kind: str
    taken_at: float
    place: str | None            # 'Kyoto, Japan'
    similar: int = 0             # near-duplicates of it that are not shown


@dataclass
class Memory:
    day: str                     # 'MM-DD' it was shown on
    year: int
    years_ago: int
    files: list[MemoryFile] = field(default_factory=list)
    places: list[str] = field(default_factory=list)   # most files first
    hidden_duplicates: int = 0

    @property
    def title(self) -> str:
        ago = f"{plural(self.years_ago, 'year')} ago"
        return f"{ago} · {self.places[0]}" if self.places else ago

    def to_dict(self) -> dict:
        return {**asdict(self), "title": self.title}


def _days(day: dt.date) -> list[str]:
    days = [day.strftime("%m-%d")]
    if day.month == 2 and day.day == 28 and not calendar.isleap(day.year):
        days.append("02-29")
    return days


def _day_spans(conn: Connection, day: dt.date, days: list[str]
               ) -> list[tuple[float, float]] | None:
    """(from, to) timestamps around this month and day in each earlier year of the library,
    a day wider on each side than the local day (time zones, DST): the taken_at index finds
    their files, and the query's own local-date test keeps the exact ones. Without this, the
    query computed the local date of every file (1.3 s of CPU at a million files, on every
    library reload). Empty when the library has no earlier year; None when a date in it is
    past what this platform's calendar converts (then every file is tested)."""
    lo, hi = conn.execute("SELECT min(taken_at), max(taken_at) FROM files").fetchone()
    if lo is None:
        return []
    try:
        first = dt.datetime.fromtimestamp(lo).year
        last = min(dt.datetime.fromtimestamp(hi).year, day.year - 1)
    except (OverflowError, OSError, ValueError):   # a date no calendar here holds: no spans
        return None
    spans: list[tuple[float, float]] = []
    for year in range(first, last + 1):
        for md in days:
            try:
                start = dt.datetime(year, int(md[:2]), int(md[3:]))
            except ValueError:     # 29 February of a year without one
                continue
            a = (start - dt.timedelta(days=1)).timestamp()
            b = (start + dt.timedelta(days=2)).timestamp()
            if spans and a <= spans[-1][1]:    # the 28th's and the 29th's overlap: one span
                spans[-1] = (spans[-1][0], b)
            else:
                spans.append((a, b))
    return spans


def memories(catalog: Catalog, day: dt.date | None = None) -> list[Memory]:
    """This day's memories, most recent year first (empty when there are none)."""
    day = day or dt.date.today()
    days = _days(day)
    marks = ",".join("?" * len(days))
    with catalog.read() as conn:
        spans = _day_spans(conn, day, days)
        if spans == []:
            return []
        spans = spans or [(-math.inf, math.inf)]     # None: every file is tested
        # the spans as a table the files' taken_at index is searched with, one span at a time
        values = ",".join("(?, ?)" for _ in spans)
        rows = conn.execute(
            f"WITH span(lo, hi) AS (VALUES {values}) "
            f"SELECT f.id, f.path, f.kind, f.taken_at, "
            f"CAST(strftime('%Y', f.taken_at, 'unixepoch', 'localtime') AS INTEGER) AS y "
            f"FROM span CROSS JOIN files f INDEXED BY files_taken "
            f"WHERE f.taken_at >= span.lo AND f.taken_at < span.hi "
            f"AND f.status = 'present' AND f.kind IN ('photo', 'video') "
            f"AND {capture_dated_sql()} AND f.taken_at IS NOT NULL "
            f"AND strftime('%m-%d', f.taken_at, 'unixepoch', 'localtime') IN ({marks}) "
            f"AND y < ? AND NOT EXISTS (SELECT 1 FROM memory_dismissals d "
            f"WHERE d.day = ? AND d.year = y) "
            f"ORDER BY y DESC, f.taken_at, f.id",
            (*(x for s in spans for x in s), *days, day.year, days[0])).fetchall()
        if not rows:
            return []
        by_year: dict[int, list] = {}
        for r in rows:
            by_year.setdefault(r[4], []).append(r)
        places = file_places(conn, [r[0] for r in rows])
        out = []
        for year, members in by_year.items():
            # near-duplicates among what can be shown (a burst day holds hundreds)
            groups = duplicate_groups_among(catalog, conn, [m[0] for m in members[:MAX_DUP_CHECK]])
            hidden = {f.file_id for g in groups for f in g.files[1:]}
            similar = {g.keep: len(g.files) - 1 for g in groups}
            mem = Memory(days[0], year, day.year - year, hidden_duplicates=len(hidden))
            counts: dict[str, int] = {}
            for fid, path, kind, taken, _y in members:
                p = places.get(fid)
                label = p.label() if p else None
                if label:
                    counts[label] = counts.get(label, 0) + 1
                if fid not in hidden and len(mem.files) < MAX_PER_YEAR:
                    mem.files.append(MemoryFile(fid, path, kind, taken, label,
                                                similar.get(fid, 0)))
            mem.places = sorted(counts, key=lambda k: -counts[k])
            out.append(mem)
    return out


def dismiss_memory(catalog: Catalog, year: int, day: dt.date | None = None) -> None:
    """The photos of `year` are not shown again on this month and day."""
    day = day or dt.date.today()

    def write(conn: Connection) -> None:
        for d in _days(day):
            conn.execute("INSERT OR REPLACE INTO memory_dismissals(day, year, dismissed_at) "
                         "VALUES (?, ?, ?)", (d, int(year), time.time()))
    catalog.write(write)


def restore_memories(catalog: Catalog, day: dt.date | None = None) -> int:
    """Bring back the dismissed years of this month and day; returns how many."""
    day = day or dt.date.today()
    days = _days(day)

    def write(conn: Connection) -> int:
        return conn.execute(f"DELETE FROM memory_dismissals WHERE day IN "
                            f"({','.join('?' * len(days))})", days).rowcount
    return catalog.write(write)
