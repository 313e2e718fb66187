"""Every cost that grows with the library, at 10k, 100k and 1M files, and how it grows.

    .venv/bin/python -m benchmarks.bench_scale [--sizes 10000,100000,1000000] [--seed 1]
        [--only app,search,rescan,people,events,dupes,plan,review,paging] [--queries 150]
        [--paging-runs 5] [--cache DIR] [--json PATH]

Each size's catalog is built once (benchmarks/scale_catalog.py: through the migrations, bulk
inserts, no image decoded; 100k in ~2 min, 1M in ~27 min on 2 cores) and kept under
--cache (default $TMPDIR/shoebox-bench-scale, keyed by size and seed), so a rerun measures
at once;
figures are kept beside it, so `--only people` reruns one row and the table still shows all.

Rows (seconds unless said):
  app RSS start / search   the real app (desktop.app.create_window) offscreen in its own
                           process on the catalog: resident memory once the first screen is up,
                           and after one search typed in the search bar (vectors loaded)
  first screen             window created -> every visible cell has its thumbnail
  paging stall             worst event-loop stall over 100 page-downs of the grid (ms), and
                           the GUI thread's CPU per page-down (what load does not change)
  paging, median of runs   `paging` (not in the default steps): the app started --paging-runs
                           times, each its own process; the median and the worst of the
                           worst stalls of `app`'s 100 page-downs (a big library's ids still
                           being read), then of 100 more once every row is in (ms)
  People/Collections/Duplicates page   the page opened from the left bar: until its list is
                           shown (s), and the worst GUI stall meanwhile (ms)
  search p50/p95           core.search.search, CLIP + words + meaning, relevance floor off;
                           "filtered" rotates kind, dates, GPS, camera and folder filters (ms);
                           each text is new (cold: its encodings and word lists not kept);
                           "same text, a filter changed": each unfiltered text run again with
                           a filter, as a user refining a search (warm); the process CPU of
                           the unfiltered queries (all threads)
  rescan                   core.scan.scan with nothing changed: walks every placeholder file on
                           disk (empty files; size and mtime as the catalog holds) and compares
                           them with the catalog; reads no contents
  people +5%               core.people.update_people on the newest 5% of faces (then reset)
  events                   core.places.events.update_events(force=True): the whole timeline;
                           then after +1% new photos (copies of files with their places: the
                           newest 1% again after the last day, or 1% scattered over the years
                           within an hour of an existing one) update_events(): only the
                           stretches they touch (the copies are deleted again after each)
  near-dupes               core.search.duplicates(near=True): exact and near groups, in its
                           own process, stopped after --dupes-limit seconds ("> limit")
  plan                     core.organize.make_plan, date layout, the whole library, stored
  review keypress p95/max  the Reorganize review of a plan of min(20,000, n/2) moves
                           (benchmarks.bench_review's key script), in its own process (ms)
The growth exponent is log(cost at 1M / cost at 100k) / log(10) (between the two largest
sizes measured when 1M is not).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# outside the checkout: the catalogs hold absolute paths, and nothing in the checkout may
# reach outside it (tests/test_architecture.py)
DEFAULT_CACHE = Path(tempfile.gettempdir()) / "shoebox-bench-scale"
STEPS = ("app", "search", "rescan", "people", "events", "dupes", "plan", "review", "paging")
DEFAULT_STEPS = STEPS[:-1]   # paging repeats the app's page-downs, for a steadier figure
ROWS = [  # (key, label, unit)
    ("rss_start_mb", "app RSS after start", "MB"),
    ("rss_search_mb", "app RSS after a search", "MB"),
    ("first_screen_s", "first screen", "s"),
    ("page_stall_ms", "paging stall (worst)", "ms"),
    ("page_cpu_ms", "paging GUI CPU per page", "ms"),
    ("page_off_queue_ms", "paging stall less the GUI thread's wait for a core", "ms"),
    ("paging_stall_median_ms", "paging stall, median of runs", "ms"),
    ("paging_stall_max_ms", "paging stall, worst of runs", "ms"),
    ("paging_cpu_median_ms", "paging GUI CPU per page, median of runs", "ms"),
    ("paging_off_queue_median_ms", "paging stall less the wait for a core, median of runs",
     "ms"),
    ("paging_loaded_stall_median_ms", "paging stall once every row is in, median of runs", "ms"),
    ("paging_loaded_stall_max_ms", "paging stall once every row is in, worst of runs", "ms"),
    ("paging_loaded_off_queue_median_ms",
     "paging stall once every row is in, less the wait for a core, median of runs", "ms"),
    ("paging_loaded_cpu_median_ms", "paging GUI CPU per page once every row is in, median",
     "ms"),
    ("people_page_s", "People page shown", "s"),
    ("people_page_stall_ms", "People page worst stall", "ms"),
    ("people_page_show_stall_ms", "People page worst stall once found", "ms"),
    ("collections_page_s", "Collections page shown", "s"),
    ("collections_page_stall_ms", "Collections page worst stall", "ms"),
    ("collections_page_show_stall_ms", "Collections page worst stall once found", "ms"),
    ("duplicates_page_s", "Duplicates page shown", "s"),
    ("duplicates_page_stall_ms", "Duplicates page worst stall", "ms"),
    ("duplicates_page_show_stall_ms", "Duplicates page worst stall once found", "ms"),
    ("search_p50_ms", "search p50, all lists", "ms"),
    ("search_p95_ms", "search p95, all lists", "ms"),
    ("search_filtered_p50_ms", "search p50, filtered", "ms"),
    ("search_filtered_p95_ms", "search p95, filtered", "ms"),
    ("search_cpu_p50_ms", "search CPU per query p50, all lists", "ms"),
    ("search_again_p50_ms", "search p50, same text, a filter changed", "ms"),
    ("search_again_p95_ms", "search p95, same text, a filter changed", "ms"),
    ("rescan_s", "no-change rescan", "s"),
    ("people_s", "people after +5% faces", "s"),
    ("events_s", "events (whole timeline)", "s"),
    ("events_import_s", "events after +1% new photos, one import (incremental)", "s"),
    ("events_scattered_s", "events after +1% new photos, scattered (incremental)", "s"),
    ("dupes_s", "near-duplicate groups", "s"),
    ("plan_s", "plan (date layout)", "s"),
    ("review_p95_ms", "review keypress p95", "ms"),
    ("review_max_ms", "review keypress max", "ms"),
    ("review_cpu_max_ms", "review keypress GUI CPU max", "ms"),
    ("review_off_queue_p95_ms", "review keypress p95 less the wait for a core", "ms"),
    ("review_off_queue_max_ms", "review keypress max less the wait for a core", "ms"),
]


def log(msg: str) -> None:
    print(msg, flush=True)


def pct(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, max(0, round(q * (len(s) - 1))))]


# --- the catalog ---------------------------------------------------------------------------

def models(cache: Path):
    """The full-size CLIP (random weights, as bench_search) and the installed sentences model."""
    from benchmarks.bench_search import clip_folder
    from core.config import Paths, Settings
    from models import Registry

    folder = clip_folder(cache / "clip-vit-b32")
    settings = Settings(models={"clip": str(folder)}, device="cpu", watch=False,
                        model_idle_unload_s=0, relevance_floor=-1.0)
    return settings, Registry(settings, Paths(cache / "models-home"))


def catalog_home(cache: Path, n: int, seed: int = 1) -> Path:
    """Where the n-file catalog built from `seed` lives under `cache`."""
    return cache / f"n{n}-seed{seed}"


def catalog_for(cache: Path, n: int, seed: int, settings, registry):
    from benchmarks.scale_catalog import Built, build
    from core.config import Paths

    home = catalog_home(cache, n, seed)
    built = Built.load(home)
    if built is None:
        shutil.rmtree(home, ignore_errors=True)
        log(f"== building the {n:,}-file catalog in {home}")
        try:
            face_id = registry.identity("faces")
        except Exception:  # noqa: BLE001 - no face model installed: any id will do
            face_id = "bench/dlib-face-v1"
        built = build(home, n, seed, registry.identity("clip"), registry.identity("sentences"),
                      face_id, progress=log)
        settings.save(Paths(home))
        _thumbnails(home)
        log(f"   built in {built.seconds:.0f} s "
            f"({(home / 'catalog.sqlite').stat().st_size / 2**20:,.0f} MiB)")
    return home, built


def _thumbnails(home: Path, count: int = 600) -> None:
    """The newest files' grid thumbnails on disk, as the pipeline leaves them (one small JPEG,
    linked): the first screen shows them, as an indexed library's would."""
    from PIL import Image

    from core.catalog.connection import connect
    from core.config import Paths
    from core.media.thumbnails import SIZES, thumbnail_path

    paths = Paths(home)
    src = home / "thumb.jpg"
    Image.new("RGB", (256, 192), (120, 150, 180)).save(src, quality=80)
    conn = connect(paths.catalog)
    rows = conn.execute("SELECT content_hash FROM files ORDER BY taken_at DESC LIMIT ?",
                        (count,)).fetchall()
    conn.close()
    for (h,) in rows:
        for size in SIZES:
            p = thumbnail_path(paths, h, size)
            p.parent.mkdir(parents=True, exist_ok=True)
            if not p.exists():
                os.link(src, p)


