"""Names and folders for collections.

For each collection the LLM sees its representative captions, top tags, date range, place and
transcript snippets, and answers under a JSON schema (`CollectionName`). Its answer is
untrusted: `repair_answer` sanitises it (folder depth, path segments, vague names). Without an
LLM, or when it fails (LLMOutputError), `fallback_name` names the collection from its tags
(or caption words) and dates, e.g. "Beach 2024-07" in "Beach/2024-07".

A second pass, `harmonize_paths`, works on all proposed folders together: it merges
near-synonyms ("Pets/Dogs" and "Animals/Dog"), caps the number of top-level folders, and uses
the spelling of folders that already exist in the library.
"""

from __future__ import annotations

import difflib
import json
import logging
import os
import re
import time
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pydantic import BaseModel, Field

from core.catalog import Catalog, Connection
from core.errors import ShoeboxError
from core.organize.sanitize import MAX_DEPTH, fold, sanitize_relpath, sanitize_segment, truncate
from core.tasks import TaskState

log = logging.getLogger(__name__)

OTHER_FOLDER = "More"
VAGUE_NAMES = {"photo", "photos", "image", "images", "picture", "pictures", "misc",
               "miscellaneous", "collection", "untitled", "unsorted", "other", "various",
               "stuff", "media", "video", "videos", "folder", "group", "new folder"}
STOPWORDS = {
    "a", "an", "the", "and", "or", "of", "in", "on", "at", "to", "with", "for", "from",
    "by", "is", "are", "was", "were", "be", "been", "this", "that", "these", "those",
    "there", "here", "it", "its", "his", "her", "their", "our", "your", "my", "as", "into",
    "over", "under", "near", "next", "some", "many", "several", "two", "three", "four",
    "five", "one", "while", "other", "small", "large", "big", "little", "front", "back",
    "top", "bottom", "side", "up", "down", "out", "off", "very", "image", "photo",
    "picture", "close", "view", "shot",
}

# Near-synonyms merged when they name sibling folders (compared after singularising).
SYNONYMS = [
    {"animal", "pet", "wildlife"}, {"dog", "puppy", "doggy"}, {"cat", "kitten", "kitty"},
    {"travel", "trip", "vacation", "holiday", "journey", "getaway"},
    {"family", "relative"}, {"food", "meal", "dish", "dining", "cooking", "cuisine"},
    {"nature", "outdoor", "landscape", "scenery"}, {"party", "celebration"},
    {"beach", "seaside", "coast", "shore"}, {"mountain", "alp"}, {"hike", "hiking", "trek"},
    {"city", "urban", "cityscape"}, {"kid", "child", "baby", "toddler"},
    {"wedding", "marriage"}, {"sport", "sports"}, {"document", "paperwork"},
    {"screenshot", "screen capture"}, {"flower", "blossom", "bloom"},
    {"car", "automobile", "vehicle"}, {"friend", "buddy"}, {"home", "house"},
]
_SYNONYM_OF = {w: min(group) for group in SYNONYMS for w in group}
_IRREGULAR = {"children": "child", "people": "person", "mice": "mouse", "geese": "goose",
              "men": "man", "women": "woman", "teeth": "tooth", "feet": "foot",
              "leaves": "leaf", "knives": "knife", "wolves": "wolf"}
FUZZY_RATIO = 0.88
# "Beach Photos and Videos" -> "Beach": the filler says nothing in a photo library
_FILLER = re.compile(r"\s+(photos?|pictures?|pics|images?|videos?|shots)"
                     r"(\s+(and|&)\s+(photos?|pictures?|videos?))?\s*$", re.IGNORECASE)
_MONTHS = ("january|february|march|april|may|june|july|august|september|october|november|"
           "december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec")
_DATEISH = re.compile(rf"(\d{{4}}([-_. ]\d{{1,2}})*|\d{{1,2}}|{_MONTHS}|({_MONTHS}) \d{{4}}|"
                      rf"\d{{4}} ({_MONTHS}))")


class CollectionName(BaseModel):
    """What the LLM must answer for one collection."""

    name: str = Field(min_length=1, max_length=80, description="short specific title")
    description: str = Field(default="", max_length=400)
    tags: list[str] = Field(default_factory=list, max_length=12)
    folder: str = Field(min_length=1, max_length=200,
                        description="1 to 3 folder names separated by '/'")


