"""Plans: which file would go where, and why. Nothing here touches a file.

`compute_moves` is a pure function from the library's files, their collections (or, in the
event layout, their units: core.organize.units) and the user's choices to a list of `Move`s.
`make_plan` gathers those inputs from the catalog (and the sidecars lying next to each photo),
stores the plan with each move's unit and the files that stay with their reasons, and returns
its id. The review functions (`set_item_decision`, `set_collection_decision`,
`set_unit_decision`) are what the GUI calls.

Groups: a photo travels with its RAW twin (same stem), its Live Photo movie (same stem,
.mov/.mp4) and its sidecars (.xmp, .aae, IMG_1.JPG.xmp). The photo is the head of the group;
the others follow its destination and its decision.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace

from core.catalog import Catalog, Connection
from core.catalog.connection import OperationalError
from core.errors import ShoeboxError
from core.files.dates import capture_dated_sql
from core.files.kinds import PAIR_HEAD_FORMATS, pair_key
from core.files.kinds import stem as _stem
from core.files.sanitize import (
    InsideCheck,
    fit_windows_path,
    fold,
    is_inside,
    sanitize_filename,
    sanitize_relpath,
)
from core.organize.event_names import title_events
from core.organize.evidence import gather_evidence
from core.organize.layouts import check_layout, check_template, choose_layout, date_folder
from core.organize.rules import CollectionFacts, place_collections
from core.organize.units import EventFacts, Unit, UnitFile, is_scan, plan_units, worth_a_folder
from core.pipeline.picture_kinds import looks_like_screenshot_name
from core.places.events import update_events
from core.places.geocoder import place_label
from core.places.store import home_country
from core.scan.roots import folder_name

MIN_CONFIDENCE = 0.5
SIDECAR_EXTS = {".xmp", ".aae", ".thm", ".json"}  # .json: Google Takeout metadata
LIVE_PHOTO_EXTS = {".mov", ".mp4"}


# the reasons a plan gives for a layout nobody left to the library's shape
LAYOUT_ASKED = "the layout asked for"
LAYOUT_CHOSEN = "your chosen layout"


class PlanError(ShoeboxError):
    pass


@dataclass(frozen=True)
class PlanFile:
    id: int
    root: str
    path: str
    kind: str
    format: str
    collection_id: int | None = None
    probability: float | None = None
    taken_at: float | None = None   # capture date (core.files.dates), never a file's mtime


@dataclass(frozen=True)
class PlanCollection:
    id: int
    name: str | None
    folder: str | None
    keep_as_is: bool = False


@dataclass
class Move:
    src: str
    dst: str
    file_id: int | None
    collection_id: int | None
    confidence: float | None    # None: nothing says how sure (a date, or a score of 0/none)
    reason: str
    flagged: bool = False
    role: str = "file"          # file (group head) | companion (catalog file) | sidecar
    head: int | None = None     # index in the move list of the group's head; None for heads
    unit_kind: str | None = None    # the unit it is filed with (core.organize.units), if any
    unit_key: str | None = None
    unit_title: str | None = None


@dataclass
class Group:
    head: PlanFile
    key: tuple[str, str]                 # its folder and folded stem: `sidecar_key(head.path)`
    companions: list[PlanFile] = field(default_factory=list)


def _ext(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:].lower() if dot > 0 else ""


def group_files(files: list[PlanFile]) -> list[Group]:
    """Photos with their RAW twins and Live Photo movies (same folder, same stem)."""
    by_stem: dict[tuple[str, str], list[PlanFile]] = defaultdict(list)
    for f in files:
        by_stem[sidecar_key(f.path)].append(f)
    groups = []
    for key, members in by_stem.items():
        if len(members) == 1:   # most files: a group of its own, whatever it is
            groups.append(Group(members[0], key=key))
            continue
        heads = [f for f in members if f.kind == "photo" and f.format in PAIR_HEAD_FORMATS]
        if not heads:
            heads = [f for f in members if f.kind == "photo"]
        if not heads:
            groups += [Group(f, key=key) for f in members]
            continue
        head = min(heads, key=lambda f: (PAIR_HEAD_FORMATS.index(f.format)
                                         if f.format in PAIR_HEAD_FORMATS else 9, f.path))
        g = Group(head, key=key)
        for f in members:
            if f is head:
                continue
            # a RAW the scanner found to be this photo's twin (kind 'other'); a RAW that is a
            # photo of its own (another camera's shot with the same name) is its own group
            if (f.format == "raw" and f.kind == "other") or (
                    f.kind == "video" and _ext(f.path) in LIVE_PHOTO_EXTS):
                g.companions.append(f)
            else:
                groups.append(Group(f, key=key))
        groups.append(g)
    groups.sort(key=lambda g: g.head.path)
    return groups


def sidecar_key(path: str) -> tuple[str, str]:
    return os.path.dirname(path), pair_key(os.path.basename(path))


def find_sidecars(folder: str, names: list[str]) -> dict[tuple[str, str], list[str]]:
    """Sidecars in one folder listing, keyed like `sidecar_key` of the photo they belong to:
    IMG_1.xmp, IMG_1.AAE and IMG_1.JPG.xmp all belong to IMG_1.*."""
    out: dict[tuple[str, str], list[str]] = defaultdict(list)
    for name in names:
        if _ext(name) not in SIDECAR_EXTS:
            continue
        stem = _stem(name)
        inner = _stem(stem) if _ext(stem) else stem  # IMG_1.JPG.xmp -> IMG_1
        out[(folder, fold(inner))].append(os.path.join(folder, name))
    return out


def _month(ts: float | None) -> str:
    return time.strftime("%Y-%m", time.gmtime(ts)) if ts is not None else "?"


def _member_name(head_stem: str, new_stem: str, name: str) -> str:
    """A group member's name once the head's stem became new_stem."""
    if fold(name[: len(head_stem)]) == fold(head_stem):
        return new_stem + name[len(head_stem):]
    return name


def _membership(probability: float | None, what: str | None, min_confidence: float
                ) -> tuple[float | None, bool, str]:
    """Confidence, flag and reason of a move into a collection's folder. A probability of 0 or
    none says nothing about certainty (a member the clustering placed without a score, or one
    joined later): no "only 0% sure", and nothing flagged on its account."""
    if not probability or probability <= 0:
        return None, False, f"collection “{what}”"
    conf = float(probability)
    if conf < min_confidence:
        return conf, True, (f"only {conf:.0%} sure it belongs to “{what}”: flagged, and skipped "
                            "unless you accept it")
    return conf, False, f"collection “{what}”, {conf:.0%} sure"


def compute_moves(files: list[PlanFile], collections: dict[int, PlanCollection], *,
                  sidecars: dict[tuple[str, str], list[str]] | None = None,
                  keep_folders: set[str] | frozenset = frozenset(), target: str | None = None,
                  min_confidence: float = MIN_CONFIDENCE,
                  file_folders: dict[int, str] | None = None,
                  file_units: dict[int, Unit] | None = None,
                  groups: list[Group] | None = None) -> list[Move]:
    """The moves that put every collected file in its collection's folder (pure).

    - files without a collection (noise) stay; so do collections marked keep-as-is or without
      a folder, files under a folder the user marked keep, and files already in the right
      folder (a file is never proposed onto its own place);
    - `file_folders` (file id -> folder; the date layout) places each file by itself instead
      of by its collection: files it does not name stay; `file_units` (file id -> its unit;
      the event layout) gives each move its unit and the unit's reason;
    - a destination is `<target or the file's root>/<collection folder>/<file name>`, every
      part sanitised; names that would collide within the plan get numbers (case-insensitive);
    - confidence is the file's membership probability; below `min_confidence` the move is
      flagged for review (and, when stored, skipped until the user accepts it).
    `groups`: `group_files(files)`, when the caller has them already."""
    sidecars = sidecars or {}
    keep = [k.rstrip(os.sep) for k in keep_folders]
    taken: set[str] = set()
    moves: list[Move] = []
    dst_dirs: dict[tuple[str, str], tuple[str, str]] = {}  # far fewer folders than files
    for g in (group_files(files) if groups is None else groups):
        head = g.head
        col = collections.get(head.collection_id) if head.collection_id is not None else None
        if col is not None and col.keep_as_is:
            continue
        folder = file_folders.get(head.id) if file_folders is not None else \
            (col.folder if col is not None else None)
        if not folder:
            continue
        if keep and any(head.path == k or head.path.startswith(k + os.sep) for k in keep):
            continue
        base = target or head.root
        known = dst_dirs.get((base, folder))
        if known is None:
            rel = fit_windows_path(base, sanitize_relpath(folder), "x" * 40)
            dst_dir = os.path.join(base, *rel.split("/"))
            known = dst_dirs[(base, folder)] = (dst_dir, fold(dst_dir))
        dst_dir, folded_dir = known
        if fold(os.path.dirname(head.path)) == folded_dir:
            continue
        head_name = os.path.basename(head.path)
        head_stem = _stem(head_name)
        members = [(head, head.path), *((c, c.path) for c in g.companions)]
        side = sidecars.get(g.key, [])
        names = [os.path.basename(p) for _, p in members] + [os.path.basename(s) for s in side]
        clean_name = sanitize_filename(head_name)
        clean_stem = _stem(clean_name) or "file"
        new_stem, n = clean_stem, 1
        while True:  # one free stem for the whole group
            dsts = [os.path.join(dst_dir, clean_name if (m := _member_name(head_stem, new_stem, nm))
                                 == head_name else sanitize_filename(m)) for nm in names]
            folded = [fold(d) for d in dsts]
            if not any(d in taken for d in folded) and len(set(folded)) == len(folded):
                break
            n += 1
            new_stem = f"{clean_stem} ({n})"
        taken.update(folded)
        unit = file_units.get(head.id) if file_units is not None else None
        if unit is not None:  # what the library knows decides: an event, a kind, a month
            conf, flagged = 1.0, False
            reason = f"{unit.title}: {unit.reason}" if unit.kind in ("event", "topic") \
                else unit.reason
        elif file_folders is not None:  # by date: the file's own date decides, surely
            conf, flagged = 1.0, False
            reason = f"taken {_month(head.taken_at)}" + (
                f"; collection “{col.name}”" if col is not None and col.name else "")
        else:
            conf, flagged, reason = _membership(head.probability, col.name or col.folder,
                                                min_confidence)
        head_index = len(moves)
        tag = (unit.kind, unit.key, unit.title) if unit is not None else (None, None, None)
        for i, ((f, src), dst) in enumerate(zip(members, dsts)):
            moves.append(Move(src, dst, f.id, col.id if col is not None else None, conf,
                              reason if i == 0 else
                              f"travels with {head_name}", flagged,
                              "file" if i == 0 else "companion",
                              None if i == 0 else head_index, *tag))
        cid = col.id if col is not None else None
        for src, dst in zip(side, dsts[len(members):]):
            moves.append(Move(src, dst, None, cid, conf, f"sidecar of {head_name}", flagged,
                              "sidecar", head_index, *tag))
    return moves


# --------------------------------------------------------------------------- stored plans

def _plan_inputs(conn: Connection, root_id: int | None):
    sql = ("SELECT f.id, r.path root, f.path, f.kind, f.format, m.cluster_id, m.probability, "
           f"CASE WHEN {capture_dated_sql()} THEN f.taken_at END "
           "FROM files f JOIN roots r ON r.id = f.root_id "
           "LEFT JOIN cluster_members m ON m.file_id = f.id WHERE f.status = 'present'")
    args: tuple = ()
    if root_id is not None:
        sql += " AND f.root_id = ?"
        args = (root_id,)
    files = [PlanFile(*r) for r in conn.execute(sql, args)]
    cols = {r[0]: PlanCollection(r[0], r[1], r[2], bool(r[3])) for r in conn.execute(
        "SELECT id, name, folder_path, keep_as_is FROM clusters")}
    keep = {r[0] for r in conn.execute("SELECT path FROM keep_folders")}
    return files, cols, keep


def _collection_facts(conn: Connection, groups: list[Group], cols: dict[int, PlanCollection]
                      ) -> list[CollectionFacts]:
    """What the structure rules need: where each collection's photos and videos are now (the
    group heads, relative to their library folder), whether anything says what it shows, its
    first capture date and place, and what naming had to repair."""
    current: dict[int, Counter] = defaultdict(Counter)
    for g in groups:
        h = g.head
        if h.collection_id is not None:
            current[h.collection_id][os.path.relpath(os.path.dirname(h.path), h.root)] += 1
    out = []
    home = home_country(conn)   # a query over the whole library: once, not per collection
    for r in conn.execute("SELECT id, named_by, date_from, member_count, notes FROM clusters "
                          "ORDER BY id"):
        c = cols[r[0]]
        ev = gather_evidence(conn, c.id, home_country=home)
        out.append(CollectionFacts(
            c.id, c.name, c.folder, size=r[3] or 0, fixed=r[1] == "user",
            informative=ev.informative, date_from=r[2],
            place=ev.places[0] if ev.places else None,
            current=tuple(sorted(current[c.id].items(), key=lambda kv: (-kv[1], kv[0]))),
            notes=tuple(json.loads(r[4])) if r[4] else (), content=frozenset(ev.content)))
    return out


def list_sidecars(folders: Iterable[str]) -> dict[tuple[str, str], list[str]]:
    """The sidecars in these folders, keyed like `find_sidecars` (plans and culls)."""
    out: dict[tuple[str, str], list[str]] = {}
    for folder in sorted(set(folders)):
        try:
            names = os.listdir(folder)
        except OSError:
            continue  # the folder vanished: its files will be reported at apply time
        # only a sidecar's name is looked at on disk: a stat for every photo costs minutes
        out.update(find_sidecars(folder, [n for n in names if _ext(n) in SIDECAR_EXTS
                                          and os.path.isfile(os.path.join(folder, n))]))
    return out


def resolve_layout(catalog: Catalog, settings=None, layout: str | None = None,
                   root_id: int | None = None) -> tuple[str, str]:
    """(layout, why): the one asked for, else the one the user chose before (settings), else
    the one the library's shape calls for (core.organize.layouts.choose_layout)."""
    if layout:
        return check_layout(layout), LAYOUT_ASKED
    if settings is not None and getattr(settings, "organize_layout_chosen", False):
        return check_layout(getattr(settings, "organize_layout", None)), LAYOUT_CHOSEN
    with catalog.read() as conn:
        total, dated = conn.execute(
            f"SELECT count(*), total({capture_dated_sql()}) FROM files f WHERE "
            f"f.status = 'present' AND f.kind IN ('photo', 'video') AND "
            f"(? IS NULL OR f.root_id = ?)", (root_id, root_id)).fetchone()
        has_collections = conn.execute("SELECT 1 FROM clusters LIMIT 1").fetchone() is not None
    return choose_layout(int(dated), total, has_collections)


