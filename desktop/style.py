"""Icons from resources/icons (SVG, crisp at any DPI), the style sheet, and light/dark themes
that follow the system colour scheme."""

from __future__ import annotations

import logging
from functools import cache

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette
from PySide6.QtWidgets import QApplication

from core.resources import resources_dir

log = logging.getLogger(__name__)


@cache
def icon(name: str) -> QIcon:
    path = resources_dir() / "icons" / f"{name}.svg"
    if not path.exists():
        log.warning("icon %s is missing from %s", name, path.parent)
        return QIcon()
    return QIcon(str(path))


def style_sheet() -> str:
    path = resources_dir() / "styles" / "shoebox.qss"
    try:
        return path.read_text(encoding="utf-8")
    except OSError as e:
        log.warning("style sheet unreadable (%s); using the plain style", e)
        return ""


def is_dark() -> bool:
    hints = QGuiApplication.styleHints()
    return hints.colorScheme() == Qt.ColorScheme.Dark


def dark_palette() -> QPalette:
    p = QPalette()
    window, base, text = QColor(37, 39, 43), QColor(28, 30, 33), QColor(226, 228, 232)
    p.setColor(QPalette.Window, window)
    p.setColor(QPalette.WindowText, text)
    p.setColor(QPalette.Base, base)
    p.setColor(QPalette.AlternateBase, QColor(45, 48, 53))
    p.setColor(QPalette.ToolTipBase, QColor(50, 53, 58))
    p.setColor(QPalette.ToolTipText, text)
    p.setColor(QPalette.Text, text)
    p.setColor(QPalette.Button, QColor(48, 51, 56))
    p.setColor(QPalette.ButtonText, text)
    p.setColor(QPalette.BrightText, QColor(255, 90, 90))
    p.setColor(QPalette.Mid, QColor(70, 74, 80))
    p.setColor(QPalette.Highlight, QColor(64, 128, 220))
    p.setColor(QPalette.HighlightedText, QColor(255, 255, 255))
    p.setColor(QPalette.PlaceholderText, QColor(140, 145, 152))
    p.setColor(QPalette.Link, QColor(110, 170, 255))
    for role in (QPalette.Text, QPalette.WindowText, QPalette.ButtonText):
        p.setColor(QPalette.Disabled, role, QColor(120, 124, 130))
    return p


def apply_theme(app: QApplication, dark: bool | None = None) -> None:
    """Fusion with the system's light or dark scheme; re-applied when the system changes."""
    app.setStyle("Fusion")
    dark = is_dark() if dark is None else dark
    app.setPalette(dark_palette() if dark else app.style().standardPalette())
    app.setStyleSheet(style_sheet())


def follow_system_theme(app: QApplication) -> None:
    apply_theme(app)
    QGuiApplication.styleHints().colorSchemeChanged.connect(lambda _s: apply_theme(app))
