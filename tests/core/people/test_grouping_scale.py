"""People grouping at scale: new faces are compared face by face only with the people whose
centres are nearest, and the answer is the one the full comparison gives."""

from __future__ import annotations

import numpy as np

from core.people import grouping
from core.people.grouping import Candidate, Members


def _people(n_people: int, per_person: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=0.06, size=(n_people, 128)).astype(np.float32)
    people = {pid + 1: Members(
        (centres[pid] + rng.normal(scale=0.025, size=(per_person, 128))).astype(np.float32),
        {(f"p{pid}", k) for k in range(per_person)}) for pid in range(n_people)}
    return centres, people, rng


def _exact_scores(vecs, people):
    """The full comparison: every face against every face of every person."""
    out = np.empty((len(vecs), len(people)), np.float32)
    for j, m in enumerate(people.values()):
        d = np.sqrt(((vecs[:, None, :] - m.vecs[None]) ** 2).sum(-1))
        out[:, j] = np.sort(d, 1)[:, :grouping.K_NEAREST].mean(1)
    return out


def test_scores_only_the_nearest_people_and_match_the_full_comparison():
    centres, people, rng = _people(40, 30)
    vecs = (centres[rng.integers(0, 40, 200)]
            + rng.normal(scale=0.025, size=(200, 128))).astype(np.float32)
    _, scores = grouping.person_scores(vecs, people)
    finite = np.isfinite(scores).sum(1)
    assert (finite >= 1).all() and (finite <= grouping.CANDIDATES).all()   # not all 40
    exact = _exact_scores(vecs, people)
    best = scores.argmin(1)
    assert (best == exact.argmin(1)).all()
    np.testing.assert_allclose(scores[np.arange(200), best], exact.min(1), rtol=1e-4)


def test_assignments_at_scale_are_those_of_the_full_comparison():
    centres, people, rng = _people(60, 20, seed=3)
    truth = rng.integers(0, 60, 500)
    faces = [Candidate(i, ("new", i), ("new", i),
                       (centres[t] + rng.normal(scale=0.025, size=128)).astype(np.float32))
             for i, t in enumerate(truth)]
    got = grouping.assign(faces, people)
    assert len(got) > 450
    assert all(got[f.face_id] == truth[f.face_id] + 1 for f in faces if f.face_id in got)


def test_a_big_person_speaks_with_a_spread_of_their_faces():
    _, people, _ = _people(2, grouping.MEMBERS_MAX * 3)
    scorer = grouping._Scorer(people)
    assert all(len(m) == grouping.MEMBERS_MAX for m in scorer.members)


def test_many_people_are_looked_up_in_cells_not_one_by_one():
    """The nearest people of a face are found among ~2 sqrt(people) centres, not all of them,
    and the joins are those of the full comparison."""
    n_people = 1600
    centres, people, rng = _people(n_people, 8, seed=5)
    truth = rng.integers(0, n_people, 400)
    faces = [Candidate(i, ("new", i), ("new", i),
                       (centres[t] + rng.normal(scale=0.025, size=128)).astype(np.float32))
             for i, t in enumerate(truth)]
    scorer = grouping._Scorer(people)
    got = grouping.assign(faces, people, scorer=scorer)
    assert scorer.looked / len(faces) < n_people / 2          # 40 cells, 12 of them looked in
    assert scorer.compared <= len(faces) * grouping.CANDIDATES * 8
    assert len(got) > 390
    assert all(got[f.face_id] == truth[f.face_id] + 1 for f in faces if f.face_id in got)


def test_a_face_out_of_everyones_reach_is_compared_with_nobody():
    _, people, rng = _people(40, 30)
    strangers = rng.normal(scale=0.12, size=(50, 128)).astype(np.float32)  # far from all
    faces = [Candidate(i, ("s", i), ("s", i), v) for i, v in enumerate(strangers)]
    scorer = grouping._Scorer(people)
    assert grouping.assign(faces, people, scorer=scorer) == {}
    assert scorer.compared == 0


def _linkage_groups(faces):
    """Average linkage over every face, without leaving the lone ones out (the reference)."""
    from scipy.cluster.hierarchy import fcluster, linkage

    vecs = np.stack([f.vec for f in faces]).astype(np.float64)
    labels = fcluster(linkage(vecs, method="average"), t=grouping.FORM_DISTANCE,
                      criterion="distance")
    by = {}
    for f, lab in zip(faces, labels, strict=True):
        by.setdefault(lab, []).append(f.face_id)
    return sorted(sorted(g) for g in by.values() if len(g) >= grouping.MIN_SUPPORT)


def test_forming_links_only_faces_with_a_neighbour_and_finds_the_same_people():
    centres, _, rng = _people(8, 1, seed=7)
    faces = [Candidate(i, ("s", i), ("s", i), v) for i, v in
             enumerate(rng.normal(scale=0.06, size=(1500, 128)).astype(np.float32))]
    for p in range(5):                                  # five new people, six photos each
        faces += [Candidate(len(faces), ("p", p, k), ("p", p, k),
                            (centres[p] + rng.normal(scale=0.025, size=128)).astype(np.float32))
                  for k in range(6)]
    order = rng.permutation(len(faces))
    faces = [faces[i] for i in order]
    linked: list[int] = []
    groups = grouping.form(faces, linked=linked)
    assert sum(linked) == 30                            # not the 1,500 strangers
    assert sorted(sorted(g) for g in groups) == _linkage_groups(faces)
    assert len(groups) == 5


def test_grouping_takes_the_process_wide_blas_limit(monkeypatch):
    """Grouping takes the limit searches take (core.blas, set once for good), not a limit of
    its own that puts back what it found on the way out: that would undo the limit of a
    search running beside it (OpenBLAS's count is process-wide)."""
    from threadpoolctl import threadpool_info

    taken = []
    monkeypatch.setattr(grouping, "one_blas_thread", lambda: taken.append(1))
    centres, people, rng = _people(5, 10)
    vecs = (centres[rng.integers(0, 5, 20)]
            + rng.normal(scale=0.025, size=(20, 128))).astype(np.float32)
    before = [i["num_threads"] for i in threadpool_info()]
    grouping.person_scores(vecs, people)
    grouping.assign([Candidate(k, ("s", k), ("s", k), v) for k, v in enumerate(vecs)], people)
    assert len(taken) == 2
    assert [i["num_threads"] for i in threadpool_info()] == before   # nothing else changed it