@dataclass
class NamingContext:
    cluster_id: int
    size: int
    captions: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    date_from: float | None = None
    date_to: float | None = None
    lat: float | None = None
    lon: float | None = None
    transcripts: list[str] = field(default_factory=list)
    folders: list[str] = field(default_factory=list)  # telling names of the folders they are in now

    def prompt(self) -> str:
        lines = [f"Items: {self.size} photos and videos."]
        if self.date_from is not None:
            lines.append(f"Taken: {date_range_text(self.date_from, self.date_to)}.")
        if self.lat is not None and self.lon is not None:
            lines.append(f"Place (GPS): {self.lat:.3f}, {self.lon:.3f}.")
        if self.tags:
            lines.append("Frequent tags: " + ", ".join(self.tags) + ".")
        if self.captions:
            lines.append("Descriptions of typical items:")
            lines += [f"- {c}" for c in self.captions]
        if self.transcripts:
            lines.append("Speech heard in the videos:")
            lines += [f"- {t}" for t in self.transcripts]
        if self.folders:
            lines.append("Folders they are in now: " + ", ".join(self.folders) + ".")
        return "\n".join(lines)


@dataclass
class NamingReport:
    named: int = 0
    by_llm: int = 0
    by_fallback: int = 0
    llm_failures: int = 0
    llm_unavailable: str | None = None
    seconds: float = 0.0
    first_try_valid: int = 0


def _date(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, tz=UTC)


def date_range_text(a: float | None, b: float | None) -> str:
    if a is None:
        return ""
    da, db = _date(a), _date(b if b is not None else a)
    if (da.year, da.month) == (db.year, db.month):
        return da.strftime("%Y-%m")
    if da.year == db.year:
        return f"{da:%Y-%m} to {db:%Y-%m}"
    return f"{da.year}-{db.year}"


# --------------------------------------------------------------------------- context

def collection_context(conn: Connection, cluster_id: int, *, max_captions: int = 8,
                       max_tags: int = 8, max_snippets: int = 3) -> NamingContext:
    c = conn.execute("SELECT * FROM clusters WHERE id = ?", (cluster_id,)).fetchone()
    ctx = NamingContext(cluster_id, c["member_count"] or 0, date_from=c["date_from"],
                        date_to=c["date_to"], lat=c["lat"], lon=c["lon"])
    caps = conn.execute(
        "SELECT cap.text FROM cluster_members m JOIN captions cap ON cap.file_id = m.file_id "
        "WHERE m.cluster_id = ? ORDER BY m.representative DESC, m.probability DESC LIMIT ?",
        (cluster_id, max_captions)).fetchall()
    ctx.captions = [_clip_text(r[0], 160) for r in caps]
    tags = conn.execute(
        "SELECT t.tag, count(DISTINCT t.file_id) n, avg(coalesce(t.score, 1)) s FROM tags t "
        "JOIN cluster_members m ON m.file_id = t.file_id WHERE m.cluster_id = ? "
        "GROUP BY t.tag ORDER BY n * s DESC, t.tag LIMIT ?", (cluster_id, max_tags)).fetchall()
    ctx.tags = [_clip_text(r[0], 40) for r in tags]
    segs = conn.execute(
        "SELECT s.text FROM transcript_segments s JOIN cluster_members m ON m.file_id = s.file_id "
        "WHERE m.cluster_id = ? AND length(trim(s.text)) > 8 ORDER BY m.representative DESC, "
        "s.file_id, s.start_s LIMIT ?", (cluster_id, max_snippets)).fetchall()
    ctx.transcripts = [_clip_text(r[0], 200) for r in segs]
    folders = Counter(
        name for (folder,) in conn.execute(
            "SELECT f.folder FROM cluster_members m JOIN files f ON f.id = m.file_id "
            "WHERE m.cluster_id = ?", (cluster_id,))
        if (name := _telling_folder_name(folder or "")))
    ctx.folders = [_clip_text(n, 40) for n, _ in folders.most_common(3)]
    return ctx


# camera and OS folder names say nothing about what is inside
_CAMERA_FOLDER = re.compile(r"(\d{3}[a-z_]*|dcim|camera|camera roll|img|imgs|images?|pictures?|"
                            r"photos?|videos?|movies|downloads?|desktop|documents|new folder|"
                            r"untitled( folder)?|misc|temp|tmp|\d+)", re.IGNORECASE)


def _telling_folder_name(folder: str, levels: int = 2) -> str | None:
    """The nearest folder name that says something: 'Phone' for Phone/2019, none for DCIM/100APPLE."""
    for _ in range(levels):
        name = os.path.basename(folder.rstrip("/\\"))
        if not name:
            return None
        if not _CAMERA_FOLDER.fullmatch(name.strip()) and not _DATEISH.fullmatch(fold(name)):
            return name
        folder = os.path.dirname(folder.rstrip("/\\"))
    return None


