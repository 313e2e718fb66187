"""Collections in the catalog: the full recluster and new files joining (the listing is a
read: core.query.list_collections).

Table names: the word in code, CLI and GUI is "collection", but the tables keep the names of
the first schema: `clusters` holds the collections and `cluster_members` their files
(`collection_id` = the collection's id). Renaming tables every catalog has would buy nothing and
make older backups unreadable; this note is the one place that maps the two words.

1-3. Grouping: CLIP vectors -> PCA + HDBSCAN -> events by time and place (grouping.py says
   how and why).
4. A new file joins a collection without a recluster (`assign_new`): hdbscan's
   `approximate_predict` places it in the density clusters of the last recluster (kept in a
   file beside the catalog, see JoinModel), and it joins the collection, among those holding
   that cluster's files now, whose centre is nearest. On synthetic libraries it joined 97-100%
   of true newcomers and no unrelated photo, where a centre-and-radius rule joined 24-89%
   (benchmarks/bench_join.py). Without that file (a catalog clustered by an older Shoebox)
   the centre-and-radius rule is used. A full recluster is a user action.
5. Collections the user named or marked "keep" survive a recluster: the new cluster that
   overlaps most with one inherits its id, name and folder. Files the user put in a collection
   by hand (merge, split, move) stay in it.
"""

from __future__ import annotations

import logging
import pickle
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core.catalog import Catalog, Connection
from core.catalog.chunks import in_chunks
from core.catalog.spaces import vector_space
from core.collections.grouping import (
    EXTEND_MARGIN,
    MIN_CLUSTER_SIZE,
    ClusterResult,
    centroid_and_radius,
    cluster_vectors,
    normalize,
    representatives,
    split_events,
)
from core.errors import ShoeboxError
from core.files.dates import capture_dated_sql, is_capture_source
from core.tasks import TaskState
from models.datafiles import atomic_path

log = logging.getLogger(__name__)

USER_KEEP_OVERLAP = 0.5         # share of a user-named collection a new cluster must hold to inherit it
NAME_KEEP_JACCARD = 0.8         # an unchanged collection keeps its generated name (no re-naming cost)


class CollectionError(ShoeboxError):
    pass


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


def current_model_id(catalog: Catalog, registry=None) -> str | None:
    """The CLIP identity whose vectors we cluster (see core.catalog.spaces)."""
    with catalog.read() as conn:
        return vector_space(conn, registry)


def load_vectors(conn: Connection, model_id: str, file_ids: list[int] | None = None):
    """(file ids, (n, dim) unit vectors): one per present photo/video; a video's keyframes
    are averaged."""
    sql = ("SELECT e.file_id, e.vector FROM embeddings e JOIN files f ON f.id = e.file_id "
           "WHERE e.model_id = ? AND f.status = 'present' AND f.kind IN ('photo', 'video')")
    if file_ids is None:
        rows = conn.execute(sql + " ORDER BY e.file_id", (model_id,)).fetchall()
    else:                               # only these files' rows are read (a few of a million)
        rows = [r for chunk, marks in in_chunks(sorted({int(f) for f in file_ids}))
                for r in conn.execute(f"{sql} AND e.file_id IN ({marks}) ORDER BY e.file_id",
                                      (model_id, *chunk))]
    if rows:
        # a blob of the wrong length (a damaged row) must not stop the recluster: left out
        size = Counter(len(r[1]) for r in rows).most_common(1)[0][0]
        bad = sum(len(r[1]) != size or size % 4 for r in rows)
        if bad:
            log.warning("collections: %d vectors of %s are not %d-d float32 (damaged rows?) "
                        "and were left out", bad, model_id, size // 4)
            rows = [r for r in rows if len(r[1]) == size and not size % 4]
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
        times[r[0]] = r[1] if is_capture_source(r[2]) else None
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
        raise CollectionError("no image vectors in the catalog yet: collections need the clip "
                              "model (see `shoebox models`), then an index of the library")
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
    kept_user, kept_names = catalog.write(_replace_collections, groups, model_id)
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


def _replace_collections(conn: Connection, groups: list[_Group], model_id: str) -> tuple[int, int]:
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
        refresh_stats(conn, cid)
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
        refresh_stats(conn, cid)
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
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        pickle.dump({"version": 1, "model_id": model_id, "join": res.join, "members": members},
                    f, protocol=pickle.HIGHEST_PROTOCOL)


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
        # the vectors of the files in no collection only (not the library's million)
        fids, vecs = load_vectors(conn, model_id, [r[0] for r in conn.execute(
            "SELECT f.id FROM files f WHERE f.status = 'present' AND f.kind IN ('photo', "
            "'video') AND NOT EXISTS (SELECT 1 FROM cluster_members m WHERE m.file_id = f.id) "
            "AND EXISTS (SELECT 1 FROM embeddings e WHERE e.file_id = f.id "
            "AND e.model_id = ?)", (model_id,))])
    if not len(fids):
        return 0
    cids = [r[0] for r in crow]
    cents = np.stack([np.frombuffer(r[1], dtype="<f4") for r in crow])
    radii = np.array([r[2] or 0.0 for r in crow], dtype=np.float32)
    if cents.shape[1] != vecs.shape[1]:
        return 0
    saved = _load_join_model(catalog, model_id)
    if saved is not None:
        # where every file is now (read only when there are newcomers to place by the model)
        with catalog.read() as conn:
            where = dict(conn.execute("SELECT file_id, cluster_id FROM cluster_members"))

        def member_vectors(c: int) -> np.ndarray:     # read when a newcomer may join c
            with catalog.read() as conn:
                return load_vectors(conn, model_id, [r[0] for r in conn.execute(
                    "SELECT file_id FROM cluster_members WHERE cluster_id = ?", (c,))])[1]

        rows = _join_predicted(saved, fids, vecs, where, member_vectors, cids, cents)
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
                    member_vectors, cids: list[int],
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
            mine = member_vectors(c)
            cent = cents[row_of[c]]
            reach[c] = EXTEND_MARGIN * (float(np.linalg.norm(mine - cent, axis=1).max())
                                        if len(mine) else 0.0)
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


def refresh_stats(conn: Connection, collection_id: int) -> None:
    """Member count, centre, radius and dates of one collection, after the user edited it."""
    row = conn.execute("SELECT model_id FROM clusters WHERE id = ?", (collection_id,)).fetchone()
    fids = [r[0] for r in conn.execute("SELECT file_id FROM cluster_members WHERE cluster_id = ?",
                                       (collection_id,))]
    centroid, radius = None, None
    if row and row[0] and fids:
        _, vecs = load_vectors(conn, row[0], fids)
        if len(vecs):
            c, radius = centroid_and_radius(vecs, newcomer=True)
            centroid = c.astype("<f4").tobytes()
    dates = conn.execute(
        "SELECT min(taken_at), max(taken_at) FROM files f JOIN cluster_members m ON m.file_id = "
        f"f.id WHERE m.cluster_id = ? AND {capture_dated_sql()}",
        (collection_id,)).fetchone()
    conn.execute("UPDATE clusters SET member_count = ?, centroid = coalesce(?, centroid), "
                 "radius = coalesce(?, radius), date_from = ?, date_to = ?, updated_at = ? "
                 "WHERE id = ?", (len(fids), centroid, radius, dates[0], dates[1], time.time(),
                                  collection_id))
