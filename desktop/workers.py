"""Where core work meets Qt: every background call and long task goes through here.

Two shapes:
- `run_async(fn, *args, on_done=..., on_error=...)`: a short call (a SQL read, a search, a
  thumbnail list) on a QThreadPool thread; the callback runs on the GUI thread. `run_long`:
  the same for a call that may take seconds (an LLM answer, near duplicates over the library),
  on a pool of its own, so it never holds up the short calls the user is waiting for.
- `TaskRunner`: a long core task `fn(task: TaskState)` on its own QThread; TaskState progress
  becomes the `progress` signal, and pause/resume/cancel go back through the TaskState.

`Background` owns the app's long-lived work: scans, the folder watcher and indexing, run one at
a time in a queue so the status area always has one clear "what is happening now".
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThread, QThreadPool, Signal, Slot

from core.errors import Cancelled, ShoeboxError
from core.pipeline.workers import lower_thread_priority
from core.tasks import Progress, TaskState

log = logging.getLogger(__name__)


class _Dispatcher(QObject):
    """Lives on the GUI thread; signals emitted from pool threads reach it queued."""

    deliver = Signal(object, object)

    def __init__(self) -> None:
        super().__init__()
        self.deliver.connect(self._on_deliver)

    @Slot(object, object)
    def _on_deliver(self, callback: Callable[[Any], None], value: Any) -> None:
        try:
            callback(value)
        except RuntimeError as e:  # the widget the result was for has been deleted
            if "already deleted" not in str(e):
                raise
            log.debug("dropped a result for a deleted widget: %s", e)


_dispatcher: _Dispatcher | None = None
_pools: dict[str, QThreadPool] = {}
POOL_THREADS = {"short": 3, "long": 2}   # run_async's calls; run_long's (seconds each)


def dispatcher() -> _Dispatcher:
    """Created lazily on the first call, which must come from the GUI thread."""
    global _dispatcher
    if _dispatcher is None:
        _dispatcher = _Dispatcher()
    return _dispatcher


def _pool_of(kind: str) -> QThreadPool:
    made = _pools.get(kind)
    if made is None:
        made = _pools[kind] = QThreadPool()
        made.setMaxThreadCount(POOL_THREADS[kind])
    return made


def pool() -> QThreadPool:
    """The pool for short calls (reads, searches); thumbnails have their own."""
    return _pool_of("short")


def long_pool() -> QThreadPool:
    """The pool for calls that may take seconds (run_long)."""
    return _pool_of("long")


def describe(e: BaseException) -> str:
    """A user-facing sentence for an exception: ShoeboxErrors say it themselves."""
    if isinstance(e, ShoeboxError):
        return str(e)
    return f"{type(e).__name__}: {e}"


_in_flight: set[int] = set()  # ids of the calls queued or running
_in_flight_lock = threading.Lock()
_call_ids = itertools.count(1)


def calls_in_flight() -> frozenset[int]:
    """Ids of the calls (short and long) queued or running now: a resource they may hold (a
    replaced model registry) is released once none of these is in flight any more."""
    with _in_flight_lock:
        return frozenset(_in_flight)


class _Call(QRunnable):
    def __init__(self, fn, args, on_done, on_error):
        super().__init__()
        self.fn, self.args, self.on_done, self.on_error = fn, args, on_done, on_error
        self.id = next(_call_ids)
        with _in_flight_lock:
            _in_flight.add(self.id)

    def run(self) -> None:
        # below the GUI thread: the app's threads share its CPU, and a page-down waited behind
        # three library reads at once here at startup (docs/BENCHMARKS.md, "Paging stalls")
        lower_thread_priority()
        try:
            self._run()
        finally:
            with _in_flight_lock:
                _in_flight.discard(self.id)

    def _run(self) -> None:
        d = dispatcher()
        try:
            result = self.fn(*self.args)
        except Exception as e:  # noqa: BLE001 - handed to on_error (or logged) on the GUI thread
            log.debug("background call %s failed:\n%s", getattr(self.fn, "__name__", self.fn),
                      traceback.format_exc())
            if self.on_error is not None:
                d.deliver.emit(self.on_error, e)
            else:
                log.error("background call failed: %s", describe(e))
            return
        if self.on_done is not None:
            d.deliver.emit(self.on_done, result)


def run_async(fn: Callable[..., Any], *args: Any, on_done: Callable[[Any], None] | None = None,
              on_error: Callable[[BaseException], None] | None = None,
              thread_pool: QThreadPool | None = None) -> None:
    dispatcher()  # make sure it exists on this (GUI) thread before a worker emits
    (thread_pool or pool()).start(_Call(fn, args, on_done, on_error))


def run_long(fn: Callable[..., Any], *args: Any, on_done: Callable[[Any], None] | None = None,
             on_error: Callable[[BaseException], None] | None = None) -> None:
    """run_async for a call that may take seconds: with three of those in the short-call pool,
    a search or a dry run waited behind them (an apply in test_user_session did, 30 s)."""
    run_async(fn, *args, on_done=on_done, on_error=on_error, thread_pool=long_pool())


class TaskRunner(QThread):
    """Runs `fn(task)` on its own thread. Signals arrive on the GUI thread."""

    progress = Signal(object)   # core.tasks.Progress
    succeeded = Signal(object)  # the function's return value
    failed = Signal(str)        # a user-facing message
    cancelled = Signal()

    def __init__(self, name: str, fn: Callable[[TaskState], Any], parent: QObject | None = None):
        super().__init__(parent)
        self.setObjectName(f"task-{name}")
        self.name = name
        self._fn = fn
        self.task = TaskState(name, on_progress=self.progress.emit)
        self.result: Any = None
        self.error: str | None = None

    def run(self) -> None:
        try:
            self.result = self._fn(self.task)
        except Cancelled:
            self.cancelled.emit()
        except Exception as e:  # reported to the user through the status area
            log.exception("task %s failed", self.name)
            self.error = describe(e)
            self.failed.emit(self.error)
        else:
            self.succeeded.emit(self.result)

    def pause(self) -> None:
        self.task.pause()

    def resume(self) -> None:
        self.task.resume()

    def cancel(self) -> None:
        self.task.cancel()


@dataclass
class _Queued:
    name: str
    fn: Callable[[TaskState], Any]
    on_done: Callable[[Any], None] | None


class Background(QObject):
    """The app's queue of long tasks (scan, index, apply...), one running at a time.

    Signals: `progress(Progress)` for the running task, `state(str)` ("idle", "running",
    "paused"), `finished(name, result)`, `failed(name, message)`, `cancelled(name)`, `changed()`
    after any task that may have changed the catalog.
    """

    progress = Signal(object)
    state = Signal(str)
    finished = Signal(str, object)
    failed = Signal(str, str)
    cancelled = Signal(str)
    changed = Signal()

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._queue: deque[_Queued] = deque()
        self._current: TaskRunner | None = None
        self._current_job: _Queued | None = None
        self._paused = False
        self._closed = False

    # --- queue ---
    def submit(self, name: str, fn: Callable[[TaskState], Any],
               on_done: Callable[[Any], None] | None = None, *, dedupe: bool = True) -> None:
        """Queue a task. With dedupe, a task of the same name already waiting is not doubled."""
        if self._closed:
            log.debug("background is shut down; %s not started", name)
            return
        if dedupe and any(q.name == name for q in self._queue):
            return
        self._queue.append(_Queued(name, fn, on_done))
        self._next()

    @property
    def busy(self) -> bool:
        return self._current is not None

    @property
    def current_runner(self) -> TaskRunner | None:
        return self._current

    @property
    def current_name(self) -> str | None:
        return self._current.name if self._current else None

    def pending_names(self) -> list[str]:
        return [q.name for q in self._queue]

    def _next(self) -> None:
        if self._current is not None or not self._queue:
            if self._current is None:
                self.state.emit("idle")
            return
        job = self._queue.popleft()
        runner = TaskRunner(job.name, job.fn, self)
        runner.progress.connect(self.progress)
        # a slot on this GUI-thread object, so the hand-over is queued onto the GUI thread
        runner.finished.connect(self._on_runner_finished)
        self._current, self._current_job = runner, job
        if self._paused:
            runner.pause()
        runner.start(QThread.LowPriority)
        self.state.emit("paused" if self._paused else "running")

    @Slot()
    def _on_runner_finished(self) -> None:
        runner, job = self._current, self._current_job
        if runner is None or job is None:
            return
        self._current = self._current_job = None
        runner.wait()  # `finished` comes just before the thread ends: let it end, then delete
        if runner.error is not None:
            self.failed.emit(job.name, runner.error)
        elif runner.task.cancelled:
            self.cancelled.emit(job.name)
        else:
            if job.on_done is not None:
                job.on_done(runner.result)
            self.finished.emit(job.name, runner.result)
        self.changed.emit()
        # Not deleteLater(): a DeferredDelete of a Python-made QThread raced the wrapper's own
        # release and crashed the app now and then (seen in gdb: Shiboken releaseWrapper). The
        # thread has ended; unparented, it is freed with its last Python reference.
        runner.setParent(None)
        self._next()

    # --- control ---
    def pause(self) -> None:
        self._paused = True
        if self._current:
            self._current.pause()
            self.state.emit("paused")

    def resume(self) -> None:
        self._paused = False
        if self._current:
            self._current.resume()
            self.state.emit("running")

    @property
    def paused(self) -> bool:
        return self._paused

    def cancel_current(self) -> None:
        if self._current:
            self._current.cancel()

    def cancel_all(self) -> None:
        self._queue.clear()
        self.cancel_current()

    def shutdown(self, timeout_s: float = 10.0) -> None:
        """Cancel everything and wait for the running task to stop (app exit)."""
        self._closed = True
        self.cancel_all()
        runner = self._current
        if runner is not None:
            runner.resume()
            if not runner.wait(int(timeout_s * 1000)):
                # core tasks stop at their next check(); only an import or a single model call
                # can run on, and a QThread must not be destroyed while it runs
                log.warning("waiting for %s to stop", runner.name)
                runner.wait()

    def wait_idle(self, timeout_s: float = 30.0) -> bool:
        """Tests: process events until the queue is empty."""
        from PySide6.QtCore import QCoreApplication

        deadline = time.monotonic() + timeout_s
        while self._current is not None or self._queue:
            if time.monotonic() > deadline:
                return False
            QCoreApplication.processEvents()
            time.sleep(0.01)
        QCoreApplication.processEvents()
        return True


class WatchBridge(QObject):
    """core.scan.watcher.FolderWatcher -> the GUI: its callback (on watchdog's thread) becomes
    a queued signal carrying the folders to rescan."""

    changes = Signal(object)  # list[(folder, recursive)]

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._watcher = None

    def start(self, folders: list[str], ignore=None, debounce_s: float = 1.0) -> list[str]:
        # when first used: watchdog adds 20-58 ms before the first window (-X importtime)
        from core.scan.watcher import FolderWatcher

        self.stop()
        if not folders:
            return []
        self._watcher = FolderWatcher(folders, self.changes.emit, debounce_s=debounce_s,
                                      ignore=ignore)
        return self._watcher.start()

    def stop(self) -> None:
        if self._watcher is not None:
            self._watcher.stop()
            self._watcher = None

    @property
    def running(self) -> bool:
        return self._watcher is not None


def format_progress(p: Progress) -> tuple[str, str]:
    """(headline, details) for the status area: stage and counts; rate and ETA."""
    head = p.task.capitalize()
    if p.status:
        head += f": {p.status}"
    bits = []
    if p.total:
        bits.append(f"{p.done:,}/{p.total:,}")
    elif p.done:
        bits.append(f"{p.done:,}")
    if p.rate and p.rate >= 0.1:
        bits.append(f"{p.rate:.1f}/s")
    elif p.rate:           # slow work (naming a collection): "0.0/s" said nothing
        bits.append(f"{1 / p.rate:.0f} s each")
    if p.eta_s is not None and p.total:
        bits.append("ETA " + format_duration(p.eta_s))
    return head, "  ·  ".join(bits)


def format_duration(s: float) -> str:
    s = round(s)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m {s % 60:02d}s"
    return f"{s // 3600}h {s % 3600 // 60:02d}m"
