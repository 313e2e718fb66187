"""Collections, the numbers: group unit vectors by what they look like, then by when and
where. No catalog here (store.py reads and writes; edits.py applies the user's changes).

1. Every photo and video gets one L2-normalised CLIP vector (a video: the mean of its
   keyframes), all from the current CLIP identity (vectors of other models are never mixed).
2. PCA to ~50 dimensions, then HDBSCAN (euclidean; on unit vectors that orders like cosine).
   Raw 512-d HDBSCAN gives the same labels ~10x slower. Noise stays unassigned.
3. A second pass splits each visual cluster into events: a gap of days between photos, or a
   jump of hundreds of kilometres, starts a new event, when both sides are big enough.
4. A recluster also keeps what lets a new file join without one (JoinModel; see store.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

PCA_DIMS = 50
MIN_CLUSTER_SIZE = 5
EVENT_GAP_S = 3 * 86400.0       # photos days apart are different events
EVENT_PLACE_KM = 150.0          # ...and so are photos far apart
REPRESENTATIVES = 6
RADIUS_QUANTILE = 0.9           # a newcomer "clearly belongs" inside the 90th-percentile member distance
SAMPLE_MAX = 20_000             # HDBSCAN on at most this many points; the rest join by distance
EXTEND_MARGIN = 1.15            # HDBSCAN leaves a sample cluster's fringe out; reach a bit past it
COHERENCE_MARGIN = 0.2          # how far above the library's own coherence a cluster must be


@dataclass
class JoinModel:
    """What places a new vector in the clusters of a recluster: the PCA and the HDBSCAN fit
    with its prediction data (hdbscan's `approximate_predict` needs both)."""
    pca: object | None            # sklearn PCA, None when the vectors were small already
    clusterer: object             # hdbscan.HDBSCAN fit with prediction_data=True
    dense: dict[int, int]         # HDBSCAN's label -> ours (incoherent clusters left out)

    def predict(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Our label for each unit vector (-1: none) and hdbscan's strength of it (0-1)."""
        import hdbscan

        z = self.pca.transform(x) if self.pca is not None else x
        raw, strength = hdbscan.approximate_predict(self.clusterer, np.asarray(z, np.float64))
        labels = np.array([self.dense.get(int(r), -1) for r in raw], dtype=np.int64)
        return labels, np.where(labels >= 0, strength, 0.0).astype(np.float32)


@dataclass
class ClusterResult:
    labels: np.ndarray          # (n,) int, -1 = noise
    probabilities: np.ndarray   # (n,) float in [0, 1]
    join: JoinModel | None = None


def normalize(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.maximum(norms, 1e-12)


def reduce_dims(x: np.ndarray, dims: int = PCA_DIMS, seed: int = 0):
    """PCA to `dims` (randomized SVD: fast on 100k x 512): (reduced x, the fitted PCA), or
    (x, None) when x is small already."""
    n, d = x.shape
    k = min(dims, d, max(n - 1, 1))
    if k >= d:
        return x, None
    from sklearn.decomposition import PCA

    pca = PCA(n_components=k, svd_solver="randomized", random_state=seed)
    return pca.fit_transform(x).astype(np.float32), pca


def cluster_vectors(vectors: np.ndarray, *, min_cluster_size: int = MIN_CLUSTER_SIZE,
                    min_samples: int | None = None, dims: int = PCA_DIMS,
                    sample_max: int = SAMPLE_MAX, seed: int = 0) -> ClusterResult:
    """HDBSCAN over L2-normalised vectors after PCA. Returns labels (-1 = noise) and
    membership probabilities. Fewer points than a cluster needs: everything is noise.

    Past `sample_max` points, HDBSCAN runs on a random sample and every other point joins
    the nearest cluster found when it lies within that cluster's radius (the same rule as
    incremental assignment), else stays noise: HDBSCAN's cost grows faster than linearly.
    Clusters that are not coherent in the full space (see `_incoherent`) become noise."""
    n = len(vectors)
    if n < max(min_cluster_size, 2):
        return ClusterResult(np.full(n, -1, dtype=np.int64), np.zeros(n, dtype=np.float32))
    x = normalize(vectors)
    sample = np.arange(n)
    if n > sample_max:
        sample = np.sort(np.random.default_rng(seed).choice(n, sample_max, replace=False))
    import hdbscan

    # Prim's MST on a k-d tree: as fast as scikit-learn's HDBSCAN on 50-d (hdbscan's default
    # Boruvka is ~1.5x slower there); prediction data costs ~25% more and lets new files join
    model = hdbscan.HDBSCAN(min_cluster_size=min_cluster_size,
                            min_samples=min_samples or min(min_cluster_size, len(sample) - 1),
                            metric="euclidean", algorithm="prims_kdtree", prediction_data=True)
    z, pca = reduce_dims(x[sample], dims, seed)
    raw = model.fit(z.astype(np.float64)).labels_.astype(np.int64)
    probs_s = np.asarray(model.probabilities_, dtype=np.float32)
    labels_s = _drop_incoherent(x[sample], raw)
    join = JoinModel(pca, model, {int(r): int(d) for r, d in zip(raw, labels_s) if d >= 0})
    if len(sample) == n:
        probs_s[labels_s == -1] = 0.0
        return ClusterResult(labels_s, probs_s, join)
    labels = np.full(n, -1, dtype=np.int64)
    probs = np.zeros(n, dtype=np.float32)
    labels[sample], probs[sample] = labels_s, np.where(labels_s >= 0, probs_s, 0.0)
    ids = sorted(set(labels_s.tolist()) - {-1})
    if ids:
        # the sample's clusters extend to their farthest member: the rest is drawn from the same data
        cents, radii = zip(*(centroid_and_radius(x[sample][labels_s == k], 1.0) for k in ids))
        cents = np.stack(cents)
        radii = np.array(radii, dtype=np.float32) * EXTEND_MARGIN
        rest = np.setdiff1d(np.arange(n), sample)
        for start in range(0, len(rest), 8192):
            idx = rest[start:start + 8192]
            d = np.sqrt(np.maximum(2.0 - 2.0 * (x[idx] @ cents.T), 0.0))
            best = d.argmin(axis=1)
            bd = d[np.arange(len(idx)), best]
            inside = bd <= radii[best]
            labels[idx[inside]] = np.asarray(ids)[best[inside]]
            probs[idx[inside]] = np.clip(1.0 - bd[inside] / np.maximum(radii[best[inside]],
                                                                       1e-6), 0.05, 1.0)
    return ClusterResult(labels, probs, join)


def _drop_incoherent(x: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """PCA keeps the directions groups share and drops most of a lone photo's own detail, so
    unrelated photos can land close together near the centre and look like a cluster. In the
    full space their mean vector is short: a cluster whose coherence (squared norm of its
    members' mean, ~ their mean pairwise cosine) is not clearly above the library's own is
    noise."""
    base = float(np.linalg.norm(x.mean(axis=0)) ** 2)
    floor = base + COHERENCE_MARGIN * (1.0 - base)
    out = labels.copy()
    for k in set(labels.tolist()) - {-1}:
        m = labels == k
        if float(np.linalg.norm(x[m].mean(axis=0)) ** 2) < floor:
            out[m] = -1
    # keep labels dense (0..k-1) for callers that count them
    uniq = sorted(set(out.tolist()) - {-1})
    remap = {old: new for new, old in enumerate(uniq)}
    return np.array([remap.get(v, -1) for v in out.tolist()], dtype=np.int64)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(a)))


def split_events(labels: np.ndarray, times: list[float | None], gps: list[tuple | None], *,
                 gap_s: float = EVENT_GAP_S, place_km: float = EVENT_PLACE_KM,
                 min_size: int = MIN_CLUSTER_SIZE) -> np.ndarray:
    """Second pass: split each cluster where, in time order, photos are days apart or far
    apart. A piece smaller than min_size rejoins its neighbour in time; members without a
    date stay with the largest piece. Returns new labels (noise stays -1)."""
    out = np.full(len(labels), -1, dtype=np.int64)
    next_label = 0
    for lab in sorted({int(v) for v in labels} - {-1}):
        idx = np.flatnonzero(labels == lab)
        dated = sorted((times[i], i) for i in idx if times[i] is not None)
        undated = [i for i in idx if times[i] is None]
        pieces: list[list[int]] = []
        last_t, last_place = None, None
        for t, i in dated:
            place = gps[i]
            new = last_t is None
            if not new and t - last_t > gap_s or not new and place and last_place and t - last_t > 3600 and \
                    haversine_km(*place, *last_place) > place_km:
                new = True
            if new:
                pieces.append([])
            pieces[-1].append(i)
            last_t = t
            last_place = place or last_place
        # small pieces rejoin the previous piece (or the next one when first)
        merged: list[list[int]] = []
        for piece in pieces:
            if merged and len(piece) < min_size:
                merged[-1].extend(piece)
            else:
                merged.append(piece)
        if len(merged) > 1 and len(merged[0]) < min_size:
            merged[1].extend(merged.pop(0))
        if not merged:
            merged = [[]]
        max(merged, key=len).extend(undated)
        for piece in merged:
            if piece:
                out[piece] = next_label
                next_label += 1
    return out


def centroid_and_radius(members: np.ndarray, quantile: float = RADIUS_QUANTILE, *,
                        newcomer: bool = False) -> tuple[np.ndarray, float]:
    """Unit-length centre of unit vectors, and the distance inside which members clearly sit.

    newcomer=True measures each member against the centre of the OTHERS: how far a new file
    drawn from the same collection would lie. Every member pulls the centre towards itself,
    so plain distances undershoot: on a 6-member collection in 512-d a true newcomer sat
    outside the plain 90% radius almost every time (tests/core/organize/test_cli.py)."""
    c = members.mean(axis=0)
    c = c / max(float(np.linalg.norm(c)), 1e-12)
    if not len(members):
        return c.astype(np.float32), 0.0
    if newcomer and len(members) > 1:
        others = members.sum(axis=0) - members
        others /= np.maximum(np.linalg.norm(others, axis=1, keepdims=True), 1e-12)
        d = np.linalg.norm(members - others, axis=1)
    else:
        d = np.linalg.norm(members - c, axis=1)
    return c.astype(np.float32), float(np.quantile(d, quantile))


def representatives(members: np.ndarray, k: int = REPRESENTATIVES, lam: float = 0.7) -> list[int]:
    """Indices (into members) of items close to the centre yet unlike each other (MMR)."""
    if len(members) == 0:
        return []
    c, _ = centroid_and_radius(members)
    rel = members @ c
    chosen = [int(np.argmax(rel))]
    best_sim = members @ members[chosen[0]]
    while len(chosen) < min(k, len(members)):
        score = lam * rel - (1 - lam) * best_sim
        score[chosen] = -np.inf
        j = int(np.argmax(score))
        chosen.append(j)
        best_sim = np.maximum(best_sim, members @ members[j])
    return chosen
