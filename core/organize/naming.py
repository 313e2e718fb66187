"""Names and folders for collections.

For each collection the LLM sees its evidence (core.organize.evidence: captions, tags, dates,
places, people, text read in the photos, speech, the folders the files are in now, and the
library's own top-level folders), framed as data, and answers under a JSON schema
(`CollectionName`). Its answer is untrusted: `repair_answer` sanitises it and repairs echoes of
current folder names, the library folder's own name, ids, years it was not given and vague
words, keeping a note of each repair (clusters.notes). Without an LLM, or when it fails
(LLMOutputError), `fallback_name` names the collection from the same evidence, e.g.
"Beach 2024-07" in "Beach/2024-07".

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
from dataclasses import dataclass

from pydantic import BaseModel, Field

from core.catalog import Catalog, Connection
from core.errors import ShoeboxError
from core.files.sanitize import MAX_DEPTH, fold, sanitize_relpath, sanitize_segment, truncate
from core.organize.evidence import Evidence, date_range_text, gather_evidence
from core.organize.rules import LIVES_IN_SHARE
from core.organize.synonyms import folder_meaning
from core.organize.words import (
    DATEISH,
    FILLER,
    STOPWORDS,
    VAGUE_NAMES,
    content_keys,
    keys_overlap,
    segment_key,
    singular,
    telling_folder_name,
)
from core.query import list_collections
from core.resources import resource_path
from core.scan.roots import root_names
from core.tasks import TaskState

log = logging.getLogger(__name__)

OTHER_FOLDER = "More"
FUZZY_RATIO = 0.88


class CollectionName(BaseModel):
    """What the LLM must answer for one collection."""

    name: str = Field(min_length=1, max_length=80, description="short specific title")
    description: str = Field(default="", max_length=400)
    tags: list[str] = Field(default_factory=list, max_length=12)
    folder: str = Field(min_length=1, max_length=200,
                        description="1 to 3 folder names separated by '/'")


@dataclass
class NamingReport:
    named: int = 0
    by_llm: int = 0
    by_fallback: int = 0
    llm_failures: int = 0
    llm_unavailable: str | None = None
    seconds: float = 0.0
    first_try_valid: int = 0
    repaired: int = 0       # LLM answers the checks had to change (why: clusters.notes)


# --------------------------------------------------------------------------- answers

def _title(word: str) -> str:
    return " ".join(w[:1].upper() + w[1:] for w in word.split())


def _topic(ev: Evidence) -> str | None:
    """What the collection shows, from the evidence alone: the telling folder the files are
    all in (someone named it: 'Fruit' for apricots and cherries), else what kind of pictures
    they mostly are (screenshots, receipts, documents), else tags, then caption
    words, then events, people and places, then (no models yet) that folder anyway."""
    if ev.folders and ev.folder_share >= LIVES_IN_SHARE:
        return ev.folders[0]
    if ev.kinds:  # mostly screenshots, receipts or documents: that is what they are
        return _title(ev.kinds[0])
    if ev.tags:
        return _title(ev.tags[0])
    words = Counter()
    for cap in ev.captions:
        for w in re.findall(r"[^\W\d_]{3,}", cap.lower()):
            if w not in STOPWORDS:
                words[singular(w)] += 1
    if words:
        return _title(words.most_common(1)[0][0])
    if ev.events:
        return ev.events[0]
    if ev.people:
        return " and ".join(ev.people[:2])
    if ev.places:
        return ev.places[0]
    if ev.folders:  # no models yet: where the files are now still says something
        return ev.folders[0]
    return None


def fallback_name(ev: Evidence) -> CollectionName:
    """Deterministic name from tags (or caption words, events, people, places) and dates:
    'Beach 2024-07'. With nothing known it says so ('Collection 5') and files nothing under an
    invented topic: the layout then gives it a date folder or leaves it where it is."""
    topic = _topic(ev)
    when = date_range_text(ev.date_from, ev.date_to)
    if topic:
        name = f"{topic} {when}".strip()
        folder = f"{topic}/{when}" if when else topic
    else:
        name = f"Collection {ev.collection_id}" + (f" {when}" if when else "")
        folder = f"Unsorted/{when or f'Collection {ev.collection_id}'}"
    return repair_answer(CollectionName(
        name=name, description=f"{ev.size} items" + (f" from {when}" if when else ""),
        tags=ev.tags[:6], folder=folder), ev)[0]


_ID_WORDS = re.compile(r"\b(collection|cluster|group|album|set|id|no)\s*[#:.]?\s*\d+\b",
                       re.IGNORECASE)
_YEAR = re.compile(r"(?<!\d)((?:1[89]|20)\d\d)(?:[-_./](?:0?[1-9]|1[0-2]))?(?!\d)")


def _strip_unsupported(text: str, ev: Evidence, notes: list[str], what: str) -> str:
    """Ids and years the evidence does not hold, cut out of an LLM's name or folder segment."""
    out = _ID_WORDS.sub("", text)
    if out != text:
        notes.append(f"{what}: dropped an id (“{text}”); ids mean nothing to a person")
    years = ev.years()

    def year(m: re.Match) -> str:
        if int(m.group(1)) in years:
            return m.group(0)
        notes.append(f"{what}: dropped the year {m.group(1)}, which no photo's date gives")
        return ""

    out = _YEAR.sub(year, out)
    return " ".join(out.replace("()", "").split()).strip(" -,/")


