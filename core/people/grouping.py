"""How faces become people: pure functions over 128-d dlib descriptors (no catalog here).

False merges are the worst error (two people shown as one is hard to see and to undo), so
every rule prefers to leave a face unassigned:

- **join**: a face joins a person when the mean distance to that person's K nearest faces is
  under JOIN_DISTANCE *and* the second-best person is at least JOIN_MARGIN farther. A face
  never joins a person who already has a face in the same picture, or whom the user said it
  is not. At scale (thousands of people) a face is scored only against the CANDIDATES people
  with the nearest centres, each by at most MEMBERS_MAX of their faces, and those centres are
  looked for in cells of near people (about 2 sqrt(people) distances a face): the cost of new
  photos grows with what they add, not with the library times that.
- **form**: faces nobody claims form a new person only as a tight group (average linkage:
  on average every pair within FORM_DISTANCE; no chaining through look-alikes, unlike
  single-link DBSCAN) seen in at least MIN_SUPPORT different pictures (copies of one photo
  and frames of one video count once). A lone face stays unassigned until support exists.
  Faces with no other within FORM_DISTANCE stay alone in any case and are left out of the
  linkage (most unclaimed faces are strangers seen once).

Tuned on 24 labelled real photos (benchmarks/bench_faces.py --faces): faces of one person are at most
0.53 apart and different people at least 0.66 (dlib's own threshold is 0.6).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

import numpy as np

from core.blas import one_blas_thread

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
CELLS_FROM = 256     # people from which a face looks for its nearest in cells of people
PROBES = 12          # cells looked in (of about sqrt(people))


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
    """Scores faces against people, as (face, person) pairs. A face is compared face by face
    only with the CANDIDATES people whose centres are nearest it among those in reach: a
    centre farther than REACH plus the person's own reach (their speaking face farthest from
    it) cannot make a mean distance under REACH, so that person can neither take the face nor
    stand second close enough to block it. Each person speaks with at most MEMBERS_MAX of
    their faces (evenly spread).

    From CELLS_FROM people on, the centres are kept in about sqrt(people) cells of near ones
    and a face looks for its nearest only in the PROBES cells whose middles are nearest it:
    about 2 sqrt(people) distances a face instead of one per person (at 1M files, 2,520
    people: 1 join of 26,697 missed against the flat search, none different). The face-by-face
    comparison is done person by person for every new face at once."""

    def __init__(self, people: dict[int, Members]):
        self.pids = list(people)
        self.members = [_spread(people[pid].vecs) for pid in self.pids]
        self.norms = [(m * m).sum(1) for m in self.members]   # once, not per block of faces
        self.scored = np.array([j for j, m in enumerate(self.members) if len(m)], np.int64)
        centres = [self.members[j].mean(0) for j in self.scored]
        self.centres = np.stack(centres) if centres else np.zeros((0, 128), np.float32)
        self.cc = (self.centres * self.centres).sum(1)
        reach = np.array([np.sqrt(((self.members[j] - c) ** 2).sum(1).max())
                          for j, c in zip(self.scored, centres, strict=True)], np.float32)
        self.limit = (REACH + reach) ** 2
        self.cells = _cells(self.centres) if len(self.centres) >= CELLS_FROM else []
        if self.cells:
            self.cell_middles = np.stack([self.centres[p].mean(0) for p in self.cells])
            self.cell_cc = (self.cell_middles * self.cell_middles).sum(1)
        self.looked = 0            # face-to-centre distances taken to find the candidates
        self.compared = 0          # face-by-face comparisons made with them

    def pairs(self, vecs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(face rows, person columns) worth comparing face by face: the CANDIDATES people
        nearest each face (by centre) among those in reach, looked for in the PROBES cells
        of people nearest it when there are cells."""
        rows, cols = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
        step = FACE_CHUNK * (8 if self.cells else 1)
        for start in range(0, len(vecs), step):
            block = vecs[start:start + step]
            r, c = self._nearest_people(block) if self.cells else self._nearest(block)[:2]
            rows.append(r + start)
            cols.append(self.scored[c])
        return np.concatenate(rows), np.concatenate(cols)

    def _nearest(self, block: np.ndarray, among: np.ndarray | None = None):
        """(rows, indexes into `among` (default: every scored person), keys) of each face's
        CANDIDATES nearest centres in reach; key: the squared distance less the face's."""
        among = slice(None) if among is None else among
        key = self.cc[among][None, :] - 2.0 * (block @ self.centres[among].T)
        self.looked += key.size
        aa = (block * block).sum(1)
        key[key >= self.limit[among][None, :] - aa[:, None]] = np.inf         # out of reach
        return _smallest(key, CANDIDATES)

    def _nearest_people(self, block: np.ndarray):
        """As _nearest, looking only in the PROBES cells with the nearest middles."""
        d = self.cell_cc[None, :] - 2.0 * (block @ self.cell_middles.T)
        probes = min(PROBES, len(self.cells))
        probe = (np.argpartition(d, probes - 1, axis=1)[:, :probes]
                 if probes < len(self.cells) else np.argsort(d, axis=1))
        order = np.argsort(probe.ravel(), kind="stable")        # the faces of each cell
        faces_of = np.split(order // probes,
                            np.searchsorted(probe.ravel()[order], np.arange(1, len(self.cells))))
        rows, cols, keys = [], [], []
        for people, faces in zip(self.cells, faces_of, strict=True):
            if len(faces):
                r, c, k = self._nearest(block[faces], people)
                rows.append(faces[r])
                cols.append(people[c])
                keys.append(k)
        if not rows:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        rows, cols, keys = np.concatenate(rows), np.concatenate(cols), np.concatenate(keys)
        order = np.lexsort((keys, rows))                    # each face's nearest first
        rows, cols = rows[order], cols[order]
        head = np.searchsorted(rows, rows, side="left")
        keep = np.arange(len(rows)) - head < CANDIDATES
        return rows[keep], cols[keep]

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


