"""Joining new files to existing collections: today's centre-and-radius rule against
hdbscan's prediction API (`approximate_predict` on a clusterer fit with prediction_data).

    .venv/bin/python -m benchmarks.bench_join                       # small and large collections
    .venv/bin/python -m benchmarks.bench_join --regimes small --seeds 3

A synthetic library of CLIP-like unit vectors (collections of a given size range around
random directions, plus unrelated photos) is split: 80% of every collection and of the
unrelated photos is clustered as `recluster` does (PCA-50 + HDBSCAN); the held-out 20% are the
new files. A newcomer from a collection should join the cluster that holds most of its
collection; an unrelated newcomer should join nothing. Reported per method: right joins
(share of collection newcomers), wrong joins (joined another collection), false joins (share
of unrelated newcomers that joined), and the time to join them. The fit times compare
scikit-learn's HDBSCAN (what recluster uses) with hdbscan's fit that keeps prediction data.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

DIM = 512
REGIMES = {"small": (6, 30), "large": (40, 300)}


def library(seed: int, sizes: tuple[int, int], collections: int = 40, unrelated: int = 400,
            spread: float = 0.035):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(collections, DIM))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    counts = rng.integers(sizes[0], sizes[1] + 1, collections)
    labels = np.repeat(np.arange(collections), counts)
    x = centres[labels] + rng.normal(scale=spread, size=(len(labels), DIM))
    x = np.concatenate([x, rng.normal(size=(unrelated, DIM))])
    labels = np.concatenate([labels, np.full(unrelated, -1)])
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    held = np.zeros(len(labels), dtype=bool)
    for lab in np.unique(labels):
        idx = np.flatnonzero(labels == lab)
        held[rng.choice(idx, max(1, len(idx) // 5), replace=False)] = True
    return x.astype(np.float32), labels, held


def score(pred: np.ndarray, truth: np.ndarray, owner: dict[int, int]) -> dict:
    """pred: cluster per newcomer (-1: none); owner: cluster -> the collection it holds most of."""
    mine = truth >= 0
    got = np.array([owner.get(int(p), -2) if p >= 0 else -1 for p in pred])
    return {"right": float(np.mean(got[mine] == truth[mine])),
            "wrong": float(np.mean((got[mine] >= 0) & (got[mine] != truth[mine]))),
            "false": float(np.mean(pred[~mine] >= 0))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--regimes", default="small,large")
    ap.add_argument("--seeds", type=int, default=3)
    args = ap.parse_args()

    import warnings

    from sklearn.cluster import HDBSCAN as SkHDBSCAN
    from sklearn.metrics import adjusted_rand_score

    from core.collections.grouping import (
        MIN_CLUSTER_SIZE,
        _drop_incoherent,
        centroid_and_radius,
        cluster_vectors,
        reduce_dims,
    )
    from core.collections.store import _join_by_radius, _join_predicted

    warnings.filterwarnings("ignore", category=FutureWarning)
    for regime in args.regimes.split(","):
        totals: dict[str, list[dict]] = {}
        for seed in range(args.seeds):
            x, truth, held = library(seed, REGIMES[regime])
            train, new, new_truth = x[~held], x[held], truth[held]
            fids = np.arange(len(train))
            t = time.perf_counter()
            res = cluster_vectors(train)                     # what recluster runs now
            fit_now = time.perf_counter() - t
            t = time.perf_counter()                          # what it ran before
            z, _ = reduce_dims(train)
            before = SkHDBSCAN(min_cluster_size=MIN_CLUSTER_SIZE, min_samples=MIN_CLUSTER_SIZE,
                               copy=True).fit_predict(z)
            before = _drop_incoherent(train, before.astype(np.int64))
            fit_before = time.perf_counter() - t
            labels = res.labels
            ids = sorted(set(labels.tolist()) - {-1})
            owner = {}
            for k in ids:
                vals, cnt = np.unique(truth[~held][labels == k], return_counts=True)
                owner[k] = int(vals[cnt.argmax()])
            where = {int(f): int(k) for f, k in zip(fids, labels) if k >= 0}
            member_vecs = {int(f): train[f] for f in where}
            saved = {"join": res.join, "members": {k: fids[labels == k].tolist() for k in ids}}
            res_rows = {}
            for name, newcomer in (("centre+radius (before)", False),
                                   ("centre+radius, newcomer radius", True)):
                cents, radii = zip(*(centroid_and_radius(train[labels == k], newcomer=newcomer)
                                     for k in ids))
                t = time.perf_counter()
                rows = _join_by_radius(np.arange(len(new)), new, ids, np.stack(cents),
                                       np.array(radii))
                res_rows[name] = (rows, time.perf_counter() - t)
            cents = np.stack([centroid_and_radius(train[labels == k])[0] for k in ids])
            t = time.perf_counter()
            rows = _join_predicted(saved, np.arange(len(new)), new, where, member_vecs, ids,
                                   cents)
            res_rows["hdbscan approximate_predict (now)"] = (rows, time.perf_counter() - t)
            for name, (rows, secs) in res_rows.items():
                pred = np.full(len(new), -1)
                for c, f, _ in rows:
                    pred[f] = c
                totals.setdefault(name, []).append({**score(pred, new_truth, owner),
                                                    "ms": 1000 * secs})
            totals.setdefault("recluster fit", []).append({
                "s before": fit_before, "s now": fit_now,
                "ARI before~now": adjusted_rand_score(before, labels)})
        n_new = int(held.sum())
        print(f"\n{regime} collections ({REGIMES[regime][0]}-{REGIMES[regime][1]} files, 40 of "
              f"them + 400 unrelated; {len(x)} files, {n_new} newcomers), mean of {args.seeds} "
              f"seeds:")
        for k, rows in totals.items():
            print(f"  {k:36s} " + ", ".join(f"{m} {np.mean([r[m] for r in rows]):.3f}"
                                             for m in rows[0]))


if __name__ == "__main__":
    main()
