"""Start the desktop app: `shoebox-desktop` (or `make run`).

    main()                          the entry point: QApplication, theme, window, event loop
    create_window(services)         the main window on given services (tests, screenshots)
"""

from __future__ import annotations

import gc
import logging
import os
import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from core.config import Paths, Settings, make_private
from core.errors import ShoeboxError
from core.logs import setup_logging
from core.organize import recover
from core.scan.roots import list_roots
from desktop import actions, qt_logging
from desktop.main_window import MainWindow
from desktop.services import Services, paint_on_gui_thread
from desktop.style import follow_system_theme, icon

log = logging.getLogger(__name__)


def recover_interrupted(services) -> None:
    """A reorganization cut short by a crash is finished or rolled back before anything else
    (core.organize.recover), in the background."""
    services.background.submit("recover", lambda _task: recover(services.catalog))


def create_window(services: Services, *, start_background: bool = True, welcome: bool = True):
    """The main window, with state restored and background work (recovery, scan, watch)
    queued. `welcome` shows the first-run dialog when no folder has been added yet."""
    win = MainWindow(services)
    gc.freeze()  # what exists now lives as long as the app: keep it out of every collection
    win.restore_state()
    win.library.reload()
    if start_background:
        recover_interrupted(services)
        # after the first screen: the heavy model imports would slow the first rows down
        QTimer.singleShot(1500, lambda: actions.warm_up_models(services))
        if list_roots(services.catalog):
            actions.start_scan(services)
            actions.start_watch(services)
    problem, services.settings.problem = services.settings.problem, ""  # told once
    if problem:  # settings.json could not be read: it was kept aside, and where is said here
        QTimer.singleShot(0, lambda: QMessageBox.warning(win, "Settings were reset", problem))
    if welcome and not services.qsettings.value("welcomed", False) and \
            not list_roots(services.catalog):
        QTimer.singleShot(300, lambda: win.open_welcome(first_run=True))
    return win


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv if argv is None else argv
    qt_logging.install()  # before Qt says anything: its messages (and FFmpeg's) go to the log
    paint_on_gui_thread()
    app = QApplication.instance() or QApplication(argv)
    app.setApplicationName("Shoebox")
    app.setOrganizationName("Shoebox")
    app.setDesktopFileName("io.github.shoebox.Shoebox")  # packaging/linux/*.desktop
    app.setWindowIcon(icon("shoebox"))
    follow_system_theme(app)
    paths = Paths.default()
    setup_logging(paths=paths)
    make_private(paths)
    try:
        services = Services(paths, Settings.load(paths))
    except ShoeboxError as e:
        QMessageBox.critical(None, "Shoebox cannot start", str(e))
        return 1
    win = create_window(services)
    win.show()
    quit_ms = os.environ.get("SHOEBOX_SMOKE_QUIT_MS")  # packaging/smoke_test.sh: start, then leave
    if quit_ms:
        QTimer.singleShot(int(quit_ms), app.quit)
    try:
        return app.exec()
    finally:
        services.close()


if __name__ == "__main__":
    sys.exit(main())
