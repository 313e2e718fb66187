"""Where Shoebox keeps its data, and the user's settings.

Everything lives under one folder: the per-user data folder from platformdirs, or
$SHOEBOX_HOME when set (tests always set it). It is the user's alone (models.datafiles: 0700
folders, 0600 files). Settings are a small JSON file there, written atomically so a crash never
leaves half a file; one Shoebox cannot read is kept aside, never written over.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from core.errors import ShoeboxError
from models.datafiles import atomic_write, is_private, make_dir, tighten, tighten_tree

log = logging.getLogger(__name__)

APP_NAME = "Shoebox"


def data_home() -> Path:
    """The data folder; created (0700) on first use."""
    env = os.environ.get("SHOEBOX_HOME")
    home = Path(env).expanduser() if env else Path(platformdirs.user_data_dir(APP_NAME, False))
    if not home.is_dir():
        home.parent.mkdir(parents=True, exist_ok=True)  # ~/.local/share and the like: not ours
        make_dir(home)
    return home


def make_private(paths: Paths) -> int:
    """At start: a data folder made before folders were 0700 and files 0600 (or loosened by
    hand) is tightened whole, once (the folder's own mode says whether that is done); how
    many paths changed."""
    home = paths.home
    if not home.is_dir() or is_private(home):
        return 0
    n = tighten_tree(home)
    log.info("data folder %s: made readable by this user only (%d files and folders "
             "tightened to 0700/0600)", home, n)
    return n


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
    # not a setting (never saved): what was wrong with settings.json when it was read, and
    # where the file was kept; the app and the CLI tell the user
    problem: str = field(default="", compare=False, repr=False)

    @classmethod
    def load(cls, paths: Paths | None = None) -> Settings:
        """The saved settings; defaults when there are none. A file that cannot be used is
        moved aside (settings.json.broken-<time>) and `problem` says why and where."""
        path = (paths or Paths.default()).settings
        try:
            return cls._read(path)
        except FileNotFoundError:
            return cls()
        except UnreadableSettings as e:
            try:
                kept = keep_aside(path)
            except OSError as err:
                problem = (f"{path} could not be read ({e}) nor kept aside ({err}). Shoebox "
                           f"uses default settings and will not save over that file: fix or "
                           f"remove it.")
            else:
                problem = (f"{path.name} could not be read ({e}). Shoebox started with default "
                           f"settings; the file was kept as {kept}.")
            log.info("%s", problem)  # the app and the CLI show it to the user
            return cls(problem=problem)

    @classmethod
    def _read(cls, path: Path) -> Settings:
        """Raises FileNotFoundError, or UnreadableSettings saying what is wrong."""
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise
        except OSError as e:
            raise UnreadableSettings(e.strerror or str(e)) from e
        except ValueError as e:  # not UTF-8, not JSON
            raise UnreadableSettings(f"not valid JSON: {e}") from e
        if not isinstance(raw, dict):
            raise UnreadableSettings(f"JSON but not an object ({type(raw).__name__})")
        known = {f.name for f in dataclasses.fields(cls)} - {"extra", "problem"}
        kwargs = {k: v for k, v in raw.items() if k in known}
        extra = {k: v for k, v in raw.items() if k not in known}
        try:
            return cls(**kwargs, extra=extra)
        except TypeError as e:
            raise UnreadableSettings(f"bad values: {e}") from e

    def save(self, paths: Paths | None = None) -> None:
        """Write the settings (atomically, 0600). A settings.json there that cannot be read
        is first kept aside as load() keeps it; if it cannot be, nothing is written."""
        path = (paths or Paths.default()).settings
        try:
            self._read(path)
        except FileNotFoundError:
            pass
        except UnreadableSettings as e:
            try:
                kept = keep_aside(path)
            except OSError as err:
                raise ShoeboxError(
                    f"settings not saved: {path} cannot be read ({e}) and could not be kept "
                    f"aside ({err}); fix or remove that file and save again") from err
            log.warning("%s could not be read (%s); kept as %s before saving", path.name, e, kept)
        data = dataclasses.asdict(self)
        del data["problem"]
        data.update(data.pop("extra"))
        atomic_write(path, json.dumps(data, indent=2, sort_keys=True))


class UnreadableSettings(ValueError):
    """settings.json is there but cannot be used; str() says why."""


def keep_aside(path: Path) -> Path:
    """Rename a file Shoebox cannot read to <name>.broken-<time> beside it (never over
    another copy) and return the new path. Raises OSError when it cannot."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for n in range(1, 1000):
        kept = path.with_name(f"{path.name}.broken-{stamp}" + (f"-{n}" if n > 1 else ""))
        if kept.exists() or kept.is_symlink():
            continue
        os.rename(path, kept)  # no replace: a copy kept earlier this second stays
        tighten(kept)
        return kept
    raise FileExistsError(f"too many copies of {path.name} kept aside this second")
