"""Evidence: what is known about one collection, gathered for naming it.

`gather_evidence(conn, cluster_id)` builds one `Evidence` by running every provider in
`PROVIDERS` in turn. A provider is a small function `(conn, ev) -> None` that reads one kind of
signal for the collection's members and fills its own field(s) of `ev`; it must not raise on a
catalog that lacks its tables (an older schema, a stage that never ran): return quietly.

Adding a signal (people, places, text read in photos, ...) is two small edits:
    1. write `def _people(conn, ev): ev.people = [...]` next to the others (or in your own
       module) and append it to `PROVIDERS`;
    2. if it is a new kind of fact, add a field here and one line in `Evidence.prompt`.
Fields already waiting for a provider: `people` (named people), `places` (place names, most
common first), `events` (named events or holidays with their dates), `texts` (text read in the
photos), `kinds` (what the items are, e.g. "screenshots", "documents").

Everything here is *evidence*: measured facts about the files, shown to the LLM (and used by
the fallback namer) as data to weigh, never as a ready-made name or folder. The small LLM
copies whatever looks like an answer (MODELS.md: shown "Folders they are in now: Camera", it
proposed `Camera` for 10 of 12 groups), so current folder names are worded as a clue about the
files, and the structure rules (core.organize.rules) repair echoes after it answers.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from core.catalog import Connection
from core.files.sanitize import fold
from core.organize.layouts import capture_date
from core.organize.words import content_keys, keys_overlap, telling_folder_name
from core.places.events import LOOK_UP, where_and_when
from core.query.people import named_people_of_files
from core.scan.roots import root_names


@dataclass
class Evidence:
    collection_id: int
    size: int
    date_from: float | None = None     # capture dates (core.files.dates), never file mtimes
    date_to: float | None = None
    lat: float | None = None
    lon: float | None = None
    captions: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    transcripts: list[str] = field(default_factory=list)
    folders: list[str] = field(default_factory=list)   # telling names of the folders they are in now
    folder_share: float = 0.0  # share of the members inside the first of `folders`
    people: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    library_folders: list[str] = field(default_factory=list)  # the library's top-level folders
    home_country: object = LOOK_UP   # the library's, when the caller looked it up once for all

    @property
    def informative(self) -> bool:
        """Whether anything says what the collection *shows* (dates and GPS alone do not: they
        give a date or event folder, never a topic)."""
        return any((self.captions, self.tags, self.transcripts, self.folders, self.people,
                    self.places, self.events, self.texts))

    @property
    def content(self) -> set[str]:
        """The keys (singular, synonyms mapped) of what the files show or say — not where
        they are: a folder name is supported when these share a word with it."""
        return content_keys(" ".join([*self.captions, *self.tags, *self.transcripts,
                                      *self.texts, *self.people, *self.places, *self.events,
                                      *self.kinds]))

    def supports(self, name: str) -> bool:
        return keys_overlap(content_keys(name), self.content)

    @property
    def content_words(self) -> set[str]:
        """Every word of the evidence (folded): a name or folder made of other words was invented."""
        parts = [*self.captions, *self.tags, *self.transcripts, *self.folders, *self.people,
                 *self.places, *self.events, *self.texts, *self.kinds, *self.library_folders]
        return {w for p in parts for w in re.findall(r"\w+", fold(p))}

    def years(self) -> set[int]:
        """Years the evidence supports (from the dates, or written in the evidence itself)."""
        out = set()
        if self.date_from is not None:
            a = capture_date(self.date_from).year
            b = capture_date(self.date_to if self.date_to is not None else self.date_from).year
            out |= set(range(a, b + 1))
        out |= {int(w) for w in self.content_words if re.fullmatch(r"(1[89]|20)\d\d", w)}
        return out

    def prompt(self) -> str:
        lines = ["Evidence about one group (measured from the files; weigh it, do not copy it):",
                 f"Items: {self.size}" + (f" ({', '.join(self.kinds)})" if self.kinds else "")
                 + "."]
        if self.date_from is not None:
            lines.append(f"Taken: {date_range_text(self.date_from, self.date_to)} "
                         "(camera clocks).")
        else:
            lines.append("Taken: unknown (no capture dates; do not put a year in the answer).")
        if self.places:
            lines.append("Places: " + "; ".join(self.places) + ".")
        elif self.lat is not None and self.lon is not None:
            lines.append(f"Place (GPS): {self.lat:.3f}, {self.lon:.3f}.")
        if self.events:
            lines.append("Events: " + "; ".join(self.events) + ".")
        if self.people:
            lines.append("People recognised: " + ", ".join(self.people) + ".")
        if self.tags:
            lines.append("Frequent tags: " + ", ".join(self.tags) + ".")
        if self.captions:
            lines.append("Descriptions of typical items:")
            lines += [f"- {c}" for c in self.captions]
        if self.texts:
            lines.append("Text read in the photos:")
            lines += [f"- {t}" for t in self.texts]
        if self.transcripts:
            lines.append("Speech heard in the videos:")
            lines += [f"- {t}" for t in self.transcripts]
        if self.folders:
            lines.append("Words in the names of the folders holding them now (a clue about the "
                         "files, often not about their content): "
                         + ", ".join(f'"{f}"' for f in self.folders) + ".")
        if self.library_folders:
            lines.append("Top-level folders the library already has (start the folder with one "
                         "only if it is a fitting broad category): "
                         + ", ".join(self.library_folders) + ".")
        return "\n".join(lines)


def date_range_text(a: float | None, b: float | None) -> str:
    if a is None:
        return ""
    da, db = capture_date(a), capture_date(b if b is not None else a)
    if (da.year, da.month) == (db.year, db.month):
        return da.strftime("%Y-%m")
    if da.year == db.year:
        return f"{da:%Y-%m} to {db:%Y-%m}"
    return f"{da.year}-{db.year}"


def clip_text(s: str, n: int) -> str:
    s = " ".join(str(s).split())
    return s if len(s) <= n else s[: n - 1] + "…"


# --------------------------------------------------------------------------- providers

MAX_CAPTIONS, MAX_TAGS, MAX_SNIPPETS, MAX_FOLDERS = 8, 8, 3, 3


def _top_texts(conn: Connection, ev: Evidence, sql: str, limit: int, width: int) -> list[str]:
    """The first column of `sql` (parameters: the collection's id, then `limit`), each
    clipped to `width` characters."""
    return [clip_text(r[0], width) for r in conn.execute(sql, (ev.collection_id, limit))]


def _member_ids(conn: Connection, ev: Evidence) -> list[int]:
    return [r[0] for r in conn.execute(
        "SELECT file_id FROM cluster_members WHERE cluster_id = ?", (ev.collection_id,))]


def _captions(conn: Connection, ev: Evidence) -> None:
    ev.captions = _top_texts(
        conn, ev, "SELECT cap.text FROM cluster_members m JOIN captions cap ON cap.file_id = "
        "m.file_id WHERE m.cluster_id = ? ORDER BY m.representative DESC, m.probability DESC "
        "LIMIT ?", MAX_CAPTIONS, 160)


def _tags(conn: Connection, ev: Evidence) -> None:
    ev.tags = _top_texts(
        conn, ev, "SELECT t.tag, count(DISTINCT t.file_id) n, avg(coalesce(t.score, 1)) s "
        "FROM tags t JOIN cluster_members m ON m.file_id = t.file_id WHERE m.cluster_id = ? "
        "GROUP BY t.tag ORDER BY n * s DESC, t.tag LIMIT ?", MAX_TAGS, 40)


def _transcripts(conn: Connection, ev: Evidence) -> None:
    ev.transcripts = _top_texts(
        conn, ev, "SELECT s.text FROM transcript_segments s JOIN cluster_members m ON "
        "m.file_id = s.file_id WHERE m.cluster_id = ? AND length(trim(s.text)) > 8 "
        "ORDER BY m.representative DESC, s.file_id, s.start_s LIMIT ?", MAX_SNIPPETS, 200)


def _folders(conn: Connection, ev: Evidence) -> None:
    rows = conn.execute("SELECT f.folder FROM cluster_members m JOIN files f ON f.id = "
                        "m.file_id WHERE m.cluster_id = ?", (ev.collection_id,)).fetchall()
    names = Counter(name for (folder,) in rows if (name := telling_folder_name(folder or "")))
    roots = {fold(n) for n in root_names(conn)}
    top = [(n, k) for n, k in names.most_common(MAX_FOLDERS + len(roots)) if fold(n) not in roots]
    ev.folders = [clip_text(n, 40) for n, _ in top[:MAX_FOLDERS]]
    ev.folder_share = top[0][1] / len(rows) if top and rows else 0.0


def _places(conn: Connection, ev: Evidence) -> None:
    """Where the members were, in words (core.places), and the events most of them belong
    to: 'Kyoto', 'Iceland trip' — never coordinates."""
    ww = where_and_when(conn, _member_ids(conn, ev), home=ev.home_country)
    places = [ww.place.removesuffix(" trip")] if ww.place else []
    places += [label for label, _ in ww.places if label not in places]
    ev.places = [clip_text(p, 60) for p in places[:4]]
    big = [t for _a, _b, t, n in ww.events if t and n >= 0.2 * max(1, ww.total)]
    ev.events = [clip_text(t, 40) for t in dict.fromkeys(big)][:3]


MAX_TEXTS = 5
KIND_SHARE = 0.6   # a collection is "screenshots" when at least this share of it is
RECEIPT_WORDS = re.compile(r"\b(total|subtotal|receipt|invoice|vat|tax|cash|change|mwst|summe|"
                           r"bon|quittung|rechnung|ticket|facture|ricevuta)\b", re.IGNORECASE)


def _texts(conn: Connection, ev: Evidence) -> None:
    """Text read in the photos (the text stage): the lines that are most often there and
    read most surely, e.g. a shop's name on every receipt, a sign, a slide title."""
    ev.texts = _top_texts(
        conn, ev, "SELECT l.text, count(DISTINCT l.file_id) n, max(l.confidence) c "
        "FROM text_lines l JOIN cluster_members m ON m.file_id = l.file_id WHERE "
        "m.cluster_id = ? AND length(trim(l.text)) >= 4 GROUP BY lower(l.text) "
        "ORDER BY n DESC, c DESC, length(l.text) DESC LIMIT ?", MAX_TEXTS, 80)


def _kinds(conn: Connection, ev: Evidence) -> None:
    """'screenshots', 'receipts' or 'documents' when most members are such pictures
    (core.pipeline.picture_kinds), so a plan can give them their own folder."""
    rows = conn.execute(
        "SELECT k.kind, k.file_id FROM picture_kinds k JOIN cluster_members m "
        "ON m.file_id = k.file_id WHERE m.cluster_id = ?", (ev.collection_id,)).fetchall()
    total = max(1, ev.size)
    by_kind = Counter(r[0] for r in rows)
    if by_kind["screenshot"] >= KIND_SHARE * total:
        ev.kinds = ["screenshots"]
    elif by_kind["document"] >= KIND_SHARE * total:
        docs = [r[1] for r in rows if r[0] == "document"]
        receipts = sum(1 for fid in docs if any(RECEIPT_WORDS.search(t) for (t,) in conn.execute(
            "SELECT text FROM text_lines WHERE file_id = ?", (fid,))))
        ev.kinds = ["receipts" if receipts >= len(docs) / 2 else "documents"]


def _people(conn: Connection, ev: Evidence) -> None:
    """The named people many of the members show ('Anna'); unnamed people never: an id
    means nothing to a reader, and the LLM would print it."""
    ids = _member_ids(conn, ev)
    named = named_people_of_files(conn, ids)
    enough = max(1, round(0.2 * len(ids)))
    ev.people = [clip_text(n, 40) for n, k in named.items() if k >= enough][:3]


Provider = Callable[[Connection, Evidence], None]
PROVIDERS: list[Provider] = [_captions, _tags, _transcripts, _folders, _places, _texts, _kinds,
                              _people]


def gather_evidence(conn: Connection, collection_id: int, *,
                    library_folders: list[str] = (), home_country: object = LOOK_UP
                    ) -> Evidence:
    """Everything the providers know about one collection. `home_country`
    (core.places.store.home_country): pass it when gathering for every collection."""
    c = conn.execute("SELECT * FROM clusters WHERE id = ?", (collection_id,)).fetchone()
    ev = Evidence(collection_id, c["member_count"] or 0, date_from=c["date_from"],
                  date_to=c["date_to"], lat=c["lat"], lon=c["lon"],
                  library_folders=list(library_folders), home_country=home_country)
    for provider in PROVIDERS:   # the catalog is migrated on open: every table is there
        provider(conn, ev)
    return ev
