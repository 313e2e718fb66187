"""What a model folder holds, read without loading anything: its JSON files and whether it has
weights. One place for these, used by resolve (which model a role gets) and the wrappers."""

from __future__ import annotations

import json
from pathlib import Path


def read_json(p: Path):
    """The parsed JSON file, or {} when it is missing, unreadable or not JSON."""
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def has_weights(folder: Path) -> bool:
    return any(folder.glob("*.safetensors")) or any(folder.glob("pytorch_model*.bin"))
