"""The sentences role with the real all-MiniLM-L6-v2 weights the default install ships."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from core.config import Settings
from models import ModelUnavailable, Registry
from models.sentences import MAX_CHARS, packaged_folder


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    from core.config import Paths

    reg = Registry(Settings(device="cpu", model_idle_unload_s=0), Paths(tmp_path_factory.mktemp("h")))
    yield reg.sentences()
    reg.close()


def test_status_identity_device_without_loading(paths):
    reg = Registry(Settings(device="cpu", model_idle_unload_s=0), paths)
    info = reg.status()["sentences"]
    assert info["state"] == "ready" and info["source"] == "packaged"
    assert info["model"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert info["identity"].startswith("all-MiniLM-L6-v2@") and info["identity"].endswith(":fp32")
    assert info["device"] == "cpu" and 80 < info["size_mb"] < 100
    assert reg.loaded_roles() == []
    m = reg.sentences()
    assert reg.status()["sentences"]["state"] == "loaded" and m.identity == info["identity"]
    m.unload()
    assert m.model is None and reg.status()["sentences"]["state"] == "ready"
    assert m.embed(["loads again on use"]).shape == (1, 384)   # reloads by itself
    reg.close()


def test_vectors_are_unit_length_and_mean_something(model):
    texts = ["My grandfather remembered the winter of 1944, when the soldiers came.",
             "Today we bake a chocolate cake with eggs and sugar.",
             "an old man talking about the war"]
    v = model.embed(texts)
    assert v.shape == (3, 384) and v.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    war, cake = v[2] @ v[0], v[2] @ v[1]
    assert war > 0.3 and cake < 0.15, (war, cake)
    # one at a time (a query, on one thread) equals the batch
    np.testing.assert_allclose(model.embed([texts[0]])[0], v[0], atol=1e-5)


def test_bad_input_embeds_without_trouble(model):
    texts = ["", "🐶🐱🎉", "x" * 1_000_000, "Je ne regrette rien, c'est la vie.", "\x00\x01 ☃ \ufffd",
             "asdkjh qwzx plorb"]
    v = model.embed(texts)
    assert v.shape == (len(texts), 384) and np.isfinite(v).all()
    assert model.embed([]).shape == (0, 384)


def test_long_text_is_cut_before_tokenizing(model):
    head = "The fireworks over the harbour were wonderful. "
    long = head + "zz " * 100_000
    np.testing.assert_allclose(model.embed([long])[0],
                               model.embed([long[:MAX_CHARS]])[0], atol=1e-5)


def test_any_sentence_transformers_folder_through_settings(paths, tmp_path):
    folder = tmp_path / "my-encoder"
    shutil.copytree(packaged_folder(), folder)
    reg = Registry(Settings(device="cpu", models={"sentences": str(folder)}), paths)
    info = reg.status()["sentences"]
    assert info["state"] == "ready" and info["source"] == "settings-folder"
    assert info["identity"].startswith("my-encoder@")
    assert reg.sentences().embed(["hello"]).shape == (1, 384)
    reg.close()


def test_a_folder_that_is_not_a_text_encoder_is_refused_with_what_to_do(paths, tmp_path, tiny_models):
    empty = tmp_path / "empty"
    empty.mkdir()
    for folder, words in ((empty, "neither a sentence-transformers folder"),
                          (tiny_models["clip"], "not a text encoder")):
        reg = Registry(Settings(device="cpu", models={"sentences": str(folder)}), paths)
        info = reg.status()["sentences"]
        assert info["state"] == "unavailable" and words in info["reason"]
        assert "shoebox models use sentences" in info["reason"]
        with pytest.raises(ModelUnavailable):
            reg.sentences()
        reg.close()


def test_query_path_onnx_matches_torch_and_is_cached_by_identity(paths, monkeypatch):
    from models import onnx_text

    reg = Registry(Settings(device="cpu", model_idle_unload_s=0), paths)
    m = reg.sentences()
    queries = ["an old man talking about the war", "", "🐶🐱🎉", "x" * 100_000,
               "le vieil homme parle de la guerre"]
    ref = m.embed(queries)                  # torch, as the stage embeds passages
    assert m._query_tower is None           # nothing starts on its own: a CLI query stays on torch
    np.testing.assert_allclose(m.embed_query(queries[0]), ref[0], atol=1e-5)
    assert m.prepare_query(wait=True) is not None
    cached = onnx_text.onnx_file(paths.home / "cache", m.onnx_kind, m.identity)
    assert cached.exists()
    for q, r in zip(queries, ref):
        got = m.embed_query(q)
        assert got.shape == (384,) and got.dtype == np.float32
        assert abs(float(np.linalg.norm(got)) - 1.0) < 1e-5
        # the vector torch gives, within the query path's check (8-bit weights, when faster
        # here: models/onnx_int8.py); no search encodes an empty text (it browses), and the
        # two special tokens alone come out a little further
        assert float(got @ r) >= (onnx_text.MIN_COSINE if q else 0.998), q[:40]
    # a later start loads the cached graph: no second export
    m.unload()
    assert m._query_tower is None
    monkeypatch.setattr(onnx_text, "export", lambda *a, **k: pytest.fail("exported again"))
    m.load()
    assert m.prepare_query(wait=True) is not None
    assert float(m.embed_query(queries[0]) @ ref[0]) >= onnx_text.MIN_COSINE
    reg.close()


def test_a_graph_that_disagrees_with_torch_is_not_used(paths, tmp_path):
    """The check is real: a graph of other weights (a copy of the model with one layer
    changed) fails it against the model, leaves no file, and the query path keeps torch."""
    import copy

    import torch

    from models import onnx_text
    from models.sentences import _token_arrays, _token_tensors, embedding_graph

    reg = Registry(Settings(device="cpu", model_idle_unload_s=0), paths)
    m = reg.sentences()
    other = copy.deepcopy(m.model)
    with torch.no_grad():
        other[0].auto_model.encoder.layer[0].attention.output.dense.weight.mul_(-3.0)
    example = _token_tensors(m.model, ["the war"])

    def worst(encoder):
        texts = ["the war", "a chocolate cake"]
        return float(onnx_text.cosines(m.embed(texts), encoder.run(_token_arrays(m.model, texts))).min())

    target = tmp_path / "other.onnx"
    assert onnx_text.export(embedding_graph(other, list(example)), example, target, worst, "test") is None
    assert not target.exists() and not list(tmp_path.glob(".*.tmp"))
    # the same export of the model itself passes
    encoder = onnx_text.export(embedding_graph(m.model, list(example)), example, target, worst, "test")
    assert isinstance(encoder, onnx_text.OnnxTextEncoder) and target.exists()
    assert worst(encoder) >= onnx_text.MIN_COSINE   # the encoder handed back is the checked one
    reg.close()


def test_clip_and_sentences_query_paths_export_at_the_same_time(paths, tiny_models):
    """The app prepares both query paths at start, side by side; torch.onnx keeps its export
    state in globals, so two exports at once used to fail one of them (and that model's
    queries stayed on torch, ~3x slower)."""
    reg = Registry(Settings(device="cpu", model_idle_unload_s=0,
                            models={"clip": str(tiny_models["clip"])}), paths)
    clip, sentences = reg.clip().load(), reg.sentences().load()
    for _ in range(2):     # the clash needs the exports to overlap: give it two chances
        for m in (clip, sentences):
            m.prepare_query()
        assert sentences.prepare_query(wait=True) is not None
        assert clip.prepare_query(wait=True) is not None
        for m in (clip, sentences):
            m.unload()
            m.load()
        for f in (paths.home / "cache").rglob("*.onnx"):
            f.unlink()       # export again, not load
    reg.close()
