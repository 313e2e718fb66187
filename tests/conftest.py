"""Shared fixtures. Every test runs with its own SHOEBOX_HOME, offline, without a display."""

from __future__ import annotations

import os
import sys

# Set before anything imports Qt or Hugging Face libraries.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import pytest

from core.config import Paths


def pytest_collection_modifyitems(config, items):
    """Checks against real weights run only when a marker expression names them
    (`make test-real`: -m realweights). Any other -m, or none, leaves them out, so
    `-m "not slow"` is a quick loop without them (pytest keeps only the last -m given)."""
    if "realweights" in (config.getoption("markexpr") or ""):
        return
    drop = [i for i in items if i.get_closest_marker("realweights")]
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = [i for i in items if not i.get_closest_marker("realweights")]


_SKIPS: list[tuple[str, str]] = []   # (test id, reason) of every skipped test in this run


def pytest_runtest_logreport(report):
    if report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        _SKIPS.append((report.nodeid, reason.removeprefix("Skipped: ")))


def pytest_terminal_summary(terminalreporter):
    """Skips in one line, by kind (tests/skips.py); a skip of any other kind is listed."""
    from tests.skips import kind_of

    if not _SKIPS:
        return
    kinds: dict[str, int] = {}
    for _, reason in _SKIPS:
        kind = kind_of(reason) or "NOT ALLOWED"
        kinds[kind] = kinds.get(kind, 0) + 1
    terminalreporter.write_line(f"skipped {len(_SKIPS)}: "
                                + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())))
    for test, reason in _SKIPS:
        if kind_of(reason) is None:
            terminalreporter.write_line(f"  skip not allowed (tests/skips.py): {test}: {reason}")


def pytest_sessionfinish(session, exitstatus):
    """A run with a skip of a kind tests/skips.py does not allow fails; in CI (SHOEBOX_CI=1,
    .ci/run, which installs the system tools) a skip for a missing system tool fails too."""
    from tests.skips import kind_of

    bad = {None, "system tool"} if os.environ.get("SHOEBOX_CI") else {None}
    if exitstatus == 0 and any(kind_of(r) in bad for _, r in _SKIPS):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(autouse=True)
def shoebox_home(tmp_path_factory, monkeypatch):
    """A fresh data folder for each test; the user's real one is never touched."""
    home = tmp_path_factory.mktemp("shoebox-home")
    monkeypatch.setenv("SHOEBOX_HOME", str(home))
    monkeypatch.setenv("HF_HOME", str(home / "hf-cache"))
    return home


@pytest.fixture
def trash_home(tmp_path, monkeypatch):
    """send2trash uses the XDG trash: keep it inside the test's folder. It reads
    XDG_DATA_HOME once, at import: its module's copy is set too, or only the first test to
    import it would get its own trash (and one without the variable, the real one)."""
    xdg = tmp_path / "xdg"
    xdg.mkdir()
    monkeypatch.setenv("XDG_DATA_HOME", str(xdg))
    if sys.platform.startswith("linux"):
        from send2trash import plat_other

        monkeypatch.setattr(plat_other, "XDG_DATA_HOME", os.fsencode(xdg))
        monkeypatch.setattr(plat_other, "HOMETRASH_B", os.fsencode(xdg / "Trash"))
        monkeypatch.setattr(plat_other, "HOMETRASH", str(xdg / "Trash"))
    return xdg / "Trash"


@pytest.fixture
def paths(shoebox_home) -> Paths:
    return Paths(shoebox_home)


@pytest.fixture
def catalog(paths):
    from core.catalog import Catalog

    cat = Catalog.open(paths)
    yield cat
    cat.close()


# -- models (owned by the models team) -------------------------------------------------------

@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory) -> dict:
    """role -> folder of a tiny random-weight model, built once per test session (lazily per
    role: only the builders a session's tests touch are paid for)."""
    from models.testing import TinyModels

    return TinyModels(tmp_path_factory.mktemp("tiny-models"))


@pytest.fixture
def tiny_settings(tiny_models):
    from core.config import Settings

    return Settings(models={role: str(tiny_models[role]) for role in tiny_models.roles},
                    device="cpu", model_idle_unload_s=0)


@pytest.fixture
def registry(tiny_settings, paths):
    from models import Registry

    reg = Registry(tiny_settings, paths)
    yield reg
    reg.close()
