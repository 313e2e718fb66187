"""The contract every model wrapper shares (docs/ARCHITECTURE.md, "Rules the code keeps").

Cheap constructor; idempotent, lock-guarded load(); unload() that really frees memory; batch
methods that run inside a `_session()` so an idle-unload or a budget swap never pulls a model
out from under a running batch. A wrapper unloaded by the registry reloads itself on next use
(through the registry's `before_load` hook, so the GPU budget still holds).

Lock order, always: the registry's load lock, then a wrapper's own lock. Inference holds only
its wrapper's lock, so it never waits on the load lock while holding it.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from models.device import free_memory, is_oom

log = logging.getLogger(__name__)
T = TypeVar("T")


class ModelWrapper:
    role = "model"
    cpu_precision = "fp32"   # what an out-of-memory move to the CPU runs at

    def __init__(self, path: str | Path, *, identity: str = "", device: str = "cpu",
                 precision: str = "fp32", before_load: Callable[[ModelWrapper], None] | None = None,
                 load_lock: threading.RLock | None = None, batch_size: int = 16):
        self.path = Path(path)
        self.device = device
        self.precision = precision
        self.identity = identity or f"{self.path.name}:{precision}"
        self.batch_size = batch_size
        self._before_load = before_load
        self._load_lock = load_lock or threading.RLock()
        self._lock = threading.RLock()
        self._loaded = False
        self.last_used = time.monotonic()

    # -- lifecycle -------------------------------------------------------------------------
    @property
    def loaded(self) -> bool:
        return self._loaded

    def load(self) -> ModelWrapper:
        if self._loaded:  # fast path; also keeps nested calls inside a session lock-free
            return self
        with self._load_lock:
            if self._loaded:
                return self
            if self._before_load:
                self._before_load(self)
            with self._lock:
                t0 = time.perf_counter()
                self._quiet()
                self._load()
                self._loaded = True
                self.last_used = time.monotonic()
                log.info("loaded %s (%s) on %s in %.1f s", self.role, self.identity, self.device,
                         time.perf_counter() - t0)
        return self

    def unload(self) -> None:
        with self._lock:
            if not self._loaded:
                return
            self._unload()
            self._loaded = False
        free_memory(self.device)
        log.info("unloaded %s (%s)", self.role, self.identity)

    def try_unload_idle(self, idle_s: float) -> bool:
        """Unload if unused for idle_s and not busy right now (never waits for a batch)."""
        if not self._loaded or time.monotonic() - self.last_used < idle_s:
            return False
        if not self._lock.acquire(blocking=False):
            return False
        try:
            if self._loaded and time.monotonic() - self.last_used >= idle_s:
                self.unload()
                return True
            return False
        finally:
            self._lock.release()

    @contextlib.contextmanager
    def _session(self) -> Iterator[None]:
        """Hold the model loaded for the duration of one call."""
        while True:
            self.load()
            self._lock.acquire()
            if self._loaded:
                break
            self._lock.release()  # unloaded between load() and acquire(): load again
        try:
            yield
        finally:
            self.last_used = time.monotonic()
            self._lock.release()

    # -- to implement ----------------------------------------------------------------------
    def _quiet(self) -> None:
        _quiet_libraries()

    def _load(self) -> None:
        raise NotImplementedError

    def _unload(self) -> None:
        """Drop every reference to weights; the default clears the usual attributes."""
        for name in ("model", "processor", "tokenizer", "_model"):
            if hasattr(self, name):
                setattr(self, name, None)

    # -- out of memory -----------------------------------------------------------------------
    def _batched(self, items: Sequence[Any], fn: Callable[[Sequence[Any]], list[T]],
                 batch_size: int | None = None) -> list[T]:
        """Run fn over items in batches; on out-of-memory halve the batch, then move to CPU.

        Call inside a session. A long run keeps going at the smaller batch size.
        """
        out: list[T] = []
        bs = max(1, batch_size or self.batch_size)
        i = 0
        while i < len(items):
            chunk = items[i:i + bs]
            try:
                out.extend(fn(chunk))
            except Exception as e:
                if not is_oom(e):
                    raise
                free_memory(self.device)
                if bs > 1:
                    bs //= 2
                    self.batch_size = min(self.batch_size, bs)  # later calls start smaller
                    log.warning("%s ran out of memory; batch size now %d", self.role, bs)
                    continue
                if self.device != "cpu":
                    log.warning("%s ran out of memory at batch 1; moving it to the CPU", self.role)
                    self._move_to_cpu()
                    continue
                raise
            i += len(chunk)
        return out

    def _move_to_cpu(self) -> None:
        """Reload on the CPU at fp32 (called with the lock held)."""
        self._unload()
        free_memory(self.device)
        self.device = "cpu"
        old = self.precision
        if self.precision != "gguf":  # llama.cpp runs the same GGUF file on either device
            self.precision = self.cpu_precision
        if self.identity.endswith(":" + old):
            self.identity = self.identity[: -len(old)] + self.precision
        self._load()


def _quiet_libraries() -> None:
    """transformers draws a progress bar per weight load on the terminal: noise in the CLI's
    output and the GUI's log. Our own progress reporting says what is loading."""
    from transformers.utils import logging as tlog

    tlog.disable_progress_bar()
