"""The vector index at 100k and 1M: memory, load time, search with and without filters,
recall@20 against exact float32, incremental updates; the index before issue 31 and the
current one in the same run.

    .venv/bin/python -m benchmarks.bench_vectors [--sizes 100000,1000000] [--queries 200]
        [--text-per-file 1.0] [--sqlite-vec 100000] [--keep DIR] [--json PATH]
    .venv/bin/python -m benchmarks.bench_vectors --recall-only [--sizes 1000000]
    .venv/bin/python -m benchmarks.bench_vectors --blocks [--sizes 100000,1000000]

Data: synthetic, shaped like CLIP's (512-d image vectors, queries from the text side with a
"modality gap") and the sentences model's (384-d): unit vectors around clustered centres of
heavy-tailed sizes, anisotropic (a power-law spectrum in a random basis), calibrated so that
the 20th neighbour of a query sits at cosine ~0.3 and the median row at ~0.1, as CLIP text to
image matches do. Uniform random vectors would make every method look bad; well separated
clusters make every method look good. `--decay 0.6` makes the spectrum steeper (easier).

Each index is measured in a fresh process that opens the catalog as the app does, so its
memory is its own: RSS (VmRSS), of it anonymous (RssAnon) and file-backed (RssFile), after
loading and after the searches. Filters are masks over the rows, as the engine makes them:
'half' (a date range, 50% of files), 'year' (1/15), 'person' (0.1% of files: at least 20
results, exact). Old = the index before issue 31 (float32 in memory up to 200k rows; above,
sign bits plus a float16 copy in memory), reproduced here verbatim.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

K = 20
CLIP_DIM, TEXT_DIM = 512, 384
CLIP_MODEL, TEXT_MODEL = "bench/clip", "bench/sentences"


# --- synthetic vectors -----------------------------------------------------------------------

def make_space(d: int, n: int, seed: int, decay: float):
    """A generator of image-side rows and text-side queries in one d-dim space."""
    rng = np.random.default_rng(seed)
    basis, _ = np.linalg.qr(rng.normal(size=(d, d)))
    basis = basis.astype(np.float32)
    spec = np.arange(1, d + 1, dtype=np.float32) ** -decay
    spec /= np.sqrt((spec ** 2).sum())
    k = max(50, n // 200)
    common = rng.normal(size=d)
    common /= np.linalg.norm(common)
    off_img = (common + 0.6 * rng.normal(size=d) / np.sqrt(d)).astype(np.float32)
    off_txt = (common + 0.6 * rng.normal(size=d) / np.sqrt(d)).astype(np.float32)
    centres = (rng.normal(size=(k, d)).astype(np.float32) * spec) @ basis.T
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    sizes = rng.pareto(1.2, k) + 1
    sizes /= sizes.sum()

    def rows(count: int, seed2: int) -> np.ndarray:
        r = np.random.default_rng(seed2)
        labels = r.choice(k, count, p=sizes)
        out = np.empty((count, d), np.float32)
        for s in range(0, count, 50_000):
            e = min(count, s + 50_000)
            noise = (r.normal(size=(e - s, d)).astype(np.float32) * spec) @ basis.T
            v = 0.8 * off_img + 0.5 * centres[labels[s:e]] + 1.5 * noise
            out[s:e] = v / np.linalg.norm(v, axis=1, keepdims=True)
        return out

    def queries(count: int, seed2: int) -> np.ndarray:
        r = np.random.default_rng(seed2)
        noise = (r.normal(size=(count, d)).astype(np.float32) * spec) @ basis.T
        v = 0.8 * off_txt + 0.5 * centres[r.choice(k, count, p=sizes)] + 3.0 * noise
        return (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)

    return rows, queries


def exact_top(data: np.ndarray, qs: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    """(len(qs), K) row numbers of the exact float32 top K."""
    out = np.empty((len(qs), K), np.int64)
    for s in range(0, len(qs), 50):
        sc = qs[s:s + 50] @ data.T
        if mask is not None:
            sc[:, ~mask] = -np.inf
        part = np.argpartition(-sc, K, axis=1)[:, :K]
        out[s:s + 50] = part
    return out


def filter_masks(n: int) -> dict[str, np.ndarray | None]:
    rng = np.random.default_rng(3)
    person = np.zeros(n, bool)
    person[rng.choice(n, max(K * 5, n // 1000), replace=False)] = True
    return {"none": None, "half": np.arange(n) < n // 2, "year": np.arange(n) % 15 == 4,
            "person": person}


# --- the catalog -------------------------------------------------------------------------------

def build_catalog(home: Path, clip: np.ndarray, text: np.ndarray) -> float:
    from core.catalog import Catalog
    from core.config import Paths

    t0 = time.perf_counter()
    catalog = Catalog.open(Paths(home))
    now = time.time()
    rid = catalog.write(lambda c: c.execute(
        "INSERT INTO roots(path, added_at) VALUES ('/lib', ?)", (now,)).lastrowid)
    n, step = len(clip), 20_000
    for s in range(0, n, step):
        def batch(c, s=s):
            e = min(n, s + step)
            c.executemany(
                "INSERT INTO files(id, root_id, path, folder, name, kind, format, size, "
                "mtime_ns, first_seen_at) VALUES (?,?,?,?,?,'photo','jpeg',1,1,?)",
                ((i + 1, rid, f"/lib/{i // 1000}/{i}.jpg", f"/lib/{i // 1000}", f"{i}.jpg", now)
                 for i in range(s, e)))
            c.executemany("INSERT INTO embeddings(id, file_id, frame_ms, model_id, dim, vector) "
                          "VALUES (?,?,-1,?,?,?)",
                          ((i + 1, i + 1, CLIP_MODEL, CLIP_DIM, clip[i].tobytes())
                           for i in range(s, e)))
        catalog.write(batch)
    nt = len(text)
    for s in range(0, nt, step):
        catalog.write(lambda c, s=s: c.executemany(
            "INSERT INTO text_vectors(id, file_id, source, text, model_id, vector) "
            "VALUES (?,?,'caption','a caption',?,?)",
            ((j + 1, j % n + 1, TEXT_MODEL, text[j].tobytes())
             for j in range(s, min(nt, s + step)))))
    catalog.close()
    return time.perf_counter() - t0


# --- the index before issue 31, for the comparison -----------------------------------------------

class OldIndex:
    """core/search/vectors.py as it was (commit d14e809): every vector read into a float32
    matrix; up to 200k rows kept so, above as sign bits + a float16 copy in memory."""

    EXACT_MAX = 200_000

    def __init__(self, conn, model_id: str, table):
        from core.search.vectors import _rows

        self.emb_ids, self.file_ids, _, mat, _ = _rows(conn, table, model_id, None)
        self.n = len(self.emb_ids)
        if self.n > self.EXACT_MAX:
            self.center = mat.mean(axis=0)
            self.bits = np.ascontiguousarray(_old_sign_bits(mat - self.center).T)
            self.mat = mat.astype(np.float16)
        else:
            self.bits = None
            self.mat = np.ascontiguousarray(mat.T)
        del mat

    def search(self, q: np.ndarray, k: int, mask=None) -> np.ndarray:
        from core.search.vectors import _top

        n = self.n
        if self.bits is None:
            scores = q @ self.mat
            if mask is not None:
                scores = np.where(mask, scores, -np.inf)
            return _top(scores, k, np.arange(n)).rows
        ham = _old_hamming(self.bits, _old_sign_bits((q - self.center)[None, :])[0])
        if mask is not None:
            ham[~mask] = np.iinfo(np.uint16).max
        c = min(n, max(2000, 5 * k, n // 100))
        counts = np.cumsum(np.bincount(ham, minlength=int(ham.max()) + 1))
        cut = int(np.searchsorted(counts, c))
        cand = np.flatnonzero(ham <= cut)
        if mask is not None:
            cand = cand[mask[cand]]
        return _top(self.mat[cand].astype(np.float32) @ q, k, cand).rows


def _old_hamming(bits: np.ndarray, qbits: np.ndarray) -> np.ndarray:
    words, n = bits.shape
    ham = np.zeros(n, np.uint16)
    block = 1 << 16
    tmp, cnt = np.empty(min(n, block), np.uint64), np.empty(min(n, block), np.uint8)
    for s in range(0, n, block):
        e = min(n, s + block)
        t, c, h = tmp[:e - s], cnt[:e - s], ham[s:e]
        for w in range(words):
            np.bitwise_xor(bits[w, s:e], qbits[w], out=t)
            np.bitwise_count(t, out=c)
            h += c
    return ham


def _old_sign_bits(mat: np.ndarray) -> np.ndarray:
    packed = np.packbits(mat > 0, axis=1)
    pad = (-packed.shape[1]) % 8
    if pad:
        packed = np.pad(packed, ((0, 0), (0, pad)))
    return np.ascontiguousarray(packed).view(np.uint64)


# --- one measured process ----------------------------------------------------------------------

def rss() -> dict[str, float]:
    got = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, val = line.partition(":")
        if key in ("VmRSS", "RssAnon", "RssFile", "VmHWM"):
            got[key] = round(int(val.split()[0]) / 1024, 1)     # MiB
    return got


def pct(xs, p) -> float:
    xs = sorted(xs)
    return round(xs[min(len(xs) - 1, round(p / 100 * (len(xs) - 1)))], 2)


def child(kind: str, home: Path, truth_file: Path) -> dict:
    """Open the catalog, load both indexes the way `kind` does, search, report."""
    from core.blas import one_blas_thread
    from core.catalog import Catalog
    from core.config import Paths
    from core.search.vectors import CLIP_VECTORS, TEXT_VECTORS, get_index

    one_blas_thread()
    z = np.load(truth_file)
    out: dict = {"rss_start": rss()}
    catalog = Catalog.open(Paths(home))
    t0 = time.perf_counter()
    with catalog.read() as conn:
        if kind == "old":
            clip = OldIndex(conn, CLIP_MODEL, CLIP_VECTORS)
            text = OldIndex(conn, TEXT_MODEL, TEXT_VECTORS)
        else:
            clip = get_index(catalog.path, conn, CLIP_MODEL)
            text = get_index(catalog.path, conn, TEXT_MODEL, TEXT_VECTORS)
    out["load_s"] = round(time.perf_counter() - t0, 2)
    out["rss_loaded"] = rss()
    if kind != "old":
        out["compact"] = clip.binary
        out["held_mib"] = round((clip.resident_bytes() + text.resident_bytes()) / 2**20, 1)

    def search(index, q, mask):
        """The planted rows (embedding id - 1, as the truth counts them) found."""
        rows = index.search(q, K, mask) if kind == "old" else index.search(q, K, mask).rows
        return index.emb_ids[rows] - 1

    def over_rows(index, per_file):
        """A filter over files as a mask over the index's rows (rows may have moved)."""
        fids = index.file_ids - 1
        inside = fids < len(per_file)
        return inside & per_file[np.where(inside, fids, 0)]

    n = len(z["filter_half"])
    for name in ("none", "half", "year", "person"):
        mask = None if name == "none" else over_rows(clip, z[f"filter_{name}"])
        times, recalls, counts = [], [], []
        for q, want in zip(z["queries"], z[f"truth_{name}"]):
            t = time.perf_counter()
            got = search(clip, q, mask)
            times.append((time.perf_counter() - t) * 1000)
            recalls.append(len(set(want.tolist()) & set(got.tolist())) / K)
            counts.append(len(got))
            if mask is not None:
                assert z[f"filter_{name}"][got].all(), "a row outside the filter"
        out[f"clip_{name}"] = {"p50_ms": pct(times, 50), "p95_ms": pct(times, 95),
                               "recall@20": round(float(np.mean(recalls)), 4),
                               "fewest_results": int(min(counts))}
    times, recalls = [], []
    for q, want in zip(z["text_queries"], z["truth_text"]):
        t = time.perf_counter()
        got = search(text, q, None)
        times.append((time.perf_counter() - t) * 1000)
        recalls.append(len(set(want.tolist()) & set(got.tolist())) / K)
    out["text_none"] = {"p50_ms": pct(times, 50), "p95_ms": pct(times, 95),
                        "recall@20": round(float(np.mean(recalls)), 4)}
    out["rss_searched"] = rss()
    if kind == "new-warm":
        out["incremental"] = incremental(catalog, clip, n, float(z["decay"]))
    catalog.close()
    return out


