"""Search speed: vector stores compared, and a text query end to end, at 100k and 1M items.

    .venv/bin/python -m benchmarks.bench_search [--sizes 100000,1000000] [--queries 200]
        [--e2e-sizes 100000[,1000000]] [--no-sqlite-vec] [--no-stores] [--no-e2e] [--keep DIR]

Part 1 — vector stores, 512-d synthetic unit vectors (clustered, with a shared offset and a
text/image "modality gap", the way CLIP vectors are), k = 20:
  sqlite-vec float brute force, sqlite-vec bit[512] prefilter + exact rescoring, numpy exact
  matrix product, numpy sign-bit prefilter + exact rescoring (core.search.vectors binary mode).
  Latency p50/p95 and recall@20 against exact brute force.
Part 2 — end to end (issue 5 target: p95 <= 100 ms at 100k on this CPU): a catalog on disk with
N files, N vectors and N captions; each query = CLIP text encode with the full-size ViT-B/32
text tower (random weights from CLIPConfig; speed does not depend on weight values) + vector
search + FTS5 + fusion + filters, through core.search.search. The relevance floor is off
(-1) so every query carries the full candidate lists through fusion (the worst case).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from core.catalog import Catalog
from core.catalog.connection import connect
from core.config import Paths, Settings
from core.search import Filters, search
from core.search.vectors import VectorIndex, drop_cached, get_index

DIM = 512
K = 20
MODEL_ID = "bench/clip-vit-b32-random@0:fp32"

ADJ = ["red", "blue", "green", "yellow", "old", "young", "small", "large", "happy", "sunny", "rainy", "snowy", "dark", "bright", "quiet", "busy", "wooden", "golden", "misty", "crowded"]
NOUN = ["dog", "cat", "child", "woman", "man", "car", "bicycle", "boat", "house", "tree", "mountain", "lake", "beach", "bridge", "castle", "flower", "cake", "train", "horse", "market"]
PLACE = ["park", "garden", "street", "river", "forest", "city", "village", "harbour", "field", "kitchen", "church", "stadium", "desert", "island", "valley", "museum", "station", "farm", "school", "temple"]


# --- synthetic data ------------------------------------------------------------------------

SPREAD = 0.9   # within-cluster noise; --spread changes it (larger: harder for the prefilter)


def make_vectors(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, callable]:
    """(vectors (n, DIM) unit float32, cluster of each, query maker)."""
    rng = np.random.default_rng(seed)
    n_clusters = max(50, n // 100)
    img_offset = rng.normal(size=DIM).astype(np.float32)
    img_offset *= 0.9 / np.linalg.norm(img_offset)
    txt_offset = rng.normal(size=DIM).astype(np.float32)
    txt_offset *= 0.9 / np.linalg.norm(txt_offset)
    centres = rng.normal(size=(n_clusters, DIM)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    labels = rng.integers(0, n_clusters, n)
    out = np.empty((n, DIM), np.float32)
    for s in range(0, n, 100_000):
        e = min(n, s + 100_000)
        noise = rng.normal(scale=1.0 / np.sqrt(DIM), size=(e - s, DIM)).astype(np.float32)
        v = img_offset + centres[labels[s:e]] + SPREAD * noise
        out[s:e] = v / np.linalg.norm(v, axis=1, keepdims=True)

    def query(r: np.random.Generator) -> np.ndarray:
        c = centres[r.integers(n_clusters)]
        v = txt_offset + c + max(1.0, SPREAD) * r.normal(scale=1.0 / np.sqrt(DIM), size=DIM)
        return (v / np.linalg.norm(v)).astype(np.float32)

    return out, labels, query


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(p / 100 * (len(xs) - 1)))]


def fmt(ms_list) -> str:
    return f"p50 {pct(ms_list, 50):7.2f} ms  p95 {pct(ms_list, 95):7.2f} ms"


# --- part 1: vector stores -----------------------------------------------------------------

def bench_stores(n: int, n_queries: int, use_sqlite_vec: bool, tmp: Path) -> dict:
    print(f"\n== vector stores, {n:,} x {DIM} float32, k={K} ==")
    t0 = time.perf_counter()
    data, _, make_query = make_vectors(n)
    print(f"   synthetic vectors made in {time.perf_counter() - t0:.1f} s")
    rng = np.random.default_rng(1)
    queries = [make_query(rng) for _ in range(n_queries)]
    exact = VectorIndex("m", exact_max=n + 1)
    exact._build(np.arange(n), np.arange(n), np.full(n, -1), data)
    truth = [set(exact.search(q, K).rows.tolist()) for q in queries]
    cos20 = statistics.mean(float(exact.search(q, K).scores[-1]) for q in queries[:50])
    print(f"   within-cluster spread {SPREAD}: mean cosine of the 20th neighbour {cos20:.3f} "
          f"(CLIP ViT-B/32 text->image top matches: ~0.25-0.35)")
    results = {}

    def measure(name, fn, qs=queries):
        times, cpu, recalls = [], [], []
        for q, want in zip(qs, truth):
            t, c = time.perf_counter(), time.process_time()
            got = fn(q)
            times.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)
            recalls.append(len(want & set(got)) / K)
        rec = statistics.mean(recalls)
        results[name] = (pct(times, 50), pct(times, 95), rec)
        print(f"   {name:<42} {fmt(times)}  cpu p50 {pct(cpu, 50):7.2f} ms  recall@20 {rec:.3f}"
              f"  ({len(qs)} queries, load {os.getloadavg()[0]:.1f})")

    measure("numpy exact (float32 matrix)", lambda q: exact.search(q, K).rows.tolist())
    binary = VectorIndex("m", exact_max=0)
    t0 = time.perf_counter()
    binary._build(np.arange(n), np.arange(n), np.full(n, -1), data.copy())
    print(f"   sign bits + float16 copy built in {time.perf_counter() - t0:.1f} s")
    measure("numpy sign-bit prefilter + exact rescoring",
            lambda q: binary.search(q, K).rows.tolist())
    binary = None  # free its memory before the next store

    if use_sqlite_vec:
        db = tmp / f"vec-{n}.sqlite"
        conn = connect(db)
        t0 = time.perf_counter()
        conn.execute(f"CREATE VIRTUAL TABLE vf USING vec0(embedding float[{DIM}])")
        conn.execute(f"CREATE VIRTUAL TABLE vb USING vec0(embedding bit[{DIM}])")
        conn.execute("CREATE TABLE raw(id INTEGER PRIMARY KEY, v BLOB)")
        centre = data.mean(axis=0)
        for s in range(0, n, 20_000):
            conn.execute("BEGIN")
            chunk = data[s:s + 20_000]
            conn.executemany("INSERT INTO vf(rowid, embedding) VALUES (?, ?)",
                             ((s + i + 1, chunk[i].tobytes()) for i in range(len(chunk))))
            conn.executemany(
                "INSERT INTO vb(rowid, embedding) VALUES (?, vec_quantize_binary(?))",
                ((s + i + 1, (chunk[i] - centre).tobytes()) for i in range(len(chunk))))
            conn.executemany("INSERT INTO raw(id, v) VALUES (?, ?)",
                             ((s + i + 1, chunk[i].tobytes()) for i in range(len(chunk))))
            conn.execute("COMMIT")
        print(f"   sqlite-vec tables built in {time.perf_counter() - t0:.1f} s")

        def vf(q):
            rows = conn.execute("SELECT rowid FROM vf WHERE embedding MATCH ? AND k = ? "
                                "ORDER BY distance", (q.tobytes(), K)).fetchall()
            return [r[0] - 1 for r in rows]

        def vb(q, c=2000):
            cand = [r[0] for r in conn.execute(
                "SELECT rowid FROM vb WHERE embedding MATCH vec_quantize_binary(?) AND k = ? "
                "ORDER BY distance", ((q - centre).tobytes(), c))]
            marks = ",".join("?" * len(cand))
            rows = conn.execute(f"SELECT id, v FROM raw WHERE id IN ({marks})", cand).fetchall()
            ids = np.array([r[0] for r in rows])
            mat = np.frombuffer(b"".join(r[1] for r in rows), np.float32).reshape(len(rows), DIM)
            s = mat @ q
            top = np.argsort(-s)[:K]
            return (ids[top] - 1).tolist()

        few = queries[: max(5, n_queries // (10 if n > 200_000 else 4))]
        measure("sqlite-vec float brute force", vf, few)
        measure("sqlite-vec bit prefilter + exact rescoring", vb, few)
        conn.close()
        db.unlink(missing_ok=True)
    return results


# --- part 2: end to end --------------------------------------------------------------------

class FullSizeTextTower:
    """CLIP ViT-B/32's text tower at full size, random weights (what the query encode costs).
    Tokens come from a fixed hash of the words (the CLIP BPE vocabulary is not on this
    machine; tokenizing a short query costs well under a millisecond either way)."""

    identity_str = MODEL_ID

    def __init__(self):
        import torch
        from transformers import CLIPTextConfig, CLIPTextModelWithProjection

        torch.manual_seed(0)
        self.torch = torch
        cfg = CLIPTextConfig(vocab_size=49408, hidden_size=512, intermediate_size=2048,
                             num_hidden_layers=12, num_attention_heads=8,
                             max_position_embeddings=77, projection_dim=512)
        self.model = CLIPTextModelWithProjection(cfg).eval()
        self.params = sum(p.numel() for p in self.model.parameters())

    def embed_texts(self, texts: list[str]) -> np.ndarray:
        ids = [[49406] + [hash_token(w) for w in t.lower().split()][:75] + [49407] for t in texts]
        width = max(len(x) for x in ids)
        arr = np.full((len(ids), width), 49407, np.int64)
        mask = np.zeros_like(arr)
        for i, x in enumerate(ids):
            arr[i, :len(x)] = x
            mask[i, :len(x)] = 1
        with self.torch.inference_mode():
            out = self.model(input_ids=self.torch.from_numpy(arr),
                             attention_mask=self.torch.from_numpy(mask)).text_embeds
        v = out.numpy().astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)


def hash_token(word: str) -> int:
    h = 0
    for ch in word.encode():
        h = (h * 131 + ch) % 49000
    return 256 + h


class BenchRegistry:
    """The two registry calls search makes, over the full-size text tower."""

    def __init__(self, tower):
        self.tower = tower

    def identity(self, role):
        return MODEL_ID

    def clip(self):
        return self.tower


def build_catalog(home: Path, n: int) -> tuple[Catalog, float]:
    t0 = time.perf_counter()
    catalog = Catalog.open(Paths(home))
    data, _, _ = make_vectors(n)
    rnd = random.Random(0)
    now = time.time()

    def root(c):
        return c.execute("INSERT INTO roots(path, added_at) VALUES ('/lib', ?)", (now,)).lastrowid

    rid = catalog.write(root)
    step = 20_000
    for s in range(0, n, step):
        def batch(c, s=s):
            files, embs, caps = [], [], []
            for i in range(s, min(n, s + step)):
                fid = i + 1
                kind = "video" if i % 10 == 0 else "photo"
                year = 2010 + i % 15
                folder = f"/lib/{year}/{['trip', 'home', 'family', 'work'][i % 4]}"
                name = f"IMG_{i:07d}.{'mp4' if kind == 'video' else 'jpg'}"
                taken = 1.26e9 + (i % 15) * 3.15e7 + rnd.random() * 3e7
                gps = (rnd.uniform(-60, 60), rnd.uniform(-180, 180)) if i % 3 == 0 else (None,
                                                                                          None)
                files.append((fid, rid, f"{folder}/{name}", folder, name, kind, "jpeg", 1000,
                              int(taken * 1e9), f"{i:032x}", 4000, 3000, taken, "exif", gps[0],
                              gps[1], "Canon" if i % 2 else "Apple", now))
                embs.append((fid, 0 if kind == "video" else -1, MODEL_ID, DIM,
                             data[i].tobytes()))
                caps.append((fid, "bench/captioner",
                             (f"a {rnd.choice(ADJ)} {rnd.choice(NOUN)} in a {rnd.choice(PLACE)} "
                             f"with a {rnd.choice(ADJ)} {rnd.choice(NOUN)}"), now))
            c.executemany(
                "INSERT INTO files(id, root_id, path, folder, name, kind, format, size, "
                "mtime_ns, content_hash, width, height, taken_at, taken_at_source, gps_lat, "
                "gps_lon, camera_make, first_seen_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                files)
            c.executemany("INSERT INTO embeddings(file_id, frame_ms, model_id, dim, vector) "
                          "VALUES (?,?,?,?,?)", embs)
            c.executemany("INSERT INTO captions(file_id, model_id, text, created_at) "
                          "VALUES (?,?,?,?)", caps)
        catalog.write(batch)
    catalog.write(lambda c: c.execute("INSERT INTO fts(fts) VALUES ('optimize')"))
    return catalog, time.perf_counter() - t0


def bench_end_to_end(n: int, n_queries: int, tower, keep: Path | None, tmp: Path) -> dict:
    print(f"\n== end to end, catalog of {n:,} files + vectors + captions ==")
    home = (keep / f"home-{n}") if keep else (tmp / f"home-{n}")
    if home.exists() and (home / "catalog.sqlite").exists():
        catalog, t_build = Catalog.open(Paths(home)), 0.0
        print(f"   reusing catalog at {home}")
    else:
        catalog, t_build = build_catalog(home, n)
        print(f"   catalog built in {t_build:.1f} s "
              f"({(home / 'catalog.sqlite').stat().st_size / 2**20:,.0f} MiB)")
    reg = BenchRegistry(tower)
    settings = Settings(relevance_floor=-1.0)
    drop_cached()
    t0 = time.perf_counter()
    with catalog.read() as conn:
        idx = get_index(catalog.path, conn, MODEL_ID)
    t_load = time.perf_counter() - t0
    print(f"   vector index loaded from the catalog in {t_load:.2f} s "
          f"({len(idx):,} vectors, {'sign-bit prefilter' if idx.binary else 'exact'} mode)")
    rnd = random.Random(2)
    filter_sets = [Filters(), Filters(), Filters(kind="photo"),
                   Filters(date_from=1.4e9, date_to=1.6e9), Filters(has_gps=True),
                   Filters(kind="video", camera="canon"), Filters(folder="/lib/2015")]
    queries = []
    for i in range(n_queries):
        words = [rnd.choice(ADJ), rnd.choice(NOUN)]
        if i % 3 == 0:
            words.append(rnd.choice(PLACE))
        queries.append((" ".join(words), filter_sets[i % len(filter_sets)]))
    for q, f in queries[:5]:   # warm-up (first torch call, SQLite page cache)
        search(catalog, reg, settings, q, f, limit=50)
    parts = {"encode": [], "total": [], "total_nofilter": [], "total_filter": [], "cpu": [],
             "cpu_encode": []}
    hits_count = []
    for q, f in queries:
        t, c = time.perf_counter(), time.process_time()
        tower.embed_texts([q])
        parts["encode"].append((time.perf_counter() - t) * 1000)
        parts["cpu_encode"].append((time.process_time() - c) * 1000)
        t, c = time.perf_counter(), time.process_time()
        res = search(catalog, reg, settings, q, f, limit=50)
        ms = (time.perf_counter() - t) * 1000
        parts["cpu"].append((time.process_time() - c) * 1000)
        parts["total"].append(ms)
        parts["total_filter" if not f.is_empty() else "total_nofilter"].append(ms)
        hits_count.append(len(res))
        assert res.vector_used, res.notices
    print(f"   CLIP text encode alone          {fmt(parts['encode'])}")
    print(f"   end to end, all queries         {fmt(parts['total'])}  ({len(queries)} queries,"
          f" median {statistics.median(hits_count):.0f} hits)")
    print(f"   end to end, no filter           {fmt(parts['total_nofilter'])}")
    print(f"   end to end, with a filter       {fmt(parts['total_filter'])}")
    print(f"   CPU time (process), encode      {fmt(parts['cpu_encode'])}")
    print(f"   CPU time (process), end to end  {fmt(parts['cpu'])}   (what an idle core needs;"
          f" wall time above includes waiting for a busy machine)")
    print(f"   load average now {os.getloadavg()[0]:.1f}")
    catalog.close()
    drop_cached()
    return {k: (pct(v, 50), pct(v, 95)) for k, v in parts.items()} | {"load_s": t_load}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100000,1000000", help="vector-store sizes (part 1)")
    ap.add_argument("--e2e-sizes", default="100000",
                    help="catalog sizes end to end (part 2); 1000000 builds a ~4.5 GB catalog "
                         "in ~10 min on 2 cores, so it is opt-in")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--no-sqlite-vec", action="store_true")
    ap.add_argument("--spread", type=float, default=0.9,
                    help="within-cluster noise of the synthetic vectors (default 0.9; 2-3 "
                         "makes neighbours less distinct, a harder case for the prefilter)")
    ap.add_argument("--no-stores", action="store_true", help="skip part 1")
    ap.add_argument("--no-e2e", action="store_true", help="skip part 2")
    ap.add_argument("--keep", type=Path, help="keep (and reuse) the benchmark catalogs here")
    ap.add_argument("--torch-threads", type=int, default=1,
                    help="intra-op threads for the query encode (default 1: a 10-token query "
                         "gains nothing from more, and on a busy 2-core machine loses a lot)")
    args = ap.parse_args()
    global SPREAD
    SPREAD = args.spread
    sizes = [int(s) for s in args.sizes.split(",") if s]
    e2e_sizes = [int(s) for s in args.e2e_sizes.split(",") if s]
    import torch

    torch.set_num_threads(args.torch_threads)
    print(f"CPU threads: torch {torch.get_num_threads()}, os.cpu_count {os.cpu_count()}, "
          f"load average {os.getloadavg()[0]:.1f}")
    tmp = Path(tempfile.mkdtemp(prefix="shoebox-bench-search-"))
    try:
        tower = None
        if not args.no_e2e:
            tower = FullSizeTextTower()
            print(f"text tower: {tower.params / 1e6:.1f} M parameters (full-size ViT-B/32)")
        summary = {}
        for n in sizes if not args.no_stores else []:
            summary[("stores", n)] = bench_stores(n, args.queries, not args.no_sqlite_vec, tmp)
        for n in e2e_sizes if tower is not None else []:
            summary[("e2e", n)] = bench_end_to_end(n, args.queries, tower, args.keep, tmp)
        e2e = [(n, summary[("e2e", n)]) for n in e2e_sizes if ("e2e", n) in summary]
        if len(e2e) > 1:
            (n0, a), (n1, b) = e2e[0], e2e[-1]
            print(f"\nscaling {n0:,} -> {n1:,} ({n1 / n0:.0f}x items): end-to-end p50 "
                  f"{b['total'][0] / a['total'][0]:.2f}x, p95 {b['total'][1] / a['total'][1]:.2f}x")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
