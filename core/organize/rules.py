"""Structure rules: the checks every plan passes after the LLM and the layout have spoken.

`place_collections` decides, for each collection, the folder (relative to its library folder)
its files go to, or None for "stays where it is", and says why when it changed anything:

1. a destination never repeats the library folder's own name (`lib/lib/...`);
2. a collection whose files already sit together, alone, in one folder someone named (not a
   camera, inbox, date or vague folder) is left there (no churn);
3. the folder is named after the collection: a leaf that says something else is replaced by
   the collection's name (topic layout; the user's own folders are kept as typed);
4. with nothing known about what a collection shows, no topic is invented: it gets an event
   (date) folder, or stays where it is;
5. each collection gets its own folder (unless the user gave two the same one, or a date
   template without {name} puts a month's photos together, which is what it is for);
6. at most MAX_DEPTH levels, every segment sanitised.

A file is never proposed onto its own place: `plan.compute_moves` drops moves whose folder is
already the file's folder. All of it is pure: same inputs, same plan.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field

from core.files.sanitize import MAX_DEPTH, fold, sanitize_relpath, sanitize_segment
from core.organize.layouts import event_folder
from core.organize.words import DATEISH, VAGUE_NAMES, names_match, telling_folder_name

LIVES_IN_SHARE = 0.9     # share of a collection's files in one folder for it to "live" there
OWNS_FOLDER_SHARE = 0.8  # share of that folder's collected files that must be this collection's


@dataclass(frozen=True)
class CollectionFacts:
    """What the rules need to know about one collection."""

    id: int
    name: str | None
    folder: str | None               # the stored topic folder (LLM / fallback / user)
    size: int = 0
    fixed: bool = False              # the user named it or gave its folder
    informative: bool = True         # anything says what it shows (see Evidence.informative)
    date_from: float | None = None
    place: str | None = None
    current: tuple[tuple[str, int], ...] = ()   # (folder relative to its root, files), most first
    notes: tuple[str, ...] = ()      # what naming repaired, and why
    content: frozenset[str] = frozenset()   # Evidence.content: what the files show or say


@dataclass
class Placement:
    folder: str | None               # relative to the library folder; None: stays where it is
    notes: list[str] = field(default_factory=list)
    home: bool = False               # the folder the collection already lives in


def _strip_roots(rel: str, root_names: set[str], notes: list[str]) -> str:
    segs = [s for s in rel.split("/") if s]
    kept = [s for s in segs if fold(s) not in root_names]
    if len(kept) != len(segs):
        notes.append("the library folder's own name was taken out of the destination")
    return "/".join(kept)


def _lives_in(c: CollectionFacts, owners: dict[str, Counter]) -> str | None:
    """The one folder a collection already lives in, alone: a folder someone made and named
    (not a camera, inbox, date or vague one) that holds this collection and little else is
    the user's own order, whatever words the collection's name or its photos use ('Fruit'
    for apricots and cherries)."""
    if not c.current or not c.name:
        return None
    total = sum(n for _, n in c.current)
    folder, n = c.current[0]
    if not folder or folder == "." or n < LIVES_IN_SHARE * total:
        return None
    here = owners.get(folder, Counter())
    if here[c.id] < OWNS_FOLDER_SHARE * sum(here.values()):
        return None  # shared with other collections: not this one's folder
    leaf = os.path.basename(folder)
    if not telling_folder_name(leaf, levels=1) or fold(leaf) in VAGUE_NAMES:
        return None
    return folder


def _named_after(rel: str, name: str, notes: list[str]) -> str:
    """The leaf names the collection: 'Space/Planets' for 'Solar System' -> 'Space/Solar System'."""
    segs = rel.split("/")
    leaf = segs[-1]
    if names_match(leaf, name) or (DATEISH.fullmatch(fold(leaf)) and len(segs) > 1
                                   and names_match(segs[-2], name)):
        return rel
    own = sanitize_segment(name)
    if len(segs) == 1 or len(segs) >= MAX_DEPTH:
        segs = [*segs[:-1], own] if len(segs) > 1 else [leaf, own]
    else:
        segs = [*segs, own]
    notes.append(f"folder “{leaf}” did not say “{name}”; the collection's folder is named "
                 "after it")
    return "/".join(segs)


def place_collections(cols: list[CollectionFacts], *, layout: str = "topic",
                      root_names: list[str] = ()) -> dict[int, Placement]:
    """The folder of every collection under `layout` ("topic" or "event"), the rules above
    applied; collections are taken biggest first so the bigger one keeps a contested name."""
    roots = {fold(r) for r in root_names if r}
    owners: dict[str, Counter] = {}
    for c in cols:
        for folder, n in c.current:
            owners.setdefault(folder, Counter())[c.id] += n
    order = sorted(cols, key=lambda c: (-c.size, c.id))
    out: dict[int, Placement] = {}
    for c in order:
        notes = list(c.notes)
        name = c.name or f"Collection {c.id}"
        if layout == "event":
            rel = event_folder(c.name, c.date_from, c.place)
            if rel is None:
                notes.append("no capture date: an event folder needs one, so it stays where it is")
        elif c.fixed:
            rel = c.folder
        elif (home := _lives_in(c, owners)) is not None:
            # an existing folder, kept exactly as it is (even deeper than MAX_DEPTH)
            notes.append(f"already together in “{home}”, a folder of its own: left there")
            out[c.id] = Placement(home, notes, home=True)
            continue
        elif not c.informative:
            rel = event_folder(None, c.date_from, c.place)
            notes.append("nothing says what these photos show, so no topic is made up: "
                         + ("filed by date" if rel else "no date either, so it stays where it is"))
        else:
            rel = _named_after(sanitize_relpath(c.folder or name), name, notes)
        if rel is not None:
            rel = _strip_roots(rel, roots, notes)
            rel = sanitize_relpath(rel, fallback="") if rel else ""
            if not rel:
                rel = sanitize_segment(name)
        out[c.id] = Placement(rel, notes)
    _one_folder_each(order, out)
    return out


def _one_folder_each(order: list[CollectionFacts], out: dict[int, Placement]) -> None:
    """Two collections never share a folder the user did not give them both."""
    taken: dict[str, int] = {}
    # the user's folders are claimed first, then the folders collections already live in
    for c in sorted(order, key=lambda c: (not c.fixed, not out[c.id].home)):
        p = out[c.id]
        if p.folder is None:
            continue
        key = fold(p.folder)
        if key not in taken or (c.fixed and any(o.id == taken[key] and o.fixed for o in order)):
            taken.setdefault(key, c.id)
            continue
        other = next(o for o in order if o.id == taken[key])
        segs = p.folder.split("/")
        own = sanitize_segment(c.name or f"Collection {c.id}")
        candidate = "/".join([*segs[:-1], own]) if fold(segs[-1]) != fold(own) else p.folder
        n = 2
        base = candidate
        while fold(candidate) in taken:
            candidate = f"{base} ({n})"
            n += 1
        p.notes.append(f"“{p.folder}” is already the folder of “{other.name}”; each collection "
                       "gets its own folder")
        p.folder = sanitize_relpath(candidate)
        taken[fold(p.folder)] = c.id
