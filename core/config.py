"""Where Shoebox keeps its data, and the user's settings.

Everything lives under one folder: the per-user data folder from platformdirs, or
$SHOEBOX_HOME when set (tests always set it). Settings are a small JSON file there,
written atomically so a crash never leaves half a file.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

log = logging.getLogger(__name__)

APP_NAME = "Shoebox"


def data_home() -> Path:
    """The data folder; created on first use."""
    env = os.environ.get("SHOEBOX_HOME")
    home = Path(env).expanduser() if env else Path(platformdirs.user_data_dir(APP_NAME, False))
    home.mkdir(parents=True, exist_ok=True)
    return home


@dataclass(frozen=True)
class Paths:
    home: Path

    @classmethod
    def default(cls) -> Paths:
        return cls(data_home())

    @property
    def catalog(self) -> Path:
        return self.home / "catalog.sqlite"

    @property
    def backups(self) -> Path:
        return self.home / "backups"

    @property
    def thumbnails(self) -> Path:
        return self.home / "thumbnails"

    @property
    def models(self) -> Path:
        return self.home / "models"

    @property
    def cache(self) -> Path:
        """Data derived from installed packages (rebuilt when missing), e.g. the places table."""
        return self.home / "cache"

    @property
    def logs(self) -> Path:
        return self.home / "logs"

    @property
    def settings(self) -> Path:
        return self.home / "settings.json"


@dataclass
class Settings:
    """User settings. Unknown keys in the file are kept (a newer Shoebox may have written them)."""

    # role -> hub id or local folder; empty means the built-in default for the role
    models: dict[str, str] = field(default_factory=dict)
    device: str = "auto"  # auto | cuda | mps | cpu
    gpu_budget_gb: float = 5.0
    model_idle_unload_s: float = 300.0
    workers: int = 2
    low_priority: bool = True
    relevance_floor: float = 0.0  # search: results scoring below are cut; 0 = search decides
    organize_mode: str = "move"  # move | copy | link
    organize_layout: str = "topic"  # event | topic | date (core.organize.layouts)
    # organize_layout is the user's choice (it beats the automatic one) only once this is set;
    # else make_plan picks a layout by the library's shape (core.organize.layouts.choose_layout)
    organize_layout_chosen: bool = False
    organize_date_template: str = "{year}/{month}"  # the date layout's folders
    max_top_level_folders: int = 12
    keyframe_interval_s: float = 2.0
    max_keyframes: int = 60
    watch: bool = True
    faces: bool = True  # find faces and group them into people (off: nothing new is found)
    # "Keep XMP sidecars up to date": every `shoebox index` writes what changed into IMG_1.jpg.xmp
    # beside each photo (core.xmp). Off by default: it writes into the user's folders.
    xmp_sidecars: bool = False
    xmp_machine_words: bool = False  # captions and machine tags go into sidecars too
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, paths: Paths | None = None) -> Settings:
        path = (paths or Paths.default()).settings
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError) as e:
            log.warning("settings file %s is unreadable (%s); using defaults", path, e)
            return cls()
        known = {f.name for f in dataclasses.fields(cls)} - {"extra"}
        kwargs = {k: v for k, v in raw.items() if k in known}
        extra = {k: v for k, v in raw.items() if k not in known}
        try:
            return cls(**kwargs, extra=extra)
        except TypeError as e:
            log.warning("settings file %s has bad values (%s); using defaults", path, e)
            return cls()

    def save(self, paths: Paths | None = None) -> None:
        path = (paths or Paths.default()).settings
        data = dataclasses.asdict(self)
        data.update(data.pop("extra"))
        atomic_write_text(path, json.dumps(data, indent=2, sort_keys=True))


def atomic_write_text(path: Path, text: str) -> None:
    """Write via a temporary file in the same folder, fsync, then rename over the target."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
