"""What the library grid reads at a million files: the whole listing as row tuples
(core.query.list_library, the grid's list before issue 31) against the file ids and group
starts of the paged grid (core.query.library_ids), and one page of rows fetched by id
(core.query.rows_by_ids). Read-only: the catalog is opened with SQLite's mode=ro, never
migrated or written, so a shared benchmark catalog can be measured while others read it.

    .venv/bin/python -m benchmarks.bench_grid_pages CATALOG.sqlite [--group date] [--pages 200]
        [--skip-whole]

Each read runs twice for time (the second, warm, is reported with the first) and once more
under tracemalloc for its peak of Python allocations; "kept" is the resident memory (VmRSS)
still held while the result is alive, over what the process held before.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import random
import time
import tracemalloc
from pathlib import Path

from benchmarks.scale_app import rss_mb
from core.catalog.connection import connect
from core.query import library_ids, list_library, rows_by_ids
from core.query.library import count_library


class ReadOnlyCatalog:
    """As core.catalog.Catalog reads (`with catalog.read() as conn`), on one mode=ro
    connection: no migration, no writer."""

    def __init__(self, path: Path):
        self.conn = connect(path, readonly=True)

    @contextlib.contextmanager
    def read(self):
        yield self.conn


def timed(fn) -> tuple[list[float], object]:
    times, out = [], None
    for _ in range(2):
        out = None
        gc.collect()
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return times, out


def peak_mb(fn) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def kept_mb(fn) -> tuple[float, object]:
    gc.collect()
    before = rss_mb()
    out = fn()
    gc.collect()
    return rss_mb() - before, out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("catalog", type=Path)
    ap.add_argument("--group", default="date")
    ap.add_argument("--pages", type=int, default=200, help="random pages fetched by id")
    ap.add_argument("--page-rows", type=int, default=256)
    ap.add_argument("--skip-whole", action="store_true", help="not the whole listing")
    args = ap.parse_args(argv)
    cat = ReadOnlyCatalog(args.catalog)
    g = args.group
    out: dict = {"catalog": str(args.catalog), "group": g,
                 "load": round(os.getloadavg()[0], 1)}
    t = time.perf_counter()
    out["files"] = count_library(cat)
    out["count_s"] = time.perf_counter() - t
    t = time.perf_counter()
    list_library(cat, None, g, limit=600)
    out["first_page_600_s"] = time.perf_counter() - t

    out["ids_s"], listing = timed(lambda: library_ids(cat, None, g))
    out["rows"], out["group_starts"] = len(listing), len(listing.starts)
    out["ids_array_mb"] = listing.ids.nbytes / 2**20
    del listing
    out["ids_kept_mb"], listing = kept_mb(lambda: library_ids(cat, None, g))
    out["ids_peak_mb"] = peak_mb(lambda: library_ids(cat, None, g))

    ids = listing.ids
    rnd = random.Random(1)
    fetch = []
    for _ in range(args.pages):
        start = rnd.randrange(0, max(1, len(ids) - args.page_rows))
        page = ids[start:start + args.page_rows].tolist()
        t = time.perf_counter()
        rows_by_ids(cat, page)
        fetch.append((time.perf_counter() - t) * 1000)
    fetch.sort()
    out["page_fetch_ms"] = {"p50": fetch[len(fetch) // 2], "p95": fetch[int(len(fetch) * .95)],
                            "max": fetch[-1], "rows": args.page_rows}
    first = ids[:args.page_rows].tolist()
    out["page_rows_peak_mb"] = peak_mb(lambda: rows_by_ids(cat, first))
    del listing, ids
    print(json.dumps(out), flush=True)

    if not args.skip_whole:
        out["whole_s"], whole = timed(lambda: list_library(cat, None, g))
        del whole
        out["whole_kept_mb"], whole = kept_mb(lambda: list_library(cat, None, g))
        del whole
        out["whole_peak_mb"] = peak_mb(lambda: list_library(cat, None, g))
    out["load_end"] = round(os.getloadavg()[0], 1)
    print(json.dumps(out, indent=1), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
