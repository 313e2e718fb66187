"""Collections: group the library by what it looks like, then by when and where.

1. Every photo and video gets one L2-normalised CLIP vector (a video: the mean of its
   keyframes), all from the current CLIP identity (vectors of other models are never mixed).
2. PCA to ~50 dimensions, then HDBSCAN (euclidean; on unit vectors that orders like cosine).
   Raw 512-d HDBSCAN gives the same labels ~10x slower. Noise stays unassigned.
3. A second pass splits each visual cluster into events: a gap of days between photos, or a
   jump of hundreds of kilometres, starts a new event, when both sides are big enough.
4. A new file joins a collection without a recluster (`assign_new`): hdbscan's
   `approximate_predict` places it in the density clusters of the last recluster (kept in a
   file beside the catalog, see JoinModel), and it joins the collection, among those holding
   that cluster's files now, whose centre is nearest. On synthetic libraries it joined 99-100%
   of true newcomers and no unrelated photo, where a centre-and-radius rule joined 30-89%
   (benchmarks/bench_join.py). Without that file (a catalog clustered by an older Shoebox)
   the centre-and-radius rule is used. A full recluster is a user action.
5. Collections the user named or marked "keep" survive a recluster: the new cluster that
   overlaps most with one inherits its id, name and folder. Files the user put in a collection
   by hand (merge, split, move) stay in it.
"""

from __future__ import annotations

import json
import logging
import math
import os
import pickle
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core.catalog import Catalog, Connection
from core.errors import ShoeboxError
from core.tasks import TaskState

log = logging.getLogger(__name__)

PCA_DIMS = 50
MIN_CLUSTER_SIZE = 5
EVENT_GAP_S = 3 * 86400.0       # photos days apart are different events
EVENT_PLACE_KM = 150.0          # ...and so are photos far apart
REPRESENTATIVES = 6
RADIUS_QUANTILE = 0.9           # a newcomer "clearly belongs" inside the 90th-percentile member distance
USER_KEEP_OVERLAP = 0.5         # share of a user-named collection a new cluster must hold to inherit it
NAME_KEEP_JACCARD = 0.8         # an unchanged collection keeps its generated name (no re-naming cost)
SAMPLE_MAX = 20_000             # HDBSCAN on at most this many points; the rest join by distance
EXTEND_MARGIN = 1.15            # HDBSCAN leaves a sample cluster's fringe out; reach a bit past it
COHERENCE_MARGIN = 0.2          # how far above the library's own coherence a cluster must be


class ClusterError(ShoeboxError):
    pass


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


@dataclass
class ReclusterReport:
    files: int = 0
    collections: int = 0
    noise: int = 0
    kept_user_collections: int = 0
    kept_names: int = 0
    seconds: float = 0.0
    model_id: str | None = None
    sizes: list[int] = field(default_factory=list)


# --------------------------------------------------------------------------- pure numerics

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


# --------------------------------------------------------------------------- catalog side

def current_model_id(catalog: Catalog, registry=None) -> str | None:
    """The CLIP identity whose vectors we cluster (see core.catalog.spaces)."""
    from core.catalog.spaces import vector_space

    with catalog.read() as conn:
        return vector_space(conn, registry)


def load_vectors(conn: Connection, model_id: str, file_ids: list[int] | None = None):
    """(file ids, (n, dim) unit vectors): one per present photo/video; a video's keyframes
    are averaged."""
    sql = ("SELECT e.file_id, e.vector FROM embeddings e JOIN files f ON f.id = e.file_id "
           "WHERE e.model_id = ? AND f.status = 'present' AND f.kind IN ('photo', 'video')")
    rows = conn.execute(sql + " ORDER BY e.file_id", (model_id,)).fetchall()
    if file_ids is not None:
        wanted = set(file_ids)
        rows = [r for r in rows if r[0] in wanted]
    if not rows:
        return np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.float32)
    fids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    mat = np.stack([np.frombuffer(r[1], dtype="<f4") for r in rows])
    uniq, inv = np.unique(fids, return_inverse=True)
    if len(uniq) == len(fids):
        return uniq, normalize(mat)
    sums = np.zeros((len(uniq), mat.shape[1]), dtype=np.float64)
    np.add.at(sums, inv, mat)
    return uniq, normalize(sums.astype(np.float32))


