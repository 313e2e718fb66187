"""Titles for events, from evidence: a fact sheet per event, the LLM where it helps, and a
deterministic fallback that needs none.

The fact sheet (`FactSheet`): the days, the towns, regions and countries, whether it was away
from home, the people the user named, words read in its photos, caption and transcript words.
The LLM answers under a JSON schema (`EventTitle`); its answer is untrusted and repaired like a
collection's name (sanitised, no dates: the folder carries them, no ids, nothing vague), and an
event away from home always keeps its place. Without an LLM, or when it fails, the title is
the place ('Kyoto, Japan', 'Iceland (Reykjavík, Vík)') or, at home, nothing: the folder is
then the day itself.

A title the LLM was asked for is kept in `event_names`, keyed by the event's members
(`event_key`): the LLM's answer, or the fallback's when the LLM failed, so planning again, or
asking the LLM again, cannot rename an event; an event that gained or lost a few photos keeps
the title of the one it mostly is (`SAME_EVENT`). Titles made without any LLM are not stored: they
follow from the facts, improve when the facts do (a place found later), and the LLM still gets
its one chance once it is installed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from collections import Counter
from dataclasses import asdict, dataclass, field

from pydantic import BaseModel, Field

from core.catalog import Catalog, Connection
from core.catalog.connection import OperationalError
from core.errors import ShoeboxError
from core.files.sanitize import fold, sanitize_segment
from core.organize.evidence import clip_text
from core.organize.naming import _get_llm
from core.organize.units import day_words
from core.organize.words import FILLER, MONTHS, STOPWORDS, VAGUE_NAMES, content_keys
from core.places.store import FilePlace, file_places, home_country
from core.query.people import named_people_of_files
from core.resources import resource_path

log = logging.getLogger(__name__)

TITLE_MAX = 48
DOMINANT = 0.6        # a town (or country) holding this share of located photos names the event
ALSO_TOWN = 0.15      # ... other towns with this share are named in brackets
SYSTEM_PROMPT_FILE = ("prompts", "name_event.txt")
_DATES = re.compile(rf"\b(?:(?:19|20)\d\d(?:[-_./]\d{{1,2}}){{0,2}}|\d{{1,2}}(?:st|nd|rd|th)?"
                    rf"(?:\s*-\s*\d{{1,2}})?\s+(?:{MONTHS})|(?:{MONTHS}))\b\.?", re.IGNORECASE)
_IDS = re.compile(r"\b(event|collection|cluster|group|album|id|no)\s*[#:.]?\s*\d+\b",
                  re.IGNORECASE)


class EventTitle(BaseModel):
    """What the LLM must answer for one event."""

    title: str = Field(min_length=1, max_length=80,
                       description="2 to 5 words naming what happened or where")


def event_key(member_ids) -> str:
    """The event's identity for its stored title: its members (ids survive moves)."""
    ids = ",".join(str(i) for i in sorted(int(i) for i in member_ids))
    return hashlib.sha1(ids.encode()).hexdigest()[:20]


@dataclass
class FactSheet:
    key: str
    start_at: float
    end_at: float
    files: int
    away: bool
    places: list[FilePlace] = field(default_factory=list)
    home_country: str | None = None
    people: list[str] = field(default_factory=list)
    words: list[str] = field(default_factory=list)        # read in its photos
    captions: list[str] = field(default_factory=list)
    speech: list[str] = field(default_factory=list)

    def place_words(self) -> dict[str, list[tuple[str, int]]]:
        return {k: Counter(getattr(p, k) for p in self.places if getattr(p, k)).most_common(4)
                for k in ("place", "region", "country")}

    def to_dict(self) -> dict:
        d = asdict(self)
        d["places"] = self.place_words()
        return d

    def prompt(self) -> str:
        pw = self.place_words()
        when = day_words(self.start_at, self.end_at)
        lines = [f"When: {when} ({self.files} photos and videos)",
                 "Where: " + ("away from home" if self.away else "at or near home")]
        for what, label in (("place", "Towns"), ("region", "Regions"), ("country", "Countries")):
            if pw[what]:
                lines.append(f"{label}: " + ", ".join(f"{n} ({c})" for n, c in pw[what]))
        for label, items in (("People in the photos", self.people),
                             ("Words read in the photos", self.words),
                             ("What the photos show", self.captions),
                             ("Words said in the videos", self.speech)):
            if items:
                lines.append(f"{label}: " + "; ".join(items))
        return "\n".join(lines)