def repair_answer(ans: CollectionName, ev: Evidence, *, root_names: list[str] = ()
                  ) -> tuple[CollectionName, list[str]]:
    """Make an LLM's (schema-valid but untrusted) answer safe and useful, and say what was
    changed and why (the notes are kept with the collection and shown in the review):
    a sanitised folder of at most 3 levels, without the library folder's own name, without a
    current folder's name the content does not support (the small LLM echoes them), without
    ids, years it was not given or vague words; a name that is not vague; clean tags."""
    notes: list[str] = []
    name = _strip_unsupported(sanitize_segment(" ".join(ans.name.split()), fallback=""), ev,
                              notes, "name")
    name = FILLER.sub("", name).strip()
    if not name or fold(name) in VAGUE_NAMES:
        if ans.name.strip():
            notes.append(f"name: “{ans.name.strip()}” says nothing about the photos; replaced")
        topic = _topic(ev)
        when = date_range_text(ev.date_from, ev.date_to)
        name = f"{topic or 'Collection'} {when}".strip() if (topic or when) else \
            f"Collection {ev.collection_id}"
    roots = {fold(r) for r in root_names if r}
    content = ev.content
    echoes = {fold(f) for f in ev.folders}
    segs = []
    folder = sanitize_relpath(ans.folder, max_depth=MAX_DEPTH + 2, fallback="")
    for seg in folder.split("/") if folder else []:
        if fold(seg) in roots:
            notes.append(f"folder: dropped “{seg}”, the library folder's own name")
            continue
        if fold(seg) in echoes and not keys_overlap(content_keys(seg), content):
            notes.append(f"folder: dropped “{seg}”, an echo of the folder the files are in now "
                         "that nothing in the photos supports")
            continue
        seg = _strip_unsupported(seg, ev, notes, "folder")
        if not seg:
            continue
        if fold(seg) in VAGUE_NAMES:
            notes.append(f"folder: dropped the vague “{seg}”")
            continue
        segs.append(sanitize_segment(seg))
    if not segs:
        segs = [name]
    elif all(DATEISH.fullmatch(fold(x)) for x in segs):
        # "2023/June" says when, not what: file it under what the collection shows
        segs = [_topic(ev) or name] + segs[: MAX_DEPTH - 1]
        notes.append("folder: a date alone says when, not what; filed under the topic")
    if len(segs) > MAX_DEPTH:
        notes.append(f"folder: cut to {MAX_DEPTH} levels")
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
                          folder="/".join(segs[:MAX_DEPTH])), notes


SYSTEM_PROMPT_FILE = ("prompts", "name_collection.txt")


def _system_prompt() -> str:
    return resource_path(*SYSTEM_PROMPT_FILE).read_text(encoding="utf-8")


def ask_llm(llm, ev: Evidence, *, max_tokens: int = 160, attempts: int = 3) -> CollectionName:
    """One LLM answer for one collection (raises LLMOutputError when it cannot produce one)."""
    messages = [{"role": "system", "content": _system_prompt()},
                {"role": "user", "content": ev.prompt()}]
    return llm.complete_json(messages, CollectionName, max_tokens=max_tokens, attempts=attempts)