def _file_context(conn: Connection, file_ids: np.ndarray):
    times, gps = {}, {}
    for r in conn.execute("SELECT id, taken_at, taken_at_source, gps_lat, gps_lon FROM files "
                          "WHERE kind IN ('photo', 'video') AND status = 'present'"):
        # an mtime is not a capture date: it must not split events
        times[r[0]] = r[1] if r[2] in ("exif", "container") else None
        gps[r[0]] = (r[3], r[4]) if r[3] is not None and r[4] is not None else None
    return [times.get(int(f)) for f in file_ids], [gps.get(int(f)) for f in file_ids]


def recluster(catalog: Catalog, registry=None, settings=None, task: TaskState | None = None, *,
              model_id: str | None = None, min_cluster_size: int = MIN_CLUSTER_SIZE,
              use_time_place: bool = True) -> ReclusterReport:
    """Full recluster of the library (a user action). Replaces the collections, keeping the
    ones the user named (and generated names of collections that did not change)."""
    task = task or TaskState("cluster")
    t0 = time.monotonic()
    model_id = model_id or current_model_id(catalog, registry)
    report = ReclusterReport(model_id=model_id)
    if model_id is None:
        raise ClusterError("no image vectors in the catalog yet: run `shoebox index` first")
    task.start(4, "reading vectors")
    with catalog.read() as conn:
        fids, vecs = load_vectors(conn, model_id)
        times, gps = _file_context(conn, fids)
    report.files = len(fids)
    task.advance()
    task.check()
    task.status(f"clustering {len(fids)} files")
    res = cluster_vectors(vecs, min_cluster_size=min_cluster_size) if len(fids) else \
        ClusterResult(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))
    task.advance()
    task.check()
    labels = split_events(res.labels, times, gps, min_size=min_cluster_size) \
        if use_time_place else res.labels
    task.status("describing collections")
    groups = []
    for lab in sorted({int(v) for v in labels} - {-1}):
        idx = np.flatnonzero(labels == lab)
        members = vecs[idx]
        c, radius = centroid_and_radius(members, newcomer=True)
        reps = {int(fids[idx[j]]) for j in representatives(members)}
        groups.append(_Group(
            file_ids=[int(f) for f in fids[idx]],
            probs=[float(p) for p in res.probabilities[idx]],
            reps=reps, centroid=c, radius=radius,
            dates=[times[i] for i in idx if times[i] is not None],
            places=[gps[i] for i in idx if gps[i] is not None]))
        task.check()
    task.advance()
    task.status("saving collections")
    kept_user, kept_names = catalog.write(_replace_clusters, groups, model_id)
    _save_join_model(catalog, model_id, res, fids)
    task.advance()
    report.collections = len(groups)
    report.noise = int((labels == -1).sum())
    report.kept_user_collections, report.kept_names = kept_user, kept_names
    report.sizes = sorted((len(g.file_ids) for g in groups), reverse=True)
    report.seconds = time.monotonic() - t0
    return report


@dataclass
class _Group:
    file_ids: list[int]
    probs: list[float]
    reps: set[int]
    centroid: np.ndarray
    radius: float
    dates: list[float]
    places: list[tuple]


