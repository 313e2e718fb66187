"""The Reorganize review of a 20,000-move plan: how fast it answers a keypress.

    .venv/bin/python -m benchmarks.bench_review [--moves 20000] [--real 200]

Runs offscreen (QT_QPA_PLATFORM=offscreen) in a temporary data folder. The catalog holds
`--moves` photos (a few hundred real ones with cached thumbnails, the rest rows for files that
need not exist), and two date plans are reviewed in turn: by day (many units of ~140 files)
and by year (one unit of 20,000). In each, keys go to the units list and to the files list as
a person would press them (Down, Up, Page Down, End, Space on a unit, Space on a file). A
keypress's time is from the key event to the end of the repaint it caused (every event it
posted handled). Target: p95 and max <= 50 ms.

Also printed: the GUI thread's CPU time per keypress (what the code costs, whatever the load
of a shared machine does to the wall time) and the plan's first showing. Each tick is written
to the catalog in a worker, in order, behind the rows that changed at once; the run waits for
those writes before it closes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# (view, key, how many times); Space presses are spaced by a Down so each ticks a new row
SCRIPT = (("units", "Down", 40), ("units", "Up", 20), ("units", "Space+Down", 15),
          ("files", "Down", 120), ("files", "Space+Down", 40), ("files", "PageDown", 20),
          ("files", "End", 1), ("files", "Home", 1), ("files", "Up", 20))


def percentile(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q * (len(s) - 1))))]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--moves", type=int, default=20_000)
    ap.add_argument("--real", type=int, default=200)
    ap.add_argument("--only", choices=("by day", "one unit"), help="review one of the plans")
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="shoebox-bench-review-") as tmp:
        os.environ["SHOEBOX_HOME"] = str(Path(tmp) / "home")
        from PySide6.QtWidgets import QApplication

        from core.catalog import Catalog
        from core.config import Paths, Settings
        from core.organize import make_plan
        from tests.desktop.big_catalog import build

        app = QApplication.instance() or QApplication(sys.argv)
        paths = Paths(Path(tmp) / "home")
        cat = Catalog.open(paths)
        setup_s = build(cat, paths, Path(tmp) / "library", args.moves, args.real)
        settings = Settings(watch=False)
        plans = {}
        for name, template in (("by day", "{year}/{month}/{day}"), ("one unit", "{year}")):
            if args.only and name != args.only:
                continue
            t0 = time.perf_counter()
            plans[name] = make_plan(cat, settings, layout="date", template=template)
            print(f"plan {name!r}: made in {time.perf_counter() - t0:.1f} s")
        cat.close()
        print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
        print(f"catalog: {args.moves:,} photos ({args.real} real), built in {setup_s:.1f} s")
        worst_p95 = worst_max = 0.0
        for name, pid in plans.items():
            r = measure(app, paths, settings, pid)
            worst_p95, worst_max = max(worst_p95, r["p95_ms"]), max(worst_max, r["max_ms"])
            print(f"{name}: {r['moves']:,} moves in {r['units']} units; shown in "
                  f"{r['show_s']:.2f} s")
            print(f"  keypress: {r['keys']} keys, p50 {r['p50_ms']:.1f} / p95 "
                  f"{r['p95_ms']:.1f} / max {r['max_ms']:.1f} ms (slowest: {r['slowest']}); "
                  f"GUI-thread CPU p95 {r['cpu_p95_ms']:.1f} / max {r['cpu_max_ms']:.1f} ms; "
                  f"less the wait for a core p95 {r['off_queue_p95_ms']:.1f} / max "
                  f"{r['off_queue_max_ms']:.1f} ms")
            for key, (p95, mx, cpu_p95, cpu_mx) in r["by_key"].items():
                print(f"    {key:<16} wall p95 {p95:6.1f} / max {mx:6.1f} ms;  GUI CPU p95 "
                      f"{cpu_p95:5.1f} / max {cpu_mx:5.1f} ms")
        print(f"target <= 50 ms: p95 {'PASS' if worst_p95 <= 50 else 'FAIL'}, max "
              f"{'PASS' if worst_max <= 50 else 'FAIL'} (wall time: a loaded machine adds "
              "its own delays; the GUI-thread CPU above is what the review costs)")
    return 0


def measure(app, paths, settings, plan_id: int) -> dict:
    from PySide6.QtCore import QCoreApplication, QEvent, Qt
    from PySide6.QtTest import QTest

    from desktop.app import create_window
    from desktop.latency import run_queue_ms
    from desktop.services import Services

    services = Services(paths, settings)
    win = create_window(services, start_background=False, welcome=False)
    win.resize(1280, 820)
    win.show()
    page = win.reorganize
    t0 = time.perf_counter()
    page._showing = None
    page.show_plan(plan_id)
    win.show_page("reorganize")
    while page.plan is None or page.plan["id"] != plan_id:
        QCoreApplication.processEvents()
        time.sleep(0.001)
    show_s = time.perf_counter() - t0

    def settle_ms(fn) -> tuple[float, float, float]:
        """A key's wall, GUI-thread CPU, and wall less the GUI thread's wait for a core."""
        t, c, q = time.perf_counter(), time.thread_time(), run_queue_ms() or 0.0
        fn()
        QCoreApplication.sendPostedEvents(None, 0)
        QCoreApplication.processEvents()
        QCoreApplication.sendPostedEvents(None, QEvent.UpdateRequest)
        wall = (time.perf_counter() - t) * 1000
        return wall, (time.thread_time() - c) * 1000, wall - ((run_queue_ms() or 0.0) - q)

    def idle(ms: float) -> None:  # between keys, as a person types: workers' results land here
        end = time.perf_counter() + ms / 1000
        while time.perf_counter() < end:
            QCoreApplication.processEvents()
            time.sleep(0.002)

    keys = {"Down": Qt.Key_Down, "Up": Qt.Key_Up, "PageDown": Qt.Key_PageDown,
            "End": Qt.Key_End, "Home": Qt.Key_Home, "Space": Qt.Key_Space}
    times: list[tuple[float, str]] = []
    cpu: list[float] = []
    off_queue: list[float] = []
    by_key: dict[str, list[float]] = {}
    cpu_by_key: dict[str, list[float]] = {}
    for view_name, key, n in SCRIPT:
        view = page.units if view_name == "units" else page.files
        view.setFocus()
        idle(30)
        for _ in range(n):
            for k in key.split("+"):
                ms, cpu_ms, off_ms = settle_ms(lambda v=view, k=k: QTest.keyClick(v, keys[k]))
                off_queue.append(off_ms)
                label = f"{view_name} {k}"
                times.append((ms, label))
                cpu.append(cpu_ms)
                by_key.setdefault(label, []).append(ms)
                cpu_by_key.setdefault(label, []).append(cpu_ms)
                idle(40)
    deadline = time.perf_counter() + 120   # the decisions reach the catalog before closing
    while (page._writing or page._writes) and time.perf_counter() < deadline:
        idle(20)
    idle(300)
    values = [t for t, _ in times]
    out = {"moves": sum(1 for i in page.items if i.role == "file"),
           "units": len(page.unit_model.units), "show_s": show_s, "keys": len(values),
           "p50_ms": statistics.median(values), "p95_ms": percentile(values, 0.95),
           "max_ms": max(values), "slowest": max(times)[1],
           "cpu_p95_ms": percentile(cpu, 0.95), "cpu_max_ms": max(cpu),
           "off_queue_p95_ms": percentile(off_queue, 0.95), "off_queue_max_ms": max(off_queue),
           "by_key": {k: (percentile(v, 0.95), max(v), percentile(cpu_by_key[k], 0.95),
                          max(cpu_by_key[k])) for k, v in by_key.items()}}
    win.close()
    services.close()
    return out


if __name__ == "__main__":
    sys.exit(main())