def make_plan(catalog: Catalog, settings=None, *, root_id: int | None = None,
              target: str | None = None, mode: str | None = None, layout: str | None = None,
              template: str | None = None, min_confidence: float = MIN_CONFIDENCE,
              store: bool = True, registry=None, use_llm: bool = True) -> int | list[Move]:
    """Compute and store a plan; returns its id (store=False: the moves, stored nowhere — the
    review's live preview). `layout`: event (units: albums, events, kinds, topics, months; see
    core.organize.units), topic (the collections' folders) or date (`template`, default from
    the settings: "{year}/{month}"); None: the user's remembered choice, else the one the
    library's shape calls for. The event layout names events from evidence, with the LLM of
    `registry` when there is one (`use_llm`). Every collection's folder passes the structure
    rules (core.organize.rules); what they changed, and why, is kept in the plan's summary
    ("notes"), with the units and the files that stay and why ("stays"). Moves that would
    leave their root (through a link inside it) are not planned. Nothing to move is a valid
    plan."""
    mode = mode or (getattr(settings, "organize_mode", None) if settings else None) or "move"
    if mode not in ("move", "copy", "link"):
        raise PlanError(f"unknown mode {mode!r}: use move, copy or link")
    if target is not None:
        target = os.path.realpath(target)
    layout, layout_reason = resolve_layout(catalog, settings, layout, root_id)
    if layout == "date":
        template = check_template(template or getattr(settings, "organize_date_template", None))
    if layout == "event":
        update_events(catalog)  # cheap when the timeline has not changed
    with catalog.read() as conn:
        files, cols, keep = _plan_inputs(conn, root_id)
        groups = group_files(files)
        roots = [r[0] for r in conn.execute("SELECT path FROM roots")]
        undated_topics = layout == "event" and any(
            f.taken_at is None and f.collection_id is not None for f in files)
        facts = _collection_facts(conn, groups, cols) if layout == "topic" or undated_topics \
            else []
        unit_inputs = _unit_inputs(conn, files) if layout == "event" else None
    root_names = [folder_name(r) for r in roots + ([target] if target else [])]
    notes: dict[int, list[str]] = {}
    file_folders = file_units = None
    units: list[Unit] = []
    stays: dict[int, str] = {}
    titles = None
    if layout == "date":
        file_folders = {f.id: d for f in files if f.kind in ("photo", "video")
                        and (d := date_folder(template, f.taken_at, name=(
                            cols[f.collection_id].name if f.collection_id in cols else None)))}
    elif layout == "event":
        placed = place_collections(facts, layout="topic", root_names=root_names) if facts else {}
        topics = {cid: None if cols[cid].keep_as_is else p.folder for cid, p in placed.items()}
        unit_files, events, members = unit_inputs
        titles = _event_titles(catalog, unit_files, events, members, registry, use_llm)
        events = {eid: replace(e, title=titles.titles.get(eid)) for eid, e in events.items()}
        units, stays = plan_units(unit_files, events, topics=topics, keep_folders=keep)
        file_units = {fid: u for u in units if u.folder for fid in u.file_ids}
        file_folders = {fid: u.folder for fid, u in file_units.items()}
    else:
        placed = place_collections(facts, layout=layout, root_names=root_names)
        cols = {cid: replace(c, folder=placed[cid].folder) for cid, c in cols.items()}
        notes = {cid: p.notes for cid, p in placed.items() if p.notes}
    sidecars = list_sidecars(os.path.dirname(f.path) for f in files if f.kind == "photo")
    moves = compute_moves(files, cols, sidecars=sidecars, keep_folders=keep,
                          target=target, min_confidence=min_confidence,
                          file_folders=file_folders, file_units=file_units, groups=groups)
    roots_of = {f.id: f.root for f in files}
    unsafe = 0
    inside = InsideCheck()
    for m in moves:
        base = target or (roots_of.get(m.file_id) if m.file_id else None)
        if base is None and m.head is not None:
            base = target or roots_of.get(moves[m.head].file_id)
        if base is not None and not inside(m.dst, base):
            unsafe += 1
            m.flagged = True
            m.reason = "destination resolves outside the library folder; not moved"
    if not store:
        return moves
    stays.update(_stay_reasons(groups, cols, keep, layout, moves, stays, file_folders))
    heads = [g.head for g in groups if g.head.kind in ("photo", "video")]
    moving = Counter(m.unit_key for m in moves if m.role == "file")
    summary = {"moves": sum(1 for m in moves if m.role == "file"),
               "files": len(moves), "flagged": sum(1 for m in moves if m.flagged
                                                   and m.role == "file"),
               "collections": len({m.collection_id for m in moves if m.collection_id is not None}),
               "unsafe": unsafe, "layout": layout, "layout_reason": layout_reason,
               "template": template,
               "notes": {str(cid): n for cid, n in sorted(notes.items())},
               "units": [{**u.to_dict(), "moves": moving[u.key]} for u in units],
               "stays": _stays_summary(stays, {f.id: f.path for f in files}),
               "library": len(heads)}
    if titles is not None:
        summary["titles"] = {"by_llm": titles.by_llm, "stored": titles.cached,
                             "fallback": titles.by_fallback,
                             "llm_unavailable": titles.llm_unavailable,
                             # what the checks changed in the LLM's titles, by unit
                             "notes": {f"event:{e}": n for e, n in titles.notes.items()}}
        summary["hints"] = _hints(catalog)
    return catalog.write(store_plan, moves, mode, root_id, target, summary)


