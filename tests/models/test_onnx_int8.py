"""8-bit weights for the query encoders' ONNX graphs (models/onnx_int8.py), on the real
MiniLM the default install ships: the rewrite itself, the check that decides, and the
float32 graph kept when the 8-bit one does not pass or is not faster."""

from __future__ import annotations

import numpy as np
import onnx
import pytest

from core.config import Settings
from models import Registry, onnx_text
from models.onnx_int8 import BLOCK, int8_weights
from models.sentences import _token_arrays, _token_tensors, embedding_graph

QUERIES = ("an old man talking about the war", "receipt from the plumber", "Anna in Lisbon",
           "kids on a beach at sunset", "le vieil homme parle de la guerre", "東京の夜景")


@pytest.fixture(scope="module")
def minilm(tmp_path_factory):
    """The model, and its float32 graph exported as the query path exports it."""
    from core.config import Paths

    reg = Registry(Settings(device="cpu", model_idle_unload_s=0),
                   Paths(tmp_path_factory.mktemp("h")))
    m = reg.sentences().load()
    path = tmp_path_factory.mktemp("g") / "float32.onnx"
    # the query path's own export, told that 8-bit weights do not pass: float32 stays
    assert _export(m, path, lambda e: 0.0 if "MatMulNBits" in _ops(e.path) else 1.0)
    yield m, path
    reg.close()


def _ops(path) -> list[str]:
    return [n.op_type for n in onnx.load(str(path)).graph.node]


def test_every_weight_product_becomes_8_bit_and_agrees_with_float32(minilm, tmp_path):
    m, path = minilm
    model = onnx.load(str(path))
    products = sum(1 for n in model.graph.node if n.op_type == "MatMul")
    done = int8_weights(model)
    assert done >= 36 and done <= products     # 6 layers x (q, k, v, out, two feed-forward)
    light = tmp_path / "int8.onnx"
    onnx.save(model, str(light))
    assert _ops(light).count("MatMulNBits") == done
    # the layers' 42 MB of float32 weights take a byte each (and a scale per BLOCK); the
    # word embeddings (47 MB) are looked up, not multiplied, and stay as they are
    assert path.stat().st_size - light.stat().st_size > 25e6
    full, eight = onnx_text.OnnxTextEncoder(path), onnx_text.OnnxTextEncoder(light)
    with m._session():
        feeds = [_token_arrays(m.model, [q]) for q in QUERIES]
    worst = min(float(onnx_text.cosines(full.run(f), eight.run(f))[0]) for f in feeds)
    assert worst >= onnx_text.MIN_COSINE


def test_a_matrix_that_does_not_fill_whole_blocks_stays_float32():
    from onnx import TensorProto, helper, numpy_helper

    w = np.ones((BLOCK + 3, 4), np.float32)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["y"])], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, BLOCK + 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])],
        [numpy_helper.from_array(w, "w")])
    model = helper.make_model(graph)
    assert int8_weights(model) == 0 and [n.op_type for n in model.graph.node] == ["MatMul"]


def _export(m, target, worst):
    example = _token_tensors(m.model, ["the war"])
    return onnx_text.export(embedding_graph(m.model, list(example)), example, target, worst,
                            "test")


def _worst(m, refuse_8_bit=False):
    texts = list(QUERIES[:3])

    def worst(encoder):
        if refuse_8_bit and "MatMulNBits" in _ops(encoder.path):
            return 0.5
        with m._session():
            feed = _token_arrays(m.model, texts)
        return float(onnx_text.cosines(m.embed(texts), encoder.run(feed)).min())
    return worst


def test_the_export_keeps_8_bit_weights_when_they_pass_and_are_faster(minilm, tmp_path,
                                                                      monkeypatch):
    m, _ = minilm
    target = tmp_path / "q.onnx"
    monkeypatch.setattr(onnx_text, "query_ms", lambda *a, **k: [10.0, 4.0])  # float32, 8-bit
    encoder = _export(m, target, _worst(m))
    assert encoder is not None and "MatMulNBits" in _ops(target)
    assert not list(tmp_path.glob("*.int8"))


def test_query_times_are_taken_in_turns_and_are_medians(minilm):
    m, path = minilm
    full = onnx_text.OnnxTextEncoder(path)
    with m._session():
        feed = _token_arrays(m.model, ["the war"])
    calls = []

    class Counted:
        def __init__(self, name):
            self.name = name

        def run(self, f):
            calls.append(self.name)
            return full.run(f)
    times = onnx_text.query_ms([Counted("a"), Counted("b")], feed, runs=3)
    assert calls == ["a", "b"] * 4 and len(times) == 2 and all(t > 0 for t in times)


def test_the_float32_graph_stays_when_8_bit_weights_fail_the_check_or_are_slower(
        minilm, tmp_path, monkeypatch):
    m, _ = minilm
    target = tmp_path / "q.onnx"
    encoder = _export(m, target, _worst(m, refuse_8_bit=True))
    assert encoder is not None and "MatMulNBits" not in _ops(target)
    target.unlink()
    monkeypatch.setattr(onnx_text, "query_ms", lambda *a, **k: [4.0, 10.0])  # 8-bit slower
    encoder = _export(m, target, _worst(m))
    assert encoder is not None and "MatMulNBits" not in _ops(target)
    assert not list(tmp_path.glob("*.int8")) and not list(tmp_path.glob(".*.tmp"))
