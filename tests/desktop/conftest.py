"""Desktop fixtures: a Services object on the test's own data folder, and a main window."""

from __future__ import annotations

import pytest

from core.config import Settings


def wait_until(qtbot, predicate, timeout_ms: int = 15000) -> None:
    qtbot.waitUntil(predicate, timeout=timeout_ms)


def thumbnails_asked(services) -> list[int]:
    """The file ids services.thumbs is asked for from now on, in order (it still answers)."""
    asked: list[int] = []
    real = services.thumbs.get
    services.thumbs.get = lambda req: (asked.append(req.file_id), real(req))[1]
    return asked


def shown_page(qtbot, page, width: int = 900, height: int = 600):
    """A page as a person sees it: sized, on screen, closed with the test."""
    qtbot.addWidget(page)
    page.resize(width, height)
    page.show()
    return page


@pytest.fixture
def make_services(paths, qapp):
    from desktop.services import Services

    made = []

    def make(settings: Settings | None = None, registry=None):
        s = Services(paths, settings or Settings(), registry=registry)
        made.append(s)
        return s

    yield make
    for s in made:
        s.close()


@pytest.fixture
def services(make_services):
    return make_services()


@pytest.fixture
def make_window(make_services, qtbot, request):
    """Main windows, shown, without the welcome and (unless asked) without background work;
    on `services` unless given others. Closed at the end, before their services."""
    from desktop.app import create_window

    made = []

    def make(services=None, *, start_background: bool = False, welcome: bool = False,
             size: tuple[int, int] | None = None, show: bool = True):
        w = create_window(services or request.getfixturevalue("services"),
                          start_background=start_background, welcome=welcome)
        qtbot.addWidget(w)
        if size:
            w.resize(*size)
        if show:
            w.show()
        made.append(w)
        return w

    yield make
    for w in made:
        if w.isVisible():
            w.close()


@pytest.fixture
def win(make_window):
    """The main window, idle: no background scan or watch, so a test drives every step."""
    return make_window()


@pytest.fixture
def window(make_window):
    """The main window as the app opens it, background work (recovery, scan, watch) included."""
    return make_window(start_background=True)


@pytest.fixture(autouse=True)
def no_unanswered_modal(monkeypatch):
    """A modal dialog a test did not answer would wait forever for a click offscreen: it
    fails the test at once instead (a test that expects one patches exec or the asker)."""
    from PySide6.QtWidgets import QDialog, QMessageBox

    def refuse(box, *a, **k):
        raise AssertionError(f"a modal dialog opened that the test did not answer: "
                             f"{box.windowTitle()!r}")
    monkeypatch.setattr(QMessageBox, "exec", refuse)
    monkeypatch.setattr(QDialog, "exec", refuse)
