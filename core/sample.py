"""The sample library: a dozen freely licensed photos, a video, near and exact duplicates and
a screenshot (resources/sample/library; sources and licences in resources/sample/SOURCES.md),
for trying Shoebox without one's own photos:

    write_sample(folder)

copies them into `folder`, which must be new or empty: the sample is a library to reorganize,
and a reorganization moves files, so it never mixes with anything already there.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from core.errors import LibraryError
from core.resources import resource_path


def sample_dir() -> Path:
    return resource_path("sample", "library")


def write_sample(folder: str | Path) -> list[Path]:
    """Copy the sample library into `folder` (created if absent); returns the files written."""
    target = Path(folder).expanduser()
    if target.exists() and not target.is_dir():
        raise LibraryError(f"{target} is a file; give a new or empty folder for the sample")
    if target.is_dir() and any(target.iterdir()):
        raise LibraryError(f"{target} is not empty; give a new or empty folder for the sample "
                           "(nothing was written)")
    shutil.copytree(sample_dir(), target, dirs_exist_ok=True)
    return sorted(p for p in target.rglob("*") if p.is_file())
