"""Model identity without loading weights: name @ revision-or-content-hash : precision.

A hub snapshot has its commit in the cache path; a local folder gets a fingerprint of its
small files (configs, tokenizers) and of each weight file's size plus its first and last
64 KiB, so swapping or re-exporting a model changes the identity while status stays instant.
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

_SMALL = 2 * 1024 * 1024
_EDGE = 64 * 1024
_cache: dict[tuple, str] = {}
_cache_lock = threading.Lock()


def _files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    out = []
    for root, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        out.extend(Path(root) / f for f in sorted(files) if not f.startswith("."))
    return out


def fingerprint(path: str | Path) -> str:
    """8 hex digits identifying the model files at `path` (a folder or a single GGUF file)."""
    path = Path(path)
    files = _files(path)
    stats = []
    for f in files:
        try:
            st = f.stat()
        except OSError:
            continue
        stats.append((str(f.relative_to(path)) if f != path else f.name, st.st_size, st.st_mtime_ns))
    key = (str(path.resolve()), tuple(stats))
    with _cache_lock:
        if key in _cache:
            return _cache[key]
    h = hashlib.sha256()
    for (rel, size, _mtime), f in zip(stats, files):
        h.update(f"{rel}\0{size}\0".encode())
        try:
            with open(f, "rb") as fh:
                if size <= _SMALL:
                    h.update(fh.read())
                else:
                    h.update(fh.read(_EDGE))
                    fh.seek(size - _EDGE)
                    h.update(fh.read(_EDGE))
        except OSError:
            continue
    digest = h.hexdigest()[:8]
    with _cache_lock:
        _cache[key] = digest
    return digest


def hub_revision(path: Path) -> str | None:
    """The commit of a Hugging Face cache snapshot folder (…/snapshots/<commit>/…)."""
    parts = Path(path).parts
    if "snapshots" in parts:
        i = parts.index("snapshots")
        if i + 1 < len(parts):
            return parts[i + 1][:8]
    return None


def make_identity(name: str, path: Path, precision: str) -> str:
    rev = hub_revision(path) or fingerprint(path)
    return f"{name}@{rev}:{precision}"