def incremental(catalog, index, n: int, decay: float) -> dict:
    """1,000 rows added, 1,000 re-embedded, 1,000 deleted (their files removed): one refresh."""
    rows = make_space(CLIP_DIM, n, 1, decay)[0]
    new, changed = rows(1000, 99), rows(1000, 98)     # photos like the others
    now = time.time()

    def change(c):
        c.executemany("INSERT INTO files(id, root_id, path, folder, name, kind, format, size, "
                      "mtime_ns, first_seen_at) VALUES (?,1,?,'/lib/new',?,'photo','jpeg',1,1,?)",
                      ((n + 1 + i, f"/lib/new/{i}.jpg", f"{i}.jpg", now) for i in range(1000)))
        c.executemany("INSERT INTO embeddings(file_id, frame_ms, model_id, dim, vector) "
                      "VALUES (?,-1,?,?,?)", ((n + 1 + i, CLIP_MODEL, CLIP_DIM, new[i].tobytes())
                                             for i in range(1000)))
        c.executemany("UPDATE embeddings SET vector = ? WHERE id = ?",
                      ((changed[i].tobytes(), 1001 + i) for i in range(1000)))
        c.execute("DELETE FROM files WHERE id <= 1000")

    catalog.write(change)
    t0 = time.perf_counter()
    with catalog.read() as conn:
        index.refresh(conn)
        (count,) = conn.execute("SELECT count(*) FROM embeddings").fetchone()
    took = time.perf_counter() - t0
    assert len(index) == count == n, (len(index), count, n)
    top = index.search(new[5], 1)
    assert int(index.file_ids[top.rows[0]]) == n + 6 and top.scores[0] > 0.99
    top = index.search(changed[7], 1)
    assert int(index.emb_ids[top.rows[0]]) == 1008 and top.scores[0] > 0.99
    return {"refresh_s": round(took, 3), "rows_after": len(index)}


