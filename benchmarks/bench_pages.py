"""The Duplicates, Collections and People pages with many rows, offscreen and without a catalog:
made-up duplicate groups, collections and people handed to each page as its worker hands them
(a person's mosaic is made from one picture, as its worker makes it, without a catalog), then

  show    the GUI thread's time in the page's _show, and from then until a second later (the
          first paint, the thumbnails of the rows on screen arriving) its CPU time and the
          worst stall;
  scroll  paging through the list (50 pages, 20 ms apart): the GUI thread's CPU time, the
          worst stall, and the thumbnails asked.

The CPU times are the GUI thread's own (time.thread_time), so they hold on a loaded machine;
a stall also counts the time the thread waited for a core, or for the GIL held by the
thumbnail threads.

Sizes past the scale catalogs' (446 duplicate groups and 70 collections at 100,000 files):
what a library with many more of them asks of the page.

    python -m benchmarks.bench_pages [--groups 1000,10000,100000] [--collections 100,1000,10000]
                                     [--people 2520,10000,100000]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _services(picture: str):
    from PySide6.QtCore import QObject, Signal

    from desktop.thumbs import ThumbnailLoader

    class Background(QObject):
        failed = Signal(str, str)
        cancelled = Signal(str)

    return SimpleNamespace(thumbs=ThumbnailLoader(paths=None), background=Background(),
                           catalog=None, registry=None, paths=None, picture=picture)


def _settle(seconds: float) -> None:
    """Qt's events for `seconds`."""
    from benchmarks.scale_app import wait

    wait(lambda: False, seconds)


def _measure(page, show, bar) -> dict:
    from desktop.latency import LatencyProbe

    page.resize(1280, 820)
    page.show()
    _settle(0.3)
    asked: list[int] = []
    real = page.services.thumbs.get
    page.services.thumbs.get = lambda req: (asked.append(req.file_id), real(req))[1]
    probe = LatencyProbe(10)
    probe.start()
    t, cpu = time.perf_counter(), time.thread_time()
    show()
    out = {"show_ms": (time.perf_counter() - t) * 1000}
    _settle(1.0)
    out["show_gui_cpu_ms"] = (time.thread_time() - cpu) * 1000
    out["show_stall_ms"] = probe.worst_ms
    out["thumbs_asked_at_show"] = len(set(asked))
    probe.start()
    cpu = time.thread_time()
    for _ in range(50):
        bar.setValue(bar.value() + bar.pageStep())
        _settle(0.02)
    probe.stop()
    out["scroll_gui_cpu_ms"] = (time.thread_time() - cpu) * 1000
    out["scroll_stall_ms"] = probe.worst_ms
    out["thumbs_asked"] = len(set(asked))
    page.close()
    return out


def duplicates(n: int, services) -> dict:
    from core.search.types import DuplicateFile, DuplicateGroup
    from desktop.views.duplicates import DuplicatesPage
    from desktop.views.duplicates_model import prepare

    groups = [DuplicateGroup("exact" if g % 3 else "near",
                             [DuplicateFile(4 * g + k, services.picture, 640, 480, 250_000, None,
                                            False) for k in range(2 + g % 2)],
                             4 * g, "shorter path") for g in range(n)]
    t = time.perf_counter()
    listing = prepare(groups)                      # (the worker's part)
    prepared = (time.perf_counter() - t) * 1000
    page = DuplicatesPage(services)
    out = _measure(page, lambda: page._show(listing), page.view.verticalScrollBar())
    return {"groups": n, "worker_prepare_ms": prepared, **out}


def collections(n: int, services) -> dict:
    from core.query.collections import CollectionSummary, FileRef
    from desktop.views.collections import CollectionsPage

    cols = [CollectionSummary(c + 1, f"Trip {c}", None, [], None, False, "bench", 40, None,
                              None, [FileRef(4 * c + k, services.picture, "photo", None)
                                     for k in range(4)]) for c in range(n)]
    page = CollectionsPage(services)
    out = _measure(page, lambda: page._show(cols), page.list.verticalScrollBar())
    return {"collections": n, **out}


def people(n: int, services) -> dict:
    from PySide6.QtGui import QImage

    from core.query.people import PersonSummary
    from desktop.views import people as people_view
    from desktop.views.people_model import ICON, PeopleListing, load_people
    from desktop.views.tiles import mosaic_image

    faces = [QImage(services.picture)] * 4
    people_view.load_covers = lambda _catalog, _paths, wanted: [
        (pid, k, mosaic_image(faces, ICON)) for pid, k in wanted]
    folks = [PersonSummary(i + 1, f"Person {i}" if i < n // 10 else None, False,
                           400 - i % 300, 300 - i % 200) for i in range(n)]
    unnamed = [p for p in folks if not p.name]
    listing = PeopleListing(folks, len(unnamed), unnamed[0] if unnamed else None, 1000,
                            {p.id: i for i, p in enumerate(folks)})
    assert load_people   # (the worker's part reads these from the catalog)
    page = people_view.PeoplePage(services)
    covers = []
    page.model.coversWanted.connect(lambda: covers.append(1))
    out = _measure(page, lambda: page._show(listing), page.list.verticalScrollBar())
    return {"people": n, **out, "mosaics_wanted": len(covers)}


def main(argv: list[str] | None = None) -> int:
    from PIL import Image
    from PySide6.QtWidgets import QApplication

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--groups", default="1000,10000,100000")
    ap.add_argument("--collections", default="100,1000,10000")
    ap.add_argument("--people", default="2520,10000,100000")
    args = ap.parse_args(argv)
    app = QApplication.instance() or QApplication(sys.argv)  # noqa: F841 - kept alive
    with tempfile.TemporaryDirectory() as tmp:
        picture = str(Path(tmp) / "p.jpg")
        Image.new("RGB", (640, 480), (120, 150, 180)).save(picture, quality=85)
        print(f"load average {os.getloadavg()[0]:.2f}", flush=True)
        for n in (int(x) for x in args.groups.split(",") if x):
            print("duplicates", duplicates(n, _services(picture)), flush=True)
        for n in (int(x) for x in args.collections.split(",") if x):
            print("collections", collections(n, _services(picture)), flush=True)
        for n in (int(x) for x in args.people.split(",") if x):
            print("people", people(n, _services(picture)), flush=True)
        print(f"load average {os.getloadavg()[0]:.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
