"""What the model layer reads of the user's settings and data folder, as types.

models/ never imports core/, so these are Protocols: core.config.Settings and Paths satisfy
them as they are, and a type checker sees every field the models use (no getattr defaults).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol


class ModelSettings(Protocol):
    models: dict[str, str]       # role -> hub id or local folder; empty: the role's default
    device: str                  # auto | cuda | mps | cpu
    gpu_budget_gb: float         # a heavy model past this much GPU memory moves to the CPU
    model_idle_unload_s: float   # unload a model unused this long; 0 = never
    workers: int                 # CPU threads a model may use (0 = the library decides)
    faces: bool                  # False: the faces role reports "off" and loads nothing
    extra: dict[str, Any]        # settings.json keys without a field (llm_threads, ...)


class ModelPaths(Protocol):
    @property
    def home(self) -> Path: ...   # the data folder: caches and sockets live under it

    @property
    def models(self) -> Path: ... # joined offline weights
