"""Device and precision choice, out-of-memory detection and freeing memory.

torch is imported inside functions: `import models` must stay cheap.
"""

from __future__ import annotations

import gc
import logging

log = logging.getLogger(__name__)


def torch_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("torch") is not None


def pick_device(setting: str = "auto") -> str:
    """'cuda', 'mps' or 'cpu'. An explicit choice the machine cannot honour falls back to CPU
    with a warning instead of failing every model load."""
    setting = (setting or "auto").lower()
    if setting == "cpu" or not torch_available():
        return "cpu"
    import torch

    cuda = torch.cuda.is_available()
    mps = bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())
    if setting == "cuda":
        if cuda:
            return "cuda"
        log.warning("settings ask for CUDA but no CUDA GPU is usable; using the CPU")
        return "cpu"
    if setting == "mps":
        if mps:
            return "mps"
        log.warning("settings ask for Apple MPS but it is not usable here; using the CPU")
        return "cpu"
    if setting != "auto":
        log.warning("unknown device setting %r; choosing automatically", setting)
    return "cuda" if cuda else "mps" if mps else "cpu"


def bitsandbytes_usable(device: str) -> bool:
    """bitsandbytes only on CUDA; importing it costs seconds, so only check there."""
    if device != "cuda":
        return False
    import importlib.util

    return importlib.util.find_spec("bitsandbytes") is not None


def precision_for(role: str, device: str, *, kind: str = "", quantizable: bool = False) -> str:
    """The precision a role runs at on `device` (part of its identity).

    kind: 'blip2', 'blip', 'gguf', 'transformers', 'ct2' — what the model folder holds.
    """
    if role == "whisper":
        return "float16" if device == "cuda" else "int8"
    if kind == "gguf":
        return "gguf"
    if device == "cpu":
        return "fp32"
    if device == "cuda" and quantizable and bitsandbytes_usable(device):
        return "nf4"  # MODELS.md: 8-bit BLIP-2 does not leave room on a 6 GB card; 4-bit does
    return "fp16"


def is_oom(exc: BaseException) -> bool:
    """True for CUDA/MPS out-of-memory errors (and CPU allocator failures)."""
    if isinstance(exc, MemoryError):
        return True
    try:
        import torch

        if isinstance(exc, torch.cuda.OutOfMemoryError):
            return True
    except ImportError:
        pass
    return isinstance(exc, RuntimeError) and "out of memory" in str(exc).lower()


def free_memory(device: str | None = None) -> None:
    """Collect garbage and give cached GPU memory back to the driver."""
    gc.collect()
    if device in ("cuda", "mps") and torch_available():
        import torch

        if device == "cuda" and torch.cuda.is_available():
            torch.cuda.empty_cache()
        elif device == "mps" and hasattr(torch, "mps"):
            torch.mps.empty_cache()