def _clip_text(s: str, n: int) -> str:
    s = " ".join(str(s).split())
    return s if len(s) <= n else s[: n - 1] + "…"


# --------------------------------------------------------------------------- answers

def _title(word: str) -> str:
    return " ".join(w[:1].upper() + w[1:] for w in word.split())


def _topic(ctx: NamingContext) -> str | None:
    if ctx.tags:
        return _title(ctx.tags[0])
    words = Counter()
    for cap in ctx.captions:
        for w in re.findall(r"[^\W\d_]{3,}", cap.lower()):
            if w not in STOPWORDS:
                words[singular(w)] += 1
    if words:
        return _title(words.most_common(1)[0][0])
    if ctx.folders:  # no models yet: where the files are now still says something
        return ctx.folders[0]
    return None


def fallback_name(ctx: NamingContext) -> CollectionName:
    """Deterministic name from tags (or caption words) and dates: 'Beach 2024-07'."""
    topic = _topic(ctx)
    when = date_range_text(ctx.date_from, ctx.date_to)
    if topic:
        name = f"{topic} {when}".strip()
        folder = f"{topic}/{when}" if when else topic
    else:
        name = f"Collection {ctx.cluster_id}" + (f" {when}" if when else "")
        folder = f"Unsorted/{when or f'Collection {ctx.cluster_id}'}"
    return repair_answer(CollectionName(
        name=name, description=f"{ctx.size} items" + (f" from {when}" if when else ""),
        tags=ctx.tags[:6], folder=folder), ctx)


def repair_answer(ans: CollectionName, ctx: NamingContext) -> CollectionName:
    """Make an LLM's (schema-valid but untrusted) answer safe and useful: sanitised folder of
    at most 3 levels, a name that is not vague, clean tags."""
    name = sanitize_segment(_FILLER.sub("", " ".join(ans.name.split())), fallback="")
    if not name or fold(name) in VAGUE_NAMES:
        topic = _topic(ctx)
        when = date_range_text(ctx.date_from, ctx.date_to)
        name = f"{topic or 'Collection'} {when}".strip() if (topic or when) else \
            f"Collection {ctx.cluster_id}"
    folder = sanitize_relpath(ans.folder, max_depth=MAX_DEPTH, fallback="")
    segs = [s for s in folder.split("/") if s and fold(s) not in VAGUE_NAMES] if folder else []
    if not segs:
        segs = [name]
    elif all(_DATEISH.fullmatch(fold(x)) for x in segs):
        # "2023/June" says when, not what: file it under what the collection shows
        segs = [_topic(ctx) or name] + segs[: MAX_DEPTH - 1]
    tags, seen = [], set()
    for t in ans.tags:
        t = " ".join(str(t).lower().split())
        t = "".join(ch for ch in t if unicodedata.category(ch)[0] not in "C")[:40].strip()
        if t and t not in seen:
            seen.add(t)
            tags.append(t)
    description = truncate(" ".join(ans.description.split()), 300)
    description = "".join(ch for ch in description if unicodedata.category(ch)[0] != "C")
    return CollectionName(name=name, description=description, tags=tags[:8],
                          folder="/".join(segs[:MAX_DEPTH]))


SYSTEM_PROMPT_FILE = ("prompts", "name_collection.txt")


def _system_prompt() -> str:
    from core.resources import resource_path

    return resource_path(*SYSTEM_PROMPT_FILE).read_text(encoding="utf-8")


def ask_llm(llm, ctx: NamingContext, *, max_tokens: int = 160, attempts: int = 3) -> CollectionName:
    """One LLM answer for one collection (raises LLMOutputError when it cannot produce one)."""
    messages = [{"role": "system", "content": _system_prompt()},
                {"role": "user", "content": ctx.prompt()}]
    return llm.complete_json(messages, CollectionName, max_tokens=max_tokens, attempts=attempts)


# --------------------------------------------------------------------------- harmonising

def singular(word: str) -> str:
    w = word.lower()
    if w in _IRREGULAR:
        return _IRREGULAR[w]
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if w.endswith(("sses", "ches", "shes", "xes", "zes")):
        return w[:-2]
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


def segment_key(segment: str) -> str:
    """Comparison key: case- and accent-folded, punctuation-free, singular, synonyms mapped."""
    s = unicodedata.normalize("NFKD", fold(segment))
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    words = [singular(w) for w in re.findall(r"\w+", s)]
    words = [_SYNONYM_OF.get(w, w) for w in words]
    joined = " ".join(words)
    return _SYNONYM_OF.get(joined, joined)


