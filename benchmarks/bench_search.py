"""Search speed: vector stores compared, and a text query end to end, at 100k and 1M items.

    .venv/bin/python -m benchmarks.bench_search [--sizes 100000,1000000] [--queries 200]
        [--e2e-sizes 100000[,1000000]] [--no-sqlite-vec] [--no-stores] [--no-e2e] [--keep DIR]

Part 1 — vector stores, 512-d synthetic unit vectors (clustered, with a shared offset and a
text/image "modality gap", the way CLIP vectors are), k = 20:
  sqlite-vec float brute force, sqlite-vec bit[512] prefilter + exact rescoring, numpy exact
  matrix product, numpy sign-bit prefilter + exact rescoring (core.search.vectors binary mode).
  Latency p50/p95 and recall@20 against exact brute force.
Part 2 — end to end (target: p95 <= 40 ms at 100k on this CPU): a catalog on disk with
N files, N vectors and N captions; each query = CLIP text encode with the full-size ViT-B/32
(random weights from CLIPConfig; speed does not depend on weight values; a BPE vocabulary in
which each query word is one token, as in CLIP's real one) loaded through the registry, +
vector search + FTS5 + fusion + filters, through core.search.search. The query encode runs
the way the app runs it: ONNX Runtime once warmed (models/clip_onnx.py), and the torch path
is measured beside it, with the worst cosine between the two. The relevance floor is off
(-1) so every query carries the full candidate lists through fusion (the worst case).
--json PATH writes the figures (`make bench` compares them with benchmarks/results/).
"""

from __future__ import annotations

import argparse
import json
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
from core.search import warm as search_warm
from core.search.vectors import VectorIndex, drop_cached, get_index

DIM = 512
K = 20

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

    conn = _sqlite_vec_connection(tmp / f"vec-{n}.sqlite") if use_sqlite_vec else None
    if conn is not None:
        db = tmp / f"vec-{n}.sqlite"
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


def _sqlite_vec_connection(db: Path):
    """A connection with sqlite-vec loaded, or None when it is not installed (Shoebox no
    longer depends on it: `pip install sqlite-vec` to compare it)."""
    try:
        import sqlite_vec
    except ImportError:
        print("   sqlite-vec is not installed (pip install sqlite-vec): its stores skipped")
        return None
    conn = connect(db)
    conn.enable_load_extension(True)
    sqlite_vec.load(conn)
    conn.enable_load_extension(False)
    return conn


# --- part 2: end to end --------------------------------------------------------------------

def clip_folder(where: Path) -> Path:
    """Full-size ViT-B/32, random weights, with a byte-level BPE whose merges make each of
    the benchmark's words a single token (CLIP's real 49k vocabulary does that for common
    words; the test tokenizer would spell them out letter by letter, three times the tokens)."""
    from transformers import CLIPTokenizer

    from models.testing import build_tiny_clip, byte_alphabet

    if (where / "config.json").exists():
        return where
    folder = build_tiny_clip(where, full_size=True)
    vocab: dict[str, int] = {"<|startoftext|>": 0, "<|endoftext|>": 1}
    for suffix in ("", "</w>"):
        for c in byte_alphabet():
            vocab[c + suffix] = len(vocab)
    merges: list[tuple[str, str]] = []
    for word in sorted(set(ADJ + NOUN + PLACE)):
        left = word[0]
        for ch in word[1:-1]:
            merges.append((left, ch))
            left += ch
            vocab.setdefault(left, len(vocab))
        merges.append((left, word[-1] + "</w>"))
        vocab.setdefault(word + "</w>", len(vocab))
    merges = list(dict.fromkeys(merges))
    CLIPTokenizer(vocab=vocab, merges=merges).save_pretrained(folder)
    return folder


def distinct_queries(n: int, seed: int, before_place: str = "") -> list[str]:
    """n different queries ("red dog", every third with a place: "red dog park", or with
    `before_place`, "red dog in the park"). All different: the models remember recent query
    vectors (a filter change re-runs the same text), and a benchmark of repeats would time
    that memory, not the encoders."""
    rnd = random.Random(seed)
    out: list[str] = []
    i = 0
    while len(out) < n and i < 100 * n:
        words = [rnd.choice(ADJ), rnd.choice(NOUN)]
        if i % 3 == 0:
            words += [before_place, rnd.choice(PLACE)] if before_place else [rnd.choice(PLACE)]
        if " ".join(words) not in out:
            out.append(" ".join(words))
        i += 1
    return out


