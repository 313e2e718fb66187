"""What the library grid reads at a million files: the whole listing as row tuples
(core.query.list_library, the grid's list before issue 31) against the file ids and group
starts of the paged grid (core.query.library_ids), and one page of rows fetched by id
(core.query.rows_by_ids). Read-only: the catalog is opened with SQLite's mode=ro, never
migrated or written, so a shared benchmark catalog can be measured while others read it.

    .venv/bin/python -m benchmarks.bench_grid_pages CATALOG.sqlite [--group date] [--pages 200]
        [--skip-whole] [--grid]

Each read runs twice for time (the second, warm, is reported with the first) and once more
under tracemalloc for its peak of Python allocations; "kept" is the resident memory (VmRSS)
still held while the result is alive, over what the process held before.

--grid: the grid itself (desktop.library_model's GridView and LibraryModel over
desktop.grid_rows.PagedRows, offscreen, 1280x760, no thumbnail cache: the loader decodes the
files, which a scale catalog's placeholders fail fast) on those ids: the model reset, then 100
page-downs each painted at once, with the GUI thread's wall and CPU time per page-down and
the pages fetched. Not the app: no window, models or workers besides the thumbnails.
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


def grid_run(cat, listing, page_downs: int = 100) -> dict:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QApplication

    from desktop.grid_rows import PagedRows
    from desktop.library_model import GridView, LibraryModel
    from desktop.thumbs import ThumbnailLoader

    app = QApplication.instance() or QApplication([])  # noqa: F841 - kept alive
    model = LibraryModel(ThumbnailLoader(None))
    grid = GridView()
    grid.setModel(model)
    grid.resize(1280, 760)
    grid.show()
    QCoreApplication.processEvents()
    out: dict = {"rss_before_mb": rss_mb()}
    src = PagedRows(listing.ids, lambda ids: rows_by_ids(cat, ids))
    t = time.perf_counter()
    model.set_rows(src, starts=listing.starts)
    out["reset_ms"] = (time.perf_counter() - t) * 1000
    worst, end = 0.0, time.perf_counter() + 2.0        # the batched layout settles
    while time.perf_counter() < end:
        t = time.perf_counter()
        QCoreApplication.processEvents()
        worst = max(worst, time.perf_counter() - t)
        time.sleep(0.002)
    out["layout_worst_ms"] = worst * 1000
    bar = grid.verticalScrollBar()
    walls, cpus = [], []
    for _ in range(page_downs):
        t, c = time.perf_counter(), time.thread_time()
        bar.setValue(bar.value() + bar.pageStep())
        grid.viewport().repaint()
        QCoreApplication.processEvents()
        walls.append((time.perf_counter() - t) * 1000)
        cpus.append((time.thread_time() - c) * 1000)
        time.sleep(0.01)
    walls.sort()
    cpus.sort()
    out.update(page_down_wall_ms={"p50": walls[len(walls) // 2], "max": walls[-1]},
               page_down_cpu_ms={"p50": cpus[len(cpus) // 2], "max": cpus[-1]},
               pages_fetched=src.fetched, rows_held=src.cached(),
               rss_after_mb=rss_mb())
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("catalog", type=Path)
    ap.add_argument("--group", default="date")
    ap.add_argument("--pages", type=int, default=200, help="random pages fetched by id")
    ap.add_argument("--page-rows", type=int, default=256)
    ap.add_argument("--skip-whole", action="store_true", help="not the whole listing")
    ap.add_argument("--grid", action="store_true", help="page the grid over the ids")
    args = ap.parse_args(argv)
    cat = ReadOnlyCatalog(args.catalog)
    g = args.group
    out: dict = {"catalog": str(args.catalog), "group": g,
                 "load": round(os.getloadavg()[0], 1)}
    t = time.perf_counter()
    out["files"] = count_library(cat)
    out["count_s"] = time.perf_counter() - t
    # the grid's first page as read before (timeline headers, dropped for a big library) and now
    for key, bands in (("first_page_600_with_headers_s", True), ("first_page_600_s", False)):
        t = time.perf_counter()
        list_library(cat, None, g, limit=600, headers=bands)
        out[key] = time.perf_counter() - t

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
    if args.grid:
        out["grid"] = grid_run(cat, listing)
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
