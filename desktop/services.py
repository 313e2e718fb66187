"""What every window and view shares: data paths, settings, the catalog, the model registry,
the background queue and the thumbnail loader. Built once by the app (or by a test)."""

from __future__ import annotations

import logging
import os
import sys
from functools import cached_property

from PySide6.QtCore import QObject, QSettings, QTimer, Signal

from core.catalog import Catalog
from core.config import Paths, Settings
from desktop import actions, workers
from desktop.thumbs import ThumbnailLoader
from desktop.workers import Background, WatchBridge, describe, long_pool, pool
from models import Registry
from models.datafiles import make_dir, tighten, touch_private

log = logging.getLogger(__name__)

GIL_SWITCH_S = 0.001


def paint_on_gui_thread() -> None:
    """Qt's raster painter splits a fill of more than ~100 lines (the grid's background, a
    Fusion scrollbar) over its GUI thread pool and waits on a latch for the pool's threads. On
    a busy machine those threads wait for a core, and the GUI thread with them: a quarter of
    its samples while paging at 1M (docs/BENCHMARKS.md, "Paging stalls"). Painted here, a
    fill costs the GUI thread well under a millisecond. Qt reads this once, at its first
    pooled fill: it must be set before anything is painted (a user's own setting stays)."""
    os.environ.setdefault("QT_NO_GUI_THREADPOOL", "1")


def keep_qt_state_inside(paths: Paths) -> None:
    """Qt's own user settings (the file dialog's last folder and size: QtProject.conf) go in
    the data folder, not ~/.config. On Windows Qt keeps them in the user's registry hive."""
    for fmt in (QSettings.NativeFormat, QSettings.IniFormat):
        QSettings.setPath(fmt, QSettings.UserScope, str(paths.home / "qt"))


class Services(QObject):
    settingsChanged = Signal()
    libraryChanged = Signal()  # the catalog changed in a way views should re-read
    modelsChecked = Signal(object)  # (ready, total, why not), after actions.warm_up_models
    errorReported = Signal(str, str)  # (what failed, why): a background call the user must know of

    def __init__(self, paths: Paths, settings: Settings | None = None, catalog=None,
                 registry=None, parent: QObject | None = None):
        super().__init__(parent)
        # Every Qt->Python call (data(), paint()) re-takes the GIL; with workers busy in Python
        # the default 5 ms hand-over makes each one wait. 1 ms keeps painting smooth.
        self._old_switch = sys.getswitchinterval()
        sys.setswitchinterval(GIL_SWITCH_S)
        paint_on_gui_thread()
        self.closed = False
        self.paths = paths
        keep_qt_state_inside(paths)
        self.settings = settings if settings is not None else Settings.load(paths)
        if catalog is None:
            catalog = Catalog.open(paths)
            self._own_catalog = True
        else:
            self._own_catalog = False
        self.catalog = catalog
        self._registry = registry
        self._own_registry = registry is None
        # registries replaced by a settings change, each closed once the work that may hold
        # it has finished: (registry, the background task running then, calls in flight then)
        self._retired: list[tuple[Registry, object, frozenset[int]]] = []
        self._retire_timer = QTimer(self)
        self._retire_timer.setInterval(500)
        self._retire_timer.timeout.connect(self._close_retired)
        self.background = Background(self)
        self.watch = WatchBridge(self)
        self.thumbs = ThumbnailLoader(paths, parent=self)
        self.background.changed.connect(self.libraryChanged)
        self.models_warm = False
        self.models_summary: tuple[int, int, str] | None = None

    @property
    def registry(self) -> Registry:
        """The models registry for the current settings (made on first use)."""
        if self._registry is None:
            self._registry = Registry(self.settings, self.paths)
        return self._registry

    def report_error(self, what: str, e: BaseException) -> None:
        """A background call failed where no view waits for it: the status area shows it.
        After close, a call that was still on its way fails on the closed catalog: expected."""
        if self.closed:
            log.debug("%s failed after close: %s", what, describe(e))
            return
        log.warning("%s failed: %s", what, describe(e))
        self.errorReported.emit(what, describe(e))

    @cached_property
    def qsettings(self) -> QSettings:
        """Window state lives INSIDE the data folder, never in the user's real Qt settings.
        The file is made 0600 first: Qt's atomic save keeps the mode of the file it replaces."""
        path = make_dir(self.paths.home) / "window.ini"
        touch_private(path)
        tighten(path)
        return QSettings(str(path), QSettings.IniFormat)

    def save_settings(self, settings: Settings) -> None:
        """Save and apply. Models per role may have changed, so the next user gets a new
        registry; the old one is closed only when the work that may still hold it (the
        running task, calls in flight) has finished — never under a running index."""
        settings.save(self.paths)
        self.settings = settings
        if self._registry is not None and self._own_registry:
            self._retired.append((self._registry, self.background.current_runner,
                                  workers.calls_in_flight()))
            self._registry = None
            self._close_retired()
        self.settingsChanged.emit()
        actions.warm_up_models(self)

    def _close_retired(self) -> None:
        keep = []
        in_flight = workers.calls_in_flight()
        for old, runner, calls in self._retired:
            if (runner is not None and runner is self.background.current_runner) \
                    or calls & in_flight:
                keep.append((old, runner, calls))   # still possibly in use
            else:
                old.close()
        self._retired = keep
        if keep:
            self._retire_timer.start()
        else:
            self._retire_timer.stop()

    @property
    def retired_registries(self) -> int:
        """Registries waiting for their last users to finish (tests, diagnostics)."""
        return len(self._retired)

    def close(self) -> None:
        self.closed = True
        self.watch.stop()
        self.background.shutdown()
        self.thumbs.clear_pending()
        self.thumbs.wait_done(5000)
        pool().waitForDone(5000)
        long_pool().waitForDone(5000)
        self._retire_timer.stop()
        for old, _runner, _calls in self._retired:
            old.close()  # the background and the pool have stopped above
        self._retired.clear()
        if self._registry is not None and self._own_registry:
            self._registry.close()
        if self._own_catalog:
            self.catalog.close()
        sys.setswitchinterval(self._old_switch)