def _hints(catalog: Catalog) -> list[str]:
    """What would make the event layout's folders better, and how to get it."""
    with catalog.read() as conn:
        unnamed = conn.execute(
            "SELECT count(*) FROM files f WHERE f.status = 'present' AND f.gps_lat IS NOT NULL "
            "AND NOT EXISTS (SELECT 1 FROM file_places p WHERE p.file_id = f.id "
            "AND p.source = 'gps')").fetchone()[0]
    hints = []
    if unnamed:
        hints.append(f"{unnamed} photos have GPS but no place name yet, so trips are named by "
                     "their days: run `shoebox index` to name their places")
    return hints


def _unit_inputs(conn: Connection, files: list[PlanFile]):
    """What the units are made of: each photo's kind, event and faces; the events."""
    def rows(sql: str, args=()):
        try:
            return conn.execute(sql, args).fetchall()
        except OperationalError:  # an older catalog without the table
            return []

    kinds = dict(rows("SELECT file_id, kind FROM picture_kinds"))
    with_faces = {r[0] for r in rows("SELECT DISTINCT file_id FROM faces")}
    event_of = dict(rows("SELECT file_id, event_id FROM event_members"))
    cameras = {r[0]: f"{r[1] or ''} {r[2] or ''}".strip() or None for r in rows(
        "SELECT id, camera_make, camera_model FROM files WHERE status = 'present' AND "
        "(camera_make IS NOT NULL OR camera_model IS NOT NULL)")}
    events = {r[0]: EventFacts(r[0], r[1], r[2], r[3], bool(r[4]),
                               place=place_label(r[5], r[6], r[7]) or None)
              for r in rows("SELECT id, start_at, end_at, file_count, away, place, region, "
                            "country FROM events")}
    members: dict[int, list[int]] = defaultdict(list)
    for fid, eid in event_of.items():
        members[eid].append(fid)
    albums: dict[int, list[str]] = defaultdict(list)
    for fid, name in rows("SELECT af.file_id, a.name FROM album_files af "
                          "JOIN albums a ON a.id = af.album_id ORDER BY a.name"):
        albums[fid].append(name)
    out = []
    for f in files:
        if f.kind not in ("photo", "video"):
            continue
        name = os.path.basename(f.path)
        kind = kinds.get(f.id)
        if kind is None and f.kind == "photo":
            if looks_like_screenshot_name(name):
                kind = "screenshot"
            elif is_scan(name, cameras.get(f.id)):
                kind = "scan"
        out.append(UnitFile(f.id, f.root, f.path, f.taken_at, kind, event_of.get(f.id),
                            f.collection_id, f.id in with_faces, tuple(albums.get(f.id, ()))))
    return out, events, dict(members)


