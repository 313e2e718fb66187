"""Typed model errors; str(e) is shown to the user as is."""

from __future__ import annotations

from core.errors import ShoeboxError


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
