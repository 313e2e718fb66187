"""The on-disk half of a large vector index: float16 copies of the vectors in a file that is
read a few rows at a time, never whole, and the index's small arrays saved beside it so the
next start loads in a fraction of a second instead of reading every vector from the catalog.

A search reads only the rows it rescores (1.5% of them), with one positioned read (pread) per
run of neighbouring rows, into buffers of its own. The file is not memory-mapped: a mapping
counted every page a search touched in the process's resident memory, and the kernel maps up
to 16 cached pages around each fault, so one search at 1M mapped ~0.6 GB of each store and
the app's RSS stood at 2.9 GB after a search (docs/BENCHMARKS.md, "Memory that fits a
laptop"). Read this way, the rows stay in the page cache (a later search finds them there,
the kernel drops them under pressure) and out of the RSS. A read costs ~1.5 us a row: about
what faulting the row in cost, and ~25 ms a search at 1M more than a store already mapped
whole (measured). The catalog stays the source of truth: everything here is rebuilt from it
when missing, damaged or out of step.

Layout of a store folder (one per vector table and model id, beside the catalog):
  meta.json              which generation is current, and the catalog state it matches
  vectors-<gen>.f16      rows of float16, dim each, in the order of `pos`
  arrays-<gen>.npz       ids, file ids, frame_ms, store positions (ARRAYS)
  codes-<gen>.npz        the int8 codes and their projection (made from the rows and saved
                         on the first load of a store written without them)
A new generation is written under new names and meta.json is replaced last (atomic rename),
so a reader never sees half a store and another process's open file of the old one stays
valid.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import json
import logging
import os
import tempfile
import threading
import weakref
from pathlib import Path

import numpy as np

from models.datafiles import atomic_path, atomic_write, make_dir, open_private

log = logging.getLogger(__name__)

FORMAT = 1
ARRAYS = ("ids", "fids", "fms", "pos")   # the index's arrays a store keeps beside its rows
TAIL_MAX_FRACTION = 10   # rows added since the file was written, kept in memory up to n/10
SCORE_CHUNK = 1024       # rows read and converted to float32 at a time when scoring (in cache)


def store_dir(db_path: Path | str, table: str, model_id: str) -> Path:
    """The store of one table and model of the catalog at db_path (two catalogs in one
    folder keep theirs apart)."""
    db = Path(db_path)
    digest = hashlib.sha1(f"{db.name}\0{table}\0{model_id}".encode()).hexdigest()[:16]
    return db.parent / "vector-store" / f"{table}-{digest}"


class F16Rows:
    """float16 rows addressed by position: a file of `n` rows read by position (rows < n),
    plus a tail in memory for rows added since it was written."""

    def __init__(self, dim: int, fd: int | None = None, n: int = 0):
        self.dim = dim
        self._fd = fd
        self._n = n if fd is not None else 0
        self._tail = np.empty((0, dim), np.float16)
        self._bufs = threading.local()   # per thread: searches overlap
        if fd is not None:
            weakref.finalize(self, os.close, fd)

    @property
    def size(self) -> int:
        return self._n + len(self._tail)

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
        half = np.empty((len(pos), self.dim), np.float16)
        self._take(pos, half)
        return half.astype(np.float32)

    def scores(self, pos: np.ndarray, q: np.ndarray) -> np.ndarray:
        """The rows at pos (sorted: fewer, longer reads) times the float32 vector q, float32.
        What gather(pos) @ q gives, without the (len(pos), dim) float32 matrix: rows are
        read and converted SCORE_CHUNK at a time into buffers that stay in cache. At 1M the
        conversion of 20,000 whole rows cost as much as taking them (measured)."""
        pos = np.asarray(pos, np.int64)
        out = np.empty(len(pos), np.float32)
        half, full = self._buffers()
        for s in range(0, len(pos), SCORE_CHUNK):
            p = pos[s:s + SCORE_CHUNK]
            m = len(p)
            self._take(p, half)
            full[:m] = half[:m]
            np.dot(full[:m], q, out=out[s:s + m])
        return out

    def _buffers(self) -> tuple[np.ndarray, np.ndarray]:
        bufs = getattr(self._bufs, "pair", None)
        if bufs is None:
            bufs = self._bufs.pair = (np.empty((SCORE_CHUNK, self.dim), np.float16),
                                      np.empty((SCORE_CHUNK, self.dim), np.float32))
        return bufs

    def _take(self, pos: np.ndarray, out: np.ndarray) -> None:
        """The rows at pos into out[:len(pos)] (float16), in the order of pos."""
        m, nb = len(pos), self._n
        inside = pos < nb
        if inside.all():
            self._read(pos, out[:m])
            return
        out[:m][~inside] = self._tail[pos[~inside] - nb]
        if inside.any():
            out[:m][inside] = self._read(pos[inside], np.empty((int(inside.sum()), self.dim),
                                                               np.float16))

    def _read(self, pos: np.ndarray, out: np.ndarray) -> np.ndarray:
        """The file's rows at pos (all < n) into out (float16, C order), in the order of pos:
        sorted first, then one read per run of consecutive rows."""
        if not len(pos):
            return out
        step = np.diff(pos)
        if (step < 0).any():
            order = np.argsort(pos, kind="stable")
            out[order] = self._read(pos[order], np.empty_like(out))
            return out
        row = self.dim * 2
        cuts = np.flatnonzero(step != 1) + 1
        starts = np.concatenate([[0], cuts]).tolist()
        ends = np.concatenate([cuts, [len(pos)]]).tolist()
        offsets = (pos[starts] * row).tolist()
        view = memoryview(out).cast("B")
        for a, b, offset in zip(starts, ends, offsets):
            _read_at(self._fd, view[a * row:b * row], offset)
        return out


class StoreWriter:
    """Writes a new generation of a store, row blocks first, then the arrays and meta.
    Without a folder (an index not made from a catalog, or a folder that cannot be written)
    the rows go to an unnamed temporary file, read the same way."""

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

    def finish(self, arrays: dict[str, np.ndarray], meta: dict,
               more: dict[str, dict[str, np.ndarray]] | None = None) -> F16Rows:
        """The rows written, readable; with a folder, the arrays, each of `more`'s sets of
        arrays (as <name>-<gen>.npz) and the meta saved, meta last."""
        self._file.flush()
        rows = _open_rows(self._file, self.rows, self.dim)
        self._file.close()
        if self._path is not None:
            try:
                _save_arrays(self.folder / f"arrays-{self.gen}.npz", arrays)
                for name, extra in (more or {}).items():
                    _save_arrays(self.folder / f"{name}-{self.gen}.npz", extra)
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
            # only the named arrays: a store written before the sketches were int8 codes
            # holds float32 sketches too (256 MB at 1M), read for nothing otherwise
            arrays = {k: z[k] for k in ARRAYS if k in z.files}
        with open(path, "rb") as f:
            rows = _open_rows(f, n, dim)
        return meta, arrays, rows
    except (OSError, ValueError, KeyError, TypeError) as e:
        log.info("search: no usable vector store in %s (%s); reading the catalog", folder, e)
        return None


def load_codes(folder: Path | None, gen: str, shapes: dict[str, tuple[int, int]]
               ) -> dict[str, np.ndarray] | None:
    """The second stage's arrays saved beside generation gen, when their uint8 arrays have
    these shapes (the index's rows and the stage's dims); None otherwise (they are made
    again)."""
    if folder is None:
        return None
    try:
        with np.load(folder / f"codes-{gen}.npz") as z:
            a = {k: z[k] for k in z.files}
        if any(a[k].shape != shape or a[k].dtype != np.uint8 for k, shape in shapes.items()):
            return None
        return a
    except (OSError, ValueError, KeyError) as e:
        log.info("search: no usable stage-2 codes in %s (%s); made from the rows", folder, e)
        return None


def save_codes(folder: Path | None, gen: str, arrays: dict[str, np.ndarray]) -> None:
    """Save the codes beside generation gen (a name older readers of the store ignore, and
    that goes with the generation); a folder that cannot be written costs the next start
    making them again."""
    if folder is None:
        return
    try:
        _save_arrays(folder / f"codes-{gen}.npz", arrays)
    except OSError as e:
        log.warning("search: the stage-2 codes could not be saved in %s (%s)", folder, e)


def _save_arrays(path: Path, arrays: dict[str, np.ndarray]) -> None:
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        np.savez(f, **arrays)


def trim_heap() -> None:
    """Hand the memory a load freed back to the system (glibc keeps freed heap pages
    otherwise: ~120 MB of row objects and chunks after reading 100k vectors, measured)."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):   # not glibc: nothing to do
        pass


