"""A stored plan as a person reviews it: by unit.

A unit is the set of moves sharing one destination folder (an event's folder, `Screenshots/2023`,
a month, a collection's folder), with what the review shows of it: how many photos and videos,
the dates they span, where they were taken, and its files in date order (for the thumbnail
strip). The files a plan leaves where they are form one more unit, each file with the reason it
stays. Decisions on units are plan.py's (`set_unit_decision`, `move_to_unit`).
"""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from core.catalog import Catalog
from core.files.dates import capture_dated_sql
from core.organize.plan import PlanItem, get_plan, plan_items
from core.places.events import day_span
from core.places.geocoder import place_label

STAYS = ""   # the key of the unit of files that stay where they are


@dataclass
class UnitFile:
    file_id: int | None
    path: str                  # where the file is now
    kind: str
    content_hash: str | None
    taken_at: float | None     # capture date, when the file has one
    place: str | None
    reason: str                # why it goes there, or why it stays
    item: PlanItem | None = None   # its move (the group's head); None when it stays
    companions: int = 0        # files travelling with it (RAW twin, Live Photo movie, sidecars)


@dataclass
class Unit:
    key: str                   # the full destination folder; STAYS for the files that stay
    folder: str                # the same, relative to its library folder
    files: list[UnitFile]
    first: float | None = None
    last: float | None = None
    place: str | None = None   # the place most of its files were taken at, where known
    collections: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the structure rules changed, and why

    @property
    def photos(self) -> int:
        return sum(f.kind != "video" for f in self.files)

    @property
    def videos(self) -> int:
        return sum(f.kind == "video" for f in self.files)

    def span(self) -> str:
        return day_span(self.first, self.last) if self.first is not None else ""

    def count_text(self) -> str:
        p, v = self.photos, self.videos
        parts = [f"{p} photo{'s' if p != 1 else ''}"] if p or not v else []
        if v:
            parts.append(f"{v} video{'s' if v != 1 else ''}")
        return ", ".join(parts)


def relative_folder(path: str, bases: list[str]) -> str:
    for b in bases:
        if path == b or path.startswith(b.rstrip(os.sep) + os.sep):
            return os.path.relpath(path, b)
    return path


def _facts(conn, root_id: int | None) -> dict[int, tuple]:
    """file id -> (path, kind, content_hash, taken_at, place, collection id, first_seen_at) for
    every present file of the plan's scope (one query: a plan may hold 20,000 moves)."""
    sql = ("SELECT f.id, f.path, f.kind, f.content_hash, "
           f"CASE WHEN {capture_dated_sql()} THEN f.taken_at END, "
           "p.place, p.region, p.country, m.cluster_id, f.first_seen_at FROM files f "
           "LEFT JOIN file_places p ON p.file_id = f.id "
           "LEFT JOIN cluster_members m ON m.file_id = f.id WHERE f.status = 'present'")
    args: tuple = ()
    if root_id is not None:
        sql += " AND f.root_id = ?"
        args = (root_id,)
    return {r[0]: (r[1], r[2], r[3], r[4], place_label(r[5], r[6], r[7]) or None, r[8], r[9])
            for r in conn.execute(sql, args)}


def _stay_reason(path: str, fact: tuple, plan: dict, keep: list[str],
                 cols: dict[int, tuple[str, bool]], notes: dict) -> str:
    layout = (plan["summary"] or {}).get("layout")
    cid, seen = fact[5], fact[6]
    if seen is not None and seen > plan["created_at"]:
        return "new since this plan was made"
    if any(path.startswith(k.rstrip(os.sep) + os.sep) for k in keep):
        return "in a folder you keep as it is"
    name, kept = cols.get(cid, ("", False)) if cid is not None else ("", False)
    if kept:
        return f"collection “{name}” is kept as it is"
    if layout == "date":
        return "no capture date" if fact[3] is None else "already in its date folder"
    if cid is None:
        return "in no collection"
    why = notes.get(str(cid))
    return why[-1] if why else f"already in the folder of “{name or 'its collection'}”"


def review_units(catalog: Catalog, plan_id: int) -> dict:
    """{'plan', 'items' (every PlanItem), 'roots', 'units' (moves by destination folder, in
    folder order, then the files that stay when the plan is a draft)}."""
    plan = get_plan(catalog, plan_id)
    items = plan_items(catalog, plan_id)
    heads = [i for i in items if i.role == "file"]
    companions = Counter(i.group_item_id for i in items if i.role != "file")
    notes = (plan["summary"] or {}).get("notes") or {}
    with catalog.read() as conn:
        roots = [r[0] for r in conn.execute("SELECT path FROM roots ORDER BY path")]
        cols = {r[0]: (r[1] or "", bool(r[2])) for r in conn.execute(
            "SELECT id, name, keep_as_is FROM clusters")}
        facts = _facts(conn, plan["root_id"])
        keep = [r[0] for r in conn.execute("SELECT path FROM keep_folders")]
    stays: dict[int, tuple] = {}
    if plan["state"] == "draft":  # (after an apply, what stayed is no longer this plan's news)
        moving = {i.file_id for i in items}
        stays = {fid: f for fid, f in facts.items()
                 if fid not in moving and f[1] in ("photo", "video")}
    bases = [plan["target"]] if plan["target"] else roots
    by_folder: dict[str, list[UnitFile]] = defaultdict(list)
    cids: dict[str, set] = defaultdict(set)
    for i in heads:
        f = facts.get(i.file_id)
        folder = os.path.dirname(i.dst)
        by_folder[folder].append(UnitFile(
            i.file_id, f[0] if f else i.src, f[1] if f else "photo", f[2] if f else None,
            f[3] if f else None, f[4] if f else None, i.reason or "", i,
            companions.get(i.id, 0)))
        if i.collection_id is not None:
            cids[folder].add(i.collection_id)
    units = [_unit(folder, relative_folder(folder, bases), files,
                   [cols[c][0] for c in sorted(cids[folder]) if c in cols and cols[c][0]],
                   [n for c in sorted(cids[folder]) for n in notes.get(str(c), [])])
             for folder, files in by_folder.items()]
    # as a file manager lists the folders: a unit keeps its place when photos move in or out
    units.sort(key=lambda u: (u.folder.casefold(), u.key))
    if stays:
        files = [UnitFile(fid, f[0], f[1], f[2], f[3], f[4],
                          _stay_reason(f[0], f, plan, keep, cols, notes))
                 for fid, f in stays.items()]
        units.append(_unit(STAYS, "Left where they are", files, [], []))
    return {"plan": plan, "items": items, "roots": roots, "units": units}


def _unit(key: str, folder: str, files: list[UnitFile], collections: list[str],
          notes: list[str]) -> Unit:
    files.sort(key=lambda f: (f.taken_at is None, f.taken_at or 0, f.path))
    dated = [f.taken_at for f in files if f.taken_at is not None]
    places = Counter(f.place for f in files if f.place)
    return Unit(key, folder, files, min(dated) if dated else None, max(dated) if dated else None,
                places.most_common(1)[0][0] if places else None, collections,
                list(dict.fromkeys(notes)))
