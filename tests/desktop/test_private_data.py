"""The desktop's share of a private data folder: its window state file is 0600, and a
settings.json it could not read is reported once, with where the copy was kept."""

from __future__ import annotations

import os
import stat

import pytest
from PySide6.QtWidgets import QMessageBox

from core.config import Settings


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_window_state_file_is_private(services, paths):
    old = os.umask(0o022)
    try:
        services.qsettings.setValue("geometry", b"x")
        services.qsettings.sync()
    finally:
        os.umask(old)
    assert stat.S_IMODE((paths.home / "window.ini").stat().st_mode) == 0o600


def test_the_app_says_once_that_settings_were_unreadable_and_where_they_are(
        paths, make_services, make_window, qtbot, monkeypatch):
    paths.settings.write_text('{"workers": 3,,}')
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: shown.append(a[1:3]))
    services = make_services(Settings.load(paths))
    make_window(services)
    qtbot.waitUntil(lambda: bool(shown), timeout=5000)
    [kept] = paths.home.glob("settings.json.broken-*")
    [(title, text)] = shown
    assert "reset" in title.lower() and str(kept) in text and "could not be read" in text
    qtbot.wait(50)
    make_window(services)  # another window of the same run: already told
    qtbot.wait(50)
    assert len(shown) == 1


def test_the_settings_dialog_says_when_it_cannot_save(services, win, paths, qtbot, monkeypatch):
    from desktop.views.settings_dialog import SettingsDialog

    paths.settings.write_text("{ broken")

    def cannot(path):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("core.config.keep_aside", cannot)
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: shown.append(a[2]))
    dlg = SettingsDialog(services, win)
    qtbot.addWidget(dlg)
    dlg.save()
    assert shown and "settings not saved" in shown[0]
    assert paths.settings.read_text() == "{ broken"