def _replace_clusters(conn: Connection, groups: list[_Group], model_id: str) -> tuple[int, int]:
    now = time.time()
    old: dict[int, dict] = {}
    for r in conn.execute("SELECT id, named_by, keep_as_is FROM clusters"):
        old[r[0]] = {"named_by": r[1], "keep": r[2], "members": set()}
    pinned: dict[int, int] = {}  # file -> collection the user put it in by hand: it stays there
    for r in conn.execute("SELECT cluster_id, file_id, source FROM cluster_members"):
        old[r[0]]["members"].add(r[1])
        if r[2] == "user":
            pinned[r[1]] = r[0]
    if pinned:
        for g in groups:
            keep = [i for i, f in enumerate(g.file_ids) if f not in pinned]
            g.file_ids = [g.file_ids[i] for i in keep]
            g.probs = [g.probs[i] for i in keep]
        groups = [g for g in groups if g.file_ids]
    # a new cluster lying mostly inside a collection the user made (merged, named, marked
    # keep) joins it: several may, so a merge the user made is not split up again
    precious = [cid for cid, o in old.items() if o["named_by"] == "user" or o["keep"]]
    absorbed: dict[int, list[int]] = {}
    for gi, g in enumerate(groups):
        members = set(g.file_ids)
        best = max(precious, key=lambda c: len(members & old[c]["members"]), default=None)
        if best is not None and \
                len(members & old[best]["members"]) >= USER_KEEP_OVERLAP * len(members):
            absorbed.setdefault(best, []).append(gi)
    taken_groups = {gi for gis in absorbed.values() for gi in gis}
    # greedy matching, best overlaps first: each old collection is inherited at most once
    candidates = []
    for gi, g in enumerate(groups):
        if gi in taken_groups:
            continue
        members = set(g.file_ids)
        for cid, o in old.items():
            inter = len(members & o["members"])
            if not inter:
                continue
            precious = o["named_by"] == "user" or o["keep"]
            share = inter / len(o["members"])
            jac = inter / len(members | o["members"])
            if (precious and share >= USER_KEEP_OVERLAP) or jac >= NAME_KEEP_JACCARD:
                candidates.append((not precious, -jac, gi, cid))
    candidates.sort()
    inherit: dict[int, int] = {}
    used: set[int] = set(absorbed)
    for _, _, gi, cid in candidates:
        if gi not in inherit and cid not in used:
            inherit[gi] = cid
            used.add(cid)
    kept_user = sum(1 for cid in used if old[cid]["named_by"] == "user" or old[cid]["keep"])
    claimed = {f for g in groups for f in g.file_ids}
    # a precious collection nothing inherited keeps the members no new cluster claimed
    survivors = {cid: o["members"] - claimed for cid, o in old.items()
                 if cid not in used and (o["named_by"] == "user" or o["keep"])
                 and o["members"] - claimed}
    for f, cid in pinned.items():
        if cid not in used:
            survivors.setdefault(cid, set()).add(f)
    drop = [cid for cid in old if cid not in used and cid not in survivors]
    conn.execute("DELETE FROM cluster_members")
    conn.executemany("DELETE FROM clusters WHERE id = ?", [(c,) for c in drop])
    for cid, members in survivors.items():
        conn.executemany("INSERT INTO cluster_members(cluster_id, file_id, probability, source) "
                         "VALUES (?, ?, 1.0, 'user')", [(cid, f) for f in members])
        conn.execute("UPDATE clusters SET member_count = ?, updated_at = ? WHERE id = ?",
                     (len(members), now, cid))
        kept_user += 1
    for cid, gis in absorbed.items():
        for gi in gis:
            g = groups[gi]
            conn.executemany(
                "INSERT INTO cluster_members(cluster_id, file_id, probability, representative, "
                "source) VALUES (?, ?, ?, ?, 'cluster')",
                [(cid, f, p, int(f in g.reps)) for f, p in zip(g.file_ids, g.probs)])
        conn.execute("UPDATE clusters SET model_id = ? WHERE id = ?", (model_id, cid))
        _refresh_stats(conn, cid)
    for gi, g in enumerate(groups):
        if gi in taken_groups:
            continue
        stats = (model_id, g.centroid.astype("<f4").tobytes(), g.radius, len(g.file_ids),
                 min(g.dates) if g.dates else None, max(g.dates) if g.dates else None,
                 _median([p[0] for p in g.places]), _median([p[1] for p in g.places]), now)
        if gi in inherit:
            cid = inherit[gi]
            conn.execute("UPDATE clusters SET model_id=?, centroid=?, radius=?, member_count=?, "
                         "date_from=?, date_to=?, lat=?, lon=?, updated_at=? WHERE id=?",
                         (*stats, cid))
        else:
            cid = conn.execute(
                "INSERT INTO clusters(model_id, centroid, radius, member_count, date_from, "
                "date_to, lat, lon, updated_at, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (*stats, now)).lastrowid
        conn.executemany(
            "INSERT INTO cluster_members(cluster_id, file_id, probability, representative, "
            "source) VALUES (?, ?, ?, ?, 'cluster')",
            [(cid, f, p, int(f in g.reps)) for f, p in zip(g.file_ids, g.probs)])
    inherited_pins = {(f, cid) for f, cid in pinned.items() if cid in used}
    conn.executemany("INSERT INTO cluster_members(cluster_id, file_id, probability, source) "
                     "VALUES (?, ?, 1.0, 'user')", [(cid, f) for f, cid in inherited_pins])
    for cid in {cid for _, cid in inherited_pins}:
        _refresh_stats(conn, cid)
    kept_names = len(used) - sum(1 for cid in used
                                 if old[cid]["named_by"] == "user" or old[cid]["keep"])
    return kept_user, kept_names


def _median(values: list[float]) -> float | None:
    return float(np.median(values)) if values else None


def join_model_path(catalog: Catalog) -> Path:
    return Path(catalog.path).with_name("collections-join.pickle")


def _save_join_model(catalog: Catalog, model_id: str, res: ClusterResult, fids) -> None:
    """Keep the recluster's JoinModel, and the files of each of its clusters, for
    `assign_new`. Written whole or not at all (a temporary file, then a rename)."""
    path = join_model_path(catalog)
    if res.join is None or not res.join.dense:
        path.unlink(missing_ok=True)
        return
    members = {k: [int(f) for f in fids[res.labels == k]] for k in set(res.join.dense.values())}
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        pickle.dump({"version": 1, "model_id": model_id, "join": res.join, "members": members},
                    f, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)


def _load_join_model(catalog: Catalog, model_id: str) -> dict | None:
    # our own file in the user's data folder, trusted as the catalog beside it is
    path = join_model_path(catalog)
    try:
        with open(path, "rb") as f:
            saved = pickle.load(f)
    except FileNotFoundError:
        return None
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError) as e:
        log.warning("cannot read %s (%s): new files join by distance until the next "
                    "recluster", path, e)
        return None
    if not isinstance(saved, dict) or saved.get("version") != 1 or \
            saved.get("model_id") != model_id:
        return None
    return saved