def build_catalog(home: Path, n: int, model_id: str) -> tuple[Catalog, float]:
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
                embs.append((fid, 0 if kind == "video" else -1, model_id, DIM,
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


def bench_end_to_end(n: int, n_queries: int, registry, keep: Path | None, tmp: Path) -> dict:
    print(f"\n== end to end, catalog of {n:,} files + vectors + captions ==")
    model_id = registry.identity("clip")
    clip = registry.clip()
    home = (keep / f"home-{n}") if keep else (tmp / f"home-{n}")
    if home.exists() and (home / "catalog.sqlite").exists():
        catalog, t_build = Catalog.open(Paths(home)), 0.0
        print(f"   reusing catalog at {home}")
    else:
        catalog, t_build = build_catalog(home, n, model_id)
        print(f"   catalog built in {t_build:.1f} s "
              f"({(home / 'catalog.sqlite').stat().st_size / 2**20:,.0f} MiB)")
    settings = Settings(relevance_floor=-1.0)
    drop_cached()
    t0 = time.perf_counter()
    search_warm(catalog, registry)  # what the app does at start: the index, the ONNX tower
    clip.prepare_query(wait=True)
    t_load = time.perf_counter() - t0
    with catalog.read() as conn:
        idx = get_index(catalog.path, conn, model_id)
    print(f"   warm-up (vector index from the catalog, ONNX text tower exported or loaded) "
          f"{t_load:.2f} s ({len(idx):,} vectors, "
          f"{'sign-bit prefilter' if idx.binary else 'exact'} mode)")
    if clip._query_tower is None:
        raise SystemExit("the ONNX text tower could not be made: see the log")
    filter_sets = [Filters(), Filters(), Filters(kind="photo"),
                   Filters(date_from=1.4e9, date_to=1.6e9), Filters(has_gps=True),
                   Filters(kind="video", camera="canon"), Filters(folder="/lib/2015")]
    texts = distinct_queries(n_queries + 5, seed=2)
    queries = [(q, filter_sets[i % len(filter_sets)]) for i, q in enumerate(texts[5:])]
    for q in texts[:5]:   # warm-up (first torch call, SQLite page cache), not timed
        search(catalog, registry, settings, q, filter_sets[0], limit=50)
        clip.embed_texts([q])
    parts = {"encode": [], "encode_torch": [], "total": [], "total_nofilter": [],
             "total_filter": [], "cpu": [], "cpu_encode": []}
    hits_count = []
    worst_cos = 1.0
    for q, f in queries:
        t = time.perf_counter()
        ref = clip.embed_texts([q])[0]
        parts["encode_torch"].append((time.perf_counter() - t) * 1000)
        t, c = time.perf_counter(), time.process_time()
        got = clip.embed_query(q, remember=False)    # the encoder, not the memory of it
        parts["encode"].append((time.perf_counter() - t) * 1000)
        parts["cpu_encode"].append((time.process_time() - c) * 1000)
        worst_cos = min(worst_cos, float(np.dot(ref, got)))
        t, c = time.perf_counter(), time.process_time()
        res = search(catalog, registry, settings, q, f, limit=50)
        ms = (time.perf_counter() - t) * 1000
        parts["cpu"].append((time.process_time() - c) * 1000)
        parts["total"].append(ms)
        parts["total_filter" if not f.is_empty() else "total_nofilter"].append(ms)
        hits_count.append(len(res))
        assert res.vector_used, res.notices
    print(f"   CLIP text encode, torch         {fmt(parts['encode_torch'])}")
    print(f"   CLIP text encode, ONNX Runtime  {fmt(parts['encode'])}  (worst cosine vs torch "
          f"{worst_cos:.6f}; ratio of p50s {pct(parts['encode'], 50) / pct(parts['encode_torch'], 50):.2f})")
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
    return ({k: (round(pct(v, 50), 2), round(pct(v, 95), 2)) for k, v in parts.items()}
            | {"warm_s": round(t_load, 2), "worst_cosine_onnx_vs_torch": round(worst_cos, 6),
               "load_average": round(os.getloadavg()[0], 1)})


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
    ap.add_argument("--json", type=Path, help="write the figures to this JSON file")
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
        registry = None
        if not args.no_e2e:
            from models import Registry

            folder = clip_folder((args.keep or tmp) / "clip-vit-b32")
            registry = Registry(Settings(models={"clip": str(folder)}, device="cpu"),
                                Paths((args.keep or tmp) / "home-models"))
            registry.clip()
        summary = {}
        for n in sizes if not args.no_stores else []:
            summary[("stores", n)] = bench_stores(n, args.queries, not args.no_sqlite_vec, tmp)
        for n in e2e_sizes if registry is not None else []:
            summary[("e2e", n)] = bench_end_to_end(n, args.queries, registry, args.keep, tmp)
        e2e = [(n, summary[("e2e", n)]) for n in e2e_sizes if ("e2e", n) in summary]
        if len(e2e) > 1:
            (n0, a), (n1, b) = e2e[0], e2e[-1]
            print(f"\nscaling {n0:,} -> {n1:,} ({n1 / n0:.0f}x items): end-to-end p50 "
                  f"{b['total'][0] / a['total'][0]:.2f}x, p95 {b['total'][1] / a['total'][1]:.2f}x")
        if args.json:
            out = {f"{part}_{n}": v for (part, n), v in summary.items()}
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(out, indent=1, default=float) + "\n")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