# --------------------------------------------------------------------------- harmonising

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
                    fixed: set[int] = frozenset(), same_meaning=None) -> dict[int, str]:
    """All proposed folder paths together: merge near-synonym siblings level by level (the
    spelling of an existing folder wins, else the one covering most items), then cap the
    number of top-level folders (the smallest go under "More/"). Paths in `fixed` (named by
    the user) are kept exactly and their spelling wins for their siblings. `same_meaning(a, b)`
    (core/organize/synonyms.py) also merges siblings that mean the same however spelt."""
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
                if _same(g["key"], key) or (same_meaning is not None
                                            and same_meaning(g["seg"], seg)):
                    break
            else:
                g = {"key": key, "seg": seg, "ids": [], "votes": Counter(), "pinned": None}
                groups.append(g)
            g["ids"].append(cid)
            g["votes"][seg] += sizes.get(cid, 1)
            if cid in fixed and g["pinned"] is None:
                g["pinned"] = seg
        for g in groups:
            spelling = g["pinned"]
            if spelling is None:
                spelling = next((e for e in preferred if _same(segment_key(e), g["key"]) or (
                    same_meaning is not None and same_meaning(e, g["seg"]))), None)
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
    top = [f for f in existing_top_folders(catalog) if telling_folder_name(f, levels=1)]
    with catalog.read() as conn:
        roots = root_names(conn)
    for c in todo:
        task.check()
        with catalog.read() as conn:
            ev = gather_evidence(conn, c.id, library_folders=top)
        answer, notes, named_by = None, [], "fallback"
        if llm is not None:
            try:
                answer, notes = repair_answer(ask_llm(llm, ev, max_tokens=max_tokens,
                                                      attempts=attempts), ev, root_names=roots)
                named_by = f"llm:{getattr(llm, 'identity', 'llm')}"
                report.by_llm += 1
                report.repaired += bool(notes)
            except ShoeboxError as e:  # LLMOutputError, or the model failing mid-way
                log.info("collection %s: LLM naming failed (%s); using the fallback", c.id, e)
                report.llm_failures += 1
        if answer is None:
            answer = fallback_name(ev)
            report.by_fallback += 1
        catalog.write(_save_name, c.id, answer, named_by, notes)
        report.named += 1
        task.advance()
    catalog.write(_tell_apart, {c.id for c in todo})
    reharmonize(catalog, settings, registry)
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


def _save_name(conn: Connection, cid: int, ans: CollectionName, named_by: str,
               notes: list[str]) -> None:
    conn.execute("UPDATE clusters SET name = ?, description = ?, tags = ?, folder_path = ?, "
                 "named_by = ?, notes = ?, updated_at = ? WHERE id = ? AND "
                 "coalesce(named_by, '') != 'user'",
                 (ans.name, ans.description, json.dumps(ans.tags, ensure_ascii=False),
                  ans.folder, named_by, json.dumps(notes, ensure_ascii=False) if notes else None,
                  time.time(), cid))


def existing_top_folders(catalog: Catalog) -> list[str]:
    """Top-level folders already in the library roots (their spelling is kept)."""
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


def reharmonize(catalog: Catalog, settings=None, registry=None) -> dict[int, str]:
    """Run the cross-collection pass over the stored folder paths and save the result (with
    the registry's sentences model, near-synonyms are merged by meaning too)."""
    max_top = getattr(settings, "max_top_level_folders", 12) if settings else 12
    with catalog.read() as conn:
        rows = conn.execute("SELECT id, folder_path, named_by, member_count FROM clusters "
                            "WHERE folder_path IS NOT NULL").fetchall()
    if not rows:
        return {}
    proposals = {r[0]: r[1] for r in rows}
    sizes = {r[0]: r[3] or 1 for r in rows}
    fixed = {r[0] for r in rows if r[2] == "user"}
    meaning = folder_meaning(registry)
    result = harmonize_paths(proposals, sizes, max_top_level=max_top,
                             existing=existing_top_folders(catalog), fixed=fixed,
                             same_meaning=meaning.same if meaning else None)
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
