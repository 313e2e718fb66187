"""Units: what a person files a library by, and the folder each one goes to (pure).

A plan in the event layout is built from units, and every photo or video belongs to exactly
one of them:
- **albums** the user made (Google Photos albums, brought by a Takeout) that hold one
  stretch of time -> `2023/2023-04 Kyoto trip`, as an event's folder, its name the album's
  (`Albums/<name>` when none of its files has a date). A person chose these photos together,
  so the album wins over the kind and the event of each. A file in several albums goes with
  the smallest (the most particular); an album over more than ALBUM_MAX_DAYS ("Best of",
  "Family") is a selection across time, not a unit: its files are filed by the rest;
- **kinds**: screenshots, documents (pages, receipts), scans -> `Screenshots/2023`,
  `Documents/2023`, `Scans`, inside the library folder they came from;
- **events** (core.places.events) that are worth a folder: away from home, or a gathering
  with many photos at home -> `2023/2023-04 Kyoto, Japan` (days) or `2023/2023-06-17
  Birthday` (one day);
- **topics**: a collection's folder, for files without a capture date that are in one
  (downloads, drawings, memes);
- **months**: everyday photos -> `2023/2023-05`;
- files with neither a date nor a topic -> `Unknown date`.

A unit whose files already sit together in a folder someone named, and which holds little
else, stays there; everyday photos in such a folder stay too; nothing under a folder the user
keeps moves. Each of those files is listed with the reason it stays.
"""

from __future__ import annotations

import os
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from core.files.sanitize import fold, sanitize_relpath, sanitize_segment
from core.organize.layouts import capture_date
from core.organize.words import DATEISH, VAGUE_NAMES, telling_folder_name

AWAY_EVENT_MIN = 3      # photos for a trip or a day out to get a folder of its own
HOME_EVENT_MIN = 8      # ... for a gathering at home
HOME_FACES_MIN = 5      # ... or this many, most of them with faces (a party, a birthday)
ALBUM_MIN = 3           # files of an album in the plan for it to be a unit
ALBUM_MAX_DAYS = 31     # the span of an album's dated files for it to be one stretch of time
LIVES_IN_SHARE = 0.9    # share of a unit's files in one folder for it to live there
OWNS_FOLDER_SHARE = 0.8 # share of that folder's files that must be the unit's
UNKNOWN_DATE = "Unknown date"
KIND_FOLDERS = {"screenshot": ("screenshots", "Screenshots"),
                "document": ("documents", "Documents"), "scan": ("scans", "Scans")}
# scanners and the names scanning software gives files
SCAN_NAME = re.compile(r"(?:^|[^a-z])(scan|scanned|numeris\w*|digitali[sz]ed)(?:[^a-z]|$)",
                       re.IGNORECASE)
SCANNER_MAKE = re.compile(r"scan|perfection|fujitsu|plustek|doxie|kodak i\d", re.IGNORECASE)


@dataclass(frozen=True)
class UnitFile:
    id: int
    root: str
    path: str
    taken_at: float | None = None          # a capture date (core.files.dates), else None
    kind: str | None = None                # screenshot | document | scan | None
    event_id: int | None = None
    collection_id: int | None = None
    faces: bool = False
    albums: tuple[str, ...] = ()           # the albums it is in (a file can be in several)


@dataclass(frozen=True)
class EventFacts:
    id: int
    start_at: float
    end_at: float
    file_count: int
    away: bool
    title: str | None = None               # named from evidence (core.organize.event_names)
    place: str | None = None               # where most of it was: 'Kyoto, Japan'


@dataclass
class Unit:
    key: str                    # stable: 'event:<start>', 'screenshots:2023', 'month:2023-05'
    kind: str                   # album | event | screenshots | documents | scans | topic |
    #                             month | undated
    title: str
    folder: str | None          # relative to the library folder; None: stays where it is
    file_ids: list[int] = field(default_factory=list)
    date_from: float | None = None
    date_to: float | None = None
    reason: str = ""            # why its files go there (or stay)
    place: str | None = None    # an event's place, in words


    def to_dict(self) -> dict:
        return {"key": self.key, "kind": self.kind, "title": self.title, "folder": self.folder,
                "files": len(self.file_ids), "date_from": self.date_from,
                "date_to": self.date_to, "reason": self.reason, "place": self.place}


def is_scan(name: str, camera: str | None) -> bool:
    return bool(SCAN_NAME.search(name) or (camera and SCANNER_MAKE.search(camera)))


def worth_a_folder(e: EventFacts, with_faces: int = 0) -> bool:
    """A trip or day out, or a gathering at home; not an everyday handful of photos."""
    if e.away:
        return e.file_count >= AWAY_EVENT_MIN
    return e.file_count >= HOME_EVENT_MIN or (
        e.file_count >= HOME_FACES_MIN and with_faces * 2 >= e.file_count)


