"""Typed errors for media that cannot be decoded."""

from __future__ import annotations

from core.errors import ShoeboxError


class MediaError(ShoeboxError):
    """A file exists and is readable but is not a decodable image (truncated, corrupt, unknown)."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"cannot decode {path}: {reason}")
        self.path, self.reason = path, reason
