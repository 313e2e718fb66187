"""Typed errors of the model layer, and the base of every Shoebox error.

The base lives here, in the lowest layer, because models/ never imports core/; core.errors
re-exports it, so `except ShoeboxError` in core catches model errors too."""

from __future__ import annotations


class ShoeboxError(Exception):
    """Base of every error Shoebox raises on purpose; str(e) is shown to the user as is."""


class ModelUnavailable(ShoeboxError):
    """A role has no usable model: weights missing, broken, or a library is absent.

    Features that need the role catch this and degrade (index without captions, CLIP-only tags).
    """

    def __init__(self, role: str, reason: str):
        super().__init__(f"the {role} model is unavailable: {reason}")
        self.role, self.reason = role, reason


class LLMOutputError(ShoeboxError):
    """The LLM did not produce output matching the schema after repair and bounded retries."""

    def __init__(self, message: str, raw: str = ""):
        super().__init__(message)
        self.raw = raw
