"""Model wrappers behind one contract, and the registry that loads, places and unloads them.

Importing this package is cheap: torch and transformers are imported inside load paths only.
"""

from models.errors import LLMOutputError, ModelUnavailable
from models.registry import ROLES, Registry

__all__ = ["ROLES", "LLMOutputError", "ModelUnavailable", "Registry"]
