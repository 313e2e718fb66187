"""Event-loop latency probe: a timer that should fire every `interval_ms`; how late it fires
is how long the GUI thread was busy (a user feels stalls over ~100 ms)."""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, Qt, QTimer


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
        self._last: float | None = None

    def start(self) -> None:
        self.gaps.clear()
        self.times.clear()
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _tick(self) -> None:
        now = time.perf_counter()
        if self._last is not None:
            self.gaps.append(now - self._last)
            self.times.append(now)
        self._last = now

    @property
    def worst_ms(self) -> float:
        """The longest the loop went without serving the timer, beyond its interval."""
        return max((g - self.interval_s for g in self.gaps), default=0.0) * 1000

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