def _same(a: str, b: str) -> bool:
    if a == b:
        return True
    if not a or not b or re.findall(r"\d+", a) != re.findall(r"\d+", b):
        return False  # "Italy 2023" and "Italy 2024" are two trips, however alike
    # word by word, so one differing word is not hidden in a long name: "grandma's garden"
    # and "grandpa's garden" stay apart, "graduaton party" meets "graduation party"
    wa, wb = a.split(), b.split()
    if len(wa) != len(wb):
        return False
    return all(x == y or (min(len(x), len(y)) >= 5 and
                          difflib.SequenceMatcher(None, x, y).ratio() >= FUZZY_RATIO)
               for x, y in zip(wa, wb))


def harmonize_paths(proposals: dict[int, str], sizes: dict[int, int], *,
                    max_top_level: int = 12, existing: list[str] = (),
                    fixed: set[int] = frozenset()) -> dict[int, str]:
    """All proposed folder paths together: merge near-synonym siblings level by level (the
    spelling of an existing folder wins, else the one covering most items), then cap the
    number of top-level folders (the smallest go under "More/"). Paths in `fixed` (named by
    the user) are kept exactly and their spelling wins for their siblings."""
    paths = {cid: [s for s in p.split("/") if s] or ["Unsorted"] for cid, p in proposals.items()}
    existing_top = [e for e in existing if e]

    def merge_level(ids: list[int], depth: int, preferred: list[str]) -> None:
        # cluster the sibling segments at this depth into groups that mean the same
        groups: list[dict] = []
        for cid in ids:
            if len(paths[cid]) <= depth:
                continue
            seg = paths[cid][depth]
            key = segment_key(seg)
            for g in groups:
                if _same(g["key"], key):
                    break
            else:
                g = {"key": key, "ids": [], "votes": Counter(), "pinned": None}
                groups.append(g)
            g["ids"].append(cid)
            g["votes"][seg] += sizes.get(cid, 1)
            if cid in fixed and g["pinned"] is None:
                g["pinned"] = seg
        for g in groups:
            spelling = g["pinned"]
            if spelling is None:
                spelling = next((e for e in preferred if _same(segment_key(e), g["key"])), None)
            if spelling is None:
                spelling = max(g["votes"].items(), key=lambda kv: (kv[1], kv[0]))[0]
            for cid in g["ids"]:
                if cid not in fixed:
                    paths[cid][depth] = spelling
            children = [cid for cid in g["ids"] if len(paths[cid]) > depth + 1]
            if children:
                merge_level(children, depth + 1, [])

    merge_level(list(paths), 0, existing_top)
    # cap top-level folders: existing and user folders always stay; then the biggest
    totals: Counter = Counter()
    for cid, segs in paths.items():
        totals[segs[0]] += sizes.get(cid, 1)
    if len(totals) > max_top_level:
        protected = {paths[cid][0] for cid in fixed} | {
            t for t in totals if any(fold(t) == fold(e) for e in existing_top)}
        room = max(max_top_level - 1, 0) - len(protected)  # one slot is "More"
        ranked = [t for t, _ in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))
                  if t not in protected]
        keep = protected | set(ranked[:max(room, 0)])
        for cid, segs in paths.items():
            if segs[0] not in keep and cid not in fixed:
                tail = segs[: MAX_DEPTH - 1]
                if len(segs) >= MAX_DEPTH:
                    tail = [segs[0], " - ".join(segs[1:])]
                paths[cid] = [OTHER_FOLDER] + tail
    return {cid: sanitize_relpath("/".join(segs)) for cid, segs in paths.items()}


# --------------------------------------------------------------------------- the whole pass

