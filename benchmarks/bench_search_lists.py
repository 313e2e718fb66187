"""Where a search's time goes at scale: each part of core.search, timed inside whole searches.

    .venv/bin/python -m benchmarks.bench_search_lists [--size 1000000] [--queries 80]
        [--seed 1] [--cache DIR] [--slowest N]

On bench_scale's catalog of that size (built there first when missing: 1M in ~27 min). The
parts are the engine's own functions, each wrapped here with a timer (this process only):
the two query encoders, CLIP's list, the words' list, the text in photos, meaning's list,
fusing. For each: wall and thread CPU, p50 and p95 (ms), over `--queries` new texts after 10
to warm up; then the whole search's wall and process CPU. The two list threads run side by
side, so a part's wall holds its waits for a core and for the GIL; wall less CPU shows them.
bench_scale's search row is the whole; this says which part to work on. `--slowest N`
then lists the N slowest searches, each part's wall / CPU in each: what makes the p95.
"""

from __future__ import annotations

import argparse
import functools
import time
from pathlib import Path

from benchmarks.bench_scale import DEFAULT_CACHE, catalog_for, models, pct

PARTS = ("_query_vector", "_meaning_query_vector", "_clip_list", "_words", "_photo_words",
         "_meaning_list", "_fuse")
WARM_UP = 10


def timed(module, name: str, into: dict[str, list[tuple[float, float]]]) -> None:
    """Replace module.name with a wrapper that appends (wall ms, thread CPU ms) per call."""
    real = getattr(module, name)

    @functools.wraps(real)
    def run(*args, **kwargs):
        t, c = time.perf_counter(), time.thread_time()
        try:
            return real(*args, **kwargs)
        finally:
            into.setdefault(name, []).append(((time.perf_counter() - t) * 1e3,
                                              (time.thread_time() - c) * 1e3))
    setattr(module, name, run)


def measure(size: int, queries: int, seed: int, cache: Path
            ) -> tuple[dict, list, list[tuple[float, str, dict]]]:
    """(each part's calls, each search's (wall, CPU), and each search's (wall, text, part ->
    (wall, CPU) summed over its calls))."""
    from benchmarks.bench_search import distinct_queries
    from core.catalog import Catalog
    from core.config import Paths
    from core.search import Filters, engine, search, warm

    settings, registry = models(cache)
    home, _ = catalog_for(cache, size, seed, settings, registry)
    catalog = Catalog.open(Paths(home))
    warm(catalog, registry)
    registry.clip().prepare_query(wait=True)
    registry.sentences().prepare_query(wait=True)
    parts: dict[str, list[tuple[float, float]]] = {}
    for name in PARTS:
        timed(engine, name, parts)
    whole: list[tuple[float, float]] = []
    each: list[tuple[float, str, dict]] = []
    for i, text in enumerate(distinct_queries(queries + WARM_UP, seed=13)):
        before = {name: len(calls) for name, calls in parts.items()}
        t, c = time.perf_counter(), time.process_time()
        search(catalog, registry, settings, text, Filters(), limit=50)
        whole.append(((time.perf_counter() - t) * 1e3, (time.process_time() - c) * 1e3))
        each.append((whole[-1][0], text, {
            name: tuple(map(sum, zip(*calls[before.get(name, 0):])))
            for name, calls in parts.items() if len(calls) > before.get(name, 0)}))
        if i == WARM_UP - 1:
            parts.clear()
            whole.clear()
            each.clear()
    catalog.close()
    return parts, whole, each


def slowest(each: list[tuple[float, str, dict]], n: int) -> str:
    """The n slowest searches, one line each: wall ms, the text, each part's wall / CPU ms."""
    lines = []
    for wall, text, got in sorted(each, key=lambda e: -e[0])[:n]:
        cells = " ".join(f"{name.lstrip('_')} {got[name][0]:.0f}/{got[name][1]:.0f}"
                         for name in PARTS if name in got)
        lines.append(f"{wall:7.1f}  {text[:36]!r:38} {cells}")
    return "\n".join(lines)


def report(parts: dict, whole: list) -> str:
    lines = ["| part | wall p50 | wall p95 | CPU p50 | CPU p95 |", "|---|---|---|---|---|"]
    for name in PARTS:
        got = parts.get(name)
        if got:
            wall, cpu = [w for w, _ in got], [c for _, c in got]
            lines.append(f"| {name.lstrip('_')} | {pct(wall, .5):.1f} | {pct(wall, .95):.1f} | "
                         f"{pct(cpu, .5):.1f} | {pct(cpu, .95):.1f} |")
    wall, cpu = [w for w, _ in whole], [c for _, c in whole]
    lines.append(f"| whole search (process CPU) | {pct(wall, .5):.1f} | {pct(wall, .95):.1f} | "
                 f"{pct(cpu, .5):.1f} | {pct(cpu, .95):.1f} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=1_000_000)
    ap.add_argument("--queries", type=int, default=80)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    ap.add_argument("--slowest", type=int, default=0, help="list the N slowest searches")
    args = ap.parse_args(argv)
    parts, whole, each = measure(args.size, args.queries, args.seed, args.cache)
    print(f"{args.size:,} files, {args.queries} searches (ms):")
    print(report(parts, whole))
    if args.slowest:
        print(f"\nThe {args.slowest} slowest (wall ms; each part's wall / CPU ms):")
        print(slowest(each, args.slowest))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
