"""Which shots stack: bursts and retries of one scene do, another scene minutes later does
not, another camera does not. Measured on real photos (core.cull.quality), no catalog."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageFilter

from core.cull.align import aligned_correlation
from core.cull.quality import measure, signature_similarity
from core.cull.stacks import (
    RETRY_S,
    SIG_RETRY,
    Shot,
    find_stacks,
    same_scene,
    time_neighbours,
)
from tests.core.cull.helpers import (
    BRICKS,
    CAT,
    COFFEE,
    FACES,
    GRASS,
    GRAVEL,
    PORTRAIT,
    ROCKET,
    tilted,
    variant,
)


def shot(i: int, img, taken: float, camera: str | None = "Fuji X100", vector=None) -> Shot:
    q = measure(img)
    return Shot(i, taken, camera, vector, q.phash, q.signature)


def ids(stacks) -> list[list[int]]:
    return [[s.id for s in st] for st in stacks]


def test_a_burst_of_shifted_blurred_and_darker_frames_is_one_stack():
    frames = [variant(CAT), variant(CAT, dx=8, blur=1.5), variant(CAT, dx=-6, light=0.6),
              variant(CAT, dx=4, blur=3)]
    shots = [shot(i, f, 100.0 + 0.3 * i) for i, f in enumerate(frames)]
    assert ids(find_stacks(shots)) == [[0, 1, 2, 3]]


def test_retries_a_minute_apart_stack_and_another_scene_minutes_later_stays_apart():
    shots = [shot(1, variant(ROCKET), 0.0), shot(2, variant(ROCKET, dx=10), 40.0),
             shot(3, variant(ROCKET, blur=2), 95.0),
             # two minutes later, same camera: another photo altogether
             shot(4, variant(COFFEE), 215.0), shot(5, variant(COFFEE, dx=-8), 230.0)]
    assert ids(find_stacks(shots)) == [[1, 2, 3], [4, 5]]


def test_different_scenes_within_seconds_and_different_cameras_stay_apart():
    a, b = shot(1, variant(CAT), 0.0), shot(2, variant(PORTRAIT), 5.0)
    assert not same_scene(a, b)
    c = shot(3, variant(CAT, dx=5), 0.5, camera="Apple iPhone 12")
    assert not same_scene(a, c)          # the same cat, another camera
    assert same_scene(a, shot(4, variant(CAT, dx=5), 0.5, camera=None))  # unknown: may be
    far = shot(5, variant(CAT, dx=5), RETRY_S + 10)
    assert not same_scene(a, far)


def test_clip_vectors_decide_where_both_photos_have_one():
    v = np.zeros(8, np.float32)
    v[0] = 1
    w = np.zeros(8, np.float32)
    w[1] = 1
    # the same pixels, but CLIP says another scene (its vectors win where both have one)
    assert not same_scene(shot(1, variant(CAT), 0, vector=v), shot(2, variant(CAT), 30, vector=w))
    assert same_scene(shot(1, variant(CAT), 0, vector=v), shot(2, variant(COFFEE), 30, vector=v))


def test_faces_of_other_people_keep_look_alikes_apart():
    a = Shot(1, 0.0, None, None, 1, b"", 1, frozenset({7}))
    b = Shot(2, 1.0, None, None, 1, b"", 1, frozenset({8}))
    assert not same_scene(a, b)
    assert same_scene(a, Shot(3, 1.0, None, None, 1, b"", 1, frozenset({7})))
    assert not same_scene(a, Shot(4, 1.0, None, None, 1, b"", 4))   # four faces, not one


def test_only_photos_with_a_neighbour_in_time_are_candidates():
    assert time_neighbours([(1, 0.0), (2, 50.0), (3, 1000.0), (4, 5000.0), (5, 5001.0)]) == \
        {1, 2, 4, 5}


def test_a_tilted_retry_of_a_fine_texture_stacks_with_its_original():
    # gravel: on a 32-cell edge map a 2° turn scrambles the pebbles (0.36 unaligned, measured)
    clean, turned = shot(1, variant(GRAVEL), 0.0), shot(2, tilted(GRAVEL), 20.0)
    assert signature_similarity(clean.signature, turned.signature) >= SIG_RETRY
    assert same_scene(clean, turned)
    later = shot(3, variant(GRAVEL, dx=-12, blur=1.5), 40.0)
    assert ids(find_stacks([clean, turned, later])) == [[1, 2, 3]]


def test_turning_and_zooming_does_not_let_different_photos_agree():
    # the hardest different pairs here: two crops of one Blue Room photo (other people in
    # one room), two portraits, and the sample's other textures
    pairs = [(FACES / "biden_2010_blue_room.jpg", FACES / "obama_2010_blue_room.jpg"),
             (FACES / "biden_2013_portrait.jpg", FACES / "obama_2009_congress.jpg"),
             (GRAVEL, BRICKS), (GRAVEL, GRASS), (BRICKS, GRASS)]
    for a, b in pairs:
        for first, second in ((variant(a), tilted(b)), (tilted(a), variant(b, dx=10))):
            x, y = shot(1, first, 0.0), shot(2, second, 20.0)
            assert signature_similarity(x.signature, y.signature) < SIG_RETRY, (a.name, b.name)
            assert not same_scene(x, y), (a.name, b.name)


def test_aligned_correlation_finds_a_turned_zoomed_shifted_copy():
    rng = np.random.default_rng(1)
    big = Image.fromarray(rng.integers(0, 255, (96, 96), dtype=np.uint8)).filter(
        ImageFilter.GaussianBlur(2))
    a = np.asarray(big.resize((32, 32), Image.Resampling.BOX), np.float32)
    moved = big.rotate(1.5, resample=Image.Resampling.BILINEAR, translate=(4, -3))
    moved = moved.crop((3, 3, 93, 93)).resize((32, 32), Image.Resampling.BOX)
    b = np.asarray(moved, np.float32)
    plain = np.corrcoef(a.ravel(), b.ravel())[0, 1]
    assert aligned_correlation(a, a, 3) == pytest.approx(1.0, abs=1e-5)
    assert aligned_correlation(a, b, 3) > max(0.8, plain + 0.3)
    assert aligned_correlation(a, np.full_like(a, 7.0), 3) == 0.0   # nothing varies
