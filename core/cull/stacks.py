"""Which photos are look-alike shots of one moment: a pure function from shots to stacks.

Two shots are look-alikes when they were taken close together (a burst: BURST_S apart or less;
retries: within RETRY_S), by the same camera where both name one, and show the same scene:
their CLIP vectors agree (a looser bar within a burst), or, where either has no vector, their
perceptual hashes are near or their scene signatures (core.cull.quality) agree, and their
faces do not contradict it (other people, or a different number of faces).

A shot joins the open stack it agrees with most, where it is alike at least a third
(AGREE_SHARE) of the members taken within RETRY_S of it: a frame need not resemble every other (a blurred frame
and a tilted one may differ more than either differs from the sharp one), and a slow drift
(a walk down a street, one photo a minute) does not chain into one long stack.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np

from core.cull.quality import signature_similarity
from core.media.phash import hamming

BURST_S = 1.0          # a burst: frames a second apart or less
RETRY_S = 180.0        # retries of one shot: within three minutes
CLIP_BURST = 0.86      # CLIP image-image cosine for a burst frame...
CLIP_RETRY = 0.92      # ...and for a retry, which may be another moment altogether
PHASH_NEAR = 8         # of 64 bits: the same picture, whatever the rest says
SIG_BURST = 0.30       # scene signature similarity (0-1) for a burst frame (under a
                       # second, one camera: hardly ever another scene)...
SIG_RETRY = 0.60       # ...and for a retry: different photos reach 0.50 (two crops of one
                       # room), tilted retries of a texture 0.74 (benchmarks/bench_cull.py)
FACE_COUNT_SLACK = 1   # a blurred frame may lose one face to the detector
AGREE_SHARE = (1, 3)   # a shot joins a stack when it is alike this share of its recent shots


@dataclass(frozen=True)
class Shot:
    id: int
    taken: float                    # capture time, Unix seconds
    camera: str | None = None       # "make model"; None: unknown, agrees with any camera
    vector: np.ndarray | None = field(default=None, compare=False)  # L2-normalised CLIP
    phash: int | None = None
    signature: bytes | None = None  # core.cull.quality.scene_signature
    faces: int | None = None        # faces found; None: the faces stage has not run
    people: frozenset[int] = frozenset()


def same_scene(a: Shot, b: Shot) -> bool:
    dt = abs(a.taken - b.taken)
    if dt > RETRY_S:
        return False
    if a.camera and b.camera and a.camera != b.camera:
        return False
    burst = dt <= BURST_S   # EXIF times are whole seconds: a burst spans one tick
    if a.vector is not None and b.vector is not None and a.vector.shape == b.vector.shape:
        return float(a.vector @ b.vector) >= (CLIP_BURST if burst else CLIP_RETRY)
    if a.people and b.people and not a.people & b.people:
        return False
    if a.faces is not None and b.faces is not None and \
            abs(a.faces - b.faces) > FACE_COUNT_SLACK:
        return False
    if a.phash is not None and b.phash is not None and hamming(a.phash, b.phash) <= PHASH_NEAR:
        return True
    if a.signature and b.signature:
        return signature_similarity(a.signature, b.signature) >= (SIG_BURST if burst
                                                                   else SIG_RETRY)
    return False


def time_neighbours(times: list[tuple[int, float]], window: float = RETRY_S) -> set[int]:
    """Ids of the shots with another shot within `window` seconds (the only ones that can
    be stacked: a 1M-photo library measures only these). `times`: (id, taken), any order."""
    ordered = sorted(times, key=lambda t: t[1])
    out: set[int] = set()
    for (a, ta), (b, tb) in pairwise(ordered):
        if tb - ta <= window:
            out.add(a)
            out.add(b)
    return out


def find_stacks(shots: list[Shot]) -> list[list[Shot]]:
    """Stacks of two or more look-alike shots, each in time order; the stacks in time order
    of their first shot. Every shot is in at most one stack."""
    stacks: list[list[Shot]] = []
    open_: list[list[Shot]] = []
    for s in sorted(shots, key=lambda s: (s.taken, s.id)):
        open_ = [st for st in open_ if s.taken - st[-1].taken <= RETRY_S]
        home, best = None, None
        for k, st in enumerate(open_):
            near = [m for m in st if s.taken - m.taken <= RETRY_S]
            alike = sum(same_scene(m, s) for m in near)
            if alike and alike * AGREE_SHARE[1] >= len(near) * AGREE_SHARE[0]:
                # the stack it agrees with most (then with more shots, then the latest)
                key = (alike / len(near), alike, k)
                if best is None or key > best:
                    home, best = st, key
        if home is None:
            home = [s]
            open_.append(home)
            stacks.append(home)
        else:
            home.append(s)
    return [st for st in stacks if len(st) > 1]