# --- the measurements ----------------------------------------------------------------------

def run_app(home: Path, out: dict) -> None:
    r = _subprocess(home, "app")
    if "failed" in r:
        out["app_failed"] = r["failed"]
        return
    out.pop("app_failed", None)
    out.update({k: v for k, v in r.items() if k not in ("search_error", "rows")})
    if r.get("search_error"):
        log(f"   the app's search failed: {r['search_error']}")


def run_paging(home: Path, runs: int, out: dict) -> None:
    got = []
    for _ in range(runs):
        r = _subprocess(home, "paging")
        if "failed" in r:
            out["paging_failed"] = r["failed"]
            return
        got.append(r)
        log(f"   paging stall {r['page_stall_ms']:.1f} ms (less the wait for a core "
            f"{r['page_off_queue_ms'] or float('nan'):.1f}; {r['page_rows']:,} rows), once every "
            f"row is in {r['page_loaded_stall_ms']:.1f} ms "
            f"({r['page_loaded_off_queue_ms'] or float('nan'):.1f}); load "
            f"{os.getloadavg()[0]:.1f}")
    out.pop("paging_failed", None)
    for key, name in (("page", "paging"), ("page_loaded", "paging_loaded")):
        stalls = [r[f"{key}_stall_ms"] for r in got]
        out[f"{name}_stall_median_ms"] = statistics.median(stalls)
        out[f"{name}_stall_max_ms"] = max(stalls)
        out[f"{name}_cpu_median_ms"] = statistics.median(r[f"{key}_cpu_ms"] for r in got)
        out[f"{name}_stall_runs_ms"] = [round(x, 1) for x in stalls]
        off = [r[f"{key}_off_queue_ms"] for r in got if r.get(f"{key}_off_queue_ms") is not None]
        if off:
            out[f"{name}_off_queue_median_ms"] = statistics.median(off)