def _event_titles(catalog: Catalog, files: list[UnitFile], events: dict[int, EventFacts],
                  members: dict[int, list[int]], registry, use_llm: bool):
    """Titles for the events that get a folder of their own."""
    faces = Counter(f.event_id for f in files if f.faces and f.event_id is not None)
    wanted = {eid: (e.start_at, e.end_at, e.away, members.get(eid, []))
              for eid, e in events.items() if worth_a_folder(e, faces[eid])}
    return title_events(catalog, wanted, registry, use_llm=use_llm)


def _stay_reasons(groups: list[Group], cols: dict[int, PlanCollection], keep, layout: str,
                  moves: list[Move], stays: dict[int, str],
                  file_folders: dict[int, str] | None) -> dict[int, str]:
    """Why each photo or video that is not moved stays (those already in their place aside)."""
    moved = {m.file_id for m in moves}
    keep = [k.rstrip(os.sep) for k in keep]
    out: dict[int, str] = {}
    for g in groups:
        h = g.head
        if h.id in moved or h.id in stays or h.kind not in ("photo", "video"):
            continue
        col = cols.get(h.collection_id) if h.collection_id is not None else None
        if any(h.path.startswith(k + os.sep) for k in keep):
            out[h.id] = "in a folder you keep as it is"
        elif col is not None and col.keep_as_is:
            out[h.id] = f"its collection “{col.name or col.id}” is kept as it is"
        elif layout == "date":
            if h.id not in file_folders:
                out[h.id] = "no capture date, so the date layout cannot place it"
        elif file_folders is not None:
            if h.id not in file_folders:
                out[h.id] = "no unit places it"   # plan_units gives every file one
        elif col is None:
            out[h.id] = ("in no collection: the topic layout files collections "
                         "(run `shoebox collections`)")
        elif not col.folder:
            out[h.id] = f"its collection “{col.name or col.id}” has no folder"
    return out