def assign_new(catalog: Catalog, registry=None, *, model_id: str | None = None) -> int:
    """Incremental: each file with a vector and no collection joins the collection it
    belongs to, if any (see the module's point 4). Returns how many joined."""
    model_id = model_id or current_model_id(catalog, registry)
    if model_id is None:
        return 0
    with catalog.read() as conn:
        crow = conn.execute("SELECT id, centroid, radius FROM clusters "
                            "WHERE model_id = ? AND centroid IS NOT NULL", (model_id,)).fetchall()
        if not crow:
            return 0
        where = {r[0]: r[1] for r in conn.execute("SELECT file_id, cluster_id FROM cluster_members")}
        fids, vecs = load_vectors(conn, model_id)
    keep = np.array([int(f) not in where for f in fids], dtype=bool)
    member_vecs = {int(f): v for f, v in zip(fids[~keep], vecs[~keep])}
    fids, vecs = fids[keep], vecs[keep]
    if not len(fids):
        return 0
    cids = [r[0] for r in crow]
    cents = np.stack([np.frombuffer(r[1], dtype="<f4") for r in crow])
    radii = np.array([r[2] or 0.0 for r in crow], dtype=np.float32)
    if cents.shape[1] != vecs.shape[1]:
        return 0
    saved = _load_join_model(catalog, model_id)
    if saved is not None:
        rows = _join_predicted(saved, fids, vecs, where, member_vecs, cids, cents)
    else:
        rows = _join_by_radius(fids, vecs, cids, cents, radii)

    def write(conn: Connection) -> int:
        conn.executemany("INSERT OR IGNORE INTO cluster_members(cluster_id, file_id, probability, "
                         "source) VALUES (?, ?, ?, 'incremental')", rows)
        conn.execute("UPDATE clusters SET member_count = (SELECT count(*) FROM cluster_members m "
                     "WHERE m.cluster_id = clusters.id)")
        return len(rows)

    return catalog.write(write) if rows else 0


