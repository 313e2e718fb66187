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
