"""How faces become people: pure functions over 128-d dlib descriptors (no catalog here).

False merges are the worst error (two people shown as one is hard to see and to undo), so
every rule prefers to leave a face unassigned:

- **join**: a face joins a person when the mean distance to that person's K nearest faces is
  under JOIN_DISTANCE *and* the second-best person is at least JOIN_MARGIN farther. A face
  never joins a person who already has a face in the same picture, or whom the user said it
  is not. At scale (thousands of people) a face is scored only against the CANDIDATES people
  with the nearest centres, each by at most MEMBERS_MAX of their faces: the cost of new photos
  grows with what they add, not with the library times that.
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
CANDIDATES = 6       # people a new face is compared with face by face (nearest centres)
MEMBERS_MAX = 300    # a person's faces that speak for them in that comparison
FACE_CHUNK = 2048    # new faces scored at once (an n x people matrix each)


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


def _distances(a: np.ndarray, b: np.ndarray, aa: np.ndarray | None = None,
               bb: np.ndarray | None = None) -> np.ndarray:
    """Euclidean distances of a's rows to b's; aa, bb: their squared norms, when known."""
    aa = (a * a).sum(1) if aa is None else aa
    bb = (b * b).sum(1) if bb is None else bb
    return np.sqrt(np.maximum(aa[:, None] + bb[None, :] - 2.0 * a @ b.T, 0.0))


class _Scorer:
    """Scores faces against people. A face is compared face by face only with the CANDIDATES
    people whose centres are nearest it, and each person speaks with at most MEMBERS_MAX of
    their faces (evenly spread): new photos cost what they add, not that times the library
    (a full comparison of 5% new faces with every grouped face grows with the square)."""

    def __init__(self, people: dict[int, Members]):
        self.pids = list(people)
        self.members = [_spread(people[pid].vecs) for pid in self.pids]
        self.norms = [(m * m).sum(1) for m in self.members]   # once, not per block of faces
        self.scored = np.array([j for j, m in enumerate(self.members) if len(m)], np.int64)
        self.centres = (np.stack([self.members[j].mean(0) for j in self.scored])
                        if len(self.scored) > CANDIDATES else None)

    def scores(self, vecs: np.ndarray) -> np.ndarray:
        out = np.full((len(vecs), len(self.pids)), np.inf, dtype=np.float32)
        if len(vecs) == 0 or len(self.scored) == 0:
            return out
        if self.centres is None:
            rows_of = {int(j): np.arange(len(vecs)) for j in self.scored}
        else:
            near = np.argpartition(_distances(vecs, self.centres), CANDIDATES - 1,
                                   axis=1)[:, :CANDIDATES]
            cols = self.scored[near.ravel()]
            faces = np.repeat(np.arange(len(vecs)), CANDIDATES)
            order = np.argsort(cols, kind="stable")
            cols, faces = cols[order], faces[order]
            cuts = np.flatnonzero(np.diff(cols)) + 1
            rows_of = {int(c[0]): f for c, f in zip(np.split(cols, cuts),
                                                    np.split(faces, cuts), strict=True)}
        aa = (vecs * vecs).sum(1)
        for j, rows in rows_of.items():
            d = _distances(vecs[rows], self.members[j], aa[rows], self.norms[j])
            k = min(K_NEAREST, d.shape[1])
            out[rows, j] = np.partition(d, k - 1, axis=1)[:, :k].mean(1)
        return out


def _spread(vecs: np.ndarray) -> np.ndarray:
    if len(vecs) <= MEMBERS_MAX:
        return vecs
    return vecs[(np.arange(MEMBERS_MAX) * (len(vecs) / MEMBERS_MAX)).astype(np.int64)]


def person_scores(vecs: np.ndarray, people: dict[int, Members]) -> tuple[list[int], np.ndarray]:
    """(person ids, (n, P) mean distance from each face to each person's K nearest faces;
    inf for people too far to matter: not among the face's CANDIDATES nearest centres)."""
    scorer = _Scorer(people)
    return scorer.pids, scorer.scores(vecs)


def assign(faces: list[Candidate], people: dict[int, Members],
           rejected: Iterable[tuple[int, int]] = ()) -> dict[int, int]:
    """face id -> person id for the faces that clearly belong to an existing person."""
    if not faces or not people:
        return {}
    banned: dict[int, set[int]] = defaultdict(set)
    for face_id, pid in rejected:
        banned[face_id].add(pid)
    at_spot: dict[Hashable, set[int]] = defaultdict(set)   # who is already in each picture
    for pid, m in people.items():
        for spot in m.spots:
            at_spot[spot].add(pid)
    scorer = _Scorer(people)
    col = {pid: j for j, pid in enumerate(scorer.pids)}
    best: dict[tuple, tuple[float, int]] = {}  # (spot, person) -> the closest face there
    for start in range(0, len(faces), FACE_CHUNK):
        chunk = faces[start:start + FACE_CHUNK]
        scores = scorer.scores(np.stack([f.vec for f in chunk]))
        for i, f in enumerate(chunk):
            for pid in banned.get(f.face_id, set()) | at_spot.get(f.spot, set()):
                if pid in col:
                    scores[i, col[pid]] = np.inf
        first = scores.argmin(1)
        d1 = scores[np.arange(len(chunk)), first]
        d2 = (np.partition(scores, 1, axis=1)[:, 1] if scores.shape[1] > 1
              else np.full(len(chunk), np.inf, np.float32))
        with np.errstate(invalid="ignore"):
            clear = (d1 < JOIN_DISTANCE) & (d2 - d1 >= JOIN_MARGIN)
        for i in np.flatnonzero(clear):
            key = (chunk[i].spot, scorer.pids[first[i]])
            if key not in best or d1[i] < best[key][0]:
                best[key] = (float(d1[i]), start + int(i))
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
