"""The vector index: one model's vectors held in memory, the catalog staying the source of truth.

Measured (benchmarks/bench_search.py, 2 shared CPU cores, 512-d, k=20; CPU time per query):
at 100k an exact numpy product costs ~15 ms (recall 1.0) against ~80 ms for sqlite-vec's
brute force; at 1M it costs ~150 ms and 2 GB. The exact matrix is kept transposed (one row
per dimension): OpenBLAS's q @ M.T over it takes ~8 ms at 120k x 384 against ~15 ms for
M @ q over rows (bench_sentences' profile), the same figures either way. So up to EXACT_MAX rows the search is exact;
above, the index keeps sign bits (64 bytes a vector, column-major) for a Hamming prefilter
and rescores the best 1% exactly from float16 copies: ~30-40 ms at 1M, recall@20 0.994 on
synthetic vectors whose 20th neighbour sits at cosine ~0.28 (as CLIP text-to-image matches
do). The prefilter's recall falls when neighbours are barely closer than the rest (0.92 at
cosine ~0.21 with 2% rescored), which is why libraries up to 200k stay exact.
The index is cached per process and per (catalog, model id); the counters of migration 0002
tell it when rows were added (append) or changed (reload).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.catalog.connection import Connection

log = logging.getLogger(__name__)

EXACT_MAX = 200_000          # above this many vectors: binary prefilter + exact rescoring
PREFILTER_MIN = 2_000        # candidates kept by the prefilter, at least
PREFILTER_PER_K = 5          # ... and at least this many per result asked for
PREFILTER_FRACTION = 100     # ... and at least 1% of all rows (10,000 at 1M: recall 0.994 vs 0.983)


_BLAS_LIMITED = False
_BLAS_LOCK = threading.Lock()


def one_blas_thread() -> None:
    """A matrix-vector product is memory-bound: a second BLAS thread adds nothing, and on a
    busy 2-core machine OpenBLAS's spinning threads made a 2000x512 product cost 8 ms of CPU
    instead of 0.2 ms (measured). So the first search puts the process's BLAS on one thread,
    for good: the setting is process-wide, searches overlap (a query makes its CLIP and
    meaning lists at once), and limits that each restored what they found left the count at
    whatever the last one out saw - OpenBLAS even ignores a raise while another thread it ran
    on is alive (tests/core/search/test_engine.py). What else in the app uses numpy's BLAS
    is memory-bound too, or small: clustering's randomized PCA at 100k takes about a second.
    Every search calls it; only the first one changes anything."""
    global _BLAS_LIMITED
    if not _BLAS_LIMITED:
        with _BLAS_LOCK:
            if not _BLAS_LIMITED:
                from threadpoolctl import threadpool_limits

                threadpool_limits(limits=1, user_api="blas")
                _BLAS_LIMITED = True


@dataclass(frozen=True)
class VectorTable:
    """Where an index reads its rows: a table with (id, file_id, frame_ms, model_id, vector)
    and the search_state counters its triggers move."""
    table: str
    inserts_key: str
    mutations_key: str


CLIP_VECTORS = VectorTable("embeddings", "vec_inserts", "vec_mutations")
TEXT_VECTORS = VectorTable("text_vectors", "text_inserts", "text_mutations")   # migration 0009


@dataclass
class Neighbours:
    rows: np.ndarray         # row numbers into the index, best first
    scores: np.ndarray       # cosine similarity, float32


class VectorIndex:
    """Vectors of one model id. Thread-safe: `refresh` swaps arrays under a lock and searches
    work on the arrays they read at their start."""

    def __init__(self, model_id: str, exact_max: int = EXACT_MAX,
                 table: VectorTable = CLIP_VECTORS):
        self.model_id = model_id
        self.table = table
        self.exact_max = exact_max
        self.dim: int | None = None
        self.emb_ids = np.empty(0, np.int64)
        self.file_ids = np.empty(0, np.int64)
        self.frame_ms = np.empty(0, np.int64)
        # exact: float32 (d, n), one row per dimension; binary: float16 (n, d) for rescoring
        self._mat: np.ndarray | None = None
        self._bits: np.ndarray | None = None     # uint64 (d/64, n) sign bits, binary mode only
        self._center: np.ndarray | None = None   # mean vector the sign bits are taken around
        self._stamp: tuple[int, int] | None = None
        self.malformed = 0  # rows of this model left out: a blob of the wrong length (logged)
        self._memo: tuple | None = None
        self.filter_masks: dict = {}   # the engine's filter masks over these rows (None: asked once)
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.emb_ids)

    @property
    def binary(self) -> bool:
        return self._bits is not None

    # --- loading -------------------------------------------------------------------------
    def refresh(self, conn: Connection) -> None:
        """Bring the index in step with the catalog (cheap when nothing changed)."""
        stamp = _stamp(conn, self.table)
        if stamp == self._stamp:
            return
        with self._lock:
            if stamp == self._stamp:
                return
            old = self._stamp
            appended = False
            if old is not None and stamp[1] == old[1] and len(self):
                appended = self._append(conn)
            if not appended:
                *rows, bad = _rows(conn, self.table, self.model_id, after_id=None)
                self._build(*rows)
                self.malformed = bad
            self._stamp = stamp

    def _append(self, conn: Connection) -> bool:
        """Only inserts happened: add the new rows. False when the count says otherwise (an
        INSERT OR REPLACE deletes without firing delete triggers), so the caller reloads."""
        last = int(self.emb_ids[-1]) if len(self) else 0
        ids, fids, fms, mat, bad = _rows(conn, self.table, self.model_id, after_id=last)
        (count,) = conn.execute(
            f"SELECT count(*) FROM {self.table.table} WHERE model_id = ?", (self.model_id,)
        ).fetchone()
        if count != len(self) + self.malformed + len(ids) + bad:
            return False
        self.malformed += bad
        if not len(ids):
            return True
        if mat.shape[1] != self.dim:
            return False
        old_mat = self._mat.astype(np.float32) if self.binary else self._mat.T
        self._build(np.concatenate([self.emb_ids, ids]), np.concatenate([self.file_ids, fids]),
                    np.concatenate([self.frame_ms, fms]), np.concatenate([old_mat, mat]))
        return True

    def _build(self, ids, fids, fms, mat: np.ndarray) -> None:
        n = len(ids)
        self.dim = mat.shape[1] if n else self.dim
        if n > self.exact_max:
            center = mat.mean(axis=0)
            # Column-major (one row per 64-bit word): the Hamming loop then streams through
            # contiguous memory, ~4x faster than reducing an (n, 8) array along axis 1.
            self._bits = np.ascontiguousarray(_sign_bits(mat - center).T)
            self._center = center
            self._mat = mat.astype(np.float16)
        else:
            self._bits = self._center = None
            self._mat = np.ascontiguousarray(np.asarray(mat, np.float32).T)
        self.emb_ids, self.file_ids, self.frame_ms = ids, fids, fms

    # --- search --------------------------------------------------------------------------
    def search(self, query: np.ndarray, k: int, mask: np.ndarray | None = None) -> Neighbours:
        """The k rows most similar (cosine) to the L2-normalised `query`, best first.
        `mask`: optional bool array over rows; False rows are never returned."""
        one_blas_thread()
        return self._search(query, k, mask)

    def _search(self, query: np.ndarray, k: int, mask: np.ndarray | None) -> Neighbours:
        mat, bits, center = self._mat, self._bits, self._center
        n = 0 if mat is None else (mat.shape[0] if bits is not None else mat.shape[1])
        if n == 0 or k <= 0:
            return Neighbours(np.empty(0, np.int64), np.empty(0, np.float32))
        q = np.asarray(query, np.float32).reshape(-1)
        if q.shape[0] != self.dim:
            raise ValueError(f"query has {q.shape[0]} dims, the index {self.dim}")
        if bits is None:
            scores = self._exact_scores(mat, q)
            if mask is not None:
                scores = np.where(mask[:n], scores, -np.inf)
            return _top(scores, k, np.arange(n))
        # Binary prefilter: Hamming distance between sign bits, then exact rescoring.
        qbits = _sign_bits((q - center)[None, :])[0]
        ham = _hamming(bits, qbits)
        if mask is not None:
            ham[~mask[:n]] = np.iinfo(np.uint16).max
        c = min(n, max(PREFILTER_MIN, PREFILTER_PER_K * k, n // PREFILTER_FRACTION))
        # The c smallest distances, ties at the cut included: a histogram of the (at most
        # d+1) distance values finds the cut faster than argpartition over n rows.
        counts = np.cumsum(np.bincount(ham, minlength=int(ham.max()) + 1))
        cut = int(np.searchsorted(counts, c))
        cand = np.flatnonzero(ham <= cut)            # in memory order: a cheap gather
        if mask is not None:
            cand = cand[mask[cand]]
        scores = mat[cand].astype(np.float32) @ q
        return _top(scores, k, cand)

    def _exact_scores(self, mat: np.ndarray, q: np.ndarray) -> np.ndarray:
        """q @ mat (mat: d x n), remembered for the last query: a filtered search that widens
        its top-k asks again with the same vector, and the product is most of the cost."""
        key = (id(mat), q.tobytes())
        memo = self._memo
        if memo is not None and memo[0] == key:
            return memo[1]
        scores = q @ mat
        self._memo = (key, scores)
        return scores

    def vector_of(self, row: int) -> np.ndarray:
        return self.vectors_of(np.asarray([row]))[0]

    def vectors_of(self, rows: np.ndarray) -> np.ndarray:
        """(len(rows), d) float32 copies of those rows' vectors."""
        mat = self._mat
        picked = mat[rows] if self._bits is not None else mat[:, rows].T
        return np.array(picked, np.float32, order="C")

    def rows_of_file(self, file_id: int) -> np.ndarray:
        return np.flatnonzero(self.file_ids == file_id)


