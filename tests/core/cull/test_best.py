"""The best shot of a stack, on real photos with blur and exposure of known strength."""

from __future__ import annotations

import pytest

from core.cull.best import flaws, pick_best
from core.cull.quality import FaceBox, measure
from tests.core.cull.helpers import CAT, COFFEE, PORTRAIT, ROCKET, variant


@pytest.mark.parametrize("src", [CAT, COFFEE, ROCKET, PORTRAIT])
def test_the_sharp_frame_wins_over_blurred_darker_and_blown_out_ones(src):
    frames = {1: variant(src, dx=6, blur=1.0), 2: variant(src, dx=-4, blur=2.5),
              3: variant(src), 4: variant(src, dx=3, light=0.5), 5: variant(src, light=1.9)}
    pick = pick_best({i: measure(img) for i, img in frames.items()})
    assert pick.best == 3
    assert pick.ranked.index(1) < pick.ranked.index(2)   # less blur ranks higher
    assert "sharp" in pick.reason or "exposed" in pick.reason


def test_sharpness_is_measured_on_the_faces_not_the_background():
    face = FaceBox(0.3, 0.1, 0.4, 0.5)
    sharp = variant(PORTRAIT)
    soft = sharp.copy()
    w, h = soft.size
    box = (int(0.3 * w), int(0.1 * h), int(0.7 * w), int(0.6 * h))
    from PIL import ImageFilter
    soft.paste(soft.crop(box).filter(ImageFilter.GaussianBlur(3)), box[:2])
    a, b = measure(sharp, [face]), measure(soft, [face])
    assert a.focus == b.focus == "faces"
    assert a.sharpness > 5 * b.sharpness
    assert pick_best({1: b, 2: a}).reason.startswith("sharpest faces")


def test_flaws_name_clear_cases_only():
    assert flaws(measure(variant(CAT))) == []
    assert "blurry" in flaws(measure(variant(CAT, blur=4)))
    assert "very dark" in flaws(measure(variant(CAT, light=0.1)))
