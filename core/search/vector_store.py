"""The on-disk half of a large vector index: float16 copies of the vectors in a file that is
memory-mapped, never read whole, and the index's small arrays saved beside it so the next
start loads in a fraction of a second instead of reading every vector from the catalog.

A search reads only the rows it rescores (1.5% of them). The pages it touched stay mapped (a
page fault per row on every search cost 2-10x the gather, measured) until about MAPPED_MAX
bytes of rows have been gathered and RELEASE_EVERY_S has passed since the last release; then
they are handed back to the page cache (MADV_DONTNEED). The count is per page a row lies in, and the kernel maps up to 16 cached
pages around each fault, so at 1M a store's mapped pages still reach ~0.7-1.4 GB between
releases: clean page cache the kernel can drop at any time, but counted in VmRSS
(docs/BENCHMARKS.md, "Vector index at 1M"). The catalog stays the source of truth:
everything here is rebuilt from it when missing, damaged or out of step.

Layout of a store folder (one per vector table and model id, beside the catalog):
  meta.json              which generation is current, and the catalog state it matches
  vectors-<gen>.f16      rows of float16, dim each, in the order of `pos`
  arrays-<gen>.npz       ids, file ids, frame_ms, store positions, sign bits, centre
A new generation is written under new names and meta.json is replaced last (atomic rename),
so a reader never sees half a store and another process's mapping of the old one stays valid.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import json
import logging
import mmap
import os
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from models.datafiles import atomic_path, atomic_write, make_dir, open_private

log = logging.getLogger(__name__)

FORMAT = 1
TAIL_MAX_FRACTION = 10   # rows added since the file was written, kept in memory up to n/10
MAPPED_MAX = 256 << 20   # bytes of a store's pages touched before they are handed back...
RELEASE_EVERY_S = 30.0   # ... at most this often: a release makes the next searches fault
SCORE_CHUNK = 1024       # rows converted to float32 at a time when scoring (stays in cache)
PAGE = mmap.PAGESIZE


def store_dir(db_path: Path | str, table: str, model_id: str) -> Path:
    """The store of one table and model of the catalog at db_path (two catalogs in one
    folder keep theirs apart)."""
    db = Path(db_path)
    digest = hashlib.sha1(f"{db.name}\0{table}\0{model_id}".encode()).hexdigest()[:16]
    return db.parent / "vector-store" / f"{table}-{digest}"


class F16Rows:
    """float16 rows addressed by position: a memory-mapped file (positions < len(file)) plus
    a tail in memory for rows added since it was written."""

    def __init__(self, dim: int, base: np.ndarray | None = None, mm: mmap.mmap | None = None):
        self.dim = dim
        self._base = base if base is not None else np.empty((0, dim), np.float16)
        self._mm = mm
        self._tail = np.empty((0, dim), np.float16)
        self._touched = 0    # bytes of pages touched since the last release, at most
        self._released = time.monotonic()
        self._bufs = threading.local()   # per thread: searches overlap

    @property
    def size(self) -> int:
        return len(self._base) + len(self._tail)

    @property
    def tail_rows(self) -> int:
        return len(self._tail)

    def append(self, vecs: np.ndarray) -> np.ndarray:
        """Add rows; returns their positions."""
        start = self.size
        self._tail = np.concatenate([self._tail, np.asarray(vecs, np.float16)])
        return np.arange(start, start + len(vecs), dtype=np.int64)

    def gather(self, pos: np.ndarray) -> np.ndarray:
        """(len(pos), dim) float32 rows, in the order of pos."""
        pos = np.asarray(pos, np.int64)
        nb = len(self._base)
        out = np.empty((len(pos), self.dim), np.float32)
        in_base = pos < nb
        if in_base.all():
            out[:] = self._base[pos]
        else:
            out[in_base] = self._base[pos[in_base]]
            out[~in_base] = self._tail[pos[~in_base] - nb]
        self._count(int(in_base.sum()))
        return out

    def scores(self, pos: np.ndarray, q: np.ndarray) -> np.ndarray:
        """The rows at pos (sorted: a cheaper gather) times the float32 vector q, float32.
        What gather(pos) @ q gives, without the (len(pos), dim) float32 matrix: rows are
        taken and converted SCORE_CHUNK at a time into buffers that stay in cache. At 1M the
        conversion of 20,000 whole rows cost as much as taking them (measured)."""
        pos = np.asarray(pos, np.int64)
        out = np.empty(len(pos), np.float32)
        nb = len(self._base)
        full = self._buffer()
        for s in range(0, len(pos), SCORE_CHUNK):
            p = pos[s:s + SCORE_CHUNK]
            m = len(p)
            if m and p.max() < nb:
                full[:m] = self._base[p]      # faster than np.take(out=) into float16 (measured)
            else:
                inside = p < nb
                full[:m][inside] = self._base[p[inside]]
                full[:m][~inside] = self._tail[p[~inside] - nb]
            np.dot(full[:m], q, out=out[s:s + m])
        self._count(int(np.count_nonzero(pos < nb)))
        return out

    def _buffer(self) -> np.ndarray:
        buf = getattr(self._bufs, "full", None)
        if buf is None:
            buf = self._bufs.full = np.empty((SCORE_CHUNK, self.dim), np.float32)
        return buf

    def _count(self, rows: int) -> None:
        """Pages touched; past MAPPED_MAX, handed back, but not more often than every
        RELEASE_EVERY_S: after a release each row a search gathers is a page fault
        (~4-10 us on the 2-core VM), which at 1M doubled a search (measured)."""
        self._touched += rows * max(PAGE, self.dim * 2)
        if self._touched > MAPPED_MAX and time.monotonic() - self._released >= RELEASE_EVERY_S:
            self.release()

    def release(self) -> None:
        """Unmap the pages gathers touched: they stay in the page cache (a later search
        finds them there), but leave this process's resident set."""
        self._touched = 0
        self._released = time.monotonic()
        if self._mm is not None and hasattr(mmap, "MADV_DONTNEED"):
            with contextlib.suppress(OSError, ValueError):
                self._mm.madvise(mmap.MADV_DONTNEED)


