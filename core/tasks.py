"""TaskState: how long-running core work reports progress and hears about pause and cancel.

Core functions take a TaskState instead of knowing who is watching. The CLI adapts it to a
progress bar, the GUI to Qt signals (desktop/workers.py), tests to plain lists.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from core.errors import Cancelled


@dataclass(frozen=True)
class Progress:
    task: str
    done: int
    total: int | None
    rate: float | None  # items per second since the task (re)started counting
    eta_s: float | None
    status: str


ProgressCallback = Callable[[Progress], None]


@dataclass
class TaskState:
    """Thread-safe; one per running task. Callbacks run on the worker's thread."""

    name: str = "task"
    on_progress: ProgressCallback | None = None
    min_interval_s: float = 0.1  # throttle callbacks: a GUI needs ~10 updates a second at most
    _cancel: threading.Event = field(default_factory=threading.Event, repr=False)
    _running: threading.Event = field(default_factory=threading.Event, repr=False)
    _done: int = 0
    _total: int | None = None
    _status: str = ""
    _t0: float = field(default_factory=time.monotonic, repr=False)
    _last_emit: float = 0.0

    def __post_init__(self) -> None:
        self._running.set()

    # --- reporting (worker side) ---
    def start(self, total: int | None, status: str = "") -> None:
        self._done, self._total, self._status = 0, total, status
        self._t0 = time.monotonic()
        self._emit(force=True)

    def advance(self, n: int = 1) -> None:
        self._done += n
        self._emit()

    def set_total(self, total: int | None) -> None:
        self._total = total
        self._emit(force=True)

    def status(self, text: str) -> None:
        self._status = text
        self._emit(force=True)

    def check(self) -> None:
        """Call between units of work: blocks while paused, raises Cancelled when cancelled."""
        while not self._running.is_set():
            if self._cancel.is_set():
                break
            self._running.wait(0.2)
        if self._cancel.is_set():
            raise Cancelled()

    # --- control (any thread) ---
    def cancel(self) -> None:
        self._cancel.set()
        self._running.set()

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def snapshot(self) -> Progress:
        elapsed = max(time.monotonic() - self._t0, 1e-9)
        rate = self._done / elapsed if self._done else None
        eta = None
        if rate and self._total is not None:
            eta = max(self._total - self._done, 0) / rate
        return Progress(self.name, self._done, self._total, rate, eta, self._status)

    def _emit(self, force: bool = False) -> None:
        if self.on_progress is None:
            return
        now = time.monotonic()
        if force or now - self._last_emit >= self.min_interval_s:
            self._last_emit = now
            self.on_progress(self.snapshot())
