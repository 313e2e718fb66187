"""What made the GUI thread wait while the grid paged at a million files, though its own work
was ~6 ms a page (docs/BENCHMARKS.md, "Paging stalls"): Qt's pooled fills, the app's own
workers at the GUI thread's priority, and a status poll that read every file every 4 s."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time

import pytest
from PIL import Image
from PySide6.QtGui import QImage

from core.pipeline.workers import NICE
from desktop import status_area
from desktop.thumbs import ThumbnailLoader, ThumbRequest, decode_thumbnail
from desktop.workers import pool, run_async

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="a POSIX nice value per thread: Linux's alone")


def test_painting_starts_no_pooled_threads(tmp_path):
    """The grid's fills and its scrollbar were split over Qt's GUI thread pool, the GUI thread
    waiting on a latch for threads that wait for a core. With the app's Services made, a
    window-sized fill is painted on the calling thread. In a process of its own: Qt decides
    once, at its first pooled fill."""
    script = textwrap.dedent(f"""
        import os
        from pathlib import Path
        from PySide6.QtGui import QColor, QImage, QPainter
        from PySide6.QtWidgets import QApplication
        app = QApplication([])
        from core.config import Paths, Settings
        from desktop.services import Services
        services = Services(Paths(Path({str(tmp_path)!r})), Settings())
        img = QImage(1280, 800, QImage.Format_ARGB32_Premultiplied)
        p = QPainter(img)
        p.fillRect(0, 0, 1280, 800, QColor(10, 20, 30, 128))
        p.end()
        names = [open(f"/proc/self/task/{{t}}/comm").read().strip()
                 for t in os.listdir("/proc/self/task")]
        print("POOLED", sum(n == "Thread (pooled)" for n in names))
        services.close()
    """)
    env = dict(os.environ, SHOEBOX_HOME=str(tmp_path), QT_QPA_PLATFORM="offscreen")
    env.pop("QT_NO_GUI_THREADPOOL", None)
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                         text=True, timeout=120, check=False)
    assert "POOLED 0" in out.stdout, out.stdout + out.stderr[-2000:]


@linux_only
def test_background_calls_run_below_the_gui_thread(qtbot):
    gui = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    seen = []
    for _ in range(pool().maxThreadCount() + 1):   # every thread of the pool
        run_async(lambda: (time.sleep(0.02),
                           os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))[1],
                  on_done=seen.append)
    qtbot.waitUntil(lambda: len(seen) == pool().maxThreadCount() + 1, timeout=5000)
    assert set(seen) == {max(gui, NICE)}
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == gui


@linux_only
def test_thumbnails_decode_below_the_gui_thread(qtbot, tmp_path, monkeypatch):
    photo = tmp_path / "a.jpg"
    Image.new("RGB", (64, 48), (200, 10, 10)).save(photo)
    niceness = []

    def decode(req, size, paths):
        niceness.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        return decode_thumbnail(req, size, paths)

    monkeypatch.setattr("desktop.thumbs.decode_thumbnail", decode)
    loader = ThumbnailLoader()
    loader.request(ThumbRequest(1, str(photo), "photo"))
    qtbot.waitUntil(lambda: loader.cached(1), timeout=5000)
    gui = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    assert niceness == [max(gui, NICE)]
    loader.wait_done()


def test_thumbnails_arrive_in_the_pixmaps_format(tmp_path, qapp):
    """QPixmap.fromImage on the GUI thread converted every RGB888 thumbnail to RGB32 (through
    the GUI thread pool, for a 256 px image); the worker hands RGB32 over now."""
    photo = tmp_path / "a.jpg"
    Image.new("RGB", (256, 192), (10, 200, 10)).save(photo)
    img = decode_thumbnail(ThumbRequest(1, str(photo), "photo"))
    assert img.format() == QImage.Format_RGB32
    assert (img.width(), img.height()) == (256, 192)
    r, g, b, _ = img.pixelColor(100, 100).getRgb()
    assert g > 180 and r < 40 and b < 40


class _Slow:
    """library_status as it is at a million files: a read that takes a while."""

    def __init__(self, real, seconds: float):
        self.real, self.seconds, self.calls = real, seconds, 0
        self.running = 0
        self.overlapped = False

    def __call__(self, catalog):
        self.calls += 1
        self.running += 1
        self.overlapped |= self.running > 1
        try:
            time.sleep(self.seconds)
            return self.real(catalog)
        finally:
            self.running -= 1


def test_the_status_counts_are_read_once_at_a_time_and_less_often_when_dear(
        win, qtbot, monkeypatch):
    area = win.status_area
    qtbot.waitUntil(lambda: bool(area.counts.text()) and area._counting_since is None,
                    timeout=5000)   # the first read, a second after the window opened
    slow = _Slow(status_area.library_status, 0.3)
    monkeypatch.setattr(status_area, "library_status", slow)
    for _ in range(5):            # the 4 s poll and libraryChanged, while a read runs
        area.refresh_counts()
    qtbot.waitUntil(lambda: slow.calls == 2 and area._counting_since is None, timeout=5000)
    assert not slow.overlapped
    qtbot.wait(100)
    assert slow.calls == 2        # the four asks that came meanwhile made one read more
    # 0.3 s a read: polled at most 5% of the time
    assert area._timer.interval() >= int(0.3 / status_area.COUNTS_COST_SHARE * 1000)
    assert area.counts.text()
    area.refresh_counts()
    area._poll()                  # the poll's tick while a read is on its way: no read more
    qtbot.waitUntil(lambda: slow.calls == 3 and area._counting_since is None, timeout=5000)
    qtbot.wait(100)
    assert slow.calls == 3


def test_a_cached_thumbnail_is_read_by_qt_not_pillow(paths, qapp, monkeypatch):
    """Pillow's open, decode and conversions run Python throughout, holding the GIL the GUI
    thread needs for its next paint; Qt reads a cached thumbnail in one call that lets go of
    it. Pillow stays for what Qt cannot read."""
    import PIL.Image

    from core.media.thumbnails import thumbnail_path

    h = "ab" * 16
    cached = thumbnail_path(paths, h, 256)
    cached.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (256, 170), (20, 30, 220)).save(cached)
    opened = []
    real_open = PIL.Image.open
    monkeypatch.setattr(PIL.Image, "open", lambda *a, **k: (opened.append(a), real_open(*a, **k))[1])
    img = decode_thumbnail(ThumbRequest(1, "/gone/a.jpg", "photo", h), 256, paths)
    assert (img.width(), img.height(), img.format()) == (256, 170, QImage.Format_RGB32)
    assert img.pixelColor(50, 50).blue() > 180
    assert opened == []
    small = decode_thumbnail(ThumbRequest(1, "/gone/a.jpg", "photo", h), 128, paths)
    assert (small.width(), small.height()) == (128, 85)
    cached.write_bytes(b"not a jpeg")          # Qt cannot: Pillow is asked, and says why
    with pytest.raises(OSError):
        decode_thumbnail(ThumbRequest(1, "/gone/a.jpg", "photo", h), 256, paths)
    assert opened


@linux_only
def test_the_probe_tells_the_apps_part_of_a_stall_from_the_machines(qtbot):
    """A stall less the GUI thread's wait for a core: a thread that blocks (the GIL, a lock, a
    sleep) keeps all of its stall; one that waits for a busy machine's core does not."""
    from PySide6.QtCore import QTimer

    from desktop.latency import LatencyProbe, run_queue_ms

    assert run_queue_ms() is not None
    probe = LatencyProbe(10)
    probe.start()
    QTimer.singleShot(30, lambda: time.sleep(0.1))     # the GUI thread blocked 100 ms
    qtbot.wait(250)
    probe.stop()
    assert len(probe.queued) == len(probe.gaps)
    assert probe.worst_ms >= 85
    # the sleep stays; what the thread then waited for a core (a loaded machine) does not
    assert probe.worst_off_queue_ms is not None
    assert 85 - 1000 * max(probe.queued) <= probe.worst_off_queue_ms <= probe.worst_ms + 0.01
