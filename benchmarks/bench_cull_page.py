"""The Cull page with many stacks: how long it takes to show and the GUI thread's worst stall.

    .venv/bin/python -m benchmarks.bench_cull_page [--stacks 20000] [--json OUT]

Runs offscreen in a temporary data folder. The catalog holds `--stacks` stacks of 2 to 6
look-alike shots (4 on average, each measured, one in three blurry) and 2,000 blurry photos
outside stacks (the "worth a look" list's limit), as rows for files that need not exist (their
thumbnails fail; only their rows are asked for). The page is shown at 1000×700 and:
- `show`: listed as when the user opens the page: until `loaded`, and the GUI thread's worst
  stall meanwhile (a timer every 10 ms: how late it fires); `show_after_read`: the worst
  stall once the worker's read was in (the page's own work on the GUI thread);
- `again`: listed again while shown (after a cull, a pick, coming back to the page);
- keys, as a person presses them in the list: Home, Right (open the first stack: its lesser
  shots ticked, its pictures asked for), Down ×20, Page Down ×20, End ×3; each key's time
  from the key event to the end of the repaint it caused;
- `to_end`: End pressed every 50 ms until the list's last row (the flagged photos) shows,
  as a person holding it down: how long, how many presses, and the GUI thread's worst stall.

Each stall is also given less the GUI thread's wait for a core in it (desktop.latency): on a
loaded 2-core machine that wait is the machine's, not the page's.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.scale_app import wait

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

FLAGGED = 2000
KEYS = (("Home", 1), ("Right", 1), ("Down", 20), ("PageDown", 20), ("End", 3))


def plant(catalog, folder: Path, stacks: int, flagged: int = FLAGGED, seed: int = 1) -> int:
    """`stacks` stacks of 2 to 6 shots, newest first, and `flagged` blurry photos outside
    stacks, as catalog rows; returns the files made."""
    import numpy as np

    from core.scan.roots import add_root

    folder.mkdir(parents=True, exist_ok=True)
    root = add_root(catalog, folder)
    rng = np.random.default_rng(seed)
    sizes = rng.integers(2, 7, size=stacks)
    base = time.time() - 86400

    def write(conn) -> None:
        files, quality, stack_rows, members = [], [], [], []
        fid = conn.execute("SELECT COALESCE(MAX(id), 0) FROM files").fetchone()[0]
        sid0 = conn.execute("SELECT COALESCE(MAX(id), 0) FROM stacks").fetchone()[0] + 1
        for s, size in enumerate(sizes, sid0):
            taken = base - (s - sid0) * 3600
            first = fid + 1
            for k in range(int(size)):
                fid += 1
                files.append((fid, taken + k * 0.3))
                sharp = 0.5 if k % 3 == 2 else 5.0 - k
                quality.append((fid, sharp, 0.5))
                members.append((fid, s, int(k != 0), k))
            stack_rows.append((s, first, first, int(size), "sharpest", taken,
                               taken + size * 0.3, base))
        for _ in range(flagged):
            fid += 1
            files.append((fid, base + fid))
            quality.append((fid, 0.3, 0.5))
        conn.executemany(
            "INSERT INTO files(id, root_id, path, folder, name, kind, format, size, mtime_ns, "
            "content_hash, width, height, taken_at, taken_at_source, status, first_seen_at) "
            "VALUES (?, ?, ?, ?, ?, 'photo', 'jpeg', 1000, 0, ?, 640, 480, ?, 'exif', "
            "'present', ?)",
            [(i, root.id, f"{folder}/{i // 1000:03d}/IMG_{i:06d}.jpg",
              f"{folder}/{i // 1000:03d}", f"IMG_{i:06d}.jpg", f"{i:032x}", t, base)
             for i, t in files])
        conn.executemany(
            "INSERT INTO shot_quality(file_id, content_hash, sharpness, focus, faces, "
            "clipped_high, clipped_low, brightness, computed_at) "
            "VALUES (?, ?, ?, 'centre', 0, 0, 0, ?, ?)",
            [(i, f"{i:032x}", sharp, light, base) for i, sharp, light in quality])
        conn.executemany(
            "INSERT INTO stacks(id, cover_id, best_id, size, reason, started_at, ended_at, "
            "created_at) VALUES (?,?,?,?,?,?,?,?)", stack_rows)
        conn.executemany("INSERT INTO stack_members(file_id, stack_id, hidden, rank) "
                         "VALUES (?,?,?,?)", members)

    catalog.write(write)
    return int(sizes.sum()) + flagged


def listed(page, probe) -> dict:
    """page.refresh() until `loaded`, and 0.3 s after: seconds, worst stall, worst stall once
    the worker's read was in."""
    shown: list[float] = []
    read: list[float] = []
    page.loaded.connect(lambda: shown.append(time.perf_counter()))
    real_show = page._show

    def timed_show(*args, real=real_show):
        read.append(time.perf_counter())
        real(*args)

    page._show = timed_show
    probe.start()
    t0 = time.perf_counter()
    page.refresh()
    ok = wait(lambda: bool(shown), 300)
    wait(lambda: False, 0.3)
    probe.stop()
    page._show = real_show
    page.loaded.disconnect()
    return {"s": shown[0] - t0 if ok else float("nan"), "stall_ms": probe.worst_ms,
            "off_queue_ms": probe.worst_off_queue_ms,
            "after_read_stall_ms": probe.worst_ms_between(read[0]) if read else float("nan")}


