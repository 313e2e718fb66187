"""Collections benchmark: cluster synthetic CLIP-like vectors, and name collections with the LLM.

    .venv/bin/python -m benchmarks.bench_cluster                 # 20k and 100k x 512, + naming
    .venv/bin/python -m benchmarks.bench_cluster --sizes 20000 --no-name
    .venv/bin/python -m benchmarks.bench_cluster --raw-compare 5000   # PCA-50 vs raw 512-d
    .venv/bin/python -m benchmarks.bench_cluster --sizes "" --name-count 10 --out figures.txt

Vectors: unit-length 512-d, one blob per ~200 vectors (like events in a photo library) plus
10% scattered "unrelated photos". Each size runs in its own process, so its peak RSS is its
own; the figure printed is peak RSS minus the RSS with the vectors already in memory (what
clustering itself costs), and the total.

Naming: 50 synthetic collections (captions, tags, dates, place) go to the packaged LLM through
the registry (role 'llm'); per collection: seconds, and whether the first answer validated
against the schema (attempts=1). Failed ones are retried and, failing that, named by the
fallback, as the app does.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

DIM = 512


def synthetic(n: int, seed: int = 0, noise_share: float = 0.1, spread: float = 0.035):
    rng = np.random.default_rng(seed)
    k = max(n // 200, 10)
    centres = rng.normal(size=(k, DIM))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    labels = rng.integers(0, k, n)
    x = centres[labels] + rng.normal(scale=spread, size=(n, DIM))
    noise = rng.random(n) < noise_share
    x[noise] = rng.normal(size=(int(noise.sum()), DIM))
    labels[noise] = -1
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x.astype(np.float32), labels


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def run_one(n: int, dims: int, sample_max: int) -> dict:
    from sklearn.metrics import adjusted_rand_score

    from core.collections import cluster_vectors

    x, truth = synthetic(n)
    base = _rss_mb()
    t0 = time.perf_counter()
    res = cluster_vectors(x, min_cluster_size=10, dims=dims, sample_max=sample_max)
    dt = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    real = truth >= 0
    return {"n": n, "dims": dims, "seconds": round(dt, 2),
            "peak_rss_mb": round(peak), "clustering_rss_mb": round(peak - base),
            "ari": round(float(adjusted_rand_score(truth[real], res.labels[real])), 4),
            "noise_kept_as_noise": round(float((res.labels[~real] == -1).mean()), 4),
            "collections": len(set(res.labels.tolist()) - {-1}),
            "true_collections": len(set(truth.tolist()) - {-1})}


def _child(n: int, dims: int, sample_max: int) -> dict:
    out = subprocess.run([sys.executable, "-m", "benchmarks.bench_cluster", "--one", str(n),
                          "--dims", str(dims), "--sample-max", str(sample_max)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


THEMES = [
    ("beach", ["a beach with waves and people", "children building a sand castle",
               "sunset over the sea"], ["beach", "sea", "sand"]),
    ("dog", ["a dog running on grass", "a brown dog with a ball", "a dog sleeping on a sofa"],
     ["dog", "pet", "grass"]),
    ("birthday", ["a birthday cake with candles", "people singing around a table",
                  "a child opening a present"], ["cake", "party", "candles"]),
    ("mountains", ["a snowy mountain peak", "hikers on a trail", "a lake between mountains"],
     ["mountain", "hiking", "snow"]),
    ("city night", ["a city street at night", "lights of tall buildings", "a bridge lit up"],
     ["city", "night", "buildings"]),
    ("garden", ["red flowers in a garden", "a vegetable patch", "a bee on a flower"],
     ["flowers", "garden", "plants"]),
    ("food", ["a plate of pasta", "a pizza on a wooden table", "a bowl of soup"],
     ["food", "dinner", "table"]),
    ("wedding", ["a bride and groom", "guests dancing", "a wedding cake"],
     ["wedding", "dress", "dance"]),
    ("snow", ["a snowman in a yard", "children sledding", "snow covered trees"],
     ["snow", "winter", "sled"]),
    ("documents", ["a photo of a receipt", "a page of printed text", "a screenshot of a chat"],
     ["document", "text", "paper"]),
]


def naming_contexts(n: int = 50):
    from core.organize.evidence import Evidence

    rng = np.random.default_rng(1)
    out = []
    for i in range(n):
        theme, caps, tags = THEMES[i % len(THEMES)]
        start = 1.55e9 + float(rng.integers(0, 5 * 365)) * 86400
        out.append(Evidence(
            collection_id=i + 1, size=int(rng.integers(8, 120)), captions=list(caps),
            tags=list(tags), date_from=start, date_to=start + 86400 * float(rng.integers(0, 6)),
            lat=float(rng.uniform(-50, 60)) if i % 2 else None,
            lon=float(rng.uniform(-120, 140)) if i % 2 else None,
            transcripts=["happy birthday to you"] if theme == "birthday" else []))
    return out


def bench_naming(n: int = 50, progress=None) -> dict:
    from core.config import Paths, Settings
    from core.errors import ShoeboxError
    from core.organize.naming import ask_llm, fallback_name, repair_answer
    from models import Registry

    home = tempfile.mkdtemp(prefix="shoebox-bench-")
    reg = Registry(Settings(), Paths(__import__("pathlib").Path(home)))
    try:
        t0 = time.perf_counter()
        llm = reg.llm()
        load_s = time.perf_counter() - t0
    except (ShoeboxError, ImportError) as e:
        shutil.rmtree(home, ignore_errors=True)
        return {"available": False, "reason": str(e)}
    first_ok, retried_ok, fell_back, times, samples = 0, 0, 0, [], []
    for ctx in naming_contexts(n):
        t0 = time.perf_counter()
        try:
            ans, _ = repair_answer(ask_llm(llm, ctx, attempts=1), ctx)
            first_ok += 1
        except ShoeboxError:
            try:
                ans, _ = repair_answer(ask_llm(llm, ctx, attempts=2), ctx)
                retried_ok += 1
            except ShoeboxError:
                ans = fallback_name(ctx)
                fell_back += 1
        times.append(time.perf_counter() - t0)
        if progress and len(times) % 5 == 0:
            progress(f"  ... {len(times)} named: {np.mean(times):.1f} s each, first try valid "
                     f"{first_ok}/{len(times)}")
        if len(samples) < 10:
            samples.append(f"{ans.name} -> {ans.folder}")
    reg.close()
    shutil.rmtree(home, ignore_errors=True)  # the joined GGUF is 1.1 GB
    return {"available": True, "model": getattr(llm, "identity", "?"), "load_s": round(load_s, 1),
            "collections": n, "seconds_per_collection": round(float(np.mean(times)), 2),
            "p90_seconds": round(float(np.quantile(times, 0.9)), 2),
            "valid_first_try": first_ok / n, "valid_after_retry": retried_ok / n,
            "fallback": fell_back / n, "samples": samples}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="20000,100000")
    ap.add_argument("--dims", type=int, default=50)
    ap.add_argument("--sample-max", type=int, default=None)
    ap.add_argument("--raw-compare", type=int, default=0, metavar="N",
                    help="also time HDBSCAN on raw 512-d vs PCA-50 for N vectors")
    ap.add_argument("--no-name", action="store_true")
    ap.add_argument("--name-count", type=int, default=50, metavar="N",
                    help="collections to name (default 50)")
    ap.add_argument("--out", default=None, metavar="FILE",
                    help="also append the figures to FILE (llama.cpp's server shares stdout)")
    ap.add_argument("--one", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    from core.collections.grouping import SAMPLE_MAX

    sample_max = args.sample_max or SAMPLE_MAX
    if args.one:
        print(json.dumps(run_one(args.one, args.dims, sample_max)))
        return
    def say(line: str) -> None:
        print(line, flush=True)
        if args.out:
            with open(args.out, "a", encoding="utf-8") as f:
                f.write(line + "\n")

    say(f"cpu: {os.cpu_count()} cores visible, load average {os.getloadavg()[0]:.1f}; "
        f"HDBSCAN sample cap {sample_max}")
    for n in [int(s) for s in args.sizes.split(",") if s]:
        r = _child(n, args.dims, sample_max)
        say(f"cluster {n:>7} x {DIM}: {r['seconds']:7.1f} s, peak RSS {r['peak_rss_mb']} MB "
              f"(+{r['clustering_rss_mb']} MB for clustering), ARI {r['ari']}, noise kept "
              f"{r['noise_kept_as_noise']:.0%}, {r['collections']}/{r['true_collections']} "
              f"collections")
    if args.raw_compare:
        n = args.raw_compare
        pca = _child(n, args.dims, sample_max)
        raw = _child(n, DIM, sample_max)
        say(f"raw 512-d vs PCA-{args.dims} at {n}: {raw['seconds']:.1f} s vs {pca['seconds']:.1f} s "
              f"(x{raw['seconds'] / max(pca['seconds'], 1e-9):.1f}); ARI {raw['ari']} vs {pca['ari']}")
    if not args.no_name:
        r = bench_naming(args.name_count, progress=say)
        if not r["available"]:
            say(f"naming: LLM not available here ({r['reason']})")
        else:
            say(f"naming {r['collections']} collections with {r['model']} (load {r['load_s']} s): "
                  f"{r['seconds_per_collection']} s per collection (p90 {r['p90_seconds']} s), "
                  f"valid first try {r['valid_first_try']:.0%}, after a retry "
                  f"{r['valid_after_retry']:.0%}, fallback {r['fallback']:.0%}")
            for s in r["samples"]:
                say("    " + s)


if __name__ == "__main__":
    main()