def _subprocess(home: Path, *args: str, timeout: float | None = None) -> dict:
    env = dict(os.environ, SHOEBOX_HOME=str(home), QT_QPA_PLATFORM="offscreen")
    try:
        p = subprocess.run([sys.executable, "-m", "benchmarks.scale_app", str(home), *args],
                           cwd=REPO, env=env, capture_output=True, text=True, check=False,
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"timed_out": timeout}
    line = next((x for x in reversed(p.stdout.splitlines()) if x.startswith("RESULT ")), None)
    if line is None:
        tail = "\n".join(x for x in p.stderr.splitlines() if "propagateSizeHints" not in x)
        log(f"   scale_app {' '.join(args)} ended with exit status {p.returncode} and no "
            f"figures (-9: killed, e.g. out of memory):\n{tail[-3000:]}")
        return {"failed": p.returncode}
    return json.loads(line[len("RESULT "):])


def run_search(catalog, settings, registry, n_queries: int, out: dict) -> None:
    from benchmarks.bench_search import distinct_queries
    from core.search import Filters, search
    from core.search import warm as search_warm
    from core.search.vectors import drop_cached

    drop_cached()
    t0 = time.perf_counter()
    search_warm(catalog, registry)
    registry.clip().prepare_query(wait=True)
    registry.sentences().prepare_query(wait=True)
    out["search_warm_s"] = time.perf_counter() - t0
    with catalog.read() as conn:
        folder = conn.execute("SELECT folder FROM files LIMIT 1").fetchone()[0]
    filtered = [Filters(kind="photo"), Filters(date_from=1.4e9, date_to=1.6e9),
                Filters(has_gps=True), Filters(kind="video", camera="apple"),
                Filters(folder=os.path.dirname(folder))]
    texts = distinct_queries(2 * n_queries + 5, seed=7)
    for q in texts[:5]:
        search(catalog, registry, settings, q, Filters(), limit=50)
    plain, filt, again, cpu = [], [], [], []
    for i, q in enumerate(texts[5:]):
        f = Filters() if i % 2 == 0 else filtered[(i // 2) % len(filtered)]
        t, c = time.perf_counter(), time.process_time()
        res = search(catalog, registry, settings, q, f, limit=50)
        (plain if f.is_empty() else filt).append((time.perf_counter() - t) * 1000)
        assert res.vector_used, res.notices
        if f.is_empty():
            cpu.append((time.process_time() - c) * 1000)
            t = time.perf_counter()   # the same text, refined by a filter
            search(catalog, registry, settings, q, filtered[(i // 2) % len(filtered)], limit=50)
            again.append((time.perf_counter() - t) * 1000)
    out.update(search_p50_ms=pct(plain, 0.5), search_p95_ms=pct(plain, 0.95),
               search_filtered_p50_ms=pct(filt, 0.5), search_filtered_p95_ms=pct(filt, 0.95),
               search_cpu_p50_ms=pct(cpu, 0.5), search_again_p50_ms=pct(again, 0.5),
               search_again_p95_ms=pct(again, 0.95))
    drop_cached()


def run_rescan(catalog, out: dict) -> None:
    from core.scan.scanner import scan

    t = time.perf_counter()
    rep = scan(catalog)
    out["rescan_s"] = time.perf_counter() - t
    if not rep.nothing_changed:
        log(f"   rescan saw changes: {rep}")


def run_people(catalog, built, out: dict) -> None:
    from core.people import update_people

    t = time.perf_counter()
    res = update_people(catalog, built.face_model)
    out["people_s"] = time.perf_counter() - t
    out["people_joined"], out["people_formed"] = res.joined, res.formed

    def reset(c):  # back to the cached state: the new faces wait again
        c.execute("UPDATE faces SET person_id = NULL, assigned_by = NULL WHERE id >= ?",
                  (built.first_new_face,))
        c.execute("DELETE FROM people WHERE id NOT IN (SELECT person_id FROM faces "
                  "WHERE person_id IS NOT NULL)")
    catalog.write(reset)


def run_events(catalog, out: dict) -> None:
    from core.places.events import update_events

    catalog.write(_drop_copies)                        # a run stopped half-way left them
    t = time.perf_counter()
    out["events"] = update_events(catalog, force=True)
    out["events_s"] = time.perf_counter() - t
    # +1% new photos, then only the stretches they touch are cut again: one import of recent
    # days after the newest photo, and copies scattered over the years (old cards found)
    with catalog.read() as conn:
        rows = conn.execute("SELECT f.id, f.taken_at FROM files f JOIN event_members m "
                            "ON m.file_id = f.id ORDER BY f.taken_at").fetchall()
    k = max(1, len(rows) // 100)
    span = rows[-1][1] - rows[-k][1] + 86400.0
    recent = [(fid, span) for fid, _ in rows[-k:]]
    rng = random.Random(1)
    scattered = [(fid, rng.uniform(-3600.0, 3600.0)) for fid, _ in rng.sample(rows, k)]
    for key, batch in (("events_import_s", recent), ("events_scattered_s", scattered)):
        catalog.write(_copy_files, batch)
        t = time.perf_counter()
        update_events(catalog)
        out[key] = time.perf_counter() - t
        catalog.write(_drop_copies)
        update_events(catalog)                         # back to the cached catalog's events


_NEW = "#bench-new"        # the copies' path ends so


def _drop_copies(conn) -> None:
    conn.execute(f"DELETE FROM files WHERE path LIKE '%{_NEW}'")


def _copy_files(conn, batch) -> None:
    """New files: copies of (file id, seconds later), with the original's GPS place."""
    for fid, dt in batch:
        new = conn.execute(
            "INSERT INTO files(root_id, path, folder, name, kind, format, size, mtime_ns, "
            "content_hash, taken_at, taken_at_source, gps_lat, gps_lon, status, first_seen_at) "
            "SELECT root_id, path || ?, folder, name, kind, format, size, mtime_ns, content_hash, "
            "taken_at + ?, taken_at_source, gps_lat, gps_lon, status, first_seen_at "
            "FROM files WHERE id = ?", (f"-{fid}{_NEW}", dt, fid)).lastrowid
        conn.execute("INSERT INTO file_places(file_id, source, place, region, country, "
                     "country_code, distance_km, place_key, region_key, country_key, spellings) "
                     "SELECT ?, source, place, region, country, country_code, distance_km, "
                     "place_key, region_key, country_key, spellings FROM file_places "
                     "WHERE file_id = ? AND source = 'gps'", (new, fid))


def run_dupes(home: Path, limit_s: float, out: dict) -> None:
    """In its own process, stopped at limit_s (the all-pairs product runs for hours at 1M)."""
    r = _subprocess(home, "dupes", timeout=limit_s)
    if "timed_out" in r:
        out["dupes_s"], out["dupes_over"] = float("nan"), limit_s
        log(f"   near-duplicates still running after {limit_s:.0f} s: stopped")
    else:
        out.update(r)
        out.pop("dupes_over", None)


def run_plan(catalog, settings, out: dict) -> None:
    from core.organize import make_plan

    t = time.perf_counter()
    pid = make_plan(catalog, settings, layout="date", template="{year}/{month}")
    out["plan_s"] = time.perf_counter() - t
    catalog.write(lambda c: c.execute("DELETE FROM plans WHERE id = ?", (pid,)))


def run_review(catalog, home: Path, built, settings, out: dict) -> None:
    from core.organize import make_plan

    catalog.write(lambda c: c.execute("DELETE FROM plans"))
    pid = make_plan(catalog, settings, root_id=built.unsorted_root_id, layout="date",
                    template="{year}/{month}/{day}")
    r = _subprocess(home, "review", str(pid))
    if "failed" in r:
        out["review_failed"] = r["failed"]
        return
    out.update(review_moves=r["moves"], review_units=r["units"], review_show_s=r["show_s"],
               review_p95_ms=r["p95_ms"], review_max_ms=r["max_ms"],
               review_cpu_max_ms=r["cpu_max_ms"], review_off_queue_p95_ms=r["off_queue_p95_ms"],
               review_off_queue_max_ms=r["off_queue_max_ms"])
    for key, (p95, mx, cpu_p95, cpu_mx) in r["by_key"].items():   # which key costs what
        log(f"   {key:<16} wall p95 {p95:6.1f} / max {mx:6.1f} ms;  GUI CPU p95 {cpu_p95:5.1f} "
            f"/ max {cpu_mx:5.1f} ms")
    catalog.write(lambda c: c.execute("DELETE FROM plans"))


def measure(cache: Path, n: int, seed: int, only: list[str], n_queries: int,
            dupes_limit: float = 900, paging_runs: int = 5) -> dict:
    from core.catalog import Catalog
    from core.config import Paths

    settings, registry = models(cache)
    home, built = catalog_for(cache, n, seed, settings, registry)
    results_path = home / "results.json"
    out = json.loads(results_path.read_text()) if results_path.exists() else {}
    catalog = Catalog.open(Paths(home))
    try:
        mine: dict = {}
        dropped: set = set()    # keys a step removed (a stale "> limit"): not taken back
        for step in only:
            before = dict(out)
            log(f"-- {n:,}: {step} (load {os.getloadavg()[0]:.1f})")
            t = time.perf_counter()
            if step == "app":
                run_app(home, out)
            elif step == "search":
                run_search(catalog, settings, registry, n_queries, out)
            elif step == "rescan":
                run_rescan(catalog, out)
            elif step == "people":
                run_people(catalog, built, out)
            elif step == "events":
                run_events(catalog, out)
            elif step == "dupes":
                run_dupes(home, dupes_limit, out)
            elif step == "plan":
                run_plan(catalog, settings, out)
            elif step == "review":
                run_review(catalog, home, built, settings, out)
            elif step == "paging":
                run_paging(home, paging_runs, out)
            out[f"load_{step}"] = round(os.getloadavg()[0], 1)
            log(f"   {step} done in {time.perf_counter() - t:.1f} s")
            mine.update({k: v for k, v in out.items() if before.get(k, mine) != v})
            dropped = (dropped | (set(before) - set(out))) - set(mine)
            # another run may be measuring other rows of this size: keep theirs
            saved = json.loads(results_path.read_text()) if results_path.exists() else {}
            out = {k: v for k, v in {**saved, **mine}.items() if k not in dropped}
            results_path.write_text(json.dumps(out, indent=1))
    finally:
        catalog.close()
        registry.close()
    out["faces"], out["people"], out["new_faces"] = built.faces, built.people, built.new_faces
    return out


def exponent(a: float | None, b: float | None, na: int, nb: int) -> float | None:
    if a is None or b is None or not (a > 0 and b > 0) or na == nb:  # NaN: not measured
        return None
    return math.log(b / a) / math.log(nb / na)


def _cell(key: str, v, result: dict) -> str:
    if key == "dupes_s" and result.get("dupes_over"):
        return f"> {result['dupes_over']:.0f}"
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    return f"{v:,.0f}" if v >= 100 else f"{v:.2f}" if v < 10 else f"{v:.1f}"


def table(results: dict[int, dict]) -> str:
    sizes = sorted(results)
    big = [s for s in sizes if s in (100_000, 1_000_000)]
    lo, hi = (big if len(big) == 2 else sizes[-2:]) if len(sizes) > 1 else (None, None)
    head = f"| cost | {' | '.join(f'{s:,}' for s in sizes)} | exponent" + (
        f" {lo // 1000}k→{hi // 1000}k |" if lo else " |")
    lines = [head, "|---" * (len(sizes) + 2) + "|"]
    for key, label, unit in ROWS:
        vals = [results[s].get(key) for s in sizes]
        if all(v is None for v in vals):
            continue
        cells = [_cell(key, v, results[s]) for s, v in zip(sizes, vals, strict=True)]
        e = exponent(results[lo].get(key), results[hi].get(key), lo, hi) if lo else None
        lines.append(f"| {label} ({unit}) | {' | '.join(cells)} | "
                     f"{'—' if e is None else f'{e:.2f}'} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--only", default=",".join(DEFAULT_STEPS),
                    help=f"comma-separated steps: {','.join(STEPS)}")
    # unfiltered queries (as many filtered ones between them): a p95 of 60 is their third
    # worst, and two runs minutes apart differed by 20-40 ms at 1M; of 150, the eighth
    ap.add_argument("--queries", type=int, default=150)
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    ap.add_argument("--dupes-limit", type=float, default=900,
                    help="seconds the near-duplicate search may run before it is stopped")
    ap.add_argument("--paging-runs", type=int, default=5,
                    help="app starts the paging step measures (each its own process)")
    ap.add_argument("--build-only", action="store_true", help="build the catalogs, measure nothing")
    ap.add_argument("--json", type=Path, help="write every size's figures here")
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    only = [s for s in args.only.split(",") if s]
    bad = [s for s in only if s not in STEPS]
    if bad:
        ap.error(f"unknown step(s) {', '.join(bad)}: choose from {', '.join(STEPS)}")
    import torch

    torch.set_num_threads(1)
    args.cache.mkdir(parents=True, exist_ok=True)
    log(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; "
        f"cache {args.cache}")
    results = {}
    for n in sizes:
        results[n] = measure(args.cache, n, args.seed, [] if args.build_only else only,
                             args.queries, args.dupes_limit, args.paging_runs)
    log("\n" + table(results))
    for n in sizes:
        r = results[n]
        extra = ", ".join(f"{k} {r[k]}" for k in ("faces", "people", "new_faces",
                                                  "people_joined", "people_formed", "events",
                                                  "dupe_groups", "review_moves",
                                                  "review_units") if k in r)
        log(f"{n:,}: {extra}")
    log(f"load average now {os.getloadavg()[0]:.2f}")
    if args.json:
        args.json.write_text(json.dumps({str(k): v for k, v in results.items()}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

