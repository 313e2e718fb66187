"""Watching library folders: file-system events become debounced rescans of just the folders
they touched. Used by `shoebox watch` and by the GUI, through the same class.

A photo or video that came, changed or went wakes the watcher, and so does an XMP sidecar
another program changed (its keywords are read again); Shoebox's own sidecar writes do not.
Events arrive on watchdog's thread; they are reduced to (folder, recursive) scopes and handed
to `on_changes` once the folders have been quiet for `debounce_s` (or after `max_wait_s` of
constant activity, so a long copy still shows progress).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer

from core.files.kinds import classify, skip_file, skip_folder
from core.scan.roots import is_within
from core.xmp import sidecars

log = logging.getLogger(__name__)

Scopes = list[tuple[str, bool]]


class FolderWatcher:
    def __init__(
        self,
        folders: list[str],
        on_changes: Callable[[Scopes], None],
        *,
        debounce_s: float = 1.0,
        max_wait_s: float = 10.0,
        ignore: list[Path] | None = None,
    ):
        self._folders = list(folders)
        self._on_changes = on_changes
        self._debounce_s, self._max_wait_s = debounce_s, max_wait_s
        self._ignore = [str(p) for p in ignore or []]
        self._lock = threading.Lock()
        self._pending: dict[str, bool] = {}
        self._first = self._last = 0.0
        self._stop = threading.Event()
        self._observer = Observer()
        self._flusher = threading.Thread(target=self._flush_loop, name="watch-debounce",
                                         daemon=True)

    def start(self) -> list[str]:
        """Start watching; returns the folders that could not be watched (with a log line)."""
        failed = []
        handler = _Handler(self)
        # Start first: a running observer opens each watch inside schedule(), so one bad folder
        # fails alone here instead of failing start() for all of them.
        self._observer.start()
        for folder in self._folders:
            try:
                self._observer.schedule(handler, folder, recursive=True)
            except OSError as e:  # missing folder, inotify watch limit reached, ...
                log.warning("cannot watch %s: %s", folder, e)
                failed.append(folder)
        self._flusher.start()
        return failed

    def stop(self) -> None:
        self._stop.set()
        if self._observer.is_alive():
            self._observer.stop()
            self._observer.join(timeout=5)
        if self._flusher.is_alive():
            self._flusher.join(timeout=5)

    def note(self, folder: str, recursive: bool) -> None:
        if any(is_within(folder, p) for p in self._ignore):
            return
        with self._lock:
            now = time.monotonic()
            if not self._pending:
                self._first = now
            self._last = now
            self._pending[folder] = self._pending.get(folder, False) or recursive

    def _flush_loop(self) -> None:
        while not self._stop.wait(0.1):
            with self._lock:
                if not self._pending:
                    continue
                now = time.monotonic()
                quiet = now - self._last >= self._debounce_s
                overdue = now - self._first >= self._max_wait_s
                if not (quiet or overdue):
                    continue
                batch = _collapse(self._pending)
                self._pending = {}
            try:
                self._on_changes(batch)
            except Exception:  # a failed rescan must not kill the watcher; it is logged
                log.exception("rescan after file changes failed")


def _collapse(pending: dict[str, bool]) -> Scopes:
    """Drop scopes already covered by a recursive scope above them."""
    recursive = sorted(f for f, r in pending.items() if r)
    out = []
    for folder, rec in sorted(pending.items()):
        if any(folder != r and is_within(folder, r) for r in recursive):
            continue
        out.append((folder, rec))
    return out


class _Handler(FileSystemEventHandler):
    def __init__(self, watcher: FolderWatcher):
        self._w = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return
        paths = [os.fsdecode(p) for p in (event.src_path, getattr(event, "dest_path", "")) if p]
        for path in paths:
            if _hidden(path):
                continue
            if isinstance(event, (DirCreatedEvent, DirDeletedEvent, DirMovedEvent)):
                self._w.note(path, True)  # a folder came or went: all of it, recursively
            elif not event.is_directory and (classify(os.path.basename(path))
                                             or _others_sidecar(path)):
                self._w.note(os.path.dirname(path), False)


def _others_sidecar(path: str) -> bool:
    """An XMP sidecar another program (or the user) changed: its folder is read again. The
    sidecars Shoebox writes itself wake nothing, so writing them never loops."""
    return sidecars.is_sidecar(os.path.basename(path)) and not sidecars.is_own_write(path)


def _hidden(path: str) -> bool:
    parts = path.split(os.sep)
    return skip_file(parts[-1]) or any(skip_folder(p) for p in parts[:-1] if p)
