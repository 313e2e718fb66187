"""Near-duplicate candidates from the vectors without comparing all pairs.

The all-pairs block product costs n^2 * d: hours at 1M photos on two cores. Here the vectors
are partitioned into cells (an inverted file: spherical k-means on a sample, sqrt(PROBES * n)
cells but at least n / CELL_SIZE, so cells stop growing from 120k photos on), every photo
lives in its nearest cell and is compared with the photos of its PROBES nearest cells; a photo
keeps, per cell, its NEIGHBOURS best matches at or above the threshold. Near-duplicates sit at
cosine >= 0.92, far closer than the cells are wide, so they share a cell or a probed
neighbour: measured recall against the exact all-pairs set in docs/BENCHMARKS.md
("Near-duplicate candidates: cells of the vector space instead of all pairs"). A photo's
nearest cells are found without scanning each centroid: the cells are trained and looked up in
two levels (a coarse k-means over the photos, cells inside each coarse group; the photos of one
coarse group are compared, in one product, with the cells of every group among their
COARSE_PROBES nearest). On the 1M benchmark that is still about half a full scan, and the part
of the time that grows faster than n.

Incremental: the cells and the pairs found are kept per catalog and model (in memory, by
embedding id, which never changes for a vector). A later search compares only the new photos,
with the photos of their cells and with those that probe the cells they land in - the same
pairs a full run finds for them. Photos that went away drop out of the pairs. Below
EXACT_BELOW photos (or when the library grew past REBUILD_GROWTH times the photos the cells
were trained on) the whole set is redone.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

EXACT_BELOW = 2000      # fewer photos: one block product is cheaper than training cells
PROBES = 3              # cells a photo is compared in: its nearest centroids
CELL_SIZE = 200         # photos per cell on average at most: comparisons grow as n
COARSE_PROBES = 24      # coarse groups whose cells a photo's nearest cells are sought in
FLAT_BELOW = 64         # fewer cells: each photo is compared with every centroid
NEIGHBOURS = 20         # matches kept per photo and cell, best first
TOP_BY_ARGMAX = 4       # the nearest few are found by argmax passes, more by argpartition
TRAIN_PER_CELL = 32     # k-means sample: this many vectors per cell
KMEANS_ITERATIONS = 5
REBUILD_GROWTH = 4      # retrain the cells when the library grew this many times
BLOCK = 2048            # rows per block of the exact product
CHUNK = 8192            # rows assigned to cells at a time
TWO_LEVEL_CHUNK = 65536  # the same through the coarse level: more rows per coarse group and
                         # product, each group's candidate cells gathered once a chunk (measured
                         # 1M, us a photo: 32,768 rows 87, 65,536 73, 131,072 62; 400k: 8192
                         # rows 2.3 s, 50,000 rows 1.4 s, flat 4.7 s)
SIMS_MAX = 1 << 24      # similarities held at once comparing a cell (64 MB)

Getter = Callable[[np.ndarray], np.ndarray]   # positions -> (len, d) float32 unit vectors


@dataclass
class Pairs:
    """Candidate pairs by position (a < b) and their cosine."""
    a: np.ndarray
    b: np.ndarray
    cos: np.ndarray

    @classmethod
    def empty(cls) -> Pairs:
        return cls(np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.float32))

    def __len__(self) -> int:
        return len(self.a)


def exact_pairs(get: Getter, n: int, threshold: float, advance=None) -> Pairs:
    """Every pair at or above the threshold: the block product over the upper triangle."""
    mat = get(np.arange(n))
    out_a, out_b, out_c = [], [], []
    for start in range(0, n, BLOCK):
        block = mat[start:start + BLOCK] @ mat[start:].T
        ii, jj = np.nonzero(block >= threshold)
        keep = jj > ii
        ii, jj = ii[keep], jj[keep]
        out_a.append(ii + start)
        out_b.append(jj + start)
        out_c.append(block[ii, jj])
        if advance is not None:
            advance(min(BLOCK, n - start))
    if not out_a:
        return Pairs.empty()
    return Pairs(np.concatenate(out_a).astype(np.int64), np.concatenate(out_b).astype(np.int64),
                 np.concatenate(out_c).astype(np.float32))


@dataclass
class Cells:
    """Fine centroids (cells, d) and, from FLAT_BELOW cells on, the coarse level over them: a
    photo's nearest cells are looked for among the cells of its COARSE_PROBES nearest coarse
    groups."""
    cent: np.ndarray
    coarse: np.ndarray | None = None
    owned: list[np.ndarray] | None = None      # per coarse group: its cell ids

    def __len__(self) -> int:
        return len(self.cent)


def _kmeans(x: np.ndarray, k: int, rng) -> np.ndarray:
    """Spherical k-means centroids (k, d) of the unit rows x."""
    cent = x[rng.choice(len(x), size=min(k, len(x)), replace=False)].copy()
    for _ in range(KMEANS_ITERATIONS):
        assign = np.argmax(x @ cent.T, axis=1)
        order = np.argsort(assign, kind="stable")
        used, starts = np.unique(assign[order], return_index=True)
        sums = np.zeros_like(cent)
        sums[used] = np.add.reduceat(x[order], starts, axis=0)   # (np.add.at: 20x slower)
        norms = np.linalg.norm(sums, axis=1)
        empty = norms == 0
        if empty.any():   # an empty cell restarts at a random vector
            sums[empty] = x[rng.choice(len(x), size=int(empty.sum()))]
            norms[empty] = np.linalg.norm(sums[empty], axis=1)
        cent = (sums / norms[:, None]).astype(np.float32)
    return cent


def _cells(get: Getter, n: int, seed: int) -> Cells:
    """sqrt(PROBES * n) cells but at most CELL_SIZE photos a cell on average (small libraries
    keep bigger cells: measured, a 3,000-photo test set split more near-duplicates with cells
    of 200), trained on a sample. From FLAT_BELOW cells on, two levels: coarse k-means
    (sqrt(COARSE_PROBES * cells) groups), then k-means inside each group, with cells in
    proportion to its share of the sample (so training never compares a vector with all cells
    either)."""
    ncells = max(1, round(float(np.sqrt(PROBES * n))), round(n / CELL_SIZE))
    rng = np.random.default_rng(seed)
    sample = np.sort(rng.choice(n, size=min(n, ncells * TRAIN_PER_CELL), replace=False))
    x = get(sample)
    if ncells < FLAT_BELOW:
        return Cells(_kmeans(x, ncells, rng))
    groups = max(2, round(float(np.sqrt(COARSE_PROBES * ncells))))
    coarse = _kmeans(x, groups, rng)
    home = _nearest(x, coarse, 1)[:, 0]
    cents, owner = [], []
    for g, rows in enumerate(_by_cell(home, len(coarse))):
        if len(rows):
            k = max(1, round(ncells * len(rows) / len(x)))
            cents.append(_kmeans(x[rows], k, rng))
            owner.append(np.full(len(cents[-1]), g))
    cent = np.concatenate(cents)
    return Cells(cent, coarse, _by_cell(np.concatenate(owner), len(coarse)))


def _nearest(x: np.ndarray, cent: np.ndarray, p: int) -> np.ndarray:
    """Indices of the p rows of cent nearest to each row of x, nearest first: (len, p)."""
    sims = x @ cent.T
    if p >= len(cent):
        return np.argsort(-sims, axis=1)
    if p <= TOP_BY_ARGMAX:
        return _top(sims, p)
    top = np.argpartition(-sims, p - 1, axis=1)[:, :p]
    order = np.argsort(-np.take_along_axis(sims, top, axis=1), axis=1)
    return np.take_along_axis(top, order, axis=1)


def _assign(get: Getter, positions: np.ndarray, cells: Cells) -> np.ndarray:
    """The PROBES nearest cells of each position, nearest first: (len, probes) int32."""
    p = min(PROBES, len(cells))
    out = np.empty((len(positions), p), np.int32)
    step = CHUNK if cells.coarse is None else TWO_LEVEL_CHUNK
    for s in range(0, len(positions), step):
        x = get(positions[s:s + step])
        out[s:s + step] = _nearest(x, cells.cent, p) if cells.coarse is None else \
            _nearest_two_level(x, cells, p)
    return out


def _nearest_two_level(x: np.ndarray, cells: Cells, p: int) -> np.ndarray:
    """Rows grouped by their nearest coarse group; each group's rows compared, in one product,
    with the cells of every coarse group among those rows' COARSE_PROBES nearest."""
    groups = _nearest(x, cells.coarse, min(COARSE_PROBES, len(cells.coarse)))
    out = np.empty((len(x), p), np.int64)
    for rows in _by_cell(groups[:, 0], len(cells.coarse)):
        if len(rows):
            cand = np.concatenate([cells.owned[h] for h in np.unique(groups[rows])])
            out[rows] = cand[_nearest(x[rows], cells.cent[cand], p)]
    return out