# --- sqlite-vec, for the decision ------------------------------------------------------------

def sqlite_vec_section(home: Path, truth_file: Path, queries: int) -> dict:
    """sqlite-vec's vec0 tables (float[512] brute force; bit[512] with exact rescoring from
    the same table) against the index, and what fetching the rows to rescore costs from
    SQLite (vec0 by rowid, the catalog by id) and from the memory-mapped store."""
    try:
        import sqlite_vec
    except ImportError:
        print("   sqlite-vec is not installed (pip install sqlite-vec): skipped")
        return {}
    from core.catalog.chunks import in_chunks
    from core.catalog.connection import connect
    from core.search.vector_store import load, store_dir

    z = np.load(truth_file)
    qs, truth = z["queries"][:queries], z["truth_none"][:queries]
    db = home / "catalog.sqlite"
    vec_db = home / "vec0.sqlite"
    conn = connect(db)
    conn.enable_load_extension(True)
    sqlite_vec.load(conn)
    t0 = time.perf_counter()
    conn.execute(f"ATTACH DATABASE '{vec_db}' AS v")
    if not conn.execute("SELECT 1 FROM v.sqlite_master WHERE name = 'vf'").fetchone():
        conn.execute(f"CREATE VIRTUAL TABLE v.vf USING vec0(embedding float[{CLIP_DIM}])")
        conn.execute(f"CREATE VIRTUAL TABLE v.vb USING vec0(embedding bit[{CLIP_DIM}])")
        conn.execute("BEGIN")
        conn.execute("INSERT INTO v.vf(rowid, embedding) SELECT id, vector FROM embeddings "
                     "WHERE model_id = ?", (CLIP_MODEL,))
        conn.execute("INSERT INTO v.vb(rowid, embedding) SELECT id, vec_quantize_binary(vector) "
                     "FROM embeddings WHERE model_id = ?", (CLIP_MODEL,))
        conn.execute("COMMIT")
    out = {"vec0_build_s": round(time.perf_counter() - t0, 1)}
    print(f"   sqlite-vec vec0 tables (float[512], bit[512]) built in {out['vec0_build_s']} s")

    def measure(name, fn):
        times, recalls = [], []
        for q, want in zip(qs, truth):
            t = time.perf_counter()
            got = fn(q)
            times.append((time.perf_counter() - t) * 1000)
            recalls.append(len(set(want.tolist()) & set(got)) / K)
        out[name] = {"p50_ms": pct(times, 50), "p95_ms": pct(times, 95),
                     "recall@20": round(float(np.mean(recalls)), 4)}
        print(f"      {name:<34} p50 {pct(times, 50):8.2f} ms  p95 {pct(times, 95):8.2f} ms"
              f"  recall@20 {np.mean(recalls):.4f}  ({len(qs)} queries)", flush=True)

    measure("vec0 float brute force", lambda q: [r[0] - 1 for r in conn.execute(
        "SELECT rowid FROM v.vf WHERE embedding MATCH ? AND k = ? ORDER BY distance",
        (q.tobytes(), K))])

    def bit_then_rescore(q, c=2000):
        cand = [r[0] for r in conn.execute(
            "SELECT rowid FROM v.vb WHERE embedding MATCH vec_quantize_binary(?) AND k = ? "
            "ORDER BY distance", (q.tobytes(), c))]
        ids, mat = fetch_vec0(cand)
        return (ids[np.argsort(-(mat @ q))[:K]] - 1).tolist()

    def rows_where_in(select, ids):        # `select` ends "WHERE <key>"; 500 ids a statement
        return [r for chunk, marks in in_chunks(ids, 500)
                for r in conn.execute(f"{select} IN ({marks})", chunk)]

    def fetch_vec0(ids):
        rows = rows_where_in("SELECT rowid, embedding FROM v.vf WHERE rowid", ids)
        return (np.array([r[0] for r in rows]),
                np.frombuffer(b"".join(r[1] for r in rows), "<f4").reshape(len(rows), CLIP_DIM))

    def fetch_catalog(ids):
        return rows_where_in("SELECT id, vector FROM embeddings WHERE id", ids)

    measure("vec0 bit[512] + rescoring 2,000", bit_then_rescore)
    found = load(store_dir(db, "embeddings", CLIP_MODEL), {"model_id": CLIP_MODEL})
    n = int(conn.execute("SELECT count(*) FROM embeddings").fetchone()[0])
    rng = np.random.default_rng(4)
    for c in (2_000, 20_000):
        cand = np.sort(rng.choice(n, c, replace=False))
        for name, fn in (("vec0 by rowid", lambda ids: fetch_vec0((ids + 1).tolist())),
                         ("catalog by id", lambda ids: fetch_catalog((ids + 1).tolist())),
                         ("memory-mapped store", (lambda ids: found[2].gather(ids))
                          if found else None)):
            if fn is None:
                continue
            times = []
            for _ in range(5):
                t = time.perf_counter()
                fn(cand)
                times.append((time.perf_counter() - t) * 1000)
            out[f"fetch {c} {name}"] = pct(times, 50)
            print(f"      fetch {c:>6,} rows to rescore, {name:<20} {pct(times, 50):8.2f} ms")
    conn.close()
    return out


