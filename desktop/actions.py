"""User actions that start core work, in one place: add folders, import a Takeout, scan, watch,
index, prioritise, trash. Everything here queues work on the background (never on the GUI thread); a failure
reaches the user through the status area (Services.report_error) or a dialog."""

from __future__ import annotations

import gc
import logging
import os
from collections.abc import Callable

from PySide6.QtWidgets import QMessageBox, QWidget

from core.collections import assign_new
from core.cull.store import restack
from core.errors import ShoeboxError
from core.pipeline import index_library
from core.pipeline.jobs import prioritize as bump_priority
from core.scan.roots import add_root, list_roots, remove_root
from core.tasks import TaskState
from desktop.workers import describe, run_async, run_long

log = logging.getLogger(__name__)

# LATER: the scanner (pillow-heif, pyexiv2, rawpy), the Takeout importer and the search engine
# are imported when first used, after the window is up: at module top they add ~0.3 s to the
# time before the first window (measured with `-X importtime` over desktop.app + main_window,
# 2 loaded cores: scanner +99-143 ms, takeout +57-123 ms, search engine +177-216 ms).


def add_folders(services, folders: list[str],
                on_errors: Callable[[list[str]], None] | None = None) -> None:
    """Add library roots (a write: done in the background), then scan and index them.
    `on_errors` gets the user-facing reasons for folders that could not be added."""
    def work(task: TaskState) -> list[str]:
        errors = []
        task.start(len(folders), "adding folders")
        for f in folders:
            try:
                add_root(services.catalog, f, services.paths.home)
            except ShoeboxError as e:
                errors.append(str(e))
            task.advance()
        return errors

    def done(errors: list[str]) -> None:
        if errors and on_errors is not None:
            on_errors(errors)
        start_watch(services)

    services.background.submit("adding folders", work, done, dedupe=False)
    start_scan(services)


def remove_folders(services, folders: list[str],
                   on_done: Callable[[int], None] | None = None) -> None:
    """Library roots leave the library (their files leave the catalog; the disk is not
    touched), in the background; `on_done` gets how many files left."""
    def work(task: TaskState) -> int:
        task.start(len(folders), "removing folders")
        n = 0
        for f in folders:
            n += remove_root(services.catalog, f)
            task.advance()
        return n

    def done(n: int) -> None:
        services.libraryChanged.emit()
        if on_done is not None:
            on_done(n)

    services.background.submit("removing folders", work, done, dedupe=False)


def import_takeout(services, paths: list[str], into: str,
                   on_done: Callable[[object], None] | None = None, *,
                   write_metadata: bool = False) -> None:
    """Import a Google Takeout (zips or folders) into `into` in the background, with
    progress; then watch and index. `on_done` gets the summary (core.importers.takeout).
    `write_metadata`: the JSON's date and GPS also go into the copies' own EXIF."""
    from core.importers.takeout import import_takeout as run_import  # LATER: see the top

    def work(task: TaskState):
        return run_import(services.catalog, paths, into, task, data_home=services.paths.home,
                          write_metadata=write_metadata)

    def done(summary) -> None:
        if on_done is not None:
            on_done(summary)
        start_watch(services)
        start_index(services)

    services.background.submit("importing from Google Photos", work, done, dedupe=False)


def start_scan(services, folders: list[tuple[str, bool]] | None = None,
               then: Callable[[], None] | None = None) -> None:
    """Scan (all roots, or the folders the watcher reported), then index what changed;
    `then` runs (on the GUI thread) once the catalog has caught up."""
    from core.scan.scanner import scan  # LATER: see the top

    def work(task: TaskState):
        return scan(services.catalog, task, folders=folders, skip=[services.paths.home])

    def done(_report) -> None:
        if then is not None:
            then()
        start_index(services)

    name = "scan" if folders is None else "rescan"
    services.background.submit(name, work, done, dedupe=folders is None and then is None)


HEAVY_MODULES = ("torch", "transformers", "ctranslate2")


def models_summary(registry) -> tuple[int, int, str]:
    """(ready, total, why not) from Registry.status() (loads no weights)."""
    status = registry.status()
    ready = sum(1 for s in status.values() if s.get("state") in ("ready", "loaded"))
    reasons = [f"{r}: {s.get('reason')}" for r, s in status.items() if s.get("reason")]
    return ready, len(status), "; ".join(reasons[:4])