def _top(scores: np.ndarray, k: int, rows: np.ndarray) -> Neighbours:
    finite = np.isfinite(scores)
    k = min(k, int(finite.sum()))
    if k <= 0:
        return Neighbours(np.empty(0, np.int64), np.empty(0, np.float32))
    part = _top_k(scores, k)
    part = part[np.argsort(-scores[part], kind="stable")]
    return Neighbours(rows[part].astype(np.int64), scores[part].astype(np.float32))


_SAMPLE_STEP = 32


def _top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Positions of the k largest scores, in no order. Over a long array, a threshold from a
    strided sample first keeps ~4k candidates (one cheap comparison pass) and argpartition
    runs on those: ~5x faster than argpartition over 100k scores. Exact either way: when
    fewer than k pass the threshold, the whole array is partitioned."""
    n = len(scores)
    if k >= n:
        return np.arange(n)
    if n >= 64 * k and n >= 16 * _SAMPLE_STEP:
        sample = scores[::_SAMPLE_STEP]
        j = min(len(sample) - 1, 4 * k // _SAMPLE_STEP + 1)
        threshold = np.partition(sample, len(sample) - 1 - j)[len(sample) - 1 - j]
        cand = np.flatnonzero(scores >= threshold)
        if len(cand) >= k:
            return cand[np.argpartition(-scores[cand], k - 1)[:k]]
    return np.argpartition(-scores, k - 1)[:k]


_HAM_BLOCK = 1 << 16


def _hamming(bits: np.ndarray, qbits: np.ndarray) -> np.ndarray:
    """Hamming distance of every column of `bits` (words, n) to `qbits`, as uint16. Works
    in blocks with reused buffers so the intermediates stay in cache."""
    words, n = bits.shape
    ham = np.zeros(n, np.uint16)
    tmp = np.empty(min(n, _HAM_BLOCK), np.uint64)
    cnt = np.empty(min(n, _HAM_BLOCK), np.uint8)
    for s in range(0, n, _HAM_BLOCK):
        e = min(n, s + _HAM_BLOCK)
        t, c, h = tmp[:e - s], cnt[:e - s], ham[s:e]
        for w in range(words):
            np.bitwise_xor(bits[w, s:e], qbits[w], out=t)
            np.bitwise_count(t, out=c)
            h += c
    return ham


def _sign_bits(mat: np.ndarray) -> np.ndarray:
    packed = np.packbits(mat > 0, axis=1)                  # (n, d/8) uint8
    pad = (-packed.shape[1]) % 8
    if pad:
        packed = np.pad(packed, ((0, 0), (0, pad)))
    return np.ascontiguousarray(packed).view(np.uint64)    # (n, ceil(d/64))


def _stamp(conn: Connection, table: VectorTable = CLIP_VECTORS) -> tuple[int, int]:
    rows = dict(conn.execute("SELECT key, value FROM search_state").fetchall())
    return int(rows.get(table.inserts_key, 0)), int(rows.get(table.mutations_key, 0))


def _rows(conn: Connection, table: VectorTable, model_id: str, after_id: int | None):
    """(embedding ids, file ids, frame_ms, float32 matrix, rows left out) of model_id's rows
    (after after_id), read in chunks into preallocated arrays: at 1M rows a fetchall would
    hold ~3x the 2 GB. A blob of the wrong length is left out and logged, not fatal."""
    where = "WHERE model_id = ?" + (" AND id > ?" if after_id is not None else "")
    args: tuple = (model_id,) if after_id is None else (model_id, after_id)
    first = conn.execute(f"SELECT length(vector) FROM {table.table} {where} LIMIT 1",
                         args).fetchone()
    if first is None:
        return (np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int64),
                np.empty((0, 0), np.float32), 0)
    dim = first[0] // 4
    (n,) = conn.execute(f"SELECT count(*) FROM {table.table} {where}", args).fetchone()
    ids, fids, fms = (np.empty(n, np.int64) for _ in range(3))
    mat = np.empty((n, dim), np.float32)
    i = bad = 0
    cur = conn.execute(f"SELECT id, file_id, frame_ms, vector FROM {table.table} {where} "
                       "ORDER BY id", args)
    while i < n and (chunk := cur.fetchmany(8192)):
        for r in chunk:
            if i + bad >= n:
                break
            blob = r[3]
            if len(blob) != dim * 4:   # a malformed vector must not sink the whole index
                bad += 1
                continue
            ids[i], fids[i], fms[i] = r[0], r[1], r[2]
            mat[i] = np.frombuffer(blob, dtype="<f4")
            i += 1
    if bad:
        log.warning("search: %d vectors of %s are not %d-d float32 (damaged rows?) and were "
                    "left out of search", bad, model_id, dim)
    return ids[:i], fids[:i], fms[:i], mat[:i], bad


_CACHE: dict[tuple[str, str, str], VectorIndex] = {}
_CACHE_LOCK = threading.Lock()


def get_index(db_path: Path | str, conn: Connection, model_id: str,
              table: VectorTable = CLIP_VECTORS) -> VectorIndex:
    """The process-wide index of `model_id`'s vectors in the catalog at db_path, refreshed."""
    key = (str(db_path), table.table, model_id)
    with _CACHE_LOCK:
        index = _CACHE.get(key)
        if index is None:
            index = _CACHE[key] = VectorIndex(model_id, table=table)
    index.refresh(conn)
    return index


def drop_cached(db_path: Path | str | None = None) -> None:
    """Forget cached indexes (of one catalog, or all): frees their memory."""
    with _CACHE_LOCK:
        for key in [k for k in _CACHE if db_path is None or k[0] == str(db_path)]:
            del _CACHE[key]