def _open_rows(f, n: int, dim: int) -> F16Rows:
    """The rows of the open file f (a descriptor of their own: f may be closed)."""
    if n == 0:
        return F16Rows(dim)
    return F16Rows(dim, os.dup(f.fileno()), n)


def _read_at(fd: int, view: memoryview, offset: int) -> None:
    """Fill view with the file's bytes from offset (a file that ends sooner: OSError)."""
    done = 0
    while done < len(view):
        got = _pread_into(fd, view[done:], offset + done)
        if got <= 0:
            raise OSError(f"the vector store ends at byte {offset + done}, before the rows "
                          "its meta counts (changed by another program?)")
        done += got


if hasattr(os, "preadv"):          # Linux, the BSDs, macOS 11+
    def _pread_into(fd: int, view: memoryview, offset: int) -> int:
        return os.preadv(fd, [view], offset)
elif hasattr(os, "pread"):
    def _pread_into(fd: int, view: memoryview, offset: int) -> int:
        data = os.pread(fd, len(view), offset)
        view[:len(data)] = data
        return len(data)
else:                              # Windows: no positioned read; one seek and read at a time
    _SEEK_LOCK = threading.Lock()

    def _pread_into(fd: int, view: memoryview, offset: int) -> int:
        with _SEEK_LOCK:
            os.lseek(fd, offset, os.SEEK_SET)
            data = os.read(fd, len(view))
        view[:len(data)] = data
        return len(data)


def _remove_other_generations(folder: Path, gen: str) -> None:
    for p in folder.iterdir():
        if p.name != "meta.json" and gen not in p.name:
            with contextlib.suppress(OSError):   # open elsewhere on Windows: next time
                p.unlink()