def _stays_summary(stays: dict[int, str], paths: dict[int, str], examples: int = 5) -> list:
    """The files that stay, by reason: how many, a few paths, and every id (the review lists
    them)."""
    by_reason: dict[str, list[int]] = defaultdict(list)
    for fid, reason in stays.items():
        by_reason[reason].append(fid)
    return [{"reason": r, "files": len(ids),
             "examples": sorted(paths.get(i, "?") for i in ids)[:examples],
             "file_ids": sorted(ids)}
            for r, ids in sorted(by_reason.items(), key=lambda kv: (-len(kv[1]), kv[0]))]


def store_plan(conn: Connection, moves: list[Move], mode: str, root_id, target, summary) -> int:
    """Write a draft plan and its moves (on the writer); its id. Reorganizations and culls
    (core.cull.culling) are both stored this way, so apply, undo and the journal serve both."""
    pid = conn.execute("INSERT INTO plans(root_id, mode, state, summary, created_at, target) "
                       "VALUES (?, ?, 'draft', ?, ?, ?)",
                       (root_id, mode, json.dumps(summary), time.time(), target)).lastrowid
    # in one statement, with the ids SQLite would give the rows one by one (the largest + 1):
    # a group's items point at their head's id
    first = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM plan_items").fetchone()[0]
    conn.executemany(
        "INSERT INTO plan_items(id, plan_id, file_id, src, dst, reason, cluster_id, confidence, "
        "flagged, decision, group_item_id, role, unit_kind, unit_key, unit_title) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        [(first + i, pid, m.file_id, m.src, m.dst, m.reason, m.collection_id, m.confidence,
          int(m.flagged), "skip" if m.flagged else "accept",
          first + m.head if m.head is not None else None, m.role, m.unit_kind, m.unit_key,
          m.unit_title) for i, m in enumerate(moves)])
    return pid