def name_collections(catalog: Catalog, registry=None, settings=None,
                     task: TaskState | None = None, *, rename: bool = False,
                     use_llm: bool = True, max_tokens: int = 160,
                     attempts: int = 3) -> NamingReport:
    """Name every collection that needs a name (all but the user's, when `rename`), with the
    LLM when there is one, else the fallback; then harmonise all folder paths."""
    from core.cluster import list_collections

    task = task or TaskState("name")
    t0 = time.monotonic()
    report = NamingReport()
    cols = list_collections(catalog)
    todo = [c for c in cols if c.named_by != "user" and (rename or not c.name)]
    llm = None
    if use_llm and registry is not None and todo:
        llm, report.llm_unavailable = _get_llm(registry)
    elif use_llm and todo:
        report.llm_unavailable = "no model registry"
    task.start(len(todo), "naming collections")
    for c in todo:
        task.check()
        with catalog.read() as conn:
            ctx = collection_context(conn, c.id)
        answer, named_by = None, "fallback"
        if llm is not None:
            try:
                answer = repair_answer(ask_llm(llm, ctx, max_tokens=max_tokens,
                                               attempts=attempts), ctx)
                named_by = f"llm:{getattr(llm, 'identity', 'llm')}"
                report.by_llm += 1
            except ShoeboxError as e:  # LLMOutputError, or the model failing mid-way
                log.info("collection %s: LLM naming failed (%s); using the fallback", c.id, e)
                report.llm_failures += 1
        if answer is None:
            answer = fallback_name(ctx)
            report.by_fallback += 1
        catalog.write(_save_name, c.id, answer, named_by)
        report.named += 1
        task.advance()
    catalog.write(_tell_apart, {c.id for c in todo})
    reharmonize(catalog, settings)
    report.seconds = time.monotonic() - t0
    return report


def _tell_apart(conn: Connection, renamed: set[int]) -> None:
    """Two collections must not share a name in the list: the ones just named get their dates,
    or else a number ('Beach', 'Beach 2024-07', 'Beach 2')."""
    rows = conn.execute("SELECT id, name, date_from, date_to FROM clusters ORDER BY member_count "
                        "DESC, id").fetchall()
    taken = {fold(r["name"]) for r in rows if r["name"] and r["id"] not in renamed}
    for r in rows:
        if r["id"] not in renamed or not r["name"]:
            continue
        name = r["name"]
        if fold(name) in taken:
            when = date_range_text(r["date_from"], r["date_to"])
            if when and when not in name and fold(f"{name} {when}") not in taken:
                name = f"{name} {when}"
            n = 2
            base = name
            while fold(name) in taken:
                name, n = f"{base} {n}", n + 1
            conn.execute("UPDATE clusters SET name = ? WHERE id = ?", (name, r["id"]))
        taken.add(fold(name))


def _get_llm(registry):
    try:
        return registry.llm(), None
    except ShoeboxError as e:  # ModelUnavailable: no weights, no runtime
        return None, str(e)
    except ImportError as e:  # a build without the LLM runtime
        return None, f"the LLM runtime is not installed ({e})"


def _save_name(conn: Connection, cid: int, ans: CollectionName, named_by: str) -> None:
    conn.execute("UPDATE clusters SET name = ?, description = ?, tags = ?, folder_path = ?, "
                 "named_by = ?, updated_at = ? WHERE id = ? AND coalesce(named_by, '') != 'user'",
                 (ans.name, ans.description, json.dumps(ans.tags, ensure_ascii=False),
                  ans.folder, named_by, time.time(), cid))


def existing_top_folders(catalog: Catalog) -> list[str]:
    """Top-level folders already in the library roots (their spelling is kept)."""
    import os

    out = []
    with catalog.read() as conn:
        roots = [r[0] for r in conn.execute("SELECT path FROM roots")]
    for root in roots:
        try:
            with os.scandir(root) as it:
                out += [e.name for e in it if e.is_dir(follow_symlinks=False)
                        and not e.name.startswith(".")]
        except OSError as e:
            log.warning("cannot list %s (%s)", root, e)
    return sorted(set(out))


def reharmonize(catalog: Catalog, settings=None) -> dict[int, str]:
    """Run the cross-collection pass over the stored folder paths and save the result."""
    max_top = getattr(settings, "max_top_level_folders", 12) if settings else 12
    with catalog.read() as conn:
        rows = conn.execute("SELECT id, folder_path, named_by, member_count FROM clusters "
                            "WHERE folder_path IS NOT NULL").fetchall()
    if not rows:
        return {}
    proposals = {r[0]: r[1] for r in rows}
    sizes = {r[0]: r[3] or 1 for r in rows}
    fixed = {r[0] for r in rows if r[2] == "user"}
    result = harmonize_paths(proposals, sizes, max_top_level=max_top,
                             existing=existing_top_folders(catalog), fixed=fixed)
    changed = [(p, cid) for cid, p in result.items() if p != proposals[cid]]

    def write(conn: Connection) -> None:
        conn.executemany("UPDATE clusters SET folder_path = ? WHERE id = ?", changed)

    if changed:
        catalog.write(write)
    return result


def group_by_top(paths: dict[int, str]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = defaultdict(list)
    for cid, p in paths.items():
        out[p.split("/")[0]].append(cid)
    return dict(out)