# --- recall alone, without a catalog ----------------------------------------------------------------

def recall_only(n: int, args) -> dict:
    """Recall@20 of the current index against exact float32, and its search times, on the
    same synthetic vectors and queries as a full run, with no catalog built (minutes at 1M
    instead of most of an hour): the index is built from the vectors in memory, its store an
    unnamed temporary file read by position as a saved one is. One index at a time."""
    from core.blas import one_blas_thread
    from core.search.vectors import VectorIndex

    one_blas_thread()
    out: dict = {"load_average": os.getloadavg()[0]}
    for name, dim, seed, masks in (("clip", CLIP_DIM, 1, filter_masks(n)),
                                   ("text", TEXT_DIM, 2, {"none": None})):
        rows, queries = make_space(dim, n, seed, args.decay)
        m = n if name == "clip" else int(n * args.text_per_file)
        data = rows(m, 11 if name == "clip" else 12)
        qs = queries(args.queries, 21 if name == "clip" else 22)
        index = VectorIndex(f"bench/{name}")
        ids = np.arange(m, dtype=np.int64)
        index._build(ids, ids, np.full(m, -1, np.int64), data)
        for fname, mask in masks.items():
            truth = exact_top(data, qs, mask)
            times, recalls = [], []
            for q, want in zip(qs, truth):
                t = time.perf_counter()
                got = index.search(q, K, mask).rows
                times.append((time.perf_counter() - t) * 1000)
                recalls.append(len(set(want.tolist()) & set(got.tolist())) / K)
            r = out[f"{name}_{fname}"] = {"p50_ms": pct(times, 50), "p95_ms": pct(times, 95),
                                          "recall@20": round(float(np.mean(recalls)), 4)}
            print(f"   {name:<4} filter {fname:<7} p50 {r['p50_ms']:7.2f} ms  p95 "
                  f"{r['p95_ms']:7.2f} ms  recall@20 {r['recall@20']:.4f}", flush=True)
        r = out[f"{name}_spare"] = spare_rows(index, data, qs)
        print(f"   {name:<4} spare rows    p50 {r['p50_ms']:7.2f} ms  p95 {r['p95_ms']:7.2f} ms  "
              f"score off by p99 {r['off_p99']:.4f}, max {r['off_max']:.4f}", flush=True)
        del data, index
    return out