def place_title(places: list[FilePlace], home: str | None) -> str | None:
    """'Kyoto, Japan' (one town, abroad), 'Bruges' (one town, home country), 'Lisbon,
    Portugal' (one region: a city's districts are towns of their own), 'Iceland (Reykjavík,
    Vík)' (a country, several towns), 'Bavaria' (a region at home); None: nowhere known."""
    if not places:
        return None
    n = len(places)
    towns = Counter(p.place for p in places if p.place)
    countries = Counter(p.country for p in places if p.country)
    regions = Counter(p.region for p in places if p.region)
    country, nc = countries.most_common(1)[0] if countries else (None, 0)
    abroad = country is not None and home is not None and country != home
    town, nt = towns.most_common(1)[0] if towns else (None, 0)
    region, nr = regions.most_common(1)[0] if regions else (None, 0)

    def where(name: str) -> str:
        return f"{name}, {country}" if abroad and fold(name) != fold(country or "") else name

    if town and nt >= DOMINANT * n:
        return where(town)
    if region and nr >= DOMINANT * n:
        return where(region)
    if country and nc >= DOMINANT * n:
        title = country
        also = [t for t, k in towns.most_common(2) if k >= ALSO_TOWN * n]
        while also and len(f"{country} ({', '.join(also)})") > TITLE_MAX:
            also.pop()
        if also:
            title = f"{country} ({', '.join(also)})"
        return title
    return ", ".join(c for c, _ in countries.most_common(3)) or None


def fallback_title(sheet: FactSheet) -> str | None:
    """The place of an event away from home; None at home (its folder is the day)."""
    return place_title(sheet.places, sheet.home_country) if sheet.away else None


def _main_place(sheet: FactSheet) -> str | None:
    """The name the fallback title starts with: 'Kyoto', 'Lisbon', 'Iceland'."""
    title = place_title(sheet.places, sheet.home_country)
    return re.split(r"[,(]", title)[0].strip() or None if title else None


def _supported(title: str, sheet: FactSheet, notes: list[str]) -> str:
    """Only the words the facts support: a small LLM copies the examples of its prompt ('Ski
    week, Val Thorens' for a trip to Lisbon), so a word no fact holds is dropped, and a part
    of the title left empty goes with it."""
    known = content_keys(" ".join([*(w for p in sheet.places for w in (p.place, p.region,
                                                                       p.country) if w),
                                   *sheet.people, *sheet.words, *sheet.captions,
                                   *sheet.speech]))
    parts, dropped = [], []
    for part in title.split(","):
        words = []
        for w in part.split():
            keys = content_keys(w)
            if keys and not keys <= known:
                dropped.append(w)
                continue
            words.append(w)
        while words and (words[-1].casefold() in STOPWORDS or not content_keys(words[-1])):
            words.pop()                  # 'Kyoto in' once 'April' went
        while words and words[0].casefold() in STOPWORDS:
            words.pop(0)
        if words and re.search(r"['’]s$", words[-1]):      # "Anna's" once 'Home' went
            words[-1] = words[-1][:-2]
        if words:
            parts.append(" ".join(words).strip(" -.()/"))
    if dropped:
        notes.append(f"dropped what no fact supports: {' '.join(dropped)}")
    return ", ".join(p for p in parts if p)


