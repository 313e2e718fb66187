"""Worker threads that decode ahead of the model, in order, with a bounded window.

`ordered_map` keeps at most `depth` items in flight, so memory stays flat however long the
input is, and yields results in input order, so batches stay deterministic. Pillow, PyAV and
numpy release the GIL while they work, so threads are enough (and share the model's memory).

`Turns`: where the model computes on the CPU with a thread per core, the decoders and the
model take turns instead of sharing the cores (see the class).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")
R = TypeVar("R")

NICE = 10


def lower_thread_priority() -> None:
    """Run the calling thread at low CPU priority so indexing yields to the GUI and to other
    programs. On Linux a nice value is per thread; elsewhere this is a no-op here (the CLI
    lowers the whole process instead)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        tid = threading.get_native_id()
        current = os.getpriority(os.PRIO_PROCESS, tid)
        if current < NICE:
            os.setpriority(os.PRIO_PROCESS, tid, NICE)
    except (OSError, AttributeError) as e:  # not permitted in some sandboxes: not fatal
        log.debug("cannot lower thread priority: %s", e)


def lower_process_priority() -> None:
    """For headless runs (`shoebox index`, `shoebox watch`): the whole process yields."""
    try:
        if os.name == "posix":
            if os.getpriority(os.PRIO_PROCESS, 0) < NICE:
                os.nice(NICE - os.getpriority(os.PRIO_PROCESS, 0))
        elif sys.platform == "win32":
            import ctypes

            BELOW_NORMAL = 0x4000
            kernel32 = ctypes.windll.kernel32
            kernel32.SetPriorityClass(kernel32.GetCurrentProcess(), BELOW_NORMAL)
    except (OSError, AttributeError) as e:
        log.debug("cannot lower process priority: %s", e)


def decode_threads(settings, taking_turns: bool = False) -> int:
    """How many decode threads the pipeline runs (settings.workers at most). Beside a model
    that computes at the same time, one core is left to the model: on a 2-core machine two
    decoders beside a 2-thread model preempt it mid-matmul and the whole stage slows down
    (measured: benchmarks/bench_pipeline.py). Taking turns with it (Turns), they get every
    core while the model waits for its next batch."""
    cores = os.cpu_count() or 2
    return max(1, min(int(settings.workers), cores if taking_turns else cores - 1))


class Turns:
    """Decoders pause while a model that computes on every CPU core runs a batch, and decode
    on all cores in between.

    Sharing the cores instead costs more than either's own time: the model's intra-op threads
    meet at a barrier after every operation, so a decoder that takes one core from one of
    them holds up all of them, and the others spin (burn CPU) while they wait. Measured with
    benchmarks/bench_pipeline.py on 2 cores: thumbnails + CLIP took about the sum of the
    decode's and the model's CPU time in wall time (one core's worth of work done at a time);
    taking turns, each phase runs on both cores. Where the model runs on a GPU, the CPU is
    free while it computes, and decoders run beside it (no Turns)."""

    def __init__(self):
        self._cores_free = threading.Event()
        self._cores_free.set()

    @contextlib.contextmanager
    def model(self):
        """The model's turn: new decodes wait until it ends (one already started finishes)."""
        self._cores_free.clear()
        try:
            yield
        finally:
            self._cores_free.set()

    def wait_for_cores(self) -> None:
        """A decoder's turn starts when no model is computing."""
        self._cores_free.wait()


def ordered_map(fn: Callable[[T], R], items: Iterable[T], workers: int, depth: int,
                low_priority: bool = True) -> Iterator[tuple[T, R | None, BaseException | None]]:
    """Yield (item, fn(item), None) or (item, None, exception) in input order, computing up to
    `depth` items ahead on `workers` threads. Closing the generator stops the workers."""
    workers = max(1, int(workers))
    depth = max(workers, int(depth))
    pool = ThreadPoolExecutor(workers, thread_name_prefix="pipeline-decode",
                              initializer=lower_thread_priority if low_priority else None)
    window: deque[tuple[T, Future]] = deque()
    it = iter(items)
    exhausted = False
    try:
        while True:
            while not exhausted and len(window) < depth:
                try:
                    item = next(it)
                except StopIteration:
                    exhausted = True
                    break
                window.append((item, pool.submit(fn, item)))
            if not window:
                return
            item, fut = window.popleft()
            exc = fut.exception()  # waits; the item's own failure is reported with it
            if exc is None:
                yield item, fut.result(), None
            else:
                yield item, None, exc
    finally:
        for _, fut in window:
            fut.cancel()
        pool.shutdown(wait=True, cancel_futures=True)
