"""Typed errors. Each one carries a message meant for the user: what failed and what to do."""

from __future__ import annotations

from models.errors import ShoeboxError  # the base sits in the lowest layer (models/)

__all__ = ["Cancelled", "CatalogError", "CatalogTooNewError", "LibraryError", "ShoeboxError"]


class CatalogError(ShoeboxError):
    pass


class CatalogTooNewError(CatalogError):
    def __init__(self, found: int, supported: int, path: str):
        super().__init__(
            f"The catalog at {path} has schema version {found}, but this Shoebox understands "
            f"up to version {supported}. It was written by a newer Shoebox: update Shoebox, "
            f"or point SHOEBOX_HOME at another folder. The catalog was not changed."
        )
        self.found, self.supported = found, supported


class LibraryError(ShoeboxError):
    """A library root is missing, unreadable, overlaps another, and similar."""


class Cancelled(ShoeboxError):
    """A long task stopped because the user asked it to."""

    def __init__(self, message: str = "cancelled by the user"):
        super().__init__(message)
