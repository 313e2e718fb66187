"""Where a whole-engine search spends its time, cold and warm, on a bench_scale catalog.

    .venv/bin/python -m benchmarks.bench_engine [--size 100000] [--queries 40]
        [--cache DIR] [--json PATH] [--stages]

Opens the catalog `benchmarks.bench_scale` built (`--cache`, default its own) as its search
step does, then for each of `--queries` new texts: the text with no filter (cold: its
encodings and word lists not kept), then the same text with one of bench_scale's filters in
turn (warm: a user refining a search). Prints p50 / p95 wall and process CPU (all threads) of
each, and with `--stages` each stage's wall and thread CPU (the engine's functions wrapped
with timers). `--json` keeps every figure and each cold query's result ids, so two checkouts
run in turn can be compared (figures and overlap of their lists). Nothing is written to the
catalog.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import time
from pathlib import Path

STAGES = ("_query_vector", "_meaning_query_vector", "_vector_side", "passages", "_words",
          "_photo_words", "_fuse")


def pct(xs: list[float], q: float) -> float:
    from benchmarks.bench_scale import pct as bench_pct

    return bench_pct(xs, q) if xs else float("nan")


def measure(cache: Path, size: int, n_queries: int, stages: bool) -> dict:
    from benchmarks.bench_scale import catalog_home, models
    from benchmarks.bench_search import distinct_queries
    from core.catalog import Catalog
    from core.config import Paths
    from core.search import Filters, engine, search, warm

    settings, registry = models(cache)
    catalog = Catalog.open(Paths(catalog_home(cache, size)))
    timers: dict = collections.defaultdict(lambda: collections.defaultdict(list))
    try:
        warm(catalog, registry)
        registry.clip().prepare_query(wait=True)
        registry.sentences().prepare_query(wait=True)
        with catalog.read() as conn:
            folder = conn.execute("SELECT folder FROM files LIMIT 1").fetchone()[0]
        filtered = [Filters(kind="photo"), Filters(date_from=1.4e9, date_to=1.6e9),
                    Filters(has_gps=True), Filters(kind="video", camera="apple"),
                    Filters(folder=os.path.dirname(folder))]
        texts = distinct_queries(n_queries + 5, seed=7)
        for q in texts[:5]:
            search(catalog, registry, settings, q, Filters(), limit=50)
        kind = ["cold"]   # the kind of query being timed, for the stage timers
        if stages:
            for name in STAGES:
                setattr(engine, name, _timed(timers, name, getattr(engine, name), kind))
        out: dict = {"cold_wall": [], "cold_cpu": [], "warm_wall": [], "warm_cpu": [],
                     "ids": {}, "load": [os.getloadavg()[0]]}
        for i, q in enumerate(texts[5:]):
            for kind[0], f in (("cold", Filters()), ("warm", filtered[i % len(filtered)])):
                t, c = time.perf_counter(), time.process_time()
                res = search(catalog, registry, settings, q, f, limit=50)
                out[f"{kind[0]}_wall"].append((time.perf_counter() - t) * 1000)
                out[f"{kind[0]}_cpu"].append((time.process_time() - c) * 1000)
                if kind[0] == "cold":
                    out["ids"][q] = [h.file_id for h in res]
        out["load"].append(os.getloadavg()[0])
        out["stages"] = {k: dict(v) for k, v in timers.items()}
        return out
    finally:
        catalog.close()
        registry.close()


def _timed(timers: dict, name: str, fn, kind: list[str]):
    def run(*a, **k):
        t, c = time.perf_counter(), time.thread_time()
        try:
            return fn(*a, **k)
        finally:
            timers[f"{kind[0]}/{name}"]["wall"].append((time.perf_counter() - t) * 1000)
            timers[f"{kind[0]}/{name}"]["cpu"].append((time.thread_time() - c) * 1000)
    return run


def main(argv=None) -> int:
    from benchmarks.bench_scale import DEFAULT_CACHE, catalog_home

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=40)
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--stages", action="store_true", help="time each stage of the engine")
    args = ap.parse_args(argv)
    if not (catalog_home(args.cache, args.size) / "built.json").exists():
        ap.error(f"no {args.size:,}-file catalog under {args.cache}: build it with "
                 f"python -m benchmarks.bench_scale --sizes {args.size} --build-only")
    r = measure(args.cache, args.size, args.queries, args.stages)
    print(f"{args.size:,} files, {args.queries} queries, load {r['load'][0]:.1f}-{r['load'][1]:.1f}")
    for key in ("cold_wall", "cold_cpu", "warm_wall", "warm_cpu"):
        print(f"  {key:10s} p50 {pct(r[key], .5):7.1f}  p95 {pct(r[key], .95):7.1f} ms")
    for key, v in sorted(r["stages"].items()):
        print(f"  {key:28s} x{len(v['wall']) / args.queries:.0f}/query  wall p50 "
              f"{pct(v['wall'], .5):6.1f}  thread CPU p50 {pct(v['cpu'], .5):6.1f} ms")
    if args.json:
        args.json.write_text(json.dumps(r))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
