"""CLIP through the registry and the real loading code, on a tiny random-weight model."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from models import ModelUnavailable, Registry


def _images(n: int, seed: int = 0) -> list[Image.Image]:
    rng = np.random.default_rng(seed)
    sizes = [(64, 48), (40, 90), (32, 32), (100, 70)]
    return [Image.fromarray(rng.integers(0, 255, (sizes[i % 4][1], sizes[i % 4][0], 3),
                                         dtype=np.uint8)) for i in range(n)]


def test_image_vectors_have_shape_and_unit_norm(registry):
    clip = registry.clip()
    vecs = clip.embed_images(_images(5))
    assert vecs.shape == (5, clip.dim) and vecs.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    assert not np.allclose(vecs[0], vecs[1])  # different images, different vectors


def test_batch_equals_single(registry):
    clip = registry.clip()
    imgs = _images(4, seed=1)
    batch = clip.embed_images(imgs)
    single = np.concatenate([clip.embed_images([im]) for im in imgs])
    np.testing.assert_allclose(batch, single, atol=1e-5)
    small_batches = clip.embed_images(imgs, batch_size=3)
    np.testing.assert_allclose(batch, small_batches, atol=1e-5)


def test_preprocess_then_pixels_matches_images(registry):
    clip = registry.clip()
    imgs = _images(3, seed=2)
    px = clip.preprocess(imgs)
    assert px.shape == (3, 3, clip.image_size, clip.image_size) and px.dtype == np.float32
    np.testing.assert_allclose(clip.embed_pixels(px), clip.embed_images(imgs), atol=1e-6)


def test_preprocess_needs_no_loaded_model(registry, tiny_models):
    from models.clip import ClipModel

    clip = ClipModel(tiny_models["clip"])
    px = clip.preprocess(_images(2))
    assert px.shape == (2, 3, 32, 32) and not clip.loaded


def test_preprocess_matches_transformers_processor(tiny_models):
    """Our thread-safe numpy preprocessing agrees with the model's own image processor."""
    from transformers import CLIPImageProcessor

    from models.clip import ClipModel

    clip = ClipModel(tiny_models["clip"])
    # smooth pictures: on pixel noise any two resampling filters disagree
    yy, xx = np.mgrid[0:90, 0:140]
    imgs = [Image.fromarray(np.stack([xx * 255 // 140, yy * 255 // 90, (xx + yy) % 256], -1)
                            .astype(np.uint8)),
            Image.fromarray(np.stack([yy * 255 // 90, xx * 255 // 140, 128 + 0 * xx], -1)
                            .astype(np.uint8)).transpose(Image.Transpose.TRANSPOSE)]
    ours = clip.preprocess(imgs)
    theirs = CLIPImageProcessor.from_pretrained(tiny_models["clip"])(
        images=imgs, return_tensors="np")["pixel_values"]
    assert ours.shape == theirs.shape
    assert np.abs(ours - theirs).mean() < 0.05  # resampling filters differ by a few levels


def test_text_and_images_share_the_space(registry):
    clip = registry.clip()
    t = clip.embed_texts(["a photo of a dog", "a beach at sunset", ""])
    assert t.shape == (3, clip.dim)
    np.testing.assert_allclose(np.linalg.norm(t, axis=1), 1.0, atol=1e-5)
    i = clip.embed_images(_images(2))
    sims = i @ t.T
    assert sims.shape == (2, 3) and np.all(np.abs(sims) <= 1.0 + 1e-5)
    np.testing.assert_allclose(clip.embed_texts(["a photo of a dog"])[0], t[0], atol=1e-5)


def test_zero_shot_gives_probabilities_and_caches_labels(registry):
    clip = registry.clip()
    vecs = clip.embed_images(_images(3))
    labels = ["dog", "cat", "beach", "birthday party"]
    p = clip.zero_shot(vecs, labels)
    assert p.shape == (3, 4)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-5)
    assert tuple(labels) in clip._label_cache
    np.testing.assert_allclose(clip.zero_shot(vecs, labels), p, atol=1e-6)


def test_sentence_transformers_folder_loads(paths, tiny_models):
    from core.config import Settings

    reg = Registry(Settings(models={"clip": str(tiny_models["st_clip"])}, device="cpu"), paths)
    try:
        assert reg.status()["clip"]["state"] == "ready"
        v = reg.clip().embed_texts(["hello"])
        assert v.shape == (1, 16)
    finally:
        reg.close()


def test_identity_without_loading_and_changes_with_folder(paths, tmp_path, tiny_models):
    from core.config import Settings
    from models.testing import build_tiny_clip

    reg = Registry(Settings(models={"clip": str(tiny_models["clip"])}, device="cpu"), paths)
    ident = reg.identity("clip")
    assert ident.startswith("clip@") and ident.endswith(":fp32")
    assert reg.identity("clip") == ident  # stable
    assert reg.loaded_roles() == []       # nothing loaded to compute it
    other = build_tiny_clip(tmp_path / "clip", seed=7)   # same config, other weights
    reg2 = Registry(Settings(models={"clip": str(other)}, device="cpu"), paths)
    assert reg2.identity("clip") != ident


def test_missing_clip_is_unavailable_with_advice(paths):
    from core.config import Settings

    reg = Registry(Settings(device="cpu"), paths)
    st = reg.status()["clip"]
    assert st["state"] == "missing"
    assert "shoebox models download clip" in st["reason"]
    assert not reg.available("clip")
    with pytest.raises(ModelUnavailable, match="shoebox models use clip"):
        reg.clip()


def test_broken_folder_degrades_with_clear_message(paths, tmp_path, tiny_models):
    import shutil

    from core.config import Settings

    broken = tmp_path / "broken-clip"
    shutil.copytree(tiny_models["clip"], broken)
    (broken / "model.safetensors").write_bytes(b"not a safetensors file")
    reg = Registry(Settings(models={"clip": str(broken)}, device="cpu"), paths)
    try:
        with pytest.raises(ModelUnavailable, match="could not be loaded"):
            reg.clip()
        st = reg.status()["clip"]
        assert st["state"] == "unavailable" and "could not be loaded" in st["reason"]
        assert not reg.available("clip")
    finally:
        reg.close()


def test_unload_frees_and_reloads_on_use(registry):
    import gc
    import weakref

    clip = registry.clip()
    clip.embed_texts(["x"])
    ref = weakref.ref(clip.model)
    registry.release("clip")
    gc.collect()
    assert ref() is None and not clip.loaded
    assert registry.status()["clip"]["state"] == "ready"
    assert clip.embed_texts(["x"]).shape == (1, clip.dim)  # reloads itself
    assert clip.loaded


def test_query_path_onnx_matches_torch_and_is_cached_by_identity(registry, paths, monkeypatch):
    from models import clip_onnx

    clip = registry.clip()
    texts = ["a dog", "kids on a beach at sunset with a red kite"]
    torch_vecs = clip.embed_texts(texts)
    assert clip._query_tower is None  # nothing starts on its own: a CLI query stays on torch
    np.testing.assert_allclose(clip.embed_query(texts[0]), torch_vecs[0], atol=1e-5)
    assert clip.prepare_query(wait=True) is not None
    cached = clip_onnx.onnx_file(paths.home / "cache", clip.identity)
    assert cached.exists()
    for text, ref in zip(texts, torch_vecs):
        got = clip.embed_query(text)
        assert got.shape == (clip.dim,) and float(np.dot(got, ref)) >= clip_onnx.MIN_COSINE
    # a later start loads the cached tower: no second export
    clip.unload()
    assert clip._query_tower is None
    monkeypatch.setattr(clip_onnx, "export", lambda *a, **k: pytest.fail("exported again"))
    clip.load()
    assert clip.prepare_query(wait=True) is not None
    assert float(np.dot(clip.embed_query(texts[1]), torch_vecs[1])) >= clip_onnx.MIN_COSINE


def test_the_benchmarks_full_size_clip_gives_each_text_its_own_vector(tiny_models):
    """The speed benchmarks' random-weight ViT-B/32 must pool each text's end token: when it
    pooled the start token, every query got one vector and bench_search/bench_sentences
    measured a cached product instead of a search."""
    import torch
    from transformers import CLIPTextModelWithProjection, CLIPTokenizer

    from models.testing import clip_config

    tok = CLIPTokenizer.from_pretrained(tiny_models["clip"])
    torch.manual_seed(0)
    tower = CLIPTextModelWithProjection(clip_config(len(tok), 512, 224, full_size=True).text_config)
    with torch.inference_mode():
        out = tower(**tok(["wooden dog", "blue car in the river"], padding=True,
                          return_tensors="pt")).text_embeds
    a, b = torch.nn.functional.normalize(out, dim=-1)
    assert float(a @ b) < 0.999


def test_a_query_asked_again_is_not_encoded_again(registry):
    """A filter change re-runs the same query: its vector comes from memory (a copy), the
    encoder runs once per text while the model stays loaded, and unloading forgets."""
    clip = registry.clip()
    encoded = []
    real = clip._encode_query
    clip._encode_query = lambda text: encoded.append(text) or real(text)
    try:
        first = clip.embed_query("kids on a beach")
        first[:] = 0                                  # the caller's copy, not the memory
        again = clip.embed_query("kids on a beach")
        assert encoded == ["kids on a beach"]
        np.testing.assert_allclose(again, clip.embed_query("kids on a beach", remember=False))
        assert float(np.linalg.norm(again)) == pytest.approx(1.0, abs=1e-5)
        clip.embed_query("a dog")
        assert encoded == ["kids on a beach", "kids on a beach", "a dog"]
        clip.unload()
        clip.load()
        clip.embed_query("kids on a beach")
        assert encoded[-1] == "kids on a beach" and len(encoded) == 4
    finally:
        del clip._encode_query


def test_a_remembered_query_vector_is_not_used_after_the_model_changes(registry, tmp_path):
    """The query vectors are kept per loaded model: pointing the role at another model
    (same architecture, other weights) encodes the text again with the new one, and going
    back encodes it again with the first (nothing stale from either)."""
    from models.testing import build_tiny_clip

    first_path, first_id = registry.settings.models["clip"], registry.identity("clip")
    first = registry.clip().embed_query("kids on a beach")
    other = build_tiny_clip(tmp_path / "other-clip", seed=1)
    registry.settings.models["clip"] = str(other)
    swapped = registry.clip()
    assert registry.identity("clip") != first_id
    again = swapped.embed_query("kids on a beach")
    np.testing.assert_allclose(again, swapped.embed_query("kids on a beach", remember=False),
                               atol=1e-6)
    assert float(np.abs(again - first).max()) > 1e-3
    registry.settings.models["clip"] = first_path
    np.testing.assert_allclose(registry.clip().embed_query("kids on a beach"), first, atol=1e-6)
