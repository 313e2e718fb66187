"""Install PyTorch without dragging a multi-GB CUDA build onto a machine that has no NVIDIA GPU.

Run with the virtual environment's interpreter before the project itself is installed, so that
`pip install -e .` finds torch already satisfied. Order of preference:

1. torch already importable: nothing to do.
2. Linux without an NVIDIA GPU: a CPU wheel from a local wheelhouse (pip's find-links, as on
   our CI machines), else the official CPU index.
3. Anything else (macOS: CPU/MPS wheels on PyPI; Linux or Windows with NVIDIA: CUDA wheels).
"""

from __future__ import annotations

import importlib.util
import os
import platform
import shutil
import subprocess
import sys
import tempfile

TORCH = os.environ.get("SHOEBOX_TORCH_SPEC", "torch==2.13.0")
CPU_INDEX = "https://download.pytorch.org/whl/cpu"


def pip(*args: str) -> int:
    return subprocess.call([sys.executable, "-m", "pip", "install", "-q", *args])


def local_cpu_wheel_available() -> bool:
    """True when pip's configured wheelhouse (find-links) holds a CPU build of TORCH."""
    with tempfile.TemporaryDirectory() as tmp:
        rc = subprocess.call(
            [sys.executable, "-m", "pip", "download", "-q", "--no-index", "--no-deps",
             "-d", tmp, TORCH],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        return rc == 0 and any("+cpu" in name for name in os.listdir(tmp))


def main() -> int:
    if importlib.util.find_spec("torch") is not None:
        return 0
    has_nvidia = shutil.which("nvidia-smi") is not None
    if platform.system() == "Linux" and not has_nvidia:
        if local_cpu_wheel_available():
            return pip(TORCH)  # pip prefers the local +cpu build; its dependencies come from PyPI
        print(f"installing the CPU build of {TORCH} from {CPU_INDEX}")
        return pip(TORCH, "--index-url", CPU_INDEX)
    return pip(TORCH)


if __name__ == "__main__":
    sys.exit(main())