def _cells(centres: np.ndarray, rounds: int = 8) -> list[np.ndarray]:
    """The people's centres in about sqrt(people) cells of near ones, none over 1.5 times
    the mean size (k-means, started from evenly spread centres so the cells are the same
    every time, then each centre to its nearest middle with room: plain k-means makes a few
    huge cells of scattered centres, and a face looking there compares with most people)."""
    n = len(centres)
    k = int(np.ceil(np.sqrt(n)))
    middles = centres[(np.arange(k) * (n / k)).astype(np.int64)].copy()
    for _ in range(rounds):
        cell = (((middles * middles).sum(1))[None, :] - 2.0 * centres @ middles.T).argmin(1)
        for c in range(k):
            mine = cell == c
            if mine.any():
                middles[c] = centres[mine].mean(0)
    d = ((middles * middles).sum(1))[None, :] - 2.0 * centres @ middles.T
    room = np.full(k, int(np.ceil(1.5 * n / k)))
    cell = np.full(n, -1)
    left = n
    for at in np.argsort(d, axis=None, kind="stable").tolist():
        i, c = divmod(at, k)
        if cell[i] < 0 and room[c]:
            cell[i] = c
            room[c] -= 1
            left -= 1
            if not left:
                break
    return [p for p in (np.flatnonzero(cell == c) for c in range(k)) if len(p)]


def _smallest(values: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(rows, columns, values) of each row's k smallest finite values. The k smallest lie in the k
    column blocks with the smallest minima, so only those blocks are ranked: about
    sqrt(columns) blocks of sqrt(columns), not a selection over every column of every row."""
    n, width = values.shape
    if width > k:
        size = max(k, int(np.sqrt(width)))
        blocks = -(-width // size)
        if blocks * size > width:
            values = np.pad(values, ((0, 0), (0, blocks * size - width)),
                            constant_values=np.inf)
        if blocks > 2 * k:
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
    return np.nonzero(ok)[0], columns[ok], values[ok]


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
        one_blas_thread()
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
    one_blas_thread()      # many small products: BLAS threads would only wait on each other
    rows, cols = scorer.pairs(vecs)
    scores = scorer.score(vecs, rows, cols)
    pids = scorer.pids
    ruled = [i for i, f in enumerate(faces) if f.face_id in banned or f.spot in at_spot]
    for k in np.flatnonzero(np.isin(rows, ruled)).tolist():
        f, pid = faces[rows[k]], pids[cols[k]]
        if pid in banned.get(f.face_id, ()) or pid in at_spot.get(f.spot, ()):
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
    one_blas_thread()
    for start in range(0, len(faces), CHUNK):
        groups.extend(_form_chunk(faces[start:start + CHUNK], linked))
    return groups


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