def spare_rows(index, data: np.ndarray, qs: np.ndarray, k: int = 200) -> dict:
    """The engine's second call for one query (`spare`: the rest of the candidates, when the
    top k rows hold too few files): its time, and how far its scores are from the float16
    rows' (those past the rows read are the codes' estimates)."""
    times, off = [], []
    for q in qs:
        index.search(q, k)
        t = time.perf_counter()
        nb = index.search(q, k, spare=True)
        times.append((time.perf_counter() - t) * 1000)
        exact = data[nb.rows].astype(np.float16).astype(np.float32) @ q
        off.append(np.abs(nb.scores - exact))
    off = np.concatenate(off)
    return {"p50_ms": pct(times, 50), "p95_ms": pct(times, 95),
            "off_p99": round(float(np.percentile(off, 99)), 5),
            "off_max": round(float(off.max()), 5)}


# --- the run -------------------------------------------------------------------------------------

def run_size(n: int, args, tmp: Path) -> dict:
    print(f"\n== {n:,} CLIP vectors (512-d) + {int(n * args.text_per_file):,} text vectors "
          f"(384-d), k={K}, {args.queries} queries ==", flush=True)
    home = (args.keep or tmp) / f"home-{n}"
    truth_file = home / "truth.npz"
    t0 = time.perf_counter()
    clip_rows, clip_queries = make_space(CLIP_DIM, n, 1, args.decay)
    text_rows, text_queries = make_space(TEXT_DIM, n, 2, args.decay)
    if not truth_file.exists():
        clip = clip_rows(n, 11)
        text = text_rows(int(n * args.text_per_file), 12)
        print(f"   vectors made in {time.perf_counter() - t0:.0f} s", flush=True)
        shutil.rmtree(home, ignore_errors=True)
        took = build_catalog(home, clip, text)
        print(f"   catalog built in {took:.0f} s "
              f"({(home / 'catalog.sqlite').stat().st_size / 2**20:,.0f} MiB)", flush=True)
        qs, tqs = clip_queries(args.queries, 21), text_queries(args.queries, 22)
        masks = filter_masks(n)
        arrays = {"queries": qs, "text_queries": tqs, "truth_text": exact_top(text, tqs, None)}
        for name, mask in masks.items():
            arrays[f"truth_{name}"] = exact_top(clip, qs, mask)
            if mask is not None:
                arrays[f"filter_{name}"] = mask
        c20 = float(np.mean(np.sort(qs[:50] @ clip.T, axis=1)[:, -K]))
        med = float(np.median(qs[:5] @ clip.T))
        arrays["calibration"] = np.array([c20, med])
        arrays["decay"] = np.array(args.decay)
        np.savez(truth_file, **arrays)
        del clip, text
    z = np.load(truth_file)
    c20, med = z["calibration"]
    print(f"   query's 20th neighbour at cosine {c20:.3f}, median row {med:.3f}", flush=True)
    results = {"cos20": round(float(c20), 3), "load_average": os.getloadavg()[0]}
    for kind in ("old", "new-cold", "new-warm"):
        if kind == "new-cold":
            shutil.rmtree(home / "vector-store", ignore_errors=True)
        if kind == "new-warm" and n in args.sqlite_vec:   # before the changes new-warm makes
            results["sqlite-vec"] = sqlite_vec_section(home, truth_file, min(args.queries, 50))
        proc = subprocess.run([sys.executable, "-m", "benchmarks.bench_vectors", "--child", kind,
                               "--home", str(home), "--truth", str(truth_file)],
                              capture_output=True, text=True, check=False)
        if proc.returncode:
            print(proc.stdout, proc.stderr)
            raise SystemExit(f"the {kind} run failed")
        got = json.loads(proc.stdout.strip().splitlines()[-1])
        results[kind] = got
        rs, rl, rq = got["rss_start"], got["rss_loaded"], got["rss_searched"]
        print(f"   {kind:<9} load {got['load_s']:6.2f} s   RSS after load +{rl['VmRSS'] - rs['VmRSS']:7.1f}"
              f" MiB (anon +{rl['RssAnon'] - rs['RssAnon']:.1f}, file +{rl['RssFile'] - rs['RssFile']:.1f})"
              f", after searches +{rq['VmRSS'] - rs['VmRSS']:.1f} MiB, peak {rq['VmHWM']:.0f} MiB"
              + (f", held by the indexes {got['held_mib']} MiB" if "held_mib" in got else ""),
              flush=True)
        for name in ("none", "half", "year", "person"):
            r = got[f"clip_{name}"]
            print(f"      clip filter {name:<7} p50 {r['p50_ms']:7.2f} ms  p95 {r['p95_ms']:7.2f} ms"
                  f"  recall@20 {r['recall@20']:.4f}  fewest results {r['fewest_results']}")
        r = got["text_none"]
        print(f"      text, no filter     p50 {r['p50_ms']:7.2f} ms  p95 {r['p95_ms']:7.2f} ms"
              f"  recall@20 {r['recall@20']:.4f}")
        if "incremental" in got:
            print(f"      +1,000 / ~1,000 changed / -1,000 rows: refresh "
                  f"{got['incremental']['refresh_s']:.3f} s", flush=True)
    old, new = results["old"], results["new-warm"]
    o = old["rss_searched"]["VmRSS"] - old["rss_start"]["VmRSS"]
    w = new["rss_searched"]["VmRSS"] - new["rss_start"]["VmRSS"]
    print(f"   new/old: RSS {w / o:.2f}x, clip p95 {new['clip_none']['p95_ms'] / old['clip_none']['p95_ms']:.2f}x, "
          f"load at start {new['load_s'] / old['load_s']:.2f}x   (load average {os.getloadavg()[0]:.1f})")
    return results


