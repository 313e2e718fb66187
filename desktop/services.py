"""What every window and view shares: data paths, settings, the catalog, the model registry,
the background queue and the thumbnail loader. Built once by the app (or by a test)."""

from __future__ import annotations

import logging
import sys
from functools import cached_property

from PySide6.QtCore import QObject, QSettings, Signal

from core.config import Paths, Settings
from desktop.thumbs import ThumbnailLoader
from desktop.workers import Background, WatchBridge

log = logging.getLogger(__name__)

GIL_SWITCH_S = 0.001


class Services(QObject):
    settingsChanged = Signal()
    libraryChanged = Signal()  # the catalog changed in a way views should re-read
    modelsChecked = Signal(object)  # (ready, total, why not), after actions.warm_up_models

    def __init__(self, paths: Paths, settings: Settings | None = None, catalog=None,
                 registry=None, parent: QObject | None = None):
        super().__init__(parent)
        # Every Qt->Python call (data(), paint()) re-takes the GIL; with workers busy in Python
        # the default 5 ms hand-over makes each one wait. 1 ms keeps painting smooth.
        self._old_switch = sys.getswitchinterval()
        sys.setswitchinterval(GIL_SWITCH_S)
        self.paths = paths
        self.settings = settings if settings is not None else Settings.load(paths)
        if catalog is None:
            from core.catalog import Catalog

            catalog = Catalog.open(paths)
            self._own_catalog = True
        else:
            self._own_catalog = False
        self.catalog = catalog
        self._registry = registry
        self._own_registry = registry is None
        self.background = Background(self)
        self.watch = WatchBridge(self)
        self.thumbs = ThumbnailLoader(paths, parent=self)
        self.background.changed.connect(self.libraryChanged)
        self.models_warm = False
        self.models_summary: tuple[int, int, str] | None = None

    @property
    def registry(self):
        """The models registry, or None when the models package cannot be imported at all
        (the app still browses, scans and finds duplicates by hash)."""
        if self._registry is None:
            try:
                from models import Registry
            except ImportError as e:
                log.warning("models package unavailable: %s", e)
                return None
            self._registry = Registry(self.settings, self.paths)
        return self._registry

    @cached_property
    def qsettings(self) -> QSettings:
        """Window state lives INSIDE the data folder, never in the user's real Qt settings."""
        return QSettings(str(self.paths.home / "window.ini"), QSettings.IniFormat)

    def save_settings(self, settings: Settings) -> None:
        settings.save(self.paths)
        self.settings = settings
        if self._registry is not None and self._own_registry:
            self._registry.close()  # models per role may have changed: rebuild on next use
            self._registry = None
        self.settingsChanged.emit()
        from desktop import actions

        actions.warm_up_models(self)

    def close(self) -> None:
        self.watch.stop()
        self.background.shutdown()
        self.thumbs.clear_pending()
        self.thumbs.wait_done(5000)
        from desktop.workers import pool

        pool().waitForDone(5000)
        if self._registry is not None and self._own_registry:
            self._registry.close()
        if self._own_catalog:
            self.catalog.close()
        sys.setswitchinterval(self._old_switch)
