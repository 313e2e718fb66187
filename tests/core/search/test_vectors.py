"""The vector index above its exact size (issue 31): sketches in memory, float16 vectors in a
store beside the catalog, read by position. Recall against exact float32, filters, incremental
inserts/updates/deletes, the store reused after a reopen, and what stays resident."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from core.catalog.connection import OperationalError, connect
from core.search import vectors
from core.search.int8_products import products
from core.search.vectors import VectorIndex, drop_cached, get_index
from tests.core.search import planting as P

DIM = 48
N = 3000
EXACT_MAX = 500     # this many rows and the test index is compact, as a 1M library's is


@pytest.fixture(autouse=True)
def _compact(monkeypatch):
    monkeypatch.setattr(vectors, "EXACT_MAX", EXACT_MAX)
    monkeypatch.setattr(vectors, "PREFILTER_MIN", 150)   # 5% of N: a real prefilter
    monkeypatch.setattr(vectors, "STAGE2_MIN", 100)      # ... and a real second stage
    monkeypatch.setattr(vectors, "STAGE2_PER_K", 5)
    monkeypatch.setattr(vectors, "SKETCH_DIMS", 24)      # a sketch narrower than the codes
    drop_cached()
    yield
    drop_cached()


def _space(seed=0, dim=DIM):
    """Clustered, anisotropic unit vectors (a decaying spectrum), and queries off-centre."""
    rng = np.random.default_rng(seed)
    spec = np.arange(1, dim + 1) ** -0.5
    centres = rng.normal(size=(40, dim)) * spec

    def rows(n, r):
        v = centres[r.integers(0, 40, n)] + 0.8 * r.normal(size=(n, dim)) * spec
        return (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)

    return rows


def _plant(catalog, data: np.ndarray, first: int = 0) -> list[int]:
    now = time.time()

    def fn(c):
        c.execute("INSERT OR IGNORE INTO roots(id, path, added_at) VALUES (1, '/lib', ?)", (now,))
        rid = 1
        fids = []
        for i, v in enumerate(data, start=first):
            fid = c.execute("INSERT INTO files(root_id, path, folder, name, kind, format, size, "
                            "mtime_ns, first_seen_at) VALUES (?,?,'/lib',?,'photo','jpeg',1,1,?)",
                            (rid, f"/lib/{i}.jpg", f"{i}.jpg", now)).lastrowid
            c.execute("INSERT INTO embeddings(file_id, frame_ms, model_id, dim, vector) "
                      "VALUES (?,-1,?,?,?)", (fid, P.MODEL, DIM, v.tobytes()))
            fids.append(fid)
        return fids
    return catalog.write(fn)


def _index(catalog) -> VectorIndex:
    with catalog.read() as conn:
        return get_index(catalog.path, conn, P.MODEL)


def _exact(data: np.ndarray, q: np.ndarray, k: int, allowed=None) -> set[int]:
    s = data @ q
    if allowed is not None:
        s = np.where(allowed, s, -np.inf)
    return set(np.argsort(-s)[:k].tolist())


def _searched_once(catalog):
    """N planted rows and 5 queries: (the row maker, the queries, their top 20 now), for a
    test that opens the index another way and compares."""
    rows = _space()
    _plant(catalog, rows(N, np.random.default_rng(1)))
    qs = rows(5, np.random.default_rng(2))
    return rows, qs, [_index(catalog).search(q, 20) for q in qs]


def _assert_same(before, after) -> None:
    for b, a in zip(before, after):
        assert list(a.rows) == list(b.rows) and a.scores == pytest.approx(b.scores)


def _file_rows(index: VectorIndex, fids: list[int]) -> np.ndarray:
    """Row of the index -> position in the planted data."""
    where = {f: i for i, f in enumerate(fids)}
    return np.array([where[int(f)] for f in index.file_ids])


def _planted(catalog):
    """N vectors of the test space planted and indexed: (the space, the data, the index,
    row of the index -> position in the data)."""
    rows = _space()
    data = rows(N, np.random.default_rng(1))
    fids = _plant(catalog, data)
    index = _index(catalog)
    return rows, data, index, _file_rows(index, fids)


def test_compact_index_recall_against_exact_float32(catalog):
    rows, data, index, at = _planted(catalog)
    assert index.binary and len(index) == N
    recalls = []
    for q in rows(40, np.random.default_rng(2)):
        got = {int(at[r]) for r in index.search(q, 20).rows}
        recalls.append(len(got & _exact(data, q, 20)) / 20)
    assert np.mean(recalls) >= 0.98
    # the scores are the vectors' own cosines (float16 store), best first
    nb = index.search(data[7], 5)
    assert at[nb.rows[0]] == 7 and nb.scores[0] == pytest.approx(1.0, abs=1e-3)
    assert list(nb.scores) == sorted(nb.scores, reverse=True)


def test_only_sketches_codes_and_ids_stay_in_memory(catalog):
    data = _space()(N, np.random.default_rng(1))
    _plant(catalog, data)
    index = _index(catalog)
    per_row = index.resident_bytes() / len(index)
    # a byte of code a dimension (the sketch is its first components, not a copy), ids,
    # store position
    assert per_row <= DIM + 4 * 8
    assert index.vectors_of(np.arange(3)) == pytest.approx(data[:3], abs=2e-3)


def test_filtered_search_returns_ids_inside_the_filter(catalog):
    rows, data, index, at = _planted(catalog)
    rng = np.random.default_rng(3)
    selective = np.zeros(N, bool)
    selective[rng.choice(N, 30, replace=False)] = True         # a person: 1% of the library
    broad = rng.random(N) < 0.5                                  # a date range
    for q in rows(10, np.random.default_rng(4)):
        for allowed in (selective, broad):
            mask = allowed[at]
            nb = index.search(q, 20, mask=mask)
            assert len(nb.rows) == 20 and mask[nb.rows].all()
            got = {int(at[r]) for r in nb.rows}
            if allowed is selective:   # every row of a small filter is rescored: exact
                assert got == _exact(data, q, 20, allowed)
            else:
                assert len(got & _exact(data, q, 20, allowed)) >= 18


def test_inserts_updates_and_deletes_reach_the_index_without_a_reload(catalog, monkeypatch):
    rows = _space()
    data = rows(N, np.random.default_rng(1))
    fids = _plant(catalog, data)
    index = _index(catalog)

    def no_reload(self, conn):
        raise AssertionError("the whole table was read again")
    monkeypatch.setattr(VectorIndex, "_load_all", no_reload)
    new = rows(50, np.random.default_rng(5))
    new_fids = _plant(catalog, new, first=N)                      # insert
    moved = P.unit(np.random.default_rng(6).normal(size=DIM))
    catalog.write(lambda c: c.execute(                           # re-embedded (an upsert)
        "UPDATE embeddings SET vector = ? WHERE file_id = ?", (moved.tobytes(), fids[10])))
    gone = fids[20:40]
    catalog.write(lambda c: c.execute(                           # files removed: cascade
        f"DELETE FROM files WHERE id IN ({','.join('?' * len(gone))})", gone))
    index = _index(catalog)
    assert len(index) == N + 50 - 20
    assert not set(gone) & set(index.file_ids.tolist())
    assert list(index.emb_ids) == sorted(index.emb_ids)
    top = index.search(new[3], 1)
    assert int(index.file_ids[top.rows[0]]) == new_fids[3]
    top = index.search(moved, 1)
    assert int(index.file_ids[top.rows[0]]) == fids[10] and top.scores[0] > 0.99
    for f in gone:
        assert not len(index.rows_of_file(f))


def test_an_id_reused_after_a_delete_is_not_missed(catalog):
    data = _space()(N, np.random.default_rng(1))
    fids = _plant(catalog, data)
    _index(catalog)
    last = fids[-1]
    catalog.write(lambda c: c.execute("DELETE FROM embeddings WHERE file_id = ?", (last,)))
    _index(catalog)
    other = P.unit(np.random.default_rng(8).normal(size=DIM))
    catalog.write(lambda c: c.execute(    # SQLite gives the largest id again
        "INSERT INTO embeddings(file_id, frame_ms, model_id, dim, vector) VALUES (?,-1,?,?,?)",
        (last, P.MODEL, DIM, other.tobytes())))
    index = _index(catalog)
    top = index.search(other, 1)
    assert len(index) == N and top.scores[0] > 0.99


def test_the_store_is_reused_after_a_reopen(catalog, monkeypatch):
    rows, qs, before = _searched_once(catalog)
    store = catalog.path.parent / "vector-store"
    files = [f for f in store.rglob("*") if f.is_file()]
    assert files and all(f.stat().st_mode & 0o077 == 0 for f in files)   # owner-only, as the catalog
    drop_cached()      # as a new process finds it

    def no_catalog_read(*a, **k):
        raise AssertionError("the vectors were read from the catalog again")
    monkeypatch.setattr(vectors, "_row_chunks", no_catalog_read)
    index = _index(catalog)
    after = [index.search(q, 20) for q in qs]
    _assert_same(before, after)
    # rows added while it was closed are read, and only they
    monkeypatch.undo()
    monkeypatch.setattr(vectors, "EXACT_MAX", EXACT_MAX)
    drop_cached()
    new = rows(5, np.random.default_rng(9))
    _plant(catalog, new, first=N)
    loaded = []
    monkeypatch.setattr(VectorIndex, "_load_all", lambda self, conn: loaded.append(1))
    index = _index(catalog)
    assert not loaded and len(index) == N + 5


def test_a_store_of_another_catalog_is_not_used(catalog, paths, tmp_path):
    data = _space()(N, np.random.default_rng(1))
    _plant(catalog, data)
    _index(catalog)
    drop_cached()
    # the catalog is deleted and a new one made in its place, with other vectors
    catalog.close()
    for p in catalog.path.parent.glob(catalog.path.name + "*"):
        p.unlink()
    from core.catalog import Catalog
    fresh = Catalog.open(paths)
    try:
        time.sleep(0.01)
        other = _space(seed=5)(N, np.random.default_rng(7))
        _plant(fresh, other)
        index = _index(fresh)
        assert index.vectors_of(np.arange(2)) == pytest.approx(other[:2], abs=2e-3)
    finally:
        fresh.close()


def test_neighbours_of_a_row_leave_the_row_out(catalog):
    rows = _space()
    data = rows(N, np.random.default_rng(1))
    fids = _plant(catalog, data)
    twin = P.unit(data[42] + 0.01 * np.random.default_rng(3).normal(size=DIM))
    twin_fid = _plant(catalog, twin[None, :], first=N)[0]
    index = _index(catalog)
    row = int(index.rows_of_file(fids[42])[0])
    nb = index.neighbours(row, 5)
    assert row not in nb.rows and len(nb.rows) == 5
    assert int(index.file_ids[nb.rows[0]]) == twin_fid and nb.scores[0] > 0.99


def test_connections_load_no_extension_and_open_concurrently(tmp_path):
    """sqlite-vec is gone, and with it the global lock its loading needed: many threads open
    connections at once, as the GUI's workers do at start."""
    from core.catalog import connection

    assert not hasattr(connection, "_OPEN_LOCK")
    db = tmp_path / "c.sqlite"
    connect(db).execute("CREATE TABLE t(x)")
    with pytest.raises(OperationalError):
        connect(db).execute("SELECT vec_version()")
    errors, barrier = [], threading.Barrier(12)

    def open_and_read():
        try:
            barrier.wait()
            c = connect(db, readonly=True)
            c.execute("SELECT count(*) FROM t").fetchone()
            c.close()
        except Exception as e:   # noqa: BLE001 - the test reports whatever failed
            errors.append(e)
    threads = [threading.Thread(target=open_and_read) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_two_catalogs_in_one_folder_keep_their_stores_apart(tmp_path):
    from core.search.vector_store import store_dir

    a = store_dir(tmp_path / "catalog.sqlite", "embeddings", P.MODEL)
    b = store_dir(tmp_path / "other.sqlite", "embeddings", P.MODEL)
    assert a != b and a.parent == b.parent == tmp_path / "vector-store"


def test_changes_made_while_closed_are_caught_up_from_the_store(catalog, monkeypatch):
    rows = _space()
    data = rows(N, np.random.default_rng(1))
    fids = _plant(catalog, data)
    _index(catalog)
    drop_cached()     # closed; another process (the CLI) changes the catalog meanwhile
    moved = P.unit(np.random.default_rng(6).normal(size=DIM))
    catalog.write(lambda c: c.execute("UPDATE embeddings SET vector = ? WHERE file_id = ?",
                                      (moved.tobytes(), fids[10])))
    catalog.write(lambda c: c.execute("DELETE FROM files WHERE id <= ?", (fids[5],)))
    new_fids = _plant(catalog, rows(5, np.random.default_rng(5)), first=N)
    loaded = []
    monkeypatch.setattr(VectorIndex, "_load_all", lambda self, conn: loaded.append(1))
    index = _index(catalog)
    assert not loaded and len(index) == N - 6 + 5
    assert int(index.file_ids[index.search(moved, 1).rows[0]]) == fids[10]
    assert set(new_fids) <= set(index.file_ids.tolist())


def test_store_scores_match_gathered_rows_times_the_query(monkeypatch):
    """The chunked scoring (rows converted SCORE_CHUNK at a time) gives gather(pos) @ q, for
    positions in the file and in the in-memory tail, sorted or not."""
    from core.search import vector_store

    monkeypatch.setattr(vector_store, "SCORE_CHUNK", 64)
    rng = np.random.default_rng(3)
    writer = vector_store.StoreWriter(None, DIM)
    writer.write(rng.normal(size=(700, DIM)).astype(np.float32))
    rows = writer.finish({}, {})
    rows.append(rng.normal(size=(300, DIM)).astype(np.float32))
    q = rng.normal(size=DIM).astype(np.float32)
    for pos in (np.sort(rng.choice(1000, 400, replace=False)), rng.choice(1000, 250),
                np.arange(690, 710), np.arange(0), np.arange(650)):
        assert rows.scores(pos, q) == pytest.approx(rows.gather(pos) @ q, abs=1e-5)


def _reads(monkeypatch) -> list[np.ndarray]:
    """The store positions each search reads (F16Rows.scores' positions), recorded."""
    from core.search import vector_store

    seen: list[np.ndarray] = []
    scores = vector_store.F16Rows.scores

    def recorded(self, pos, q):
        seen.append(np.array(pos))
        return scores(self, pos, q)
    monkeypatch.setattr(vector_store.F16Rows, "scores", recorded)
    return seen


def test_the_second_stage_bounds_the_rows_read_and_keeps_recall(catalog, monkeypatch):
    monkeypatch.setattr(vectors, "PREFILTER_MIN", 1000)   # a third of N pass the sketches
    monkeypatch.setattr(vectors, "RESCORE_MIN", 30)
    rows, data, index, at = _planted(catalog)
    reads = _reads(monkeypatch)
    recalls = []
    for q in rows(40, np.random.default_rng(2)):
        nb = index.search(q, 10)
        recalls.append(len({int(at[r]) for r in nb.rows} & _exact(data, q, 10)) / 10)
        # the scores returned are the float16 rows' own, exactly: not the codes' estimates
        exact = data[at[nb.rows]].astype(np.float16).astype(np.float32) @ q
        assert nb.scores == pytest.approx(exact, abs=1e-5)
    seen = [len(p) for p in reads]
    assert seen and max(seen) <= 30    # of 1000 candidates
    assert np.mean(recalls) >= 0.95
    # a filter that leaves more rows than the stage keeps goes through it too
    allowed = np.zeros(N, bool)
    allowed[::2] = True
    reads.clear()
    nb = index.search(rows(1, np.random.default_rng(4))[0], 10, mask=allowed[at])
    seen = [len(p) for p in reads]
    assert max(seen) <= 30 and allowed[at[nb.rows]].all()


def test_spare_rows_after_a_search_reuse_its_candidates(catalog, monkeypatch):
    """The engine asks for the spare rows only when the top k fall short of its files: the
    same query again with `spare` ranks nothing again (no sketch is scored) and reads only
    the best row of each of the first k files among the extra rows (one file a row here),
    not all of them (at 1M, reading ~1,700 rows cost 10-16 ms a call). It gives the first
    search's rows first, then more, best first: every row read scored exactly, the others
    by their codes' estimates (cosines off by rounding only)."""
    monkeypatch.setattr(vectors, "RESCORE_MIN", 30)
    rows, data, index, at = _planted(catalog)
    q = rows(1, np.random.default_rng(5))[0]
    read = _reads(monkeypatch)
    first = index.search(q, 10)
    scored = []
    real = vectors.Codes.sketch_scores
    monkeypatch.setattr(vectors.Codes, "sketch_scores",
                        lambda self, *a: scored.append(1) or real(self, *a))
    more = index.search(q, 10, spare=True)
    assert not scored and [len(p) for p in read] == [30, 10]
    assert len(more.rows) == vectors.STAGE2_MIN
    assert list(more.rows[:10]) == list(first.rows)
    assert list(more.scores) == sorted(more.scores, reverse=True)
    exact = data[at[more.rows]].astype(np.float16).astype(np.float32) @ q
    was_read = np.isin(index._pos[more.rows], np.concatenate(read))
    assert was_read.sum() == 40 and was_read[:10].all()
    assert more.scores[was_read] == pytest.approx(exact[was_read], abs=1e-5)
    assert more.scores[~was_read] == pytest.approx(exact[~was_read], abs=5e-3)
    assert not np.array_equal(more.scores[~was_read], exact[~was_read])   # estimates
    # another query is ranked afresh
    index.search(rows(1, np.random.default_rng(6))[0], 10, spare=True)
    assert scored and len(read) == 4


def test_spare_rows_read_each_files_best_and_cap_the_rest_by_it():
    """Of the spare rows, the best-estimated row of each of the first k files is read; a
    file's other rows keep their estimates but never rise above its exact best, so the
    engine, which takes each file's best row, sees exact scores for those files."""
    from core.search.vector_store import F16Rows

    store = F16Rows(2)
    store.append(np.array([[0.50, 0], [0.40, 0], [0.45, 0], [0.30, 0], [0.20, 0]]))
    fids = np.array([7, 8, 7, 9, 8])           # best estimate first: file 7, 8, 7, 9, 8
    est = np.array([0.52, 0.47, 0.51, 0.33, 0.21], np.float32)
    q = np.array([1.0, 0.0], np.float32)
    got = vectors._spare_scores(q, fids, store, np.arange(5), est, k=2)
    # files 7 and 8 read (rows 0 and 1); row 2 capped at file 7's 0.50; file 9 is past k
    assert got == pytest.approx([0.50, 0.40, 0.50, 0.33, 0.21], abs=1e-3)   # float16 rows


def _whole_code_estimates(coder: vectors.Codes, q: np.ndarray, codes) -> np.ndarray:
    """The codes' estimated cosines made from scratch: the query rounded once at the whole
    code's scale, the sketches' sums taken here, and the second stage's with_rest: what the
    search's two stages together must give."""
    qi = coder._query(q, coder.dims)[0]
    return coder.with_rest(q, products(codes.head, qi[:codes.head.shape[1]]), codes.tail)


def test_the_codes_estimate_cosines():
    """What the second stage ranks by is the cosine itself, off by rounding only."""
    rows = _space()
    data = rows(N, np.random.default_rng(1))
    coder = vectors.Codes.fit(data[::3])
    codes = coder.encode(data)
    assert codes.head.dtype == codes.tail.dtype == np.uint8
    assert codes.head.shape[1] + codes.tail.shape[1] == DIM and len(codes) == N
    for q in rows(10, np.random.default_rng(7)):
        off = np.abs(_whole_code_estimates(coder, q, codes) - data @ q)
        assert off.mean() < 0.005 and off.max() < 0.05   # (the worst: a row clipped)


def test_the_second_stage_adds_to_the_sketch_products_the_same_integers():
    """The second stage starts from the prefilter's products (the whole code's first terms)
    instead of reading the sketches again: the estimates are those of the whole codes."""
    rows = _space(dim=vectors.SKETCH_DIMS + 32)     # a sketch and a rest
    data = rows(N, np.random.default_rng(1))
    coder = vectors.Codes.fit(data[::3])
    codes = coder.encode(data)
    assert codes.tail.shape[1] == 32
    some = np.sort(np.random.default_rng(2).choice(N, 300, replace=False))
    # and queries leaning on the last components (their largest scaled coordinate beyond the
    # sketch, as CLIP's text queries often have: its rounding must still be the whole code's)
    odd = 0.05 * rows(4, np.random.default_rng(10)) + coder.basis[:, -4:].T
    assert all(np.argmax(np.abs((q @ coder.basis) * coder.scale)) >= vectors.SKETCH_DIMS
               for q in odd)
    for q in [*rows(10, np.random.default_rng(9)), *(odd / np.linalg.norm(odd, axis=1)[:, None])]:
        head = coder.sketch_scores(q, codes.head)[some]
        whole = _whole_code_estimates(coder, q, codes.take(some))
        assert (coder.with_rest(q, head, codes.tail[some]) == whole).all()


def test_the_prefilter_keeps_every_row_of_the_exact_top_k():
    """Its candidates: ascending, at least k, at most twice k, and the exact k among them
    (ties included), whether the sampled threshold holds or the exact k is taken instead."""
    rng = np.random.default_rng(4)
    for n, k in ((200_000, 5_000), (60_000, 3_000), (5_000, 4_000), (50, 80)):
        for scores in (rng.integers(-2**20, 2**20, n).astype(np.int32),
                       rng.integers(-3, 3, n).astype(np.int32)):    # many ties
            got = vectors._at_least(scores, k)
            assert (np.diff(got) > 0).all() and min(k, n) <= len(got) <= max(2 * k, n)
            kth = np.sort(scores)[-min(k, n)]
            assert set(np.flatnonzero(scores > kth)) <= set(got.tolist())
            assert (scores[got] >= kth).sum() >= min(k, n)


def test_int8_products_are_exact_for_any_block_row_count_and_width():
    """Every block form (`block` rows read as one, against a block-diagonal q) and the rows
    left over give the plain integer product."""
    from core.search.int8_products import BLOCKS

    rng = np.random.default_rng(8)
    for block in BLOCKS:
        for n, d in ((1, 64), (block - 1, 64), (block, 64), (10 * block + 3, 64), (50, 384),
                     (7, 1)):
            a = rng.integers(0, 256, (n, d), dtype=np.uint8)
            q = rng.integers(-127, 128, d, dtype=np.int8)
            want = a.astype(np.int64) @ q.astype(np.int64)
            assert (products(a, q, block) == want).all(), (block, n, d)
    assert products(np.empty((0, 64), np.uint8), np.zeros(64, np.int8)).shape == (0,)


def test_the_block_is_measured_per_width_and_again_for_a_much_larger_matrix(monkeypatch):
    """`tune` keeps the block timed fastest for the rows' width, and products use it; the same
    width is timed again only for a matrix TUNE_AGAIN times larger than the one it was timed
    on (the processor's cache decides which block wins)."""
    from core.search import int8_products as p

    monkeypatch.setattr(p, "_TUNED", {})
    fastest = {64: 4, 32: 2}
    timed = []

    def took(a, q, block):
        timed.append((a.shape, block))
        return 1.0 if block == fastest[a.shape[1]] else 2.0 + block

    monkeypatch.setattr(p, "_took", took)
    rng = np.random.default_rng(9)
    a = rng.integers(0, 256, (1000, 64), dtype=np.uint8)
    assert p.tune(a) == 4
    assert {b for _, b in timed} == set(p.BLOCKS)
    timed.clear()
    assert p.tune(a[:500]) == 4 and p.tune(np.vstack([a] * p.TUNE_AGAIN)) == 4
    assert not timed                                # neither timed again
    assert p.tune(rng.integers(0, 256, (10, 32), dtype=np.uint8)) == 2   # its own width
    fastest[64] = 2
    assert p.tune(np.vstack([a] * (p.TUNE_AGAIN + 1))) == 2
    used = []
    real = p._session

    class Recording:
        def __init__(self, session):
            self.session = session

        def run(self, names, feeds):
            used.append(feeds["B"].shape)
            return self.session.run(names, feeds)

    monkeypatch.setattr(p, "_session", lambda: Recording(real()))
    q = rng.integers(-127, 128, 64, dtype=np.int8)
    assert (p.products(a, q) == a.astype(np.int64) @ q.astype(np.int64)).all()
    assert used == [(2 * 64, 2)]                    # the block kept for width 64: 2 rows as one


def test_an_index_over_the_exact_limit_times_its_blocks_before_it_is_searched(monkeypatch):
    from core.search import int8_products as p

    monkeypatch.setattr(p, "_TUNED", {})
    rng = np.random.default_rng(10)
    mat = rng.normal(size=(600, 32)).astype(np.float32)
    mat /= np.linalg.norm(mat, axis=1, keepdims=True)
    idx = VectorIndex("m", exact_max=100)
    idx._build(np.arange(600), np.arange(600), np.zeros(600, np.int64), mat)
    width = idx._codes.head.shape[1]
    assert set(p._TUNED) == {width} and p._TUNED[width][0] in p.BLOCKS
    assert p._TUNED[width][1] == 600                # timed on the index's own sketches


def test_codes_are_saved_with_the_store_and_made_for_a_store_without_them(catalog,
                                                                          monkeypatch):
    _, qs, before = _searched_once(catalog)
    saved = list((catalog.path.parent / "vector-store").rglob("codes-*.npz"))
    assert len(saved) == 1
    # a store written before the second stage (or by an older version) has no codes file:
    # they are made from its rows and saved, and the store itself is left as it was
    saved[0].unlink()
    store = {f: f.stat().st_mtime_ns for f in saved[0].parent.iterdir()}
    drop_cached()
    monkeypatch.setattr(vectors, "_row_chunks", lambda *a, **k: pytest.fail("catalog read"))
    after = [_index(catalog).search(q, 20) for q in qs]
    assert saved[0].exists()
    assert {f: f.stat().st_mtime_ns for f in store} == store
    _assert_same(before, after)
    # and the next start loads them instead of making them
    drop_cached()
    monkeypatch.setattr(vectors.Codes, "encode", lambda *a: pytest.fail("codes made again"))
    assert list(_index(catalog).search(qs[0], 20).rows) == list(before[0].rows)


def test_codes_saved_by_an_older_version_are_made_again_from_the_store(catalog):
    """Before the codes kept every component they were int8 on the first 192, saved as one
    array. Such a file is not used (its ranking would read too few rows): the codes are made
    from the store's rows, without the catalog, saved in the new form, and searches give
    what a fresh index gives."""
    _, qs, before = _searched_once(catalog)
    saved = next((catalog.path.parent / "vector-store").rglob("codes-*.npz"))
    with np.load(saved) as z:
        new = {k: z[k] for k in z.files}
    old_codes = (np.concatenate([new["sketch"], new["rest"]], axis=1).astype(np.int16)
                 - 128).astype(np.int8)
    np.savez(saved, codes=old_codes, center=new["center"], basis=new["basis"],
             scale=new["scale"])
    drop_cached()
    with pytest.MonkeyPatch.context() as m:
        m.setattr(vectors, "_row_chunks", lambda *a, **k: pytest.fail("catalog read"))
        after = [_index(catalog).search(q, 20) for q in qs]
    _assert_same(before, after)
    with np.load(saved) as z:
        assert {"sketch", "rest"} <= set(z.files) and z["sketch"].dtype == np.uint8


def test_a_store_written_with_float32_sketches_loads_without_reading_them(catalog,
                                                                        monkeypatch):
    """Stores written before the sketch became the codes' first components hold float32
    sketches (256 MB at 1M) beside the ids: they still open without the catalog, the
    sketches are not read, and searches give what a fresh index gives."""
    _, qs, before = _searched_once(catalog)
    arrays = next((catalog.path.parent / "vector-store").rglob("arrays-*.npz"))
    with np.load(arrays) as z:
        old = {k: z[k] for k in z.files}
    np.savez(arrays, **old, proj=np.zeros((64, N), np.float32),
             center=np.zeros(DIM, np.float32), basis=np.zeros((DIM, 64), np.float32))
    drop_cached()
    monkeypatch.setattr(vectors, "_row_chunks", lambda *a, **k: pytest.fail("catalog read"))
    read = []
    real_load = np.load

    class Spy:
        def __init__(self, z):
            self.z = z

        def __enter__(self):
            return self

        def __exit__(self, *a):
            self.z.close()

        @property
        def files(self):
            return self.z.files

        def __getitem__(self, k):
            read.append(k)
            return self.z[k]
    monkeypatch.setattr(np, "load", lambda f, *a, **k: Spy(real_load(f, *a, **k))
                        if str(f).endswith(arrays.name) else real_load(f, *a, **k))
    after = [_index(catalog).search(q, 20) for q in qs]
    assert read and "proj" not in read
    _assert_same(before, after)


def test_int8_sketches_rank_as_the_float_sketches_do():
    """The prefilter's uint8 x int8 product orders rows as the float product of the same
    components does (rounding aside): the rows it keeps are nearly the same."""
    rows = _space()
    data = rows(N, np.random.default_rng(1))
    coder = vectors.Codes.fit(data)
    codes = coder.encode(data)
    sketches = codes.head
    assert sketches.dtype == np.uint8 and sketches.shape == (N, min(vectors.SKETCH_DIMS, DIM))
    dims = sketches.shape[1]
    overlaps = []
    for q in rows(20, np.random.default_rng(3)):
        fine = ((data - coder.center) @ coder.basis[:, :dims]) @ (q @ coder.basis[:, :dims])
        got = coder.sketch_scores(q, sketches)
        assert got.dtype == np.int32
        keep = N // 20
        overlaps.append(len(set(np.argsort(-fine)[:keep]) & set(np.argsort(-got)[:keep])) / keep)
    assert np.mean(overlaps) >= 0.9


def test_estimated_vectors_give_the_codes_cosines_without_reading_the_store(catalog,
                                                                            monkeypatch):
    """Their dot products are the cosines the codes estimate for a query (`with_rest`), close
    to the exact ones, and they come from memory: the near-duplicate candidates compare every
    photo with ~4 cells of others, and a store read a photo cost more than the comparing."""
    from core.search import vector_store

    _, data, index, at = _planted(catalog)
    rows = np.random.default_rng(3).choice(len(index), 300, replace=False)
    monkeypatch.setattr(vector_store.F16Rows, "_read",
                        lambda *a: pytest.fail("read from the store"))
    est = index.estimated_vectors_of(rows)
    exact = data[at[rows]]
    off = np.abs(est @ est.T - exact @ exact.T)
    assert np.quantile(off, 0.99) < 0.01 and off.max() < 0.03
    coder, q = index._coder, exact[0]
    as_a_query = _whole_code_estimates(coder, q, index._codes.take(rows))
    # the same estimate, but for the query's rounding to int8
    assert np.abs(est @ (coder.basis.T @ q) - as_a_query).max() < 0.01


def test_estimated_vectors_below_the_exact_limit_are_the_vectors(catalog):
    data = _space()(200, np.random.default_rng(1))
    fids = _plant(catalog, data)
    index = _index(catalog)
    assert not index.binary
    at = _file_rows(index, fids)
    rows = np.arange(len(index))
    assert np.allclose(index.estimated_vectors_of(rows), data[at[rows]])
