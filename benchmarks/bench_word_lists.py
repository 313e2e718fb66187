"""The two word lists of a search, each alone on this thread, on a scale catalog.

    .venv/bin/python -m benchmarks.bench_word_lists [--size 1000000] [--reps 1]
        [--bounds 2000,500] [--cache DIR]

Times core.search.text.text_search (words in captions, tags, transcripts, paths) and
core.search.photo_text.photo_text_search (text read in photos) over bench_search's 60
distinct queries, as the engine asks them (100 files), on bench_scale's catalog of that size
(read only; build it with `python -m benchmarks.bench_scale --sizes N --only search`). Each
list runs alone, one query after the other, on one connection: wall and thread CPU per query,
p50 and p95, the first 5 queries not counted. --bounds: the word lists' bounds to time
(`RANKED_DOCS` and `ROWS_PER_WAY` set to each, in turn per query, so that each bound meets
the same cache).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from benchmarks.bench_scale import DEFAULT_CACHE, catalog_home
from benchmarks.bench_search import distinct_queries

LIMIT = 100          # the engine's lists for a search of 50: max(2 * 50, 100)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", type=int, default=1_000_000)
    ap.add_argument("--reps", type=int, default=1)
    ap.add_argument("--bounds", default="")
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    args = ap.parse_args()

    from core.catalog import Catalog
    from core.config import Paths
    from core.search import photo_text, text

    home = catalog_home(args.cache, args.size)
    if not (home / "catalog.sqlite").exists():
        raise SystemExit(f"no catalog at {home}: run benchmarks.bench_scale --sizes {args.size}")
    bounds = [int(b) for b in args.bounds.split(",") if b] or [text.RANKED_DOCS]
    lists = {"words": text.text_search, "text in photos": photo_text.photo_text_search}
    queries = distinct_queries(60, seed=11)
    times: dict[tuple[str, int], list[tuple[float, float]]] = {}
    catalog = Catalog.open(Paths(home))
    try:
        with catalog.read() as conn:
            for rep in range(args.reps):
                for i, query in enumerate(queries):
                    for j in range(len(bounds)):    # each bound first in turn
                        bound = bounds[(i + rep + j) % len(bounds)]
                        text.RANKED_DOCS = photo_text.ROWS_PER_WAY = bound
                        for name, run in lists.items():
                            wall, cpu = time.perf_counter(), time.thread_time()
                            run(conn, query, LIMIT)
                            times.setdefault((name, bound), []).append(
                                (time.perf_counter() - wall, time.thread_time() - cpu))
                    if rep == 0 and i == 4:
                        times.clear()
    finally:
        catalog.close()
    print(f"{args.size:,} files, {len(queries)} queries x {args.reps} (5 not counted), "
          f"load {os.getloadavg()[0]:.1f}; ms per query")
    for (name, bound), got in sorted(times.items()):
        wall = sorted(w * 1e3 for w, _ in got)
        cpu = sorted(c * 1e3 for _, c in got)
        print(f"  {name:15s} bound {bound:5d}  CPU p50 {_pct(cpu, .5):5.1f} p95 "
              f"{_pct(cpu, .95):5.1f}   wall p50 {_pct(wall, .5):5.1f} p95 {_pct(wall, .95):5.1f}")


def _pct(values: list[float], q: float) -> float:
    return values[int(q * (len(values) - 1))]


if __name__ == "__main__":
    main()
