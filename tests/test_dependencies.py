"""Every default dependency is installed: a missing one fails here, by name, instead of
making the tests that need it skip (tests/skips.py says what may skip)."""

from __future__ import annotations

import importlib.metadata as md
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _names(requirements: list[str]) -> list[str]:
    return [re.split(r"[\s<>=!~;\[]", r, maxsplit=1)[0] for r in requirements]


def test_every_default_and_dev_dependency_is_installed():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = _names(project["dependencies"]) + _names(project["optional-dependencies"]["dev"])
    missing = []
    for name in wanted:
        try:
            md.distribution(name)
        except md.PackageNotFoundError:
            missing.append(name)
    assert missing == [], f"not installed: {missing}; run `make install` (pip install -e '.[dev]')"
