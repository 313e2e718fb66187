"""Model wrappers behind one contract, and the registry that loads, places and unloads them.

Importing this package is cheap: torch and transformers are imported inside load paths only.
"""

import os

# ONNX Runtime's wheels (1.2x) send usage telemetry from Linux and macOS as well, and keep a
# device id and an event queue in ~/.cache/Microsoft: off, before anything imports it (OCR,
# Whisper's voice detector, the ONNX query paths). A user's own setting of it is kept.
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

from models.errors import LLMOutputError, ModelUnavailable
from models.registry import Registry
from models.role import Role, register, role_names

__all__ = ["LLMOutputError", "ModelUnavailable", "Registry", "Role", "register", "role_names"]