def repair_title(raw: str, sheet: FactSheet) -> tuple[str | None, list[str]]:
    """An LLM's title made safe and useful: one plain name, no dates (the folder has them), no
    ids, not vague; away from home it keeps the place. None: nothing usable is left."""
    notes: list[str] = []
    title = sanitize_segment(" ".join(str(raw).split()), fallback="", max_chars=None)
    cut = _IDS.sub("", title)
    if cut != title:
        notes.append(f"dropped an id from “{title}”")
    title = cut
    cut = _DATES.sub("", title)
    if cut != title:
        notes.append("dropped the dates: the folder starts with them")
    title = _supported(FILLER.sub("", " ".join(cut.split())), sheet, notes)
    if not title or fold(title) in VAGUE_NAMES or fold(title) in STOPWORDS:
        return None, notes + [f"“{raw}” says nothing about the event"]
    place = _main_place(sheet)
    if sheet.away and place and fold(place) not in fold(title):
        title = f"{title}, {place}"
        notes.append(f"added the place, {place}: the event was away from home")
    if len(title) > TITLE_MAX:
        title = title[:TITLE_MAX].rsplit(" ", 1)[0].rstrip(" ,-")
    return sanitize_segment(title, fallback="") or None, notes


def _system_prompt() -> str:
    return resource_path(*SYSTEM_PROMPT_FILE).read_text(encoding="utf-8")


def ask_llm(llm, sheet: FactSheet, *, attempts: int = 2) -> EventTitle:
    messages = [{"role": "system", "content": _system_prompt()},
                {"role": "user", "content": sheet.prompt()}]
    return llm.complete_json(messages, EventTitle, max_tokens=48, attempts=attempts)


# --------------------------------------------------------------------------- the catalog

def _safe(rows_fn):
    try:
        return rows_fn()
    except OperationalError:  # an older catalog without this table: that evidence is absent
        return []


def _marks(ids: list[int]) -> str:
    return ",".join("?" * len(ids))


def fact_sheet(conn: Connection, key: str, start_at: float, end_at: float, away: bool,
               member_ids: list[int], home: str | None) -> FactSheet:
    ids = [int(i) for i in member_ids]
    sheet = FactSheet(key, start_at, end_at, len(ids), away, home_country=home)
    sheet.places = [p for p in file_places(conn, ids).values() if not p.inferred]
    named = named_people_of_files(conn, ids)
    sheet.people = [n for n, k in named.items() if k >= max(1, round(0.1 * len(ids)))][:4]
    sample = ids[:500]
    sheet.words = [clip_text(r[0], 40) for r in _safe(lambda: conn.execute(
        f"SELECT text, count(DISTINCT file_id) n FROM text_lines WHERE file_id IN "
        f"({_marks(sample)}) AND length(trim(text)) >= 3 GROUP BY lower(text) "
        f"ORDER BY n DESC, max(confidence) DESC LIMIT 6", sample).fetchall())]
    sheet.captions = [clip_text(r[0], 80) for r in _safe(lambda: conn.execute(
        f"SELECT text FROM captions WHERE file_id IN ({_marks(sample)}) GROUP BY lower(text) "
        f"ORDER BY count(*) DESC, text LIMIT 5", sample).fetchall())]
    sheet.speech = [clip_text(r[0], 80) for r in _safe(lambda: conn.execute(
        f"SELECT text FROM transcript_segments WHERE file_id IN ({_marks(sample)}) "
        f"ORDER BY file_id, start_s LIMIT 4", sample).fetchall())]
    return sheet


@dataclass
class TitlesReport:
    titles: dict[int, str | None]          # event id -> title (None: the day names it)
    sources: dict[int, str] = field(default_factory=dict)  # event id -> stored | llm | fallback
    by_llm: int = 0
    cached: int = 0
    by_fallback: int = 0
    llm_unavailable: str | None = None
    notes: dict[int, list[str]] = field(default_factory=dict)