class StoreWriter:
    """Writes a new generation of a store, row blocks first, then the arrays and meta.
    Without a folder (an index not made from a catalog, or a folder that cannot be written)
    the rows go to an unnamed temporary file, still memory-mapped."""

    def __init__(self, folder: Path | None, dim: int):
        self.folder, self.dim = folder, dim
        self.gen = f"{os.getpid()}-{os.urandom(4).hex()}"
        self.rows = 0
        self._file = None
        if folder is not None:
            try:
                make_dir(folder)
                self._path = folder / f"vectors-{self.gen}.f16"
                fd = open_private(self._path, os.O_RDWR | os.O_CREAT | os.O_TRUNC)
                self._file = os.fdopen(fd, "w+b")   # closed in finish()
            except OSError as e:
                log.warning("search: the vector store cannot be written in %s (%s); kept in "
                            "a temporary file", folder, e)
                self.folder = None
        if self._file is None:
            self._path = None
            self._file = tempfile.TemporaryFile(prefix="shoebox-vectors-")  # noqa: SIM115

    def write(self, vecs: np.ndarray) -> None:
        self._file.write(np.ascontiguousarray(vecs, "<f2").tobytes())
        self.rows += len(vecs)

    def finish(self, arrays: dict[str, np.ndarray], meta: dict) -> F16Rows:
        self._file.flush()
        rows = _map(self._file, self.rows, self.dim)
        if self._path is not None:
            self._file.close()
            try:
                with atomic_path(self.folder / f"arrays-{self.gen}.npz") as tmp, \
                        open(tmp, "wb") as f:
                    np.savez(f, **arrays)
                atomic_write(self.folder / "meta.json", json.dumps(
                    meta | {"gen": self.gen, "rows": self.rows, "dim": self.dim,
                            "format": FORMAT}))
                _remove_other_generations(self.folder, self.gen)
            except OSError as e:
                log.warning("search: the vector store could not be saved in %s (%s)",
                            self.folder, e)
        return rows


def load(folder: Path, want: dict) -> tuple[dict, dict[str, np.ndarray], F16Rows] | None:
    """(meta, arrays, rows) of the store in folder when its meta matches `want` (model id,
    table, ...); None when there is none or it does not fit (then it is rebuilt)."""
    try:
        meta = json.loads((folder / "meta.json").read_text())
        if meta.get("format") != FORMAT or any(meta.get(k) != v for k, v in want.items()):
            return None
        gen, dim, n = meta["gen"], int(meta["dim"]), int(meta["rows"])
        path = folder / f"vectors-{gen}.f16"
        if path.stat().st_size != n * dim * 2:
            return None
        with np.load(folder / f"arrays-{gen}.npz") as z:
            arrays = {k: z[k] for k in z.files}
        with open(path, "rb") as f:
            rows = _map(f, n, dim)
        return meta, arrays, rows
    except (OSError, ValueError, KeyError, TypeError) as e:
        log.info("search: no usable vector store in %s (%s); reading the catalog", folder, e)
        return None


def trim_heap() -> None:
    """Hand the memory a load freed back to the system (glibc keeps freed heap pages
    otherwise: ~120 MB of row objects and chunks after reading 100k vectors, measured)."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):   # not glibc: nothing to do
        pass


def _map(f, n: int, dim: int) -> F16Rows:
    if n == 0:
        return F16Rows(dim)
    mm = mmap.mmap(f.fileno(), n * dim * 2, access=mmap.ACCESS_READ)
    base = np.frombuffer(mm, dtype="<f2").reshape(n, dim)
    return F16Rows(dim, base, mm)


def _remove_other_generations(folder: Path, gen: str) -> None:
    for p in folder.iterdir():
        if p.name != "meta.json" and gen not in p.name:
            with contextlib.suppress(OSError):   # mapped elsewhere on Windows: next time
                p.unlink()