def one_day(start: float, end: float) -> bool:
    return capture_date(start).date() == capture_date(end).date() or end - start < 12 * 3600


def day_words(start: float, end: float) -> str:
    """'17 June', '17-19 June', '30 June - 2 July' (the year is in the folder already)."""
    a, b = capture_date(start), capture_date(end)
    if one_day(start, end):
        return f"{a.day} {a:%B}"
    if (a.year, a.month) == (b.year, b.month):
        return f"{a.day}-{b.day} {a:%B}"
    return f"{a.day} {a:%B} - {b.day} {b:%B}"


def event_folder(start: float, end: float, title: str | None) -> str:
    """`2023/2023-06-17 Birthday` for a day, `2023/2023-04 Kyoto, Japan` for days; a title
    that only says the date adds nothing to the date the folder starts with."""
    d = capture_date(start)
    stamp = f"{d:%Y-%m-%d}" if one_day(start, end) or not title else f"{d:%Y-%m}"
    if title and fold(title) == fold(day_words(start, end)):
        title = None
        stamp = f"{d:%Y-%m-%d}"
    label = f"{stamp} {title}" if title else stamp
    return sanitize_relpath(f"{d:%Y}/{sanitize_segment(label)}")


def _year(ts: float | None) -> str:
    return f"{capture_date(ts):%Y}" if ts is not None else UNKNOWN_DATE


def _rel_folder(folder: str, root: str) -> str:
    rel = os.path.relpath(folder, root)
    return "" if rel == "." else rel.replace(os.sep, "/")


def _named_folder(rel: str) -> bool:
    """A folder someone made and named: not the library folder itself, not a camera, inbox,
    date or vague folder."""
    if not rel:
        return False
    leaf = rel.rsplit("/", 1)[-1]
    return bool(telling_folder_name(leaf, levels=1)) and fold(leaf) not in VAGUE_NAMES \
        and not DATEISH.fullmatch(fold(leaf))


def plan_units(files: list[UnitFile], events: dict[int, EventFacts], *,
               topics: dict[int, str | None] | None = None,
               keep_folders: frozenset[str] | set[str] = frozenset()
               ) -> tuple[list[Unit], dict[int, str]]:
    """(units, stays): every file in exactly one unit; `stays` maps the files that stay
    where they are to the reason. `topics`: collection id -> its placed topic folder (None:
    the user keeps the collection as it is). Units come in a stable order (kinds, events, topics,
    months, undated), so the same library gives the same plan."""
    topics = topics or {}
    keep = [k.rstrip(os.sep) for k in keep_folders]
    stays: dict[int, str] = {}
    members: dict[str, list[UnitFile]] = defaultdict(list)
    units: dict[str, Unit] = {}
    faces = Counter(f.event_id for f in files if f.faces and f.event_id is not None)
    album_of = _album_units(files, keep)
    for f in sorted(files, key=lambda f: f.path):
        if any(f.path.startswith(k + os.sep) for k in keep):
            stays[f.id] = "in a folder you keep as it is"
            continue
        e = events.get(f.event_id) if f.event_id is not None else None
        if f.id in album_of:
            key, title, folder = album_of[f.id]
            units.setdefault(key, Unit(key, "album", title, folder,
                                       reason=f"in your album “{title}”"))
        elif f.kind in KIND_FOLDERS:
            kind, top = KIND_FOLDERS[f.kind]
            year = _year(f.taken_at)
            key = f"{kind}:{year}" if f.taken_at is not None or kind != "scans" else kind
            folder = f"{top}/{year}" if f.taken_at is not None else top
            units.setdefault(key, Unit(key, kind, f"{top} {year}" if f.taken_at else top,
                                       folder, reason=f"a {kind[:-1]}"))
        elif e is not None and f.taken_at is not None and worth_a_folder(e, faces[e.id]):
            key = f"event:{e.id}"
            if key not in units:
                title = e.title or day_words(e.start_at, e.end_at)
                units[key] = Unit(key, "event", title, event_folder(e.start_at, e.end_at,
                                                                     e.title),
                                  reason="a trip away" if e.away else "a day with many photos",
                                  place=e.place)
        elif f.taken_at is None and f.collection_id is not None and f.collection_id in topics:
            folder = topics[f.collection_id]
            if folder is None:
                stays[f.id] = "its collection is kept as it is"
                continue
            key = f"topic:{f.collection_id}"
            units.setdefault(key, Unit(key, "topic", (folder or "").rsplit("/", 1)[-1] or
                                       f"Collection {f.collection_id}", folder,
                                       reason="no capture date: filed by what it shows"))
        elif f.taken_at is not None:
            d = capture_date(f.taken_at)
            key = f"month:{d:%Y-%m}"
            units.setdefault(key, Unit(key, "month", f"{d:%B %Y}", f"{d:%Y}/{d:%Y-%m}",
                                       reason="everyday photos, by month"))
        else:
            key = "undated"
            units.setdefault(key, Unit(key, "undated", UNKNOWN_DATE, UNKNOWN_DATE,
                                       reason="no capture date, and nothing says what it shows"))
        members[key].append(f)
    out = []
    for key, u in units.items():
        fs = members[key]
        u.file_ids = [f.id for f in fs]
        dates = [f.taken_at for f in fs if f.taken_at is not None]
        u.date_from, u.date_to = (min(dates), max(dates)) if dates else (None, None)
        out.append(u)
    _left_where_named(out, members, files, stays)
    _one_folder_each(out)
    order = ("screenshots", "documents", "scans", "album", "event", "topic", "month",
             "undated")
    out.sort(key=lambda u: (order.index(u.kind), u.date_from or 0, u.key))
    return out, stays


