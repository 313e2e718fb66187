"""Shared fixtures. Every test runs with its own SHOEBOX_HOME, offline, without a display."""

from __future__ import annotations

import os

# Set before anything imports Qt or Hugging Face libraries.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import pytest  # noqa: E402

from core.config import Paths  # noqa: E402


@pytest.fixture(autouse=True)
def shoebox_home(tmp_path_factory, monkeypatch):
    """A fresh data folder for each test; the user's real one is never touched."""
    home = tmp_path_factory.mktemp("shoebox-home")
    monkeypatch.setenv("SHOEBOX_HOME", str(home))
    monkeypatch.setenv("HF_HOME", str(home / "hf-cache"))
    return home


@pytest.fixture
def paths(shoebox_home) -> Paths:
    return Paths(shoebox_home)


@pytest.fixture
def catalog(paths):
    from core.catalog import Catalog

    cat = Catalog.open(paths)
    yield cat
    cat.close()
