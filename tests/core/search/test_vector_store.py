"""The vector store's rows are read by position, not memory-mapped (issue 31: a mapping put
every page a search touched, and the pages the kernel maps around it, in the app's resident
memory): the rows and scores are the file's float16 rows exactly, consecutive rows come in
one read, and a file cut short is a clear error."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from core.search import vector_store

DIM = 40
N = 3000


def _store(folder: Path, rng) -> tuple[vector_store.F16Rows, Path, np.ndarray]:
    """A saved store of N rows, opened as the next start opens it; its file and its rows as
    float16, read straight from the file."""
    writer = vector_store.StoreWriter(folder, DIM)
    for _ in range(3):
        writer.write(rng.normal(size=(N // 3, DIM)).astype(np.float32))
    writer.finish({"pos": np.arange(N)}, {"table": "t"})
    found = vector_store.load(folder, {"table": "t"})
    assert found is not None
    (path,) = folder.glob("vectors-*.f16")
    return found[2], path, np.fromfile(path, "<f2").reshape(N, DIM)


def _old_scores(half: np.ndarray, pos: np.ndarray, q: np.ndarray) -> np.ndarray:
    """What the memory-mapped store gave: rows taken SCORE_CHUNK at a time into float32, times q."""
    out = np.empty(len(pos), np.float32)
    for s in range(0, len(pos), vector_store.SCORE_CHUNK):
        p = pos[s:s + vector_store.SCORE_CHUNK]
        np.dot(half[p].astype(np.float32), q, out=out[s:s + len(p)])
    return out


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="needs /proc/self/maps: a POSIX procfs (Linux)")
def test_a_searched_store_is_not_mapped_into_the_process(tmp_path):
    rng = np.random.default_rng(1)
    rows, path, _ = _store(tmp_path / "store", rng)
    q = rng.normal(size=DIM).astype(np.float32)
    rows.scores(np.sort(rng.choice(N, 500, replace=False)), q)
    rows.gather(np.arange(N))
    assert path.name not in Path("/proc/self/maps").read_text()


def test_rows_and_scores_are_the_files_float16_rows_exactly(tmp_path, monkeypatch):
    """Sorted, unsorted, repeated, consecutive and tail positions, across chunk edges:
    the same numbers as the mapped store gave, bit for bit."""
    monkeypatch.setattr(vector_store, "SCORE_CHUNK", 64)
    rng = np.random.default_rng(2)
    rows, _, half = _store(tmp_path / "store", rng)
    extra = rng.normal(size=(200, DIM)).astype(np.float32)
    rows.append(extra)
    half = np.concatenate([half, extra.astype(np.float16)])
    q = rng.normal(size=DIM).astype(np.float32)
    for pos in (np.sort(rng.choice(N, 700, replace=False)), rng.choice(N + 200, 300),
                np.arange(950, 1100), np.arange(0), np.array([N - 1, 0, N - 1, N + 5]),
                np.arange(N - 30, N + 30), np.arange(N + 200)[::-1]):
        assert np.array_equal(rows.gather(pos), half[pos].astype(np.float32))
        assert np.array_equal(rows.scores(pos, q), _old_scores(half, pos, q))


def test_consecutive_rows_are_read_in_one_read(tmp_path, monkeypatch):
    rows, _, _ = _store(tmp_path / "store", np.random.default_rng(3))
    reads = []
    real = vector_store._read_at
    monkeypatch.setattr(vector_store, "_read_at",
                        lambda fd, view, offset: (reads.append(len(view)), real(fd, view, offset)))
    rows.gather(np.arange(100, 2100))
    assert reads == [2000 * DIM * 2]
    reads.clear()
    rows.scores(np.r_[10:20, 30:35, 900], np.ones(DIM, np.float32))
    assert reads == [10 * DIM * 2, 5 * DIM * 2, DIM * 2]


def test_two_threads_score_the_same_store_at_once(tmp_path):
    rng = np.random.default_rng(4)
    rows, _, half = _store(tmp_path / "store", rng)
    qs = rng.normal(size=(2, DIM)).astype(np.float32)
    pos = np.sort(rng.choice(N, 2500, replace=False))
    want = [_old_scores(half, pos, q) for q in qs]
    bad = []

    def run(i):
        for _ in range(20):
            if not np.array_equal(rows.scores(pos, qs[i]), want[i]):
                bad.append(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert bad == []


def test_a_store_cut_short_after_opening_is_a_clear_error(tmp_path):
    rows, path, _ = _store(tmp_path / "store", np.random.default_rng(5))
    if sys.platform == "win32":
        pytest.skip("truncating an open file needs POSIX (not Windows)")
    with open(path, "r+b") as f:
        f.truncate(100 * DIM * 2)
    assert rows.gather(np.arange(10)).shape == (10, DIM)      # what is still there reads
    with pytest.raises(OSError, match="vector store ends"):
        rows.scores(np.array([5, 2000]), np.ones(DIM, np.float32))


def test_an_index_without_a_folder_reads_its_temporary_store(tmp_path):
    """StoreWriter(None): an unnamed temporary file, closed by the writer, still readable
    through the store's own descriptor."""
    rng = np.random.default_rng(6)
    data = rng.normal(size=(500, DIM)).astype(np.float32)
    writer = vector_store.StoreWriter(None, DIM)
    writer.write(data)
    rows = writer.finish({}, {})
    assert writer._file.closed
    assert np.array_equal(rows.gather(np.arange(500)), data.astype(np.float16).astype(np.float32))