# --------------------------------------------------------------------------- review

def _draft(conn: Connection, plan_id: int):
    p = conn.execute("SELECT * FROM plans WHERE id = ?", (plan_id,)).fetchone()
    if p is None:
        raise PlanError(f"there is no plan {plan_id} (see `shoebox plans`)")
    if p["state"] != "draft":
        raise PlanError(f"plan {plan_id} is {p['state']}; only a draft plan can be edited")
    return p


def set_item_decision(catalog: Catalog, plan_id: int, item_id: int, decision: str | None = None,
                      *, folder: str | None = None) -> None:
    """Accept or skip one move (with its group), and/or send it to another folder (relative
    to its library folder, sanitised)."""
    set_items_decision(catalog, plan_id, [item_id], decision, folder=folder)


def set_items_decision(catalog: Catalog, plan_id: int, item_ids: list[int],
                       decision: str | None = None, *, folder: str | None = None) -> None:
    """The same for many moves in one write (the review's selection, "skip flagged")."""
    _decide(catalog, plan_id, lambda conn: _heads_of(conn, plan_id, item_ids), decision, folder)


def _decide(catalog: Catalog, plan_id: int, heads_of, decision: str | None,
            folder: str | None) -> None:
    """Accept or skip the groups whose heads `heads_of(conn)` gives, and/or send them to
    `folder`, in one write: what every review decision (a move, a unit, a collection) does."""
    if decision not in (None, "accept", "skip"):
        raise PlanError("a decision is 'accept' or 'skip'")

    def write(conn: Connection) -> None:
        p = _draft(conn, plan_id)
        heads = heads_of(conn)
        if decision is not None:
            conn.executemany("UPDATE plan_items SET decision = ? WHERE id = ? OR "
                             "group_item_id = ?", [(decision, h, h) for h in heads])
        if folder is not None:
            _redirect_groups(conn, p, heads, folder)

    catalog.write(write)


