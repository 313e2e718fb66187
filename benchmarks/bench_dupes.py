"""Duplicates: near-duplicate videos on real pictures, and near-duplicate candidates at scale.

    .venv/bin/python -m benchmarks.bench_dupes videos
    .venv/bin/python -m benchmarks.bench_dupes candidates --sizes 10000 100000 1000000

videos: clips made with PyAV from the real photos of benchmarks/media.py (each picture shown
for a while, slowly panned), each with re-encoded copies (smaller and lower bitrate; larger and
higher bitrate), and pairs of different clips that share the same 2 s intro (real pictures,
or 1 s of black) and have the same length. A catalog is scanned and `duplicates()` runs as the
app runs it. Every copy must be found, and no two different clips flagged.

candidates: synthetic CLIP-like 512-d unit vectors (a shared direction, topics at cosine ~0.7,
a third of the photos with one to four near-duplicates at cosine 0.93-0.99, and burst-like
look-alikes at 0.85-0.91 that are no duplicates), compared at cosine >= 0.92 by the all-pairs
block product (the old way; at sizes above --exact-max timed on a share of its blocks and
extrapolated by the work they hold) and by core/search/near_pairs.py (cells), in the same run, on
one BLAS thread (what the app runs on after its first search); times are CPU seconds of the
process (the machine is shared: wall time swings with the load), the wall time of the cells'
run is printed beside it. Recall of the cells' pairs
against the exact pairs, and of the groups they form (share of exact pairs whose photos end in
one group); above --exact-max, recall of the exact pairs of 2,000 random photos (each compared
with all); then 1% new photos added incrementally.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np

DIM = 512
THRESHOLD = 0.92


# --- videos ----------------------------------------------------------------------------------

def bench_videos(seed: int = 0) -> dict:
    from PIL import Image

    from benchmarks.media import photos
    from core.catalog import Catalog
    from core.config import Paths
    from core.scan.roots import add_root
    from core.scan.scanner import scan
    from core.search import duplicates
    from core.search import video_dupes as V
    from tests.video_clips import reencode, write_clip

    rng = np.random.default_rng(seed)
    size = (160, 120)
    pics = [Image.open(p).convert("RGB") for p in photos()]
    black = Image.new("RGB", size)
    tmp = Path(tempfile.mkdtemp(prefix="bench-dupes-"))
    lib = tmp / "lib"
    originals, copies, different = [], {}, []
    for i in range(6):                       # clips with two re-encoded copies each
        chosen = [pics[j] for j in rng.choice(len(pics), size=4, replace=False)]
        secs = float(rng.choice([1.0, 1.5]))
        a = write_clip(lib / f"clip{i}.mp4", chosen, seconds_each=secs, size=size)
        originals.append(a.name)
        small = reencode(a, lib / "Shared" / f"clip{i}-small.mp4", (120, 90), 50_000)
        big = reencode(a, lib / "Export" / f"clip{i}-big.mp4", (320, 240), 500_000)
        copies[a.name] = {small.name, big.name}
    for i in range(6):                       # pairs sharing an intro, same length
        intro = [black] if i % 2 else [pics[(2 * i) % len(pics)], pics[(2 * i + 1) % len(pics)]]
        rest = rng.choice(len(pics), size=6, replace=False)
        a = write_clip(lib / f"intro{i}-a.mp4", intro + [pics[j] for j in rest[:3]], size=size)
        b = write_clip(lib / f"intro{i}-b.mp4", intro + [pics[j] for j in rest[3:]], size=size)
        different.append((a.name, b.name))
    home = tmp / "home"
    os.environ["SHOEBOX_HOME"] = str(home)
    paths = Paths(home)
    catalog = Catalog.open(paths)
    try:
        add_root(catalog, lib, home)
        scan(catalog)
        t = time.perf_counter()
        groups = duplicates(catalog, None)
        first = time.perf_counter() - t
        t = time.perf_counter()
        duplicates(catalog, None)
        again = time.perf_counter() - t
        with catalog.read() as conn:
            sigs = {r[0].rsplit("/", 1)[1]: V.Signature.from_blob(r[1], r[2]) for r in conn.execute(
                "SELECT f.path, s.duration_s, s.frames FROM video_signatures s "
                "JOIN files f ON f.id = s.file_id")}
    finally:
        catalog.close()
    names = [{f.path.rsplit("/", 1)[1] for f in g.files} for g in groups if g.media == "video"]
    found = sum(1 for o in originals for c in copies[o]
                if any({o, c} <= g for g in names))
    flagged = sum(1 for a, b in different if any({a, b} <= g for g in names))
    stray = [g for g in names
             if not any(g <= ({o} | copies[o]) for o in originals)]
    def frames(a, b):   # per sampled frame: (pHash bits apart, grey p90 difference)
        sa, sb = sigs[a], sigs[b]
        return [(V.hamming(x, y), float(np.quantile(np.abs(
            sa.grey[i].astype(np.float32) - sb.grey[i].astype(np.float32)) / 255, 0.9)))
            for i, (x, y) in enumerate(zip(sa.phashes, sb.phashes))]

    same = [d for o in originals for c in copies[o] for d in frames(o, c)]
    # a different pair is told apart by its most different frame
    apart = [max(frames(a, b), key=lambda d: d[0]) for a, b in different]
    return {"videos": len(list(lib.rglob("*.mp4"))), "copies": sum(map(len, copies.values())),
            "copies: worst frame (bits, grey)": (max(d[0] for d in same),
                                                 round(max(d[1] for d in same), 3)),
            "shared intro: least different pair's most different frame (bits, grey)": (
                min(d[0] for d in apart), round(min(d[1] for d in apart), 3)),
            "cut-offs (bits, grey)": (V.FRAME_PHASH_MAX, V.FRAME_GREY_MAX),
            "copies found": found, "shared-intro pairs": len(different),
            "shared-intro pairs flagged": flagged, "wrong groups": len(stray),
            "first search s": round(first, 2), "again s": round(again, 2)}


# --- candidates ------------------------------------------------------------------------------

def clustered(n: int, seed: int = 0) -> tuple[np.ndarray, int]:
    """n CLIP-like vectors (see the module docstring), shuffled; and how many near-duplicates
    were planted. Made in chunks into one float32 array (1M x 512 is 2 GB)."""
    rng = np.random.default_rng(seed)
    common = rng.normal(size=DIM).astype(np.float32)
    common /= np.linalg.norm(common)
    topics = max(50, n // 200)
    centres = rng.normal(size=(topics, DIM)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    n_base = int(n / 1.9) + 1
    mat = np.empty((n, DIM), np.float32)
    step = 65536
    for s in range(0, n_base, step):
        k = min(step, n_base - s)
        b = 0.8 * common + 0.7 * centres[rng.integers(topics, size=k)]
        b += rng.normal(size=(k, DIM)).astype(np.float32) * (0.55 / np.sqrt(DIM))
        b /= np.linalg.norm(b, axis=1, keepdims=True)
        mat[s:s + k] = b
    planted = 0
    dup_share = 1 / 3
    for s in range(n_base, n, step):
        k = min(step, n - s)
        src = mat[rng.integers(n_base, size=k)]
        dup = rng.random(k) < dup_share / (dup_share + 0.1)
        cos = np.where(dup, rng.uniform(0.93, 0.99, k), rng.uniform(0.85, 0.91, k))
        r = rng.normal(size=(k, DIM)).astype(np.float32)
        r -= np.sum(r * src, axis=1, keepdims=True) * src
        r /= np.linalg.norm(r, axis=1, keepdims=True)
        mat[s:s + k] = cos[:, None] * src + np.sqrt(1 - cos * cos)[:, None] * r
        planted += int(dup.sum())
    rng.shuffle(mat)                 # rows, in place
    return mat, planted


def _old_pairs(mat: np.ndarray, exact_max: int):
    """The all-pairs block product (what dupes.py ran); above exact_max rows, 8 slices of 256
    of its rows spread through it timed, and the rest extrapolated by the work (rows x rows
    left) they hold (a whole 2048-row block at 1M is an 8 GB matrix)."""
    from core.search.near_pairs import exact_pairs

    n = len(mat)
    if n <= exact_max:
        t = time.process_time()
        pairs = exact_pairs(lambda r: mat[r], n, THRESHOLD)
        return pairs, time.process_time() - t, False
    rows = 256
    t = time.process_time()
    done = 0
    for s in range(0, n, n // 8)[:8]:
        block = mat[s:s + rows] @ mat[s:].T
        np.nonzero(block >= THRESHOLD)
        done += min(rows, n - s) * (n - s)
    spent = time.process_time() - t
    total = n * (n + 1) / 2
    return None, spent * total / done, True


def _pair_set(a, b) -> np.ndarray:
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    return np.unique(lo.astype(np.int64) * (1 << 32) + hi)


def _sampled_recall(mat: np.ndarray, found, photos: int = 2000, seed: int = 1) -> dict:
    """Where the exact pairs cost hours: every exact pair of a random sample of photos (each
    compared with all), and the share of them the cells found."""
    rng = np.random.default_rng(seed)
    q = np.sort(rng.choice(len(mat), size=min(photos, len(mat)), replace=False))
    a, b = [], []
    for s in range(0, len(mat), 65536):
        ii, jj = np.nonzero(mat[q] @ mat[s:s + 65536].T >= THRESHOLD)
        keep = q[ii] != jj + s
        a.append(q[ii[keep]])
        b.append(jj[keep] + s)
    ex = _pair_set(np.concatenate(a), np.concatenate(b))
    got = np.intersect1d(ex, _pair_set(found.a, found.b))
    return {"sampled exact pairs": len(ex),
            "sampled pair recall": round(len(got) / max(1, len(ex)), 4)}


def _group_recall(exact, found, n: int) -> float:
    """Share of exact pairs whose two photos end in one group of the found pairs."""
    parent = np.arange(n)

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in zip(found.a.tolist(), found.b.tolist()):
        parent[find(a)] = find(b)
    same = sum(1 for a, b in zip(exact.a.tolist(), exact.b.tolist()) if find(a) == find(b))
    return same / max(1, len(exact))


def bench_candidates(sizes: list[int], exact_max: int) -> list[dict]:
    from threadpoolctl import threadpool_limits

    rows = []
    with threadpool_limits(limits=1, user_api="blas"):
        for n in sizes:
            rows.append(_one_size(n, exact_max))
            print(rows[-1], flush=True)
    return rows


def _one_size(n: int, exact_max: int) -> dict:
    from core.search.near_pairs import CandidateIndex

    mat, planted = clustered(n, seed=n)

    def get(r):
        return mat[r]

    keys = np.arange(n, dtype=np.int64)
    old, old_s, estimated = _old_pairs(mat, exact_max)
    n_old = n - n // 100
    index = CandidateIndex(THRESHOLD)
    t = time.process_time()
    index.pairs(keys[:n_old], get)
    full_s = time.process_time() - t
    t = time.process_time()
    new = index.pairs(keys, get)
    inc_s = time.process_time() - t
    if old is None:     # the largest sizes: the 99% run stands for a whole one (time)
        whole, whole_s, whole_wall = new, full_s, float("nan")
    else:
        fresh = CandidateIndex(THRESHOLD)
        t, wall = time.process_time(), time.perf_counter()
        whole = fresh.pairs(keys, get)
        whole_s, whole_wall = time.process_time() - t, time.perf_counter() - wall
    row = {"n": n, "planted near-dups": planted,
           "old all-pairs s": round(old_s, 1), "old estimated": estimated,
           "new cells s": round(whole_s, 1), "new cells wall s": round(whole_wall, 1),
           f"new, first {n_old} s": round(full_s, 1),
           "then +1% incremental s": round(inc_s, 2), "pairs (new)": len(whole)}
    if old is None:
        row |= _sampled_recall(mat, whole)
    else:
        ex = _pair_set(old.a, old.b)
        got = _pair_set(whole.a, whole.b)
        inc = _pair_set(new.a, new.b)
        row |= {"pairs (exact)": len(old),
                "pair recall": round(len(np.intersect1d(ex, got)) / max(1, len(ex)), 4),
                "pair recall incremental": round(len(np.intersect1d(ex, inc)) / max(1, len(ex)),
                                                 4),
                "extra pairs": len(np.setdiff1d(got, ex)),
                "group recall": round(_group_recall(old, whole, n), 4)}
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="what", required=True)
    sub.add_parser("videos")
    c = sub.add_parser("candidates")
    c.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    c.add_argument("--exact-max", type=int, default=100_000,
                   help="above this many vectors the old way is timed on a share and extrapolated")
    args = ap.parse_args()
    if args.what == "videos":
        print(bench_videos())
    else:
        bench_candidates(args.sizes, args.exact_max)


if __name__ == "__main__":
    main()
