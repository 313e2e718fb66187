"""Content hashes: how Shoebox recognises a file that moved, and exact duplicates."""

from __future__ import annotations

import os

import xxhash

CHUNK = 1 << 20
TAIL = 64 * 1024


def hash_file(path: str | os.PathLike) -> tuple[str, bytes]:
    """xxh3-128 hex digest of the whole file, and its last 64 KiB (read on the way, for the
    cheap truncation checks in metadata.py). Raises OSError as the OS reports it."""
    h = xxhash.xxh3_128()
    tail = b""
    with open(path, "rb", buffering=0) as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
            tail = (tail + chunk)[-TAIL:] if len(chunk) < TAIL else chunk[-TAIL:]
    return h.hexdigest(), tail