def _heads_of(conn: Connection, plan_id: int, item_ids: list[int]) -> list[int]:
    """The group heads of these items, in order, once each (a sidecar stands for its photo)."""
    heads: dict[int, None] = {}
    for iid in item_ids:
        it = conn.execute("SELECT id, group_item_id FROM plan_items WHERE id = ? AND "
                          "plan_id = ?", (iid, plan_id)).fetchone()
        if it is None:
            raise PlanError(f"plan {plan_id} has no item {iid}")
        heads[it["group_item_id"] or it["id"]] = None
    return list(heads)


def _root_of(conn: Connection, plan, src: str, file_id: int | None) -> str:
    if plan["target"]:
        return plan["target"]
    if file_id is not None:
        r = conn.execute("SELECT r.path FROM files f JOIN roots r ON r.id = f.root_id "
                         "WHERE f.id = ?", (file_id,)).fetchone()
        if r:
            return r[0]
    for r in conn.execute("SELECT path FROM roots"):
        if src.startswith(r[0].rstrip(os.sep) + os.sep):
            return r[0]
    raise PlanError(f"{src} is in no library folder")


def _redirect_groups(conn: Connection, plan, head_ids: list[int], folder: str, *,
                     absolute: bool = False) -> None:
    """Send groups (each head with its companions and sidecars) to `folder`: relative to each
    group's library folder, sanitised; or, `absolute`, that very folder, which must lie inside
    the group's library folder. A name another move of the plan already takes there gets a
    number, for the whole group at once (as the planner does)."""
    rows = conn.execute("SELECT id, src, dst, file_id, group_item_id FROM plan_items "
                        "WHERE plan_id = ? ORDER BY id", (plan["id"],)).fetchall()
    moving = set(head_ids)
    members: dict[int, list] = defaultdict(list)
    taken: set[str] = set()
    for r in rows:
        head = r["group_item_id"] or r["id"]
        if head in moving:
            members[head].append(r)
        else:
            taken.add(fold(r["dst"]))
    rel = None if absolute else sanitize_relpath(folder)
    updates = []
    for head_id in head_ids:
        items = members.get(head_id)
        if not items:
            raise PlanError(f"plan {plan['id']} has no item {head_id}")
        head = items[0]
        root = _root_of(conn, plan, head["src"], head["file_id"])
        dst_dir = os.path.normpath(folder) if absolute else os.path.join(root, *rel.split("/"))
        if not is_inside(dst_dir, root):
            raise PlanError(f"{folder} is not inside the library folder {root}")
        head_name = os.path.basename(head["dst"])
        head_stem = _stem(head_name)
        names = [os.path.basename(it["dst"]) for it in items]
        new_stem, n = head_stem, 1
        while True:
            dsts = [os.path.join(dst_dir, _member_name(head_stem, new_stem, nm)) for nm in names]
            if not any(fold(d) in taken for d in dsts):
                break
            n += 1
            new_stem = f"{head_stem} ({n})"
        taken.update(fold(d) for d in dsts)
        updates += [(d, it["id"]) for d, it in zip(dsts, items)]
    conn.executemany("UPDATE plan_items SET dst = ?, edited = 1 WHERE id = ?", updates)


def _unit_heads(conn: Connection, plan_id: int, unit_folder: str) -> list[int]:
    # in SQL: a 20,000-move plan is not walked in Python (the review's GUI thread waits on it)
    prefix = unit_folder.rstrip(os.sep) + os.sep
    heads = [r[0] for r in conn.execute(
        "SELECT id FROM plan_items WHERE plan_id = ? AND group_item_id IS NULL AND "
        "substr(dst, 1, ?) = ? AND instr(substr(dst, ? + 1), ?) = 0",
        (plan_id, len(prefix), prefix, len(prefix), os.sep))]
    if not heads:
        raise PlanError(f"plan {plan_id} moves nothing into {unit_folder}")
    return heads


def set_unit_decision(catalog: Catalog, plan_id: int, unit_folder: str,
                      decision: str | None = None, *, folder: str | None = None) -> None:
    """Accept or skip every move into one destination folder (a review unit: an event's
    folder, `Screenshots/2023`, a month), and/or rename that folder: `folder` is the new one,
    relative to the library folder. Moving a unit onto another unit's folder merges them."""
    _decide(catalog, plan_id, lambda conn: _unit_heads(conn, plan_id, unit_folder), decision,
            folder)


