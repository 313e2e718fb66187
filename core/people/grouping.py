"""How faces become people: pure functions over 128-d dlib descriptors (no catalog here).

False merges are the worst error (two people shown as one is hard to see and to undo), so
every rule prefers to leave a face unassigned:

- **join**: a face joins a person when the mean distance to that person's K nearest faces is
  under JOIN_DISTANCE *and* the second-best person is at least JOIN_MARGIN farther. A face
  never joins a person who already has a face in the same picture, or whom the user said it
  is not.
- **form**: faces nobody claims form a new person only as a tight group (average linkage:
  on average every pair within FORM_DISTANCE; no chaining through look-alikes, unlike
  single-link DBSCAN) seen in at least MIN_SUPPORT different pictures (copies of one photo
  and frames of one video count once). A lone face stays unassigned until support exists.

Tuned on 24 labelled real photos (benchmarks/bench_faces.py --faces): faces of one person are at most
0.53 apart and different people at least 0.66 (dlib's own threshold is 0.6).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

import numpy as np

JOIN_DISTANCE = 0.55
JOIN_MARGIN = 0.08
FORM_DISTANCE = 0.55
MIN_SUPPORT = 3
K_NEAREST = 3
CHUNK = 3000  # faces clustered at once (average linkage keeps n^2/2 distances in memory)


@dataclass(frozen=True)
class Candidate:
    """A face to place. `spot`: its picture (file, frame): one person per spot at most.
    `content`: what counts as one picture for support (the content hash)."""

    face_id: int
    spot: Hashable
    content: Hashable
    vec: np.ndarray


@dataclass
class Members:
    """What a person already has: their faces' descriptors and spots."""

    vecs: np.ndarray                # (m, 128)
    spots: set


def _distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    aa = (a * a).sum(1)[:, None]
    bb = (b * b).sum(1)[None, :]
    return np.sqrt(np.maximum(aa + bb - 2.0 * a @ b.T, 0.0))


def person_scores(vecs: np.ndarray, people: dict[int, Members]) -> tuple[list[int], np.ndarray]:
    """(person ids, (n, P) mean distance from each face to each person's K nearest faces)."""
    pids = list(people)
    out = np.full((len(vecs), len(pids)), np.inf, dtype=np.float32)
    for j, pid in enumerate(pids):
        m = people[pid].vecs
        if len(m) == 0 or len(vecs) == 0:
            continue
        d = _distances(vecs, m)
        k = min(K_NEAREST, d.shape[1])
        out[:, j] = np.sort(d, axis=1)[:, :k].mean(1)
    return pids, out


def assign(faces: list[Candidate], people: dict[int, Members],
           rejected: Iterable[tuple[int, int]] = ()) -> dict[int, int]:
    """face id -> person id for the faces that clearly belong to an existing person."""
    if not faces or not people:
        return {}
    banned = set(rejected)
    pids, scores = person_scores(np.stack([f.vec for f in faces]), people)
    col = {pid: j for j, pid in enumerate(pids)}
    for i, f in enumerate(faces):
        for pid in pids:
            if (f.face_id, pid) in banned or f.spot in people[pid].spots:
                scores[i, col[pid]] = np.inf
    best: dict[tuple, tuple[float, int]] = {}  # (spot, person) -> the closest face there
    for i, f in enumerate(faces):
        order = np.argsort(scores[i])
        d1 = float(scores[i, order[0]])
        d2 = float(scores[i, order[1]]) if len(order) > 1 else np.inf
        if d1 >= JOIN_DISTANCE or d2 - d1 < JOIN_MARGIN:
            continue
        key = (f.spot, pids[order[0]])
        if key not in best or d1 < best[key][0]:
            best[key] = (d1, i)
    return {faces[i].face_id: pid for (_, pid), (_, i) in best.items()}


def form(faces: list[Candidate]) -> list[list[int]]:
    """Groups of face ids that are new people (each seen in >= MIN_SUPPORT pictures)."""
    groups: list[list[int]] = []
    for start in range(0, len(faces), CHUNK):
        groups.extend(_form_chunk(faces[start:start + CHUNK]))
    return groups


def _form_chunk(faces: list[Candidate]) -> list[list[int]]:
    if len(faces) < MIN_SUPPORT:
        return []
    from scipy.cluster.hierarchy import fcluster, linkage

    vecs = np.stack([f.vec for f in faces]).astype(np.float64)
    tree = linkage(vecs, method="average", metric="euclidean")
    labels = fcluster(tree, t=FORM_DISTANCE, criterion="distance")
    by_label: dict[int, list[int]] = defaultdict(list)
    for i, lab in enumerate(labels):
        by_label[int(lab)].append(i)
    out = []
    for idx in by_label.values():
        if len({faces[i].content for i in idx}) < MIN_SUPPORT:
            continue
        idx = _one_per_spot(faces, vecs, idx)
        if len({faces[i].content for i in idx}) >= MIN_SUPPORT:
            out.append([faces[i].face_id for i in idx])
    return out


def _one_per_spot(faces: list[Candidate], vecs: np.ndarray, idx: list[int]) -> list[int]:
    """Two faces of one picture are two people: keep the one nearest the group's centre."""
    spots = Counter(faces[i].spot for i in idx)
    if max(spots.values()) == 1:
        return idx
    centre = vecs[idx].mean(0)
    keep: dict[Hashable, int] = {}
    for i in idx:
        s = faces[i].spot
        if s not in keep or (np.linalg.norm(vecs[i] - centre)
                             < np.linalg.norm(vecs[keep[s]] - centre)):
            keep[s] = i
    return sorted(keep.values())