def warm_up_models(services) -> None:
    """Import the model libraries and read the models' states, as a background task of its own.

    Importing torch holds Python's GIL for long stretches (measured: stalls of ~0.5 s on the
    GUI thread), so it happens once, early, as its own step — never in the middle of indexing
    or of a search the user is waiting for. Indexing is queued behind it."""
    import importlib

    def work(task: TaskState):
        task.status("preparing models")
        for name in HEAVY_MODULES:
            try:
                importlib.import_module(name)
            except ImportError as e:
                log.info("%s is not installed: %s", name, e)
        summary = models_summary(services.registry)
        # The libraries' hundreds of thousands of long-lived objects leave the garbage
        # collector's view: a full collection (the models' unload calls one) otherwise walks
        # them all while holding the GIL, and the GUI freezes ~0.4 s.
        gc.freeze()
        return summary

    def done(summary) -> None:
        services.models_warm = True
        services.models_summary = summary
        services.modelsChecked.emit(summary)
        warm_search(services)

    services.background.submit("preparing models", work, done)


def warm_search(services) -> None:
    """Make the first search as quick as the next ones: the library's vectors into memory
    (~2 s at 100k) and the query encoders' ONNX path (exported once per model and cached, which
    takes seconds; a query under torch costs ~3x the CPU). Only for the kinds of vectors the
    library already has (core.search.warm). Read-only, so it runs beside indexing; a long call,
    so it never holds up the short ones, and a call in flight: a registry it uses is not
    closed under it (settings saved meanwhile) and closing the app waits for it."""
    from core.search import warm  # LATER: see the top

    # a warm-up that fails leaves search as it was
    run_long(warm, services.catalog, services.registry,
             on_error=lambda e: log.info("search warm-up: %s", describe(e)))


def start_index(services) -> None:
    """Queue indexing (thumbnails, captions, vectors, transcripts); stages whose model is
    missing are skipped and the status area says so."""

    def work(task: TaskState):
        return index_library(services.catalog, services.registry, services.settings,
                             services.paths, task)

    def done(report) -> None:
        # newcomers join existing collections (seconds at scale: a long call)
        if getattr(report, "done", 0):
            run_long(assign_new, services.catalog, services.registry,
                     on_error=lambda e: services.report_error("adding new files to collections",
                                                              e))
            # and look-alike shots stack (new vectors and faces may join or split stacks;
            # only photos with a neighbour in time are measured, each content once)
            run_long(restack, services.catalog, on_done=lambda _r: services.libraryChanged.emit(),
                     on_error=lambda e: services.report_error("stacking look-alike shots", e))

    if not services.models_warm:
        warm_up_models(services)  # queued ahead of the indexing (dedupes if already queued)
    services.background.submit("index", work, done)


def start_watch(services) -> list[str]:
    """Watch every library root while the app is open (when the settings allow)."""
    if not services.settings.watch:
        services.watch.stop()
        return []
    if not getattr(services, "_watch_wired", False):
        services.watch.changes.connect(lambda scopes: start_scan(services, scopes))
        services._watch_wired = True
    roots = [r.path for r in list_roots(services.catalog) if os.path.isdir(r.path)]
    return services.watch.start(roots, ignore=[services.paths.home])


def prioritize(services, file_ids: list[int]) -> None:
    """What is on screen gets indexed first (a small write, on a worker)."""
    run_async(bump_priority, services.catalog, file_ids,
              on_error=lambda e: services.report_error("indexing what is on screen first", e))


def trash_files(paths: list[str]) -> tuple[list[str], list[str]]:
    """Send files to the system trash (never a permanent delete). Returns (done, errors)."""
    from send2trash import send2trash
    from send2trash.exceptions import TrashPermissionError

    done, errors = [], []
    for p in paths:
        try:
            send2trash(p)
            done.append(p)
        except (OSError, TrashPermissionError) as e:
            errors.append(f"{p}: {e}")
    return done, errors


def confirm_and_trash(parent: QWidget, services, paths: list[str],
                      after: Callable[[list[str]], None] | None = None) -> None:
    """Ask, then trash in a worker, then rescan the folders involved. There is no way to
    trash without asking: every caller, a button or a key, goes through the question."""
    if not paths:
        return
    names = "\n".join(os.path.basename(p) for p in paths[:8])
    more = f"\n… and {len(paths) - 8} more" if len(paths) > 8 else ""
    answer = QMessageBox.question(
        parent, "Move to trash",
        f"Move {len(paths)} file{'s' * (len(paths) != 1)} to the system trash?\n\n"
        f"{names}{more}\n\nYou can restore them from the trash.",
        QMessageBox.Yes | QMessageBox.Cancel, QMessageBox.Cancel)
    if answer != QMessageBox.Yes:
        return

    def done(result) -> None:
        moved, errors = result
        if errors:
            QMessageBox.warning(parent, "Some files were not moved to the trash",
                                "\n".join(errors[:20]))
        folders = sorted({os.path.dirname(p) for p in moved})
        if folders:  # the catalog learns they are gone; then the view refreshes
            start_scan(services, [(f, False) for f in folders],
                       then=(lambda: after(moved)) if after is not None else None)
        elif after is not None:
            after(moved)

    run_long(trash_files, list(paths), on_done=done,  # many files: seconds
             on_error=lambda e: QMessageBox.warning(parent, "Trash failed", describe(e)))
