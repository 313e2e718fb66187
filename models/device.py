"""Device and precision choice, out-of-memory detection and freeing memory.

torch is imported inside functions: `import models` must stay cheap.
"""

from __future__ import annotations

import gc
import importlib.util
import logging
import os
import re
import sys

log = logging.getLogger(__name__)


def torch_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("torch") is not None


def guess_device(setting: str = "auto") -> str:
    """The device pick_device would choose, found in milliseconds without importing torch
    (which costs seconds): the installed torch build's CUDA version from its version.py, and
    an NVIDIA GPU from the driver (NVML does not create a CUDA context, so forking later is
    safe). The registry confirms it with torch when the first model loads."""
    setting = (setting or "auto").lower()
    if setting == "cpu" or not torch_available():
        return "cpu"
    if setting in ("cuda", "mps"):
        return setting
    if sys.platform == "darwin":
        import platform  # 4 ms at start, for a question only a Mac asks

        return "mps" if platform.machine() == "arm64" else "cpu"
    return "cuda" if _torch_cuda_build() and _nvidia_gpus() > 0 else "cpu"


def _torch_cuda_build() -> bool:
    spec = importlib.util.find_spec("torch")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        try:
            with open(os.path.join(folder, "version.py"), encoding="utf-8") as f:
                text = f.read()
        except OSError:
            continue
        m = re.search(r"^cuda\s*(?::[^=]*)?=\s*(.+)$", text, re.MULTILINE)
        return bool(m and m.group(1).strip() not in ("None", "''", '""'))
    return False


def _nvidia_gpus() -> int:
    if os.path.isdir("/proc/driver/nvidia/gpus"):
        return len(os.listdir("/proc/driver/nvidia/gpus"))
    import ctypes  # 2 ms at start, for machines whose driver lists no GPU in /proc

    for name in ("libnvidia-ml.so.1", "nvml.dll"):
        try:
            nvml = ctypes.CDLL(name)
        except OSError:
            continue
        count = ctypes.c_uint(0)
        if nvml.nvmlInit_v2() != 0:
            return 0
        try:
            return count.value if nvml.nvmlDeviceGetCount_v2(ctypes.byref(count)) == 0 else 0
        finally:
            nvml.nvmlShutdown()
    return 0


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