def title_events(catalog: Catalog, events: dict[int, tuple[float, float, bool, list[int]]],
                 registry=None, *, use_llm: bool = True) -> TitlesReport:
    """A title for each event (id -> (start, end, away, member ids)): a stored one, else the
    LLM's (stored), else the fallback's."""
    report = TitlesReport({})
    new: list[tuple] = []
    with catalog.read() as conn:
        home = home_country(conn)
        keys = {eid: event_key(m) for eid, (_a, _b, _c, m) in events.items()}
        stored = {r[0]: (r[1], r[2], json.loads(r[3])) for r in _safe(lambda: conn.execute(
            "SELECT key, title, named_by, members FROM event_names").fetchall())}
        for eid, (_a, _b, _c, members) in events.items():
            near = None if keys[eid] in stored else _same_event(members, stored)
            if near is not None:  # a few photos came or went: still the event it was
                title, named_by, _ = stored[near]
                stored[keys[eid]] = (title, named_by, members)
                new.append((keys[eid], title, named_by, members, None))
        sheets = {eid: fact_sheet(conn, keys[eid], a, b, away, m, home)
                  for eid, (a, b, away, m) in events.items() if keys[eid] not in stored}
    llm = None
    if sheets and use_llm and registry is not None:
        llm, report.llm_unavailable = _get_llm(registry)
    elif sheets and use_llm:
        report.llm_unavailable = "no model registry"
    for eid in sorted(events):
        key = keys[eid]
        if key in stored:
            report.titles[eid] = stored[key][0] or None   # '': the day names it
            report.sources[eid] = "stored"
            report.cached += 1
            continue
        sheet = sheets[eid]
        title = None
        if llm is not None:
            try:
                title, notes = repair_title(ask_llm(llm, sheet).title, sheet)
                if notes:
                    report.notes[eid] = notes
            except ShoeboxError as e:  # LLMOutputError, or the model failing mid-way
                log.info("event %s: LLM title failed (%s); using the fallback", eid, e)
            facts = json.dumps(sheet.to_dict(), ensure_ascii=False, default=str)
            members = events[eid][3]
            if title:
                report.by_llm += 1
                report.sources[eid] = "llm"
                new.append((key, title, f"llm:{getattr(llm, 'identity', 'llm')}", members,
                            facts))
            else:  # the LLM had its chance: a retry that happened to answer must not rename it
                new.append((key, fallback_title(sheet) or "", "fallback", members, facts))
        if not title:
            title = fallback_title(sheet)
            report.by_fallback += 1
            report.sources[eid] = "fallback"
        report.titles[eid] = title
    if new:
        catalog.write(_store_titles, new)
    return report


SAME_EVENT = 0.5   # an event sharing this share of its members with a titled one is that one


def _same_event(members: list[int], stored: dict[str, tuple]) -> str | None:
    """The key of the titled event these members mostly are, if any."""
    mine = {int(m) for m in members}
    best, share = None, 0.0
    for key, (_t, _n, theirs) in stored.items():
        common = len(mine.intersection(theirs))
        if common:
            s = common / max(len(mine), len(theirs))
            if s > share or (s == share and best is not None and key < best):
                best, share = key, s
    return best if share >= SAME_EVENT else None


def _store_titles(conn: Connection, rows: list[tuple]) -> None:
    now = time.time()
    conn.executemany("INSERT INTO event_names(key, title, named_by, members, facts, created_at) "
                     "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO NOTHING",
                     [(k, t, n, json.dumps(sorted(int(i) for i in m)), f, now)
                      for k, t, n, m, f in rows])


def rename_event(catalog: Catalog, member_ids, title: str) -> str:
    """The user's title for an event: kept whatever the LLM would say."""
    clean = sanitize_segment(title, fallback="")
    if not clean:
        raise ShoeboxError("an event's title needs at least one letter or digit")

    def write(conn: Connection) -> None:
        conn.execute("INSERT INTO event_names(key, title, named_by, members, created_at) "
                     "VALUES (?, ?, 'user', ?, ?) ON CONFLICT(key) DO UPDATE SET "
                     "title = excluded.title, named_by = 'user'",
                     (event_key(member_ids), clean,
                      json.dumps(sorted(int(i) for i in member_ids)), time.time()))

    catalog.write(write)
    return clean