def _join_predicted(saved: dict, fids, vecs, where: dict[int, int],
                    member_vecs: dict[int, np.ndarray], cids: list[int],
                    cents: np.ndarray) -> list[tuple[int, int, float]]:
    """hdbscan places each file in a cluster of the last recluster; it joins the collection
    holding that cluster's files now (merges, splits and moves by the user included) whose
    centre is nearest. hdbscan's strength is its membership probability.

    PCA keeps what the library's photos share: a photo unlike all of them projects near the
    middle and, in a library without such photos to fill the middle, lands in a cluster. So
    a join must also hold in the full space: no farther from the centre than the collection's
    farthest member, with the margin the sampled recluster uses."""
    labels, strength = saved["join"].predict(vecs)
    row_of = {c: i for i, c in enumerate(cids)}
    candidates: dict[int, list[int]] = {}
    reach: dict[int, float] = {}

    def within(c: int, v: np.ndarray) -> bool:
        if c not in reach:
            mine = [member_vecs[f] for f, col in where.items() if col == c and f in member_vecs]
            cent = cents[row_of[c]]
            reach[c] = EXTEND_MARGIN * max((float(np.linalg.norm(m - cent)) for m in mine),
                                           default=0.0)
        return float(np.linalg.norm(v - cents[row_of[c]])) <= reach[c]

    rows = []
    for f, v, lab, s in zip(fids, vecs, labels, strength):
        if lab < 0:
            continue
        if lab not in candidates:
            candidates[lab] = sorted({where[m] for m in saved["members"].get(int(lab), ())
                                      if m in where and where[m] in row_of})
        if not candidates[lab]:
            continue
        best = max(candidates[lab], key=lambda c: float(v @ cents[row_of[c]]))
        if within(best, v):
            rows.append((best, int(f), float(max(s, 0.05))))
    return rows


def _join_by_radius(fids, vecs, cids: list[int], cents: np.ndarray,
                    radii: np.ndarray) -> list[tuple[int, int, float]]:
    """Without a JoinModel: the nearest collection, when the file lies inside its radius."""
    d = np.sqrt(np.maximum(2.0 - 2.0 * (vecs @ cents.T), 0.0))
    best = d.argmin(axis=1)
    bd = d[np.arange(len(fids)), best]
    inside = bd <= radii[best]
    return [(cids[b], int(f), float(max(0.0, 1.0 - dist / max(radii[b], 1e-6))))
            for f, b, dist, ok in zip(fids, best, bd, inside) if ok]


@dataclass
class Collection:
    id: int
    name: str | None
    description: str | None
    folder_path: str | None
    tags: list[str]
    named_by: str | None
    keep_as_is: bool
    member_count: int
    date_from: float | None
    date_to: float | None
    lat: float | None
    lon: float | None
    representatives: list[int]


def list_collections(catalog: Catalog) -> list[Collection]:
    with catalog.read() as conn:
        reps: dict[int, list[int]] = {}
        for r in conn.execute("SELECT cluster_id, file_id FROM cluster_members "
                              "WHERE representative = 1 ORDER BY file_id"):
            reps.setdefault(r[0], []).append(r[1])
        out = []
        for r in conn.execute("SELECT * FROM clusters ORDER BY member_count DESC, id"):
            out.append(Collection(
                r["id"], r["name"], r["description"], r["folder_path"],
                json.loads(r["tags"]) if r["tags"] else [], r["named_by"], bool(r["keep_as_is"]),
                r["member_count"], r["date_from"], r["date_to"], r["lat"], r["lon"],
                reps.get(r["id"], [])))
        return out


def rename_collection(catalog: Catalog, cluster_id: int, *, name: str | None = None,
                      folder_path: str | None = None, keep_as_is: bool | None = None) -> None:
    """The user's own name/folder for a collection; it survives reclusters (named_by='user')."""
    from core.organize.sanitize import sanitize_relpath

    def write(conn: Connection) -> None:
        if conn.execute("SELECT 1 FROM clusters WHERE id = ?", (cluster_id,)).fetchone() is None:
            raise ClusterError(f"there is no collection {cluster_id} (see `shoebox cluster`)")
        if name is not None:
            conn.execute("UPDATE clusters SET name = ?, named_by = 'user', updated_at = ? "
                         "WHERE id = ?", (name.strip(), time.time(), cluster_id))
        if folder_path is not None:
            conn.execute("UPDATE clusters SET folder_path = ?, named_by = 'user', updated_at = ? "
                         "WHERE id = ?", (sanitize_relpath(folder_path), time.time(), cluster_id))
        if keep_as_is is not None:
            conn.execute("UPDATE clusters SET keep_as_is = ? WHERE id = ?",
                         (int(keep_as_is), cluster_id))

    catalog.write(write)