def keys(view) -> dict:
    from PySide6.QtCore import QCoreApplication, QEvent, Qt
    from PySide6.QtTest import QTest

    out: dict[str, list[float]] = {}
    view.setFocus()
    for name, n in KEYS:
        for _ in range(n):
            t = time.perf_counter()
            QTest.keyClick(view, getattr(Qt, f"Key_{name}"))
            QCoreApplication.sendPostedEvents(None, 0)
            QCoreApplication.processEvents()
            QCoreApplication.sendPostedEvents(None, QEvent.UpdateRequest)
            out.setdefault(name, []).append((time.perf_counter() - t) * 1000)
            wait(lambda: False, 0.03)
    return out


def to_end(view, probe) -> dict:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    model = view.model()

    def at_end() -> bool:
        n = model.rowCount()
        return n > 0 and "Worth a look" in (model.index(n - 1, 0).data() or "")

    view.setFocus()
    probe.start()
    t0 = time.perf_counter()
    presses = 0
    while not at_end() and time.perf_counter() - t0 < 300:
        QTest.keyClick(view, Qt.Key_End)
        presses += 1
        wait(lambda: False, 0.05)
    probe.stop()
    return {"s": time.perf_counter() - t0, "presses": presses, "stall_ms": probe.worst_ms,
            "off_queue_ms": probe.worst_off_queue_ms, "rows": model.rowCount()}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--stacks", type=int, default=20_000)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="shoebox-bench-cull-page-") as tmp:
        os.environ["SHOEBOX_HOME"] = str(Path(tmp) / "home")
        from PySide6.QtWidgets import QApplication

        from core.catalog import Catalog
        from core.config import Paths, Settings
        from desktop.latency import LatencyProbe
        from desktop.services import Services
        from desktop.views.cull import CullPage

        app = QApplication.instance() or QApplication(sys.argv)  # noqa: F841 - kept alive
        paths = Paths(Path(tmp) / "home")
        catalog = Catalog.open(paths)
        t0 = time.perf_counter()
        n_files = plant(catalog, Path(tmp) / "library", args.stacks)
        catalog.close()
        setup_s = time.perf_counter() - t0
        services = Services(paths, Settings(watch=False))
        page = CullPage(services)
        page.resize(1000, 700)
        page.show()
        gc.freeze()           # as the app does once its window is made (desktop.app)
        probe = LatencyProbe(10)
        out = {"stacks": args.stacks, "files": n_files, "setup_s": setup_s,
               "load": os.getloadavg()[0]}
        out["show"] = listed(page, probe)
        wait(lambda: False, 0.5)
        out["again"] = listed(page, probe)
        by_key = keys(page.tree)
        out["keys_ms"] = {k: {"median": statistics.median(v), "max": max(v)}
                          for k, v in by_key.items()}
        out["ticked_after_opening"] = len(page.ticked())
        out["to_end"] = to_end(page.tree, probe)
        page.close()
        services.close()
    print(f"machine: {os.cpu_count()} CPUs, load average {out['load']:.1f}")
    print(f"catalog: {args.stacks:,} stacks, {n_files:,} files, planted in {setup_s:.1f} s")
    for key, what in (("show", "shown"), ("again", "listed again")):
        r = out[key]
        print(f"{what}: {r['s']:.2f} s; worst GUI stall {r['stall_ms']:.0f} ms (less its wait "
              f"for a core {r['off_queue_ms'] or 0:.0f} ms), once read "
              f"{r['after_read_stall_ms']:.0f} ms")
    for k, r in out["keys_ms"].items():
        print(f"  key {k:<8} median {r['median']:6.1f} / max {r['max']:6.1f} ms")
    print(f"ticked after opening the first stack: {out['ticked_after_opening']}")
    r = out["to_end"]
    print(f"End held to the last row: {r['s']:.1f} s, {r['presses']} presses, worst GUI stall "
          f"{r['stall_ms']:.0f} ms (less its wait for a core {r['off_queue_ms'] or 0:.0f} ms)")
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