def _top(sims: np.ndarray, p: int) -> np.ndarray:
    """Column indices of each row's p largest values, largest first; sims is overwritten.
    (p passes of argmax: several times faster than argpartition over rows of thousands.)"""
    rows = np.arange(len(sims))
    out = np.empty((len(sims), p), np.int64)
    for i in range(p):
        out[:, i] = np.argmax(sims, axis=1)
        sims[rows, out[:, i]] = -np.inf
    return out


def _by_cell(cells: np.ndarray, ncells: int) -> list[np.ndarray]:
    """Positions grouped by cell (cells: one cell per position, or several per row)."""
    flat = cells.reshape(len(cells), -1)
    pos = np.repeat(np.arange(len(flat)), flat.shape[1])
    c = flat.reshape(-1)
    order = np.argsort(c, kind="stable")
    bounds = np.searchsorted(c[order], np.arange(ncells + 1))
    return [pos[order[bounds[i]:bounds[i + 1]]] for i in range(ncells)]


def _matches(get: Getter, q: np.ndarray, m: np.ndarray, threshold: float, out: list) -> None:
    """Pairs (q[i], m[j]) at or above the threshold, each q keeping its NEIGHBOURS best."""
    if not len(q) or not len(m):
        return
    mv = get(m).T
    step = max(1, SIMS_MAX // len(m))   # one huge cell (a thousand screenshots alike) must
    for s in range(0, len(q), step):    # not hold a queries x members matrix of gigabytes
        _block_matches(get(q[s:s + step]), q[s:s + step], mv, m, threshold, out)


def _block_matches(qv, q, mv, m, threshold: float, out: list) -> None:
    sims = qv @ mv
    ii, jj = np.nonzero(sims >= threshold)
    if not len(ii):
        return
    a, b, cos = q[ii], m[jj], sims[ii, jj]
    keep = a != b
    a, b, cos, ii = a[keep], b[keep], cos[keep], ii[keep]
    counts = np.bincount(ii, minlength=len(q))
    if counts.max(initial=0) > NEIGHBOURS:
        order = np.lexsort((-cos, ii))                  # by query, best first
        rank = np.arange(len(order)) - np.searchsorted(ii[order], ii[order])
        sel = order[rank < NEIGHBOURS]
        a, b, cos = a[sel], b[sel], cos[sel]
    out.append((np.minimum(a, b), np.maximum(a, b), cos))


def _unique(found: list) -> Pairs:
    if not found:
        return Pairs.empty()
    a = np.concatenate([f[0] for f in found]).astype(np.int64)
    b = np.concatenate([f[1] for f in found]).astype(np.int64)
    cos = np.concatenate([f[2] for f in found]).astype(np.float32)
    _, first = np.unique(a * (int(b.max()) + 1) + b, return_index=True)
    return Pairs(a[first], b[first], cos[first])


class CandidateIndex:
    """The cells and the pairs found so far, by embedding id (see the module docstring)."""

    def __init__(self, threshold: float, seed: int = 0):
        self.threshold = threshold
        self.seed = seed
        self.keys = np.empty(0, np.int64)          # sorted embedding ids seen
        self.probes = np.empty((0, PROBES), np.int32)
        self.cells: Cells | None = None
        self.trained_on = 0
        self.pair_keys = (np.empty(0, np.int64), np.empty(0, np.int64))
        self.pair_cos = np.empty(0, np.float32)
        self.lock = threading.Lock()

    def pairs(self, keys: np.ndarray, get: Getter, advance=None) -> Pairs:
        """Candidate pairs among the rows whose embedding ids are `keys` (positions into
        `keys`, whose vectors `get` returns)."""
        with self.lock:
            return self._pairs(np.asarray(keys, np.int64), get, advance)

    def _pairs(self, keys, get, advance) -> Pairs:
        n = len(keys)
        if n < 2:
            return Pairs.empty()
        if n < EXACT_BELOW:
            self.cells = None
            return exact_pairs(get, n, self.threshold, advance)
        known = np.isin(keys, self.keys) if self.cells is not None else np.zeros(n, bool)
        if self.cells is None or n > REBUILD_GROWTH * self.trained_on:
            known[:] = False
            self.cells = _cells(get, n, self.seed)
            self.trained_on = n
            self.pair_keys = (np.empty(0, np.int64), np.empty(0, np.int64))
            self.pair_cos = np.empty(0, np.float32)
        probes = np.empty((n, min(PROBES, len(self.cells))), np.int32)
        if known.any():   # the cells of photos seen before are remembered
            probes[known] = self.probes[np.searchsorted(self.keys, keys[known])]
        new = np.flatnonzero(~known)
        if len(new):
            probes[new] = _assign(get, new, self.cells)
        if advance is not None:
            advance(n // 2)
        found: list = []
        if len(new):
            ncells = len(self.cells)
            members = _by_cell(probes[:, :1], ncells)
            queries = _by_cell(probes, ncells)
            is_new = ~known
            for c in range(ncells):
                m, q = members[c], queries[c]
                q_new = q[is_new[q]]
                _matches(get, q_new, m, self.threshold, found)        # new against all
                _matches(get, q[~is_new[q]], m[is_new[m]], self.threshold, found)  # old vs new
        fresh = _unique(found)
        # pairs of photos still here, by key, plus the new ones
        ka, kb = self.pair_keys
        still = np.isin(ka, keys) & np.isin(kb, keys)
        ka = np.concatenate([ka[still], keys[fresh.a]])
        kb = np.concatenate([kb[still], keys[fresh.b]])
        cos = np.concatenate([self.pair_cos[still], fresh.cos])
        order = np.argsort(keys, kind="stable")
        self.keys, self.probes = keys[order], probes[order]
        self.pair_keys, self.pair_cos = (ka, kb), cos
        if advance is not None:
            advance(n - n // 2)
        # back to positions
        pa = order[np.searchsorted(self.keys, ka)]
        pb = order[np.searchsorted(self.keys, kb)]
        return Pairs(np.minimum(pa, pb), np.maximum(pa, pb), cos)


_CACHE: dict[tuple[str, str, float], CandidateIndex] = {}
_CACHE_LOCK = threading.Lock()


def candidate_index(db_path, model_id: str, threshold: float) -> CandidateIndex:
    """The process's candidate index for one catalog, model and threshold."""
    key = (str(db_path), model_id, float(threshold))
    with _CACHE_LOCK:
        if key not in _CACHE:
            _CACHE[key] = CandidateIndex(threshold)
        return _CACHE[key]


def drop_cached(db_path=None) -> None:
    with _CACHE_LOCK:
        for key in [k for k in _CACHE if db_path is None or k[0] == str(db_path)]:
            del _CACHE[key]