def _refresh_stats(conn: Connection, cluster_id: int) -> None:
    """Member count, centre, radius and dates of one collection, after the user edited it."""
    row = conn.execute("SELECT model_id FROM clusters WHERE id = ?", (cluster_id,)).fetchone()
    fids = [r[0] for r in conn.execute("SELECT file_id FROM cluster_members WHERE cluster_id = ?",
                                       (cluster_id,))]
    centroid, radius = None, None
    if row and row[0] and fids:
        _, vecs = load_vectors(conn, row[0], fids)
        if len(vecs):
            c, radius = centroid_and_radius(vecs, newcomer=True)
            centroid = c.astype("<f4").tobytes()
    dates = conn.execute(
        "SELECT min(taken_at), max(taken_at) FROM files f JOIN cluster_members m ON m.file_id = "
        "f.id WHERE m.cluster_id = ? AND f.taken_at_source IN ('exif', 'container')",
        (cluster_id,)).fetchone()
    conn.execute("UPDATE clusters SET member_count = ?, centroid = coalesce(?, centroid), "
                 "radius = coalesce(?, radius), date_from = ?, date_to = ?, updated_at = ? "
                 "WHERE id = ?", (len(fids), centroid, radius, dates[0], dates[1], time.time(),
                                  cluster_id))


def merge_collections(catalog: Catalog, cluster_ids: list[int]) -> int:
    """Merge collections into the first one (a user edit: it survives reclusters)."""
    if len(cluster_ids) < 2:
        raise ClusterError("choose at least two collections to merge")
    keep, rest = cluster_ids[0], list(cluster_ids[1:])

    def write(conn: Connection) -> int:
        q = ",".join("?" * len(rest))
        found = conn.execute(f"SELECT count(*) FROM clusters WHERE id IN (?,{q})",
                             (keep, *rest)).fetchone()[0]
        if found != len(set(cluster_ids)):
            raise ClusterError("a collection to merge no longer exists; reload and try again")
        conn.execute(f"UPDATE cluster_members SET cluster_id = ?, representative = 0, "
                     f"source = 'user' WHERE cluster_id IN ({q})", (keep, *rest))
        conn.execute(f"DELETE FROM clusters WHERE id IN ({q})", rest)
        conn.execute("UPDATE clusters SET named_by = 'user' WHERE id = ?", (keep,))
        _refresh_stats(conn, keep)
        return keep

    return catalog.write(write)


def move_to_collection(catalog: Catalog, file_ids: list[int], cluster_id: int | None) -> None:
    """Put files in a collection (None: in none) by hand; the collections touched become the
    user's (named_by='user') so a recluster keeps them."""
    catalog.write(_move_members, file_ids, cluster_id)


def split_collection(catalog: Catalog, cluster_id: int, file_ids: list[int], name: str) -> int:
    """Split files off a collection into a new one named by the user; returns its id."""
    if not file_ids:
        raise ClusterError("choose the items to split off first")

    def write(conn: Connection) -> int:
        row = conn.execute("SELECT model_id FROM clusters WHERE id = ?", (cluster_id,)).fetchone()
        if row is None:
            raise ClusterError(f"there is no collection {cluster_id}")
        now = time.time()
        new_id = conn.execute(
            "INSERT INTO clusters(name, named_by, model_id, created_at, updated_at) "
            "VALUES (?, 'user', ?, ?, ?)", (name.strip(), row[0], now, now)).lastrowid
        _move_members(conn, file_ids, new_id)
        return new_id

    return catalog.write(write)


def _move_members(conn: Connection, file_ids: list[int], cluster_id: int | None) -> None:
    if cluster_id is not None and conn.execute("SELECT 1 FROM clusters WHERE id = ?",
                                               (cluster_id,)).fetchone() is None:
        raise ClusterError(f"there is no collection {cluster_id}")
    q = ",".join("?" * len(file_ids))
    touched = {r[0] for r in conn.execute(
        f"SELECT cluster_id FROM cluster_members WHERE file_id IN ({q})", file_ids)}
    conn.execute(f"DELETE FROM cluster_members WHERE file_id IN ({q})", file_ids)
    if cluster_id is not None:
        conn.executemany("INSERT INTO cluster_members(cluster_id, file_id, probability, "
                         "source) VALUES (?, ?, 1.0, 'user')",
                         [(cluster_id, f) for f in file_ids])
        touched.add(cluster_id)
    for cid in touched:
        conn.execute("UPDATE clusters SET named_by = 'user' WHERE id = ?", (cid,))
        _refresh_stats(conn, cid)
