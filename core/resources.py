"""Where the files in `resources/` (labels, prompts, icons, styles) are, from a source checkout
or from a PyInstaller bundle (which puts them under sys._MEIPASS). The one way to find them."""

from __future__ import annotations

import sys
from pathlib import Path


def resources_dir() -> Path:
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource_path(*parts: str) -> Path:
    """Path of a file in resources/; raises FileNotFoundError naming it when it is absent."""
    path = resources_dir().joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"Shoebox resource missing: {path} (a broken install? reinstall Shoebox)")
    return path
