"""Event-loop latency probe: a timer that should fire every `interval_ms`; how late it fires
is how long the GUI thread was busy (a user feels stalls over ~100 ms).

On Linux it also reads how long the GUI thread waited for a core meanwhile (the scheduler's
run queue, /proc/thread-self/schedstat): on a loaded machine that wait is the machine's, and a
stall less it is what the app itself made the thread do or wait for (its work, the GIL, locks).
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, Qt, QTimer


def run_queue_ms() -> float | None:
    """The calling thread's time spent runnable but not running, since it started (ms);
    None where the kernel does not say (not Linux)."""
    try:
        with open("/proc/thread-self/schedstat") as f:
            return int(f.read().split()[1]) / 1e6
    except (OSError, IndexError, ValueError):
        return None


class LatencyProbe(QObject):
    def __init__(self, interval_ms: int = 10, parent: QObject | None = None):
        super().__init__(parent)
        self.interval_s = interval_ms / 1000
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)
        self.gaps: list[float] = []
        self.times: list[float] = []  # when each gap ended (perf_counter)
        self.queued: list[float] = []  # of each gap, the time the thread waited for a core (s)
        self._last: float | None = None
        self._last_queue: float | None = None

    def start(self) -> None:
        self.gaps.clear()
        self.times.clear()
        self.queued.clear()
        self._last = time.perf_counter()
        self._last_queue = run_queue_ms()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _tick(self) -> None:
        now = time.perf_counter()
        queue = run_queue_ms()
        if self._last is not None:
            self.gaps.append(now - self._last)
            self.times.append(now)
            if queue is not None and self._last_queue is not None:
                self.queued.append((queue - self._last_queue) / 1000)
        self._last, self._last_queue = now, queue

    @property
    def worst_ms(self) -> float:
        """The longest the loop went without serving the timer, beyond its interval."""
        return max((g - self.interval_s for g in self.gaps), default=0.0) * 1000

    @property
    def worst_off_queue_ms(self) -> float | None:
        """The worst stall less the time the thread waited for a core in it (None where the
        kernel does not say): the app's own part of a stall on a loaded machine."""
        if not self.queued or len(self.queued) != len(self.gaps):
            return None
        return max((g - q - self.interval_s for g, q in zip(self.gaps, self.queued)),
                   default=0.0) * 1000

    def worst_ms_between(self, t0: float, t1: float | None = None) -> float:
        """The worst stall that ended inside [t0, t1] (perf_counter times)."""
        t1 = float("inf") if t1 is None else t1
        gaps = [g for g, t in zip(self.gaps, self.times) if t0 <= t <= t1]
        return max((g - self.interval_s for g in gaps), default=0.0) * 1000

    def percentile_ms(self, q: float) -> float:
        if not self.gaps:
            return 0.0
        gaps = sorted(self.gaps)
        return (gaps[min(len(gaps) - 1, int(q * len(gaps)))] - self.interval_s) * 1000