def blocks(n: int, runs: int = 10) -> dict[int, float]:
    """CPU ms (the fastest of `runs`, one thread) of the uint8 x int8 product over n x 64
    random sketches with each block (`int8_products.block_times`), and the fastest: the
    block `tune` keeps on this machine."""
    from core.search.int8_products import block_times

    rng = np.random.default_rng(0)
    took = {b: t * 1000 for b, t in
            block_times(rng.integers(0, 256, (n, 64), dtype=np.uint8), runs).items()}
    print(f"{n:,} x 64: " + ", ".join(f"block {b}: {t:.2f} ms" for b, t in took.items())
          + f"; tune keeps {min(took, key=took.get)}", flush=True)
    return took


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--text-per-file", type=float, default=1.0,
                    help="text vectors per file (captions, transcripts, text in photos)")
    ap.add_argument("--decay", type=float, default=0.3,
                    help="spectrum decay of the synthetic vectors (larger: easier)")
    ap.add_argument("--keep", type=Path, help="keep (and reuse) the catalogs here")
    ap.add_argument("--sqlite-vec", default="100000", type=lambda v: {int(x) for x in v.split(",") if x},
                    help="sizes at which sqlite-vec's vec0 tables are measured too (needs "
                         "`pip install sqlite-vec`; building them at 1M takes long)")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--recall-only", action="store_true",
                    help="recall@20 and search times of the current index, no catalog built")
    ap.add_argument("--blocks", action="store_true",
                    help="the prefilter's product over n x 64 sketches with each block, and "
                         "the one `tune` keeps on this machine")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--home", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--truth", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.home, args.truth)))
        return
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    if args.blocks:
        for n in (int(s) for s in args.sizes.split(",")):
            blocks(n)
        return
    if args.recall_only:
        summary = {}
        for n in (int(s) for s in args.sizes.split(",")):
            print(f"\n== recall alone: {n:,} CLIP + {int(n * args.text_per_file):,} text "
                  f"vectors, {args.queries} queries ==", flush=True)
            summary[n] = recall_only(n, args)
        if args.json:
            args.json.write_text(json.dumps(summary, indent=1, default=float) + "\n")
        return
    tmp = Path(tempfile.mkdtemp(prefix="shoebox-bench-vectors-"))
    try:
        summary = {n: run_size(n, args, tmp) for n in (int(s) for s in args.sizes.split(","))}
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(summary, indent=1, default=float) + "\n")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