def _album_units(files: list[UnitFile], keep: list[str]) -> dict[int, tuple[str, str, str]]:
    """file id -> (unit key, album name, folder) for the files that go with an album: the
    smallest album it is in that is a unit (ALBUM_MIN files in the plan, its dates within
    ALBUM_MAX_DAYS)."""
    members: dict[str, list[UnitFile]] = defaultdict(list)
    for f in files:
        if not any(f.path.startswith(k + os.sep) for k in keep):
            for a in f.albums:
                members[a].append(f)
    folders: dict[str, str] = {}
    for name, fs in members.items():
        dates = [f.taken_at for f in fs if f.taken_at is not None]
        if len(fs) < ALBUM_MIN or (dates and max(dates) - min(dates) > ALBUM_MAX_DAYS * 86400):
            continue
        folders[name] = (event_folder(min(dates), max(dates), name) if dates else
                         sanitize_relpath(f"Albums/{sanitize_segment(name)}"))
    out = {}
    for f in files:
        mine = [a for a in f.albums if a in folders]
        if mine:
            a = min(mine, key=lambda a: (len(members[a]), a))
            out[f.id] = (f"album:{a}", a, folders[a])
    return out


def _left_where_named(units: list[Unit], members: dict[str, list[UnitFile]],
                      files: list[UnitFile], stays: dict[int, str]) -> None:
    """Folders organised by hand stay: a unit that lives, alone, in a named folder keeps it;
    everyday and undated files in a named folder stay in it."""
    owners: dict[str, Counter] = defaultdict(Counter)
    unit_of = {f.id: u.key for u in units for f in members[u.key]}
    rels: dict[tuple[str, str], str] = {}   # a library has far fewer folders than files
    rel_of: dict[int, str] = {}
    for f in files:
        key = (os.path.dirname(f.path), f.root)
        rel = rels.get(key)
        if rel is None:
            rel = rels[key] = _rel_folder(*key)
        rel_of[f.id] = rel
        if f.id in unit_of:
            owners[rel][unit_of[f.id]] += 1
    for u in units:
        fs = members[u.key]
        if u.kind in ("month", "undated"):  # no unit of meaning: each file by its folder
            moving = []
            for f in fs:
                rel = rel_of[f.id]
                if _named_folder(rel) and fold(rel) != fold(u.folder or ""):
                    stays[f.id] = f"in “{rel}”, a folder someone named: left there"
                else:
                    moving.append(f.id)
            u.file_ids = moving
            continue
        where = Counter(rel_of[f.id] for f in fs)
        rel, n = where.most_common(1)[0]
        if n < LIVES_IN_SHARE * len(fs) or not _named_folder(rel):
            continue
        if owners[rel][u.key] < OWNS_FOLDER_SHARE * sum(owners[rel].values()):
            continue
        if u.folder is not None and fold(rel) != fold(u.folder):
            u.reason = f"already together in “{rel}”, a folder of its own: left there"
        u.folder = rel


def _one_folder_each(units: list[Unit]) -> None:
    """Two units never share a folder: the later one gets its days, or a number."""
    taken: set[str] = set()
    for u in sorted(units, key=lambda u: (u.date_from or 0, u.key)):
        if u.folder is None:
            continue
        if fold(u.folder) not in taken:
            taken.add(fold(u.folder))
            continue
        base = u.folder
        if u.kind in ("event", "album") and u.date_from is not None:
            d = capture_date(u.date_from)
            head, _, leaf = base.rpartition("/")
            base = f"{head}/{d:%Y-%m-%d}{leaf[7:]}" if re.match(r"\d{4}-\d\d ", leaf) else base
        candidate, n = base, 2
        while fold(candidate) in taken:
            candidate, n = f"{base} ({n})", n + 1
        u.folder = sanitize_relpath(candidate)
        taken.add(fold(u.folder))
