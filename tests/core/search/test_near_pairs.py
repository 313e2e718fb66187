"""Near-duplicate candidates from cells of the vector space (an inverted file), not all pairs:
the same pairs as the exact block product on a library of clustered vectors, and a later
search only compares the new photos."""

from __future__ import annotations

import numpy as np
import pytest

from core.search import near_pairs as NP

D = 64
THRESHOLD = 0.92


def clustered(n: int, seed: int, topics: int = 40) -> np.ndarray:
    """Photos around a few topics (cosine ~0.6 within a topic, as CLIP puts photos of one
    kind of scene), a third of them with one to four near-duplicates (cosine 0.93-0.99)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(topics, D))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    out = []
    while len(out) < n:
        c = centres[rng.integers(topics)]
        base = c + rng.normal(size=D) * 1.2 / np.sqrt(D)
        base /= np.linalg.norm(base)
        out.append(base)
        if rng.random() < 1 / 3:
            for _ in range(int(rng.integers(1, 5))):
                cos = rng.uniform(0.93, 0.99)
                r = rng.normal(size=D)
                r -= (r @ base) * base
                r /= np.linalg.norm(r)
                out.append(cos * base + np.sqrt(1 - cos * cos) * r)
    mat = np.asarray(out[:n], np.float32)
    return mat[rng.permutation(n)]


def _set(p: NP.Pairs, keys=None) -> set[tuple[int, int]]:
    a, b = (p.a, p.b) if keys is None else (keys[p.a], keys[p.b])
    return {(min(x, y), max(x, y)) for x, y in zip(a.tolist(), b.tolist())}


class Counting:
    def __init__(self, mat):
        self.mat, self.rows = mat, 0

    def __call__(self, positions):
        self.rows += len(positions)
        return self.mat[positions]


@pytest.mark.parametrize("n, exact_below", [(300, 0), (3000, NP.EXACT_BELOW)])
def test_cells_find_the_exact_pairs(monkeypatch, n, exact_below):
    monkeypatch.setattr(NP, "EXACT_BELOW", exact_below)
    mat = clustered(n, seed=n)
    exact = NP.exact_pairs(lambda r: mat[r], n, THRESHOLD)
    assert len(exact) > n // 5
    found = NP.CandidateIndex(THRESHOLD).pairs(np.arange(n) + 1000, lambda r: mat[r])
    assert _set(found) == _set(exact)
    assert np.allclose(np.sort(found.cos), np.sort(exact.cos), atol=1e-5)


def _count_products(monkeypatch) -> list[int]:
    """Has each block product note its size (query rows x compared rows) in the list returned."""
    products: list[int] = []
    matches = NP._matches

    def counted(get, q, m, threshold, out):
        products.append(len(q) * len(m))
        matches(get, q, m, threshold, out)

    monkeypatch.setattr(NP, "_matches", counted)
    return products


def test_new_photos_only_need_their_own_neighbours(monkeypatch):
    products = _count_products(monkeypatch)
    n_old, n_new = 4000, 200
    mat = clustered(n_old + n_new, seed=7)
    keys = np.arange(n_old + n_new, dtype=np.int64) * 3 + 5
    index = NP.CandidateIndex(THRESHOLD)
    index.pairs(keys[:n_old], Counting(mat[:n_old]))
    full, products[:] = sum(products), []
    found = index.pairs(keys, Counting(mat))
    exact = NP.exact_pairs(lambda r: mat[r], len(mat), THRESHOLD)
    assert _set(found, keys) == _set(exact, keys)
    assert sum(products) < full / 5             # the old photos were not compared again
    # photos that went away leave the pairs; nothing else is recomputed
    gone = keys[::2]
    left = np.setdiff1d(keys, gone)
    rest = Counting(mat[(left - 5) // 3])
    after = index.pairs(left, rest)
    assert rest.rows == 0
    assert _set(after, left) == {p for p in _set(exact, keys)
                                 if p[0] not in set(gone) and p[1] not in set(gone)}


def _compared_per_photo(monkeypatch, n: int) -> tuple[float, NP.CandidateIndex]:
    """Photo-pairs compared per photo in one full run over n photos."""
    matches = NP._matches
    products = _count_products(monkeypatch)
    mat = clustered(n, seed=n)
    index = NP.CandidateIndex(THRESHOLD)
    index.pairs(np.arange(n), lambda r: mat[r])
    monkeypatch.setattr(NP, "_matches", matches)
    return sum(products) / n, index


def test_cells_and_comparisons_per_photo_stay_bounded(monkeypatch):
    monkeypatch.setattr(NP, "CELL_SIZE", 10)   # the bounded regime at test sizes
    small, _ = _compared_per_photo(monkeypatch, 4000)
    big, index = _compared_per_photo(monkeypatch, 16000)
    assert 16000 / len(index.cells) < 1.1 * 10        # cells do not grow with the library
    assert index.cells.coarse is not None             # found through the coarse level
    assert big < 1.3 * small                          # so comparisons grow as n, not n^1.5



def test_a_photos_nearest_cells_are_not_found_by_sorting_every_cell(monkeypatch):
    """Finding the 3 nearest of thousands of cells by argpartition (then argsort) cost more
    than the products themselves at 1M: the nearest few are argmax passes now, the same
    cells in the same order."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(500, D)).astype(np.float32)
    cent = rng.normal(size=(300, D)).astype(np.float32)
    expected = np.argsort(-(x @ cent.T), axis=1)[:, :NP.PROBES]
    sorted_values: list[int] = []
    for name in ("argpartition", "argsort"):
        real = getattr(np, name)
        monkeypatch.setattr(NP.np, name, lambda a, *args, _real=real, **kw: (
            sorted_values.append(np.size(a)), _real(a, *args, **kw))[1])
    assert np.array_equal(NP._nearest(x, cent, NP.PROBES), expected)
    assert sum(sorted_values) == 0
