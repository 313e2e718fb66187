"""Desktop fixtures: a Services object on the test's own data folder, and a main window."""

from __future__ import annotations

import pytest

from core.config import Settings


def wait_until(qtbot, predicate, timeout_ms: int = 15000) -> None:
    qtbot.waitUntil(predicate, timeout=timeout_ms)


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
def window(services, qtbot):
    from desktop.app import create_window

    win = create_window(services, welcome=False)
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()
