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
from threadpoolctl import threadpool_limits

JOIN_DISTANCE = 0.55
JOIN_MARGIN = 0.08
FORM_DISTANCE = 0.55
MIN_SUPPORT = 3
K_NEAREST = 3
CHUNK = 3000  # faces clustered at once (average linkage keeps n^2/2 distances in memory)
CANDIDATES = 6       # people a new face is compared with face by face (nearest centres)
MEMBERS_MAX = 300    # a person's faces that speak for them in that comparison
FACE_CHUNK = 2048    # new faces matched with the people's centres at once (n x people each)
# a person whose every speaking face is this far from a face (mean of K) cannot take it nor
# block it by the margin (a hair over, for float32 rounding)
REACH = JOIN_DISTANCE + JOIN_MARGIN + 0.01


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
    """Scores faces against people, as (face, person) pairs: a face is compared face by face
    only with the people it could belong to: those whose centre is within REACH of it plus
    the person's own reach (the farthest of their speaking faces from their centre; nearer
    faces cannot make a mean distance under REACH, so such a person can neither take the
    face nor stand second close enough to block it), at most the CANDIDATES nearest of them.
    Each person speaks with at most MEMBERS_MAX of their faces (evenly spread). Finding them
    is one flat matrix product of the faces with the people's centres; the face-by-face
    comparison is done person by person for every face at once, so its cost follows the
    new faces, not the library."""

    def __init__(self, people: dict[int, Members]):
        self.pids = list(people)
        self.members = [_spread(people[pid].vecs) for pid in self.pids]
        self.norms = [(m * m).sum(1) for m in self.members]   # once, not per block of faces
        self.scored = np.array([j for j, m in enumerate(self.members) if len(m)], np.int64)
        centres = [self.members[j].mean(0) for j in self.scored]
        self.centres = np.stack(centres) if centres else np.zeros((0, 128), np.float32)
        self.reach = np.array([np.sqrt(((self.members[j] - c) ** 2).sum(1).max())
                               for j, c in zip(self.scored, centres, strict=True)], np.float32)
        self.compared = 0          # face-by-face comparisons made (what the cost follows)

    def pairs(self, vecs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(face rows, person columns) worth comparing face by face."""
        rows, cols = [], []
        if len(self.scored) == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        cc = (self.centres * self.centres).sum(1)
        limit = (REACH + self.reach) ** 2
        for start in range(0, len(vecs), FACE_CHUNK):
            block = vecs[start:start + FACE_CHUNK]
            aa = (block * block).sum(1)
            key = cc[None, :] - 2.0 * (block @ self.centres.T)   # squared distance - aa
            key[key >= limit[None, :] - aa[:, None]] = np.inf   # out of reach
            r, c = _smallest(key, CANDIDATES)
            rows.append(r + start)
            cols.append(self.scored[c])
        return np.concatenate(rows), np.concatenate(cols)

    def score(self, vecs: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Mean distance from each pair's face to its person's K nearest faces."""
        out = np.full(len(rows), np.inf, np.float32)
        if not len(rows):
            return out
        order = np.argsort(cols, kind="stable")
        cuts = np.flatnonzero(np.diff(cols[order])) + 1
        aa = (vecs * vecs).sum(1)
        for at in np.split(order, cuts):
            j, r = int(cols[at[0]]), rows[at]
            d = _distances(vecs[r], self.members[j], aa[r], self.norms[j])
            k = min(K_NEAREST, d.shape[1])
            out[at] = np.partition(d, k - 1, axis=1)[:, :k].mean(1)
            self.compared += d.size
        return out


def _smallest(values: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(rows, columns) of each row's k smallest finite values. The k smallest lie in the k
    column blocks with the smallest minima, so only those blocks are ranked: about
    sqrt(columns) blocks of sqrt(columns), not a selection over every column of every row."""
    n, width = values.shape
    if width > k:
        size = max(k, int(np.sqrt(width)))
        blocks = -(-width // size)
        if blocks * size > width:
            values = np.pad(values, ((0, 0), (0, blocks * size - width)),
                            constant_values=np.inf)
        if blocks > k:
            lows = values.reshape(n, blocks, size).min(2)
            top = np.argpartition(lows, k - 1, axis=1)[:, :k]
            idx = (top[:, :, None] * size + np.arange(size)).reshape(n, -1)
            values = np.take_along_axis(values, idx, 1)
        else:
            idx = np.broadcast_to(np.arange(values.shape[1]), values.shape)
        pick = np.argpartition(values, k - 1, axis=1)[:, :k]
        values = np.take_along_axis(values, pick, 1)
        columns = np.take_along_axis(idx, pick, 1)
    else:
        columns = np.broadcast_to(np.arange(width), values.shape)
    ok = np.isfinite(values)
    return np.nonzero(ok)[0], columns[ok]


def _spread(vecs: np.ndarray) -> np.ndarray:
    if len(vecs) <= MEMBERS_MAX:
        return vecs
    return vecs[(np.arange(MEMBERS_MAX) * (len(vecs) / MEMBERS_MAX)).astype(np.int64)]


def person_scores(vecs: np.ndarray, people: dict[int, Members]) -> tuple[list[int], np.ndarray]:
    """(person ids, (n, P) mean distance from each face to each person's K nearest faces;
    inf for people too far to matter: see _Scorer)."""
    scorer = _Scorer(people)
    out = np.full((len(vecs), len(scorer.pids)), np.inf, dtype=np.float32)
    if len(vecs):
        with _one_blas_thread():
            rows, cols = scorer.pairs(vecs)
            out[rows, cols] = scorer.score(vecs, rows, cols)
    return scorer.pids, out


def assign(faces: list[Candidate], people: dict[int, Members],
           rejected: Iterable[tuple[int, int]] = (), *,
           scorer: _Scorer | None = None) -> dict[int, int]:
    """face id -> person id for the faces that clearly belong to an existing person.
    scorer: one made of `people` already (a test counts its work)."""
    if not faces or not people:
        return {}
    banned: dict[int, set[int]] = defaultdict(set)
    for face_id, pid in rejected:
        banned[face_id].add(pid)
    new_spots = {f.spot for f in faces}
    at_spot: dict[Hashable, set[int]] = defaultdict(set)   # who is already in those pictures
    for pid, m in people.items():
        for spot in m.spots & new_spots:
            at_spot[spot].add(pid)
    scorer = scorer or _Scorer(people)
    vecs = np.stack([f.vec for f in faces])
    with _one_blas_thread():
        rows, cols = scorer.pairs(vecs)
        scores = scorer.score(vecs, rows, cols)
    pids = scorer.pids
    for k, (i, j) in enumerate(zip(rows.tolist(), cols.tolist(), strict=True)):
        f = faces[i]
        if pids[j] in banned.get(f.face_id, ()) or pids[j] in at_spot.get(f.spot, ()):
            scores[k] = np.inf
    # per face, its best and second-best person (ties: the first person, as argmin)
    order = np.lexsort((cols, scores, rows))
    rows, cols, scores = rows[order], cols[order], scores[order]
    heads = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]]) if len(rows) else rows
    d1 = scores[heads]
    nxt = np.minimum(heads + 1, len(rows) - 1)
    d2 = np.where((heads + 1 < len(rows)) & (rows[nxt] == rows[heads]), scores[nxt], np.inf)
    with np.errstate(invalid="ignore"):
        clear = (d1 < JOIN_DISTANCE) & (d2 - d1 >= JOIN_MARGIN)
    best: dict[tuple, tuple[float, int]] = {}  # (spot, person) -> the closest face there
    for h in heads[clear].tolist():            # faces in order: the first wins a tie
        i, pid = int(rows[h]), pids[int(cols[h])]
        key = (faces[i].spot, pid)
        if key not in best or scores[h] < best[key][0]:
            best[key] = (float(scores[h]), i)
    return {faces[i].face_id: pid for (_, pid), (_, i) in best.items()}


def form(faces: list[Candidate], *, linked: list[int] | None = None) -> list[list[int]]:
    """Groups of face ids that are new people (each seen in >= MIN_SUPPORT pictures).
    linked: when given, gets the number of faces each chunk's linkage clustered."""
    groups: list[list[int]] = []
    with _one_blas_thread():
        for start in range(0, len(faces), CHUNK):
            groups.extend(_form_chunk(faces[start:start + CHUNK], linked))
    return groups


def _one_blas_thread():
    """The products here are many and small: BLAS threads only wait on each other (12x
    slower on 2 busy cores), as in core.search.vectors."""
    return threadpool_limits(limits=1, user_api="blas")


def _form_chunk(faces: list[Candidate], linked: list[int] | None = None) -> list[list[int]]:
    if len(faces) < MIN_SUPPORT:
        return []
    from scipy.cluster.hierarchy import fcluster, linkage

    v32 = np.stack([f.vec for f in faces])
    # A face with no other within FORM_DISTANCE stays alone in average linkage (its mean
    # distance to any group is over it), and leaving it out changes no other merge: only
    # the faces with a neighbour are linked (most unclaimed faces are strangers, seen once).
    d = _distances(v32, v32)
    np.fill_diagonal(d, np.inf)
    near = np.flatnonzero((d < FORM_DISTANCE + 1e-3).any(1))   # a hair over: float32
    if linked is not None:
        linked.append(len(near))
    if len(near) < MIN_SUPPORT:
        return []
    faces, vecs = [faces[i] for i in near], v32[near].astype(np.float64)
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
