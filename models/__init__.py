"""Model wrappers behind one contract, and the registry that loads, places and unloads them.

Importing this package is cheap: torch and transformers are imported inside load paths only.
"""

import os

# ONNX Runtime (OCR, the sentences model) keeps a telemetry device id and an event database in
# ~/.cache/Microsoft/DeveloperTools unless told not to, and reads this when it loads: an
# offline app writes nothing of the kind.
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

from models.errors import LLMOutputError, ModelUnavailable
from models.registry import ROLES, Registry

__all__ = ["ROLES", "LLMOutputError", "ModelUnavailable", "Registry"]
