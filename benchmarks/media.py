"""The real photos the benchmarks start from.

By default the sample library the repository carries (resources/sample/library: a dozen
public-domain and CC0 photos, `shoebox sample`), so every benchmark runs on a fresh clone.
Set SHOEBOX_BENCH_MEDIA to a folder of your own real photos (its JPEGs, in any subfolder) for
figures on more and larger pictures; docs/BENCHMARKS.md says which figures were measured that way.
"""

from __future__ import annotations

import os
from pathlib import Path

from core.sample import sample_dir

ENV = "SHOEBOX_BENCH_MEDIA"
REPO = Path(__file__).resolve().parents[1]
FACES = REPO / "tests" / "data" / "faces"   # labelled face photos (public domain)


def media_folder() -> Path:
    folder = os.environ.get(ENV)
    if not folder:
        return sample_dir()
    path = Path(folder).expanduser()
    if not path.is_dir():
        raise SystemExit(f"{ENV}={folder}: no such folder")
    return path


def photos(folder: Path | None = None) -> list[Path]:
    """The JPEGs under `folder` (default: media_folder()), sorted; never empty."""
    folder = folder or media_folder()
    found = sorted(p for p in folder.rglob("*") if p.suffix.lower() in (".jpg", ".jpeg"))
    if not found:
        raise SystemExit(f"no JPEG photos under {folder}")
    return found


def debian_package(name: str, dest: Path) -> Path:
    """Fetch a Debian package's files (`apt-get download` + `dpkg -x`: no root, nothing
    installed) into dest; returns the folder they were unpacked into (its root is `/`)."""
    import subprocess

    dest.mkdir(parents=True, exist_ok=True)
    subprocess.run(["apt-get", "download", name], cwd=dest, check=True, capture_output=True)
    deb = next(dest.glob(f"{name}_*.deb"))
    subprocess.run(["dpkg", "-x", str(deb), str(dest / "x")], check=True)
    return dest / "x"
