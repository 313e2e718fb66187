"""Captions from tiny random BLIP and BLIP-2 models through the registry's loading code."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from core.config import Settings
from models import ModelUnavailable, Registry


def _img(seed=0, size=(60, 40)):
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8))


def test_blip_captions_are_text_one_per_image(registry):
    cap = registry.captioner()
    assert cap.kind == "blip" and not cap.can_answer
    out = cap.caption([_img(0), _img(1, (30, 80)), _img(2).convert("L")], max_new_tokens=6)
    assert len(out) == 3 and all(isinstance(t, str) for t in out)
    assert any(t for t in out)  # a random model still emits tokens
    assert cap.caption([]) == []
    assert cap.caption([_img(0)], max_new_tokens=6) == out[:1]  # greedy: batch = single


def test_blip_cannot_answer_questions(registry):
    with pytest.raises(ModelUnavailable, match="BLIP-2"):
        registry.captioner().answer(_img(), "what is this?")


def test_blip2_captions_and_answers(paths, tiny_models):
    reg = Registry(Settings(models={"caption": str(tiny_models["blip2"])}, device="cpu"), paths)
    try:
        assert reg.status()["caption"]["kind"] == "blip2"
        cap = reg.captioner()
        assert cap.kind == "blip2" and cap.can_answer
        out = cap.caption([_img(0), _img(1)], max_new_tokens=5)
        assert len(out) == 2 and all(isinstance(t, str) for t in out)
        ans = cap.answer(_img(0), "what is in the photo?", max_new_tokens=5)
        assert isinstance(ans, str) and "Question:" not in ans  # the prompt is not echoed back
    finally:
        reg.close()


def test_non_caption_folder_is_unavailable(paths, tiny_models):
    reg = Registry(Settings(models={"caption": str(tiny_models["clip"])}, device="cpu"), paths)
    st = reg.status()["caption"]
    assert st["state"] == "unavailable" and "not BLIP" in st["reason"]
    with pytest.raises(ModelUnavailable, match="not BLIP"):
        reg.captioner()
