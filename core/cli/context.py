"""What every CLI command gets: data paths, settings and a lazily opened catalog."""

from __future__ import annotations

import os
import sys
from functools import cached_property

from core.config import Paths, Settings


def file_arg(text: str) -> int | str:
    """A file named on the command line: its catalog id when the text is all digits and no
    such path exists here, else the path (core.search.engine.resolve_file takes either)."""
    return int(text) if text.isdigit() and not os.path.exists(text) else text


class Context:
    def __init__(self, paths: Paths | None = None):
        self.paths = paths or Paths.default()

    @cached_property
    def settings(self) -> Settings:
        settings = Settings.load(self.paths)
        if settings.problem:  # a settings.json that could not be read was kept aside: say so
            print(f"shoebox: {settings.problem}", file=sys.stderr)
        return settings

    @cached_property
    def catalog(self):
        from core.catalog import Catalog  # opening migrates; only commands that need it pay

        return Catalog.open(self.paths)

    @cached_property
    def registry(self):
        from models import Registry  # loads nothing yet: models load on first use

        return Registry(self.settings, self.paths)

    def close(self) -> None:
        if "registry" in self.__dict__:
            self.registry.close()
        if "catalog" in self.__dict__:
            self.catalog.close()
