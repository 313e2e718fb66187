"""The vector index: one model's vectors, searched in process; the catalog stays the source of
truth.

Up to EXACT_MAX rows the float32 vectors are held in memory, transposed (one row per
dimension: OpenBLAS's q @ M over it is ~2x faster than over rows), and searched exactly.
Above, a library of 1M photos would need 2 GB for CLIP alone (issue 31), so the index keeps
in memory only int8 codes of each vector (its coordinates on every principal component of the
library's vectors, a scale per component: `Codes`, a byte a dimension) and the ids; the
float16 vectors live in a store beside the catalog, read by position
(core/search/vector_store.py). A query scores every vector's *sketch*, the codes' first
SKETCH_DIMS components (one uint8 x int8 product, core/search/int8_products.py), and keeps
the best 1.5%; the rest of their codes, added to the sketch's sums, ranks those again (a
16,500-row product at 1M, ~2 ms), and only their best few hundred are read from the store and
scored exactly. Codes on every component rank as well as the float16 rows do (recall@20
stays the prefilter's with 200 rows read, against 2,000 with 192 components): the store
reads, random page faults on a cold cache, were a vector list's largest cost
(docs/BENCHMARKS.md, "Codes on every component").
Sketches were chosen over sign bits by measurement (benchmarks/bench_vectors.py): on
clustered, anisotropic vectors whose 20th neighbour sits at cosine ~0.3 (as CLIP's text to
image matches do) a Hamming prefilter kept recall@20 0.83-0.89 with 1-2% rescored, the
sketch 0.98. Figures: docs/BENCHMARKS.md, "Vector index at 1M".

The index is cached per process and per (catalog, table, model id). The counters of
migration 0002 tell it that rows changed; rows above its largest id are new, and the
vector_changes journal of migration 0019 names the rows updated or deleted, so a change
costs what it touches, not a reload. The store is saved with the catalog state it matches,
so the next start opens it instead of reading every vector again.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.blas import one_blas_thread
from core.catalog.chunks import in_chunks
from core.catalog.connection import Connection
from core.search import vector_store
from core.search.int8_products import products, tune
from core.search.vector_store import F16Rows

log = logging.getLogger(__name__)

EXACT_MAX = 20_000           # above this many vectors: sketch prefilter + exact rescoring
PREFILTER_MIN = 4_000        # candidates kept by the prefilter, at least
PREFILTER_PER_K = 5          # ... and at least this many per result asked for
PREFILTER_FRACTION = 66      # ... and at least 1.5% of all rows (15,000 at 1M, and ~10% more)
SKETCH_DIMS = 64             # the codes' first components the prefilter scores
SKETCH_SAMPLE = 20_000       # vectors the components are computed from
LOAD_CHUNK = 16_384          # rows read from the catalog at a time (a full load never holds n x d)
STAGE2_MIN = 2_000           # candidates the codes rank for `spare`, at least
STAGE2_PER_K = 10            # ... and at least this many per result asked for
STAGE2_FRACTION = 500        # ... and at least 0.2% of all rows (2,000 at 1M)
RESCORE_MIN = 200            # the codes' best rows read from the store and scored exactly
RESCORE_PER_K = 1.5          # ... and at least this many per result asked for


@dataclass(frozen=True)
class VectorTable:
    """Where an index reads its rows: a table with (id, file_id, frame_ms, model_id, vector)
    and the search_state counters its triggers move."""
    table: str
    inserts_key: str
    mutations_key: str


CLIP_VECTORS = VectorTable("embeddings", "vec_inserts", "vec_mutations")
TEXT_VECTORS = VectorTable("text_vectors", "text_inserts", "text_mutations")   # migration 0009


def _principal(sample: np.ndarray, dims: int) -> tuple[np.ndarray, np.ndarray]:
    """(centre (d,), basis (d, dims) with orthonormal columns): the sample's first principal
    components, float32."""
    sample = np.asarray(sample, np.float32)
    center = sample.mean(axis=0)
    x = (sample - center).astype(np.float64)
    evals, evecs = np.linalg.eigh(x.T @ x)
    basis = evecs[:, np.argsort(-evals)[:min(dims, sample.shape[1])]]
    return center, np.ascontiguousarray(basis, np.float32)


@dataclass(frozen=True)
class CodeRows:
    """Rows' codes in two blocks: the sketch (the first SKETCH_DIMS components), which the
    prefilter reads for every row, and the rest, read for the candidates only. Two
    contiguous arrays: the product reads the sketch as one block, and it is held once."""
    head: np.ndarray   # uint8 (n, SKETCH_DIMS)
    tail: np.ndarray   # uint8 (n, m - SKETCH_DIMS)

    @staticmethod
    def widths(dims: int) -> tuple[int, int]:
        """Columns of the sketch and of the rest, for codes of `dims` components."""
        s = min(SKETCH_DIMS, dims)
        return s, dims - s

    @classmethod
    def empty(cls, n: int, dims: int) -> CodeRows:
        s, rest = cls.widths(dims)
        return cls(np.empty((n, s), np.uint8), np.empty((n, rest), np.uint8))

    def __len__(self) -> int:
        return len(self.head)

    @property
    def nbytes(self) -> int:
        return self.head.nbytes + self.tail.nbytes

    def put(self, start: int, rows: CodeRows) -> None:
        self.head[start:start + len(rows)] = rows.head
        self.tail[start:start + len(rows)] = rows.tail

    def take(self, rows) -> CodeRows:
        """These rows (positions, or a slice), in that order."""
        return CodeRows(self.head[rows], self.tail[rows])

    @staticmethod
    def concat(parts: list[CodeRows]) -> CodeRows:
        return CodeRows(np.concatenate([p.head for p in parts]),
                        np.concatenate([p.tail for p in parts]))


@dataclass(frozen=True)
class Codes:
    """Each vector as int8 coordinates on the principal components of the library's vectors,
    a scale per component (max |coordinate| of a sample / 127, beyond: clipped), held as
    uint8 (coordinate + 128: the integer product's left side must be unsigned). A query's
    score against a code, (q B s) . code, is its cosine with x less q.c (the same for every
    row), less the rounding: `with_rest` adds q.c back, so the estimate is a cosine, off by
    ~1e-3. The first SKETCH_DIMS components alone (the *sketch*) pick the candidates among
    all rows; the whole code ranks those. Simulated and measured at 1M: docs/BENCHMARKS.md,
    "A second stage in memory", "The prefilter on int8 codes" and "Codes on every
    component"."""
    center: np.ndarray   # (d,) float32
    basis: np.ndarray    # (d, m) float32
    scale: np.ndarray    # (m,) float32

    @classmethod
    def fit(cls, sample: np.ndarray, dims: int | None = None) -> Codes:
        """Codes on the sample's first `dims` principal components (None: all of them)."""
        sample = np.asarray(sample, np.float32)
        center, basis = _principal(sample, dims or sample.shape[1])
        top = np.abs((sample - center) @ basis).max(axis=0)
        return cls(center, basis, np.where(top > 0, top / 127, 1).astype(np.float32))

    @property
    def dims(self) -> int:
        return self.basis.shape[1]

    def encode(self, mat: np.ndarray) -> CodeRows:
        """The codes of (n, d) vectors, LOAD_CHUNK rows at a time."""
        mat = np.asarray(mat)
        out = CodeRows.empty(len(mat), self.dims)
        h = out.head.shape[1]
        for s in range(0, len(mat), LOAD_CHUNK):
            x = (np.asarray(mat[s:s + LOAD_CHUNK], np.float32) - self.center) @ self.basis
            np.clip(np.rint(x / self.scale), -127, 127, out=x)
            x += 128
            out.head[s:s + len(x)] = x[:, :h]
            out.tail[s:s + len(x)] = x[:, h:]
        return out

    def sketch_scores(self, q: np.ndarray, sketches: np.ndarray) -> np.ndarray:
        """int32 scores of sketches against q (the order is what counts): the first terms of
        the whole codes' sums, q rounded at the whole code's scale, so that the second stage
        adds the rest of each candidate's code to the prefilter's own sums instead of reading
        its sketch again."""
        return products(sketches, self._query(q, self.dims)[0][:sketches.shape[1]])

    def with_rest(self, q: np.ndarray, head: np.ndarray, rest: np.ndarray) -> np.ndarray:
        """Estimated cosines (float32) of rows with q, from their sketch_scores (`head`) and
        the rest of their codes (`rest`, uint8, the same rows)."""
        qi, unit = self._query(q, self.dims)
        raw = head.astype(np.float64)
        if rest.shape[1]:
            raw += products(rest, qi[len(qi) - rest.shape[1]:])
        raw -= 128 * int(qi.astype(np.int64).sum())
        return (raw * unit + float(q @ self.center)).astype(np.float32)

    def decoded(self, codes: CodeRows) -> np.ndarray:
        """(n, dims) float32 rows whose dot products are the cosines the codes estimate
        between those rows, as `with_rest` does for a query: each row's coordinates on the
        components plus the centre's. The index's codes are on every component, an
        orthonormal basis, so these products are those of the vectors the codes stand for."""
        m, h = self.dims, codes.head.shape[1]
        out = np.empty((len(codes), m), np.float32)
        np.subtract(codes.head, np.float32(128), out=out[:, :h])
        np.subtract(codes.tail, np.float32(128), out=out[:, h:])
        out *= self.scale
        out += self.center @ self.basis
        return out

    def _query(self, q: np.ndarray, dims: int) -> tuple[np.ndarray, float]:
        """q's coordinates on the first dims components times their scales, rounded to int8
        at their own scale, and what one unit of that product is worth."""
        qs = (q @ self.basis[:, :dims]) * self.scale[:dims]
        top = float(np.abs(qs).max())
        if top <= 0:
            return np.zeros(dims, np.int8), 0.0
        return np.rint(qs * (127 / top)).astype(np.int8), top / 127

    def arrays(self, codes: CodeRows) -> dict[str, np.ndarray]:
        return {"sketch": codes.head, "rest": codes.tail, "center": self.center,
                "basis": self.basis, "scale": self.scale}


@dataclass
class Neighbours:
    rows: np.ndarray         # row numbers into the index, best first
    scores: np.ndarray       # cosine similarity, float32


class VectorIndex:
    """Vectors of one model id. Thread-safe: `refresh` swaps arrays under a lock and searches
    work on the arrays they read at their start.

    Up to `exact_max` rows the float32 vectors are held in memory and searched exactly.
    Above, only each vector's int8 codes (`Codes`, held as `CodeRows`: the sketch apart,
    then the rest) and the ids are in memory; the float16 vectors the best candidates are
    rescored with live in a store beside the catalog, read by position
    (core/search/vector_store.py), which the next start loads instead of the catalog."""

    def __init__(self, model_id: str, exact_max: int = EXACT_MAX,
                 table: VectorTable = CLIP_VECTORS, db_path: Path | str | None = None):
        self.model_id = model_id
        self.table = table
        self.exact_max = exact_max
        self.db_path = Path(db_path) if db_path is not None else None
        self.dim: int | None = None
        self.emb_ids = np.empty(0, np.int64)
        self.file_ids = np.empty(0, np.int64)
        self.frame_ms = np.empty(0, np.int64)
        self._mat: np.ndarray | None = None      # exact mode: float32 (d, n), one row per dim
        self._pos: np.ndarray | None = None      # compact mode: each row's place in the store
        self._rows: F16Rows | None = None        # compact mode: the float16 store
        self._codes: CodeRows | None = None      # compact mode: the sketches, and the rest
        self._coder: Codes | None = None         # the projection that makes them
        self._stamp: tuple[int, int] | None = None
        self._seq = 0          # the last vector_changes entry this index has seen
        self.malformed = 0  # rows of this model left out: a blob of the wrong length (logged)
        self._memo: tuple | None = None
        self._last: tuple | None = None   # the last compact search: its pool and rows read
        self.filter_masks: dict = {}   # the engine's filter masks over these rows (None: asked once)
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.emb_ids)

    @property
    def binary(self) -> bool:
        """Compact mode: sketches in memory, vectors in the store (the name is from when the
        sketches were sign bits)."""
        return self._codes is not None

    def resident_bytes(self) -> int:
        """Bytes this index holds in memory (the store's file not counted)."""
        arrays = (self.emb_ids, self.file_ids, self.frame_ms, self._mat, self._pos,
                  self._codes)
        tail = self._rows.tail_rows * (self.dim or 0) * 2 if self._rows is not None else 0
        return sum(a.nbytes for a in arrays if a is not None) + tail

    # --- loading -------------------------------------------------------------------------
    def refresh(self, conn: Connection) -> None:
        """Bring the index in step with the catalog (cheap when nothing changed). Inserts,
        updates and deletes since the last refresh are applied as such (the vector_changes
        journal of migration 0019 names the changed rows); only a catalog that cannot say
        what changed is read whole."""
        if _stamp(conn, self.table) == self._stamp:
            return
        with self._lock, _snapshot(conn):
            stamp = _stamp(conn, self.table)
            if stamp == self._stamp:
                return
            if self._stamp is None and self.db_path is not None:
                self._load_store(conn)
            if self._stamp is None or stamp != self._stamp and not self._catch_up(conn, stamp):
                self._load_all(conn)
            self._stamp = stamp

    def _want(self, conn: Connection) -> dict:
        """What a saved store must match: this table and model, in this very catalog."""
        row = conn.execute("SELECT applied_at FROM schema_migrations ORDER BY version "
                           "LIMIT 1").fetchone()
        return {"table": self.table.table, "model_id": self.model_id,
                "catalog_made": row[0] if row else None, "exact_max": self.exact_max}

    def _load_store(self, conn: Connection) -> None:
        found = vector_store.load(self._folder(), self._want(conn))
        if found is None:
            return
        meta, a, rows = found
        self.dim = rows.dim
        codes, coder = self._stored_codes(meta["gen"], a["pos"], rows)
        self._set(a["ids"], a["fids"], a["fms"], pos=a["pos"], rows=rows, codes=codes,
                  coder=coder)
        self._stamp, self._seq = tuple(meta["stamp"]), int(meta["seq"])
        self.malformed = int(meta["malformed"])

    def _stored_codes(self, gen: str, pos: np.ndarray, rows: F16Rows
                      ) -> tuple[np.ndarray, Codes]:
        """The codes saved beside the store's generation; made from its float16 rows (read
        in order, a chunk at a time) and saved when there are none: a store written before
        the second stage existed is used as it is."""
        folder = self._folder()
        s, rest = CodeRows.widths(rows.dim)
        c = vector_store.load_codes(folder, gen, {"sketch": (len(pos), s), "rest": (len(pos), rest)})
        if c is not None:
            return (CodeRows(c["sketch"], c["rest"]),
                    Codes(c["center"], c["basis"], c["scale"]))
        coder = Codes.fit(_store_sample(rows, pos))
        codes = CodeRows.empty(len(pos), coder.dims)
        for s in range(0, len(pos), LOAD_CHUNK):
            codes.put(s, coder.encode(rows.gather(pos[s:s + LOAD_CHUNK])))
        vector_store.save_codes(folder, gen, coder.arrays(codes))
        return codes, coder

    def _folder(self) -> Path | None:
        if self.db_path is None:
            return None
        return vector_store.store_dir(self.db_path, self.table.table, self.model_id)

    def _load_all(self, conn: Connection) -> None:
        """Read every vector of the model from the catalog, a chunk at a time."""
        (self._seq,) = conn.execute("SELECT coalesce(max(seq), 0) FROM vector_changes"
                                    ).fetchone() if _has_journal(conn) else (0,)
        where, args = "WHERE model_id = ?", (self.model_id,)
        (n,) = conn.execute(f"SELECT count(*) FROM {self.table.table} {where}", args).fetchone()
        if n <= self.exact_max:
            ids, fids, fms, mat, bad = _concat(_row_chunks(conn, self.table, where, args, n))
            self.malformed = bad
            self._build(ids, fids, fms, mat)
            return
        ids, fids, fms = (np.empty(n, np.int64) for _ in range(3))
        writer = codes = coder = None
        i = bad = 0
        for cids, cfids, cfms, cmat, cbad in _row_chunks(conn, self.table, where, args, n):
            bad += cbad
            if writer is None:
                self.dim = cmat.shape[1]
                sample = _sample(conn, self.table, self.model_id, n, self.dim, cmat)
                coder = Codes.fit(sample)
                writer = vector_store.StoreWriter(self._folder(), self.dim)
                codes = CodeRows.empty(n, coder.dims)
            m = len(cids)
            ids[i:i + m], fids[i:i + m], fms[i:i + m] = cids, cfids, cfms
            codes.put(i, coder.encode(cmat))
            writer.write(cmat)
            i += m
        if writer is None:
            self._build(ids[:0], fids[:0], fms[:0], np.empty((0, self.dim or 0), np.float32))
            return
        self.malformed = bad
        pos = np.arange(i, dtype=np.int64)
        self._finish(writer, ids[:i], fids[:i], fms[:i], pos, _stamp(conn, self.table), conn,
                     codes.take(slice(0, i)), coder)
        vector_store.trim_heap()

    def _finish(self, writer, ids, fids, fms, pos, stamp, conn, codes, coder) -> None:
        meta = {"stamp": list(stamp), "seq": self._seq, "malformed": self.malformed,
                **self._want(conn)}
        rows = writer.finish(dict(zip(vector_store.ARRAYS, (ids, fids, fms, pos))), meta,
                             {"codes": coder.arrays(codes)})
        self._set(ids, fids, fms, pos=pos, rows=rows, codes=codes, coder=coder)

    def _catch_up(self, conn: Connection, stamp: tuple[int, int]) -> bool:
        """Apply the rows inserted, changed and deleted since this index was made. False when
        that cannot be known (a catalog restored from an older copy, a journal pruned past
        this index, a row count that does not add up): the caller reads everything."""
        old = self._stamp
        if stamp[0] < old[0] or stamp[1] < old[1]:
            return False
        changed = np.empty(0, np.int64)
        seq = self._seq
        if stamp[1] != old[1]:
            if not _has_journal(conn):
                return False
            (first, seq) = conn.execute("SELECT min(seq), max(seq) FROM vector_changes").fetchone()
            if first is None or first > self._seq + 1:
                return False
            changed = np.unique(np.fromiter(
                (r[0] for r in conn.execute("SELECT row_id FROM vector_changes WHERE seq > ? "
                                            "AND tbl = ?", (self._seq, self.table.table))),
                np.int64))
        # Rows above the largest id held are new; an id at or below it that is new again
        # (reused after a delete, or an INSERT OR REPLACE) makes the count below disagree.
        last = int(self.emb_ids[-1]) if len(self) else 0
        new = _rows_changed(conn, self.table, self.model_id, last, changed)
        if new is None:
            return False
        ids, fids, fms, mat, bad = new
        if not len(ids):
            mat = np.empty((0, self.dim or 0), np.float32)
        keep = ~np.isin(self.emb_ids, changed) if len(changed) else None
        kept = len(self) if keep is None else int(keep.sum())
        (count,) = conn.execute(f"SELECT count(*) FROM {self.table.table} WHERE model_id = ?",
                                (self.model_id,)).fetchone()
        if count != kept + len(ids) + self.malformed + bad:
            return False
        if len(ids) and self.dim is not None and mat.shape[1] != self.dim:
            return False
        if (kept + len(ids) > self.exact_max) != self.binary and kept + len(ids) > 0:
            return False      # crossing the exact/compact line: built anew
        self.malformed += bad
        self._seq = seq
        self._apply(keep, ids, fids, fms, mat, stamp, conn)
        return True

    def _apply(self, keep, ids, fids, fms, mat, stamp, conn) -> None:
        """Drop the rows not kept, add the new ones, keep rows in id order."""
        def sel(a, axis=0):
            return a if keep is None else np.compress(keep, a, axis=axis)

        all_ids = np.concatenate([sel(self.emb_ids), ids])
        order = None
        if len(ids) and len(all_ids) > len(ids) and ids.min() < all_ids[len(all_ids) - len(ids) - 1]:
            order = np.argsort(all_ids, kind="stable")   # a row id reused or a row changed
        all_fids = np.concatenate([sel(self.file_ids), fids])
        all_fms = np.concatenate([sel(self.frame_ms), fms])
        if not self.binary:
            cols = sel(self._mat, axis=1) if self._mat is not None else None
            if len(ids):
                new = np.asarray(mat, np.float32).T
                cols = new if cols is None or not cols.shape[1] else np.concatenate([cols, new], 1)
            if cols is None:
                cols = np.empty((self.dim or 0, 0), np.float32)
            if order is not None:
                all_ids, all_fids, all_fms, cols = (all_ids[order], all_fids[order],
                                                    all_fms[order], cols[:, order])
            self.dim = cols.shape[0] if cols.shape[1] else self.dim
            self._set(all_ids, all_fids, all_fms, mat=np.ascontiguousarray(cols))
            return
        rows = self._rows
        codes = CodeRows.concat([self._codes if keep is None else
                                 self._codes.take(np.flatnonzero(keep)), self._coder.encode(mat)])
        pos = np.concatenate([sel(self._pos), rows.append(mat)])
        if order is not None:
            all_ids, all_fids, all_fms, pos, codes = (all_ids[order], all_fids[order],
                                                      all_fms[order], pos[order], codes.take(order))
        if rows.tail_rows > max(LOAD_CHUNK, len(all_ids) // vector_store.TAIL_MAX_FRACTION) \
                or rows.size > 2 * len(all_ids) + LOAD_CHUNK:
            # Many rows added or replaced since the store was written: a new one, in row order
            # (and codes made anew, from the library as it is now).
            writer = vector_store.StoreWriter(self._folder(), rows.dim)
            coder = Codes.fit(_store_sample(rows, pos))
            for s in range(0, len(pos), LOAD_CHUNK):
                block = rows.gather(pos[s:s + LOAD_CHUNK])
                writer.write(block)
                codes.put(s, coder.encode(block))
            self._finish(writer, all_ids, all_fids, all_fms, np.arange(len(pos), dtype=np.int64),
                         stamp, conn, codes, coder)
            return
        self._set(all_ids, all_fids, all_fms, pos=pos, rows=rows, codes=codes, coder=self._coder)

    def _set(self, ids, fids, fms, *, mat=None, pos=None, rows=None, codes=None, coder=None
             ) -> None:
        if codes is not None:
            tune(codes.head)    # before the first search that scans them
        self._mat, self._pos, self._rows, self._codes, self._coder = mat, pos, rows, codes, coder
        self.emb_ids, self.file_ids, self.frame_ms = ids, fids, fms

    def _build(self, ids, fids, fms, mat: np.ndarray) -> None:
        """The index of these rows, from a matrix in memory (small loads, tests, benchmarks;
        a large one goes to an unnamed temporary store)."""
        n = len(ids)
        self.dim = mat.shape[1] if n else self.dim
        if n > self.exact_max:
            coder = Codes.fit(mat[::max(1, n // SKETCH_SAMPLE)])
            writer = vector_store.StoreWriter(None, self.dim)
            for s in range(0, n, LOAD_CHUNK):
                writer.write(mat[s:s + LOAD_CHUNK])
            self._set(ids, fids, fms, pos=np.arange(n, dtype=np.int64),
                      rows=writer.finish({}, {}), codes=coder.encode(mat), coder=coder)
        else:
            self._set(ids, fids, fms, mat=np.ascontiguousarray(np.asarray(mat, np.float32).T))

    # --- search --------------------------------------------------------------------------
    def search(self, query: np.ndarray, k: int, mask: np.ndarray | None = None, *,
               spare: bool = False) -> Neighbours:
        """The k rows most similar (cosine) to the L2-normalised `query`, best first.
        `mask`: optional bool array over rows; False rows are never returned. `spare`: after
        the k, also the rest of the candidates the second stage ranked best (above
        exact_max: 2,000 at 1M), best first: of these, the best row of each of their first
        k files is read and scored exactly, the others keep their codes' estimates (a cosine
        off by ~1e-3, no higher than their file's exact best). A row missing among them may
        belong there: the engine takes them to fill `limit` files when a file has many rows
        (passages, keyframes), instead of a ten times wider search. Asked right after the same
        search without it (same query, k and mask), the candidates are not ranked again."""
        one_blas_thread()
        return self._search(query, k, mask, spare)

    def neighbours(self, row: int, k: int, mask: np.ndarray | None = None) -> Neighbours:
        """k-NN by row: the k rows most similar to row `row`'s own vector, best first, the row
        itself left out (rows of the same file are not: the caller decides). One search's
        cost (~10-20 ms at 1M on 2 cores): for near-duplicates, ask for the rows that need it,
        not for all pairs."""
        one_blas_thread()
        nb = self._search(self.vector_of(row), k + 1, mask, False)
        keep = nb.rows != row
        return Neighbours(nb.rows[keep][:k], nb.scores[keep][:k])

    def _search(self, query: np.ndarray, k: int, mask: np.ndarray | None,
                spare: bool) -> Neighbours:
        mat, pos, rows, codes, coder = self._mat, self._pos, self._rows, self._codes, self._coder
        fids = self.file_ids
        n = len(codes) if codes is not None else 0 if mat is None else mat.shape[1]
        if n == 0 or k <= 0:
            return Neighbours(np.empty(0, np.int64), np.empty(0, np.float32))
        q = np.asarray(query, np.float32).reshape(-1)
        if q.shape[0] != self.dim:
            raise ValueError(f"query has {q.shape[0]} dims, the index {self.dim}")
        if codes is None:
            scores = self._exact_scores(mat, q)
            if mask is not None:
                scores = np.where(mask[:n], scores, -np.inf)
            return _top(scores, k, np.arange(n))
        # The engine's `spare` call asks again with the same vector, k and mask: the last
        # search's pool and the rows it read are remembered, neither made again.
        key = (q.tobytes(), k)
        last = self._last
        if last is not None and last[0] is codes and last[1] is mask and last[2] == key:
            pool, est, cand, scores = last[3:]
        else:
            pool, est = self._pool(q, k, mask, n, codes, coder)
            # in store order: fewer, longer reads
            cand = np.sort(pool[:max(RESCORE_MIN, int(RESCORE_PER_K * k))])
            scores = rows.scores(pos[cand], q)
            self._last = (codes, mask, key, pool, est, cand, scores)
        if not spare:
            return _top(scores, k, cand)
        rest = pool[len(cand):]
        rest_scores = _spare_scores(q, fids[rest], rows, pos[rest], est[len(cand):], k)
        return _top(np.concatenate([scores, rest_scores]), len(pool),
                    np.concatenate([cand, rest]))

    def _pool(self, q: np.ndarray, k: int, mask: np.ndarray | None, n: int, codes: CodeRows,
              coder: Codes) -> tuple[np.ndarray, np.ndarray]:
        """Candidate rows, best first by their codes' estimate, and those estimates: the rows
        the sketches keep, ranked by the whole codes, up to the spare pool's size."""
        c = min(n, max(PREFILTER_MIN, PREFILTER_PER_K * k, n // PREFILTER_FRACTION))
        within = None if mask is None else np.flatnonzero(mask[:n])
        if within is not None and len(within) <= c:
            cand = within       # a selective filter: every row in it is a candidate
            head = coder.sketch_scores(q, codes.head[cand])
        else:
            # Prefilter: the query against every sketch (one uint8 x int8 product)
            approx = coder.sketch_scores(q, codes.head)
            if within is not None:
                approx[~mask[:n]] = _NEVER
            cand = _at_least(approx, c)                 # in store order: a cheaper gather
            if within is not None:
                cand = cand[mask[cand]]
            head = approx[cand]     # the whole code's first terms, already summed
        # Second stage: the candidates' whole codes, in memory
        est = coder.with_rest(q, head, codes.tail[cand])
        best = _top_k(est, max(STAGE2_MIN, STAGE2_PER_K * k, n // STAGE2_FRACTION))
        best = best[np.argsort(-est[best], kind="stable")]
        return cand[best], est[best]

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
        """(len(rows), d) float32 copies of those rows' vectors (float16 precision above
        exact_max rows)."""
        rows = np.asarray(rows, np.int64)
        if self._codes is not None:
            return self._rows.gather(self._pos[rows])
        return np.array(self._mat[:, rows].T, np.float32, order="C")

    def estimated_vectors_of(self, rows: np.ndarray) -> np.ndarray:
        """Vectors of those rows whose dot products are their cosines as the codes estimate
        them (~1e-3 off; `Codes.decoded`), made from memory: no read from the store. Below
        exact_max, the vectors themselves. For work that compares most rows with others
        (near-duplicate candidates), where a read a row cost more than the comparing."""
        codes, coder = self._codes, self._coder
        if codes is None:
            return self.vectors_of(rows)
        return coder.decoded(codes.take(np.asarray(rows, np.int64)))

    def rows_of_file(self, file_id: int) -> np.ndarray:
        return np.flatnonzero(self.file_ids == file_id)


def _spare_scores(q: np.ndarray, fids: np.ndarray, rows: F16Rows, pos: np.ndarray,
                  est: np.ndarray, k: int) -> np.ndarray:
    """Scores for the spare rows (those past the rows read, best first by estimate; their
    files, store positions and estimates): the best row of each of their first k files is
    read and scored exactly, as the engine takes a file's best row; every other row keeps its
    codes' estimate, no higher than its file's exact best. Reading every spare row cost 10-16
    ms a call at 1M, one read a row (docs/BENCHMARKS.md, "Spare rows: a read per file")."""
    files, first, of = np.unique(fids, return_index=True, return_inverse=True)
    read = np.sort(first)[:k]                # each file's best estimate, of the first k files
    exact = rows.scores(pos[read], q)
    cap = np.full(len(files), np.inf, np.float32)
    cap[of[read]] = exact
    out = np.minimum(est, cap[of])
    out[read] = exact
    return out


def _top(scores: np.ndarray, k: int, rows: np.ndarray) -> Neighbours:
    finite = np.isfinite(scores)
    k = min(k, int(finite.sum()))
    if k <= 0:
        return Neighbours(np.empty(0, np.int64), np.empty(0, np.float32))
    part = _top_k(scores, k)
    part = part[np.argsort(-scores[part], kind="stable")]
    return Neighbours(rows[part].astype(np.int64), scores[part].astype(np.float32))


_NEVER = np.iinfo(np.int32).min + 1   # a sketch score no row reaches (and -_NEVER exists)
_SAMPLE_STEP = 32


def _at_least(scores: np.ndarray, k: int) -> np.ndarray:
    """Positions, ascending, of every score at or above a threshold that at least k reach:
    the k largest and ~10% more. A prefilter's candidates, where a few more cost little and
    the exact k's partition and sort were ~1.5 ms at 1M. The threshold comes from a strided
    sample; when too few or far too many rows reach it, the exact k (sorted) instead."""
    n = len(scores)
    if k >= n:
        return np.arange(n)
    if n >= 16 * k and n >= 16 * _SAMPLE_STEP:
        cand = _over_sampled_threshold(scores, k + k // 10)
        if k <= len(cand) <= 2 * k:
            return cand
    return np.sort(_top_k(scores, k))


def _over_sampled_threshold(scores: np.ndarray, want: int) -> np.ndarray:
    """Positions, ascending, of the scores at or above the threshold that about `want` of
    them reach, judged on a strided sample: one cheap comparison pass over all of them."""
    sample = scores[::_SAMPLE_STEP]
    j = min(len(sample) - 1, want // _SAMPLE_STEP + 1)
    threshold = np.partition(sample, len(sample) - 1 - j)[len(sample) - 1 - j]
    return np.flatnonzero(scores >= threshold)


def _top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Positions of the k largest scores, in no order. Over a long array, a threshold from a
    strided sample first keeps ~4k candidates (one cheap comparison pass) and argpartition
    runs on those: ~5x faster than argpartition over 100k scores. Exact either way: when
    fewer than k pass the threshold, the whole array is partitioned."""
    n = len(scores)
    if k >= n:
        return np.arange(n)
    if n >= 64 * k and n >= 16 * _SAMPLE_STEP:
        cand = _over_sampled_threshold(scores, 4 * k)
        if len(cand) >= k:
            return cand[np.argpartition(-scores[cand], k - 1)[:k]]
    return np.argpartition(-scores, k - 1)[:k]


def _stamp(conn: Connection, table: VectorTable = CLIP_VECTORS) -> tuple[int, int]:
    rows = dict(conn.execute("SELECT key, value FROM search_state").fetchall())
    return int(rows.get(table.inserts_key, 0)), int(rows.get(table.mutations_key, 0))


@contextlib.contextmanager
def _snapshot(conn: Connection):
    """One read transaction around a refresh: the counters, the journal and the rows it reads
    are of the same moment, even while the pipeline writes."""
    if conn.in_transaction:
        yield
        return
    conn.execute("BEGIN")
    try:
        yield
    finally:
        if conn.in_transaction:
            conn.execute("COMMIT")


def _has_journal(conn: Connection) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'vector_changes'"
                        ).fetchone() is not None


_EMPTY = (np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int64),
          np.empty((0, 0), np.float32), 0)


def _row_chunks(conn: Connection, table: VectorTable, where: str, args: tuple, n: int,
                dim: int | None = None):
    """(ids, file ids, frame_ms, float32 (m, d), rows left out) for each chunk of at most
    LOAD_CHUNK rows of the query, in id order, at most n rows. A blob of the wrong length is
    left out and logged, not fatal: a malformed vector must not sink the whole index."""
    if dim is None:
        first = conn.execute(f"SELECT length(vector) FROM {table.table} {where} ORDER BY id "
                             "LIMIT 1", args).fetchone()
        if first is None:
            return
        dim = first[0] // 4
    cur = conn.execute(f"SELECT id, file_id, frame_ms, vector FROM {table.table} {where} "
                       "ORDER BY id", args)
    bad_all = seen = 0
    while seen < n and (chunk := cur.fetchmany(LOAD_CHUNK)):
        chunk = chunk[:n - seen]
        seen += len(chunk)
        good = [r for r in chunk if len(r[3]) == dim * 4]
        bad = len(chunk) - len(good)
        bad_all += bad
        m = len(good)
        ids = np.fromiter((r[0] for r in good), np.int64, m)
        fids = np.fromiter((r[1] for r in good), np.int64, m)
        fms = np.fromiter((r[2] for r in good), np.int64, m)
        mat = np.frombuffer(b"".join(r[3] for r in good), "<f4").reshape(m, dim)
        yield ids, fids, fms, mat, bad
    if bad_all:
        log.warning("search: %d vectors of %s are not %d-d float32 (damaged rows?) and were "
                    "left out of search", bad_all, table.table, dim)


def _sample(conn: Connection, table: VectorTable, model_id: str, n: int, dim: int,
            first: np.ndarray) -> np.ndarray:
    """About SKETCH_SAMPLE vectors spread over the whole table (rows in id order are in scan
    order: the first ones may all be one folder); the first chunk when that finds too few."""
    lo, hi = conn.execute(f"SELECT min(id), max(id) FROM {table.table} WHERE model_id = ?",
                          (model_id,)).fetchone()
    step = max(1, (hi - lo) // SKETCH_SAMPLE)
    blobs = [r[0] for r in conn.execute(
        f"SELECT vector FROM {table.table} WHERE model_id = ? AND id % ? = 0 LIMIT ?",
        (model_id, step, SKETCH_SAMPLE)) if len(r[0]) == dim * 4]
    if len(blobs) < min(n, SKETCH_SAMPLE) // 2:
        return first
    return np.frombuffer(b"".join(blobs), "<f4").reshape(len(blobs), dim)


def _store_sample(rows: F16Rows, pos: np.ndarray) -> np.ndarray:
    """About SKETCH_SAMPLE of the store's rows, spread over it, read in store order."""
    return rows.gather(np.sort(pos[::max(1, len(pos) // SKETCH_SAMPLE)]))


def _concat(chunks) -> tuple:
    parts = list(chunks)
    if not parts:
        return _EMPTY
    return (*(np.concatenate([p[i] for p in parts]) for i in range(4)),
            sum(p[4] for p in parts))


def _rows(conn: Connection, table: VectorTable, model_id: str, after_id: int):
    """(embedding ids, file ids, frame_ms, float32 matrix, rows left out) of model_id's rows
    after after_id. For small loads: a large one streams through _row_chunks."""
    where, args = "WHERE model_id = ? AND id > ?", (model_id, after_id)
    (n,) = conn.execute(f"SELECT count(*) FROM {table.table} {where}", args).fetchone()
    return _concat(_row_chunks(conn, table, where, args, n))


def _rows_changed(conn: Connection, table: VectorTable, model_id: str, last_id: int,
                  changed: np.ndarray):
    """The rows of model_id above last_id, and those among `changed` that still exist (their
    current vectors), in id order."""
    parts = [_rows(conn, table, model_id, last_id)]
    for chunk, marks in in_chunks(int(x) for x in changed if x <= last_id):
        where = f"WHERE model_id = ? AND id IN ({marks})"
        parts.append(_concat(_row_chunks(conn, table, where, (model_id, *chunk), len(chunk))))
    parts = [p for p in parts if len(p[0])]
    if not parts:
        return _EMPTY
    if len({p[3].shape[1] for p in parts}) > 1:    # vectors of two lengths: read all anew
        return None
    ids, fids, fms, mat, bad = _concat(parts)
    order = np.argsort(ids, kind="stable")
    return ids[order], fids[order], fms[order], mat[order], bad


_CACHE: dict[tuple[str, str, str], VectorIndex] = {}
_CACHE_LOCK = threading.Lock()


def get_index(db_path: Path | str, conn: Connection, model_id: str,
              table: VectorTable = CLIP_VECTORS) -> VectorIndex:
    """The process-wide index of `model_id`'s vectors in the catalog at db_path, refreshed."""
    key = (str(db_path), table.table, model_id)
    with _CACHE_LOCK:
        index = _CACHE.get(key)
        if index is None:
            index = _CACHE[key] = VectorIndex(model_id, EXACT_MAX, table, db_path)
    index.refresh(conn)
    return index


def drop_cached(db_path: Path | str | None = None) -> None:
    """Forget cached indexes (of one catalog, or all): frees their memory."""
    with _CACHE_LOCK:
        for key in [k for k in _CACHE if db_path is None or k[0] == str(db_path)]:
            del _CACHE[key]