def move_to_unit(catalog: Catalog, plan_id: int, item_ids: list[int], unit_folder: str) -> None:
    """Send moves (each with its group) into another destination folder of the plan, given as
    the full path the review shows; a companion or sidecar brings its whole group."""

    def write(conn: Connection) -> None:
        p = _draft(conn, plan_id)
        _redirect_groups(conn, p, _heads_of(conn, plan_id, item_ids), unit_folder,
                         absolute=True)

    catalog.write(write)


def set_collection_decision(catalog: Catalog, plan_id: int, collection_id: int,
                            decision: str | None = None, *, folder: str | None = None) -> None:
    """Accept or skip every move of one collection in a plan, and/or send it elsewhere."""
    def heads_of(conn: Connection) -> list[int]:
        heads = [r[0] for r in conn.execute(
            "SELECT id FROM plan_items WHERE plan_id = ? AND cluster_id = ? AND "
            "group_item_id IS NULL", (plan_id, collection_id))]
        if not heads:
            raise PlanError(f"plan {plan_id} moves nothing of collection {collection_id}")
        return heads

    _decide(catalog, plan_id, heads_of, decision, folder)


# --------------------------------------------------------------------------- reading

@dataclass
class PlanItem:
    id: int
    file_id: int | None
    src: str
    dst: str
    reason: str | None
    collection_id: int | None
    confidence: float | None
    flagged: bool
    decision: str
    role: str
    group_item_id: int | None
    state: str | None = None   # from the journal: done, rolled_back, failed, undone
    unit_kind: str | None = None   # album | event | screenshots | documents | scans | topic |
    unit_key: str | None = None    # month | undated (units); None: a collection's plan
    unit_title: str | None = None  # 'Kyoto, Japan', 'Screenshots 2023', 'May 2023'


def plan_items(catalog: Catalog, plan_id: int) -> list[PlanItem]:
    with catalog.read() as conn:
        rows = conn.execute("SELECT * FROM plan_items WHERE plan_id = ? ORDER BY id",
                            (plan_id,)).fetchall()
        states = {}
        for j in conn.execute("SELECT item_id, op, state FROM journal WHERE plan_id = ? AND "
                              "item_id IS NOT NULL ORDER BY id", (plan_id,)):
            states[j[0]] = "undone" if j[1] == "undo" and j[2] == "done" else j[2]
    return [PlanItem(r["id"], r["file_id"], r["src"], r["dst"], r["reason"], r["cluster_id"],
                     r["confidence"], bool(r["flagged"]), r["decision"], r["role"],
                     r["group_item_id"], states.get(r["id"]), r["unit_kind"], r["unit_key"],
                     r["unit_title"]) for r in rows]


def get_plan(catalog: Catalog, plan_id: int) -> dict:
    with catalog.read() as conn:
        p = conn.execute("SELECT * FROM plans WHERE id = ?", (plan_id,)).fetchone()
    if p is None:
        raise PlanError(f"there is no plan {plan_id} (see `shoebox plans`)")
    return _plan_dict(p)


def _plan_dict(p) -> dict:
    return {"id": p["id"], "state": p["state"], "mode": p["mode"], "root_id": p["root_id"],
            "target": p["target"], "summary": json.loads(p["summary"] or "{}"),
            "report": json.loads(p["report"]) if p["report"] else None,
            "created_at": p["created_at"], "applied_at": p["applied_at"],
            "undone_at": p["undone_at"]}


def list_plans(catalog: Catalog) -> list[dict]:
    with catalog.read() as conn:
        rows = conn.execute("SELECT * FROM plans ORDER BY id DESC").fetchall()
    return [_plan_dict(p) for p in rows]


def plan_tree(items: list[PlanItem], roots: list[str] = ()) -> dict[str, int]:
    """Proposed destination folders (relative to their root when known) -> files going there."""
    counts: Counter = Counter()
    for it in items:
        folder = os.path.dirname(it.dst)
        for r in roots:
            if folder.startswith(r.rstrip(os.sep) + os.sep):
                folder = os.path.relpath(folder, r)
                break
        counts[folder] += 1
    return dict(sorted(counts.items()))


def add_keep_folder(catalog: Catalog, folder: str) -> str:
    """Mark a folder "keep as is": no plan moves anything out of it."""
    path = os.path.realpath(folder)

    def write(conn: Connection) -> None:
        conn.execute("INSERT OR IGNORE INTO keep_folders(path, added_at) VALUES (?, ?)",
                     (path, time.time()))

    catalog.write(write)
    return path


def moves_as_dicts(moves: list[Move]) -> list[dict]:
    return [asdict(m) for m in moves]
