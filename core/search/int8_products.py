"""Products of a large uint8 matrix with one int8 vector, for the vector index's prefilter.

numpy has no integer matrix product of its own speed (an int8 `a @ q` over 1M x 64 took
54 ms, float32 BLAS 10-20 ms on 256 MB); ONNX Runtime's MatMulInteger runs MLAS's u8 x s8
kernels over a quarter of the bytes (~15 ms, and less slowed down than float32 when the
other search thread streams memory too: benchmarks in docs/BENCHMARKS.md, "The prefilter
on int8 codes"). ONNX Runtime is already loaded for the query encoders.
"""

from __future__ import annotations

import threading

import numpy as np

_SESSION = None
_LOCK = threading.Lock()


def _session():
    global _SESSION
    with _LOCK:
        if _SESSION is None:
            import onnxruntime as ort
            from onnx import TensorProto, helper

            graph = helper.make_graph(
                [helper.make_node("MatMulInteger", ["A", "B"], ["Y"])], "int8_products",
                [helper.make_tensor_value_info("A", TensorProto.UINT8, ["n", "d"]),
                 helper.make_tensor_value_info("B", TensorProto.INT8, ["d", 1])],
                [helper.make_tensor_value_info("Y", TensorProto.INT32, ["n", 1])])
            model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
            model.ir_version = 8
            opts = ort.SessionOptions()
            opts.intra_op_num_threads = 1     # each search thread runs its own product
            opts.inter_op_num_threads = 1
            opts.log_severity_level = 3
            _SESSION = ort.InferenceSession(model.SerializeToString(), opts,
                                            providers=["CPUExecutionProvider"])
        return _SESSION


def products(a: np.ndarray, q: np.ndarray) -> np.ndarray:
    """int32 (n,) products of uint8 (n, d) rows with the int8 (d,) vector q: exact integer
    arithmetic (|sum| < 255 * 127 * d)."""
    if not len(a):
        return np.empty(0, np.int32)
    out = _session().run(None, {"A": np.ascontiguousarray(a, np.uint8),
                                "B": np.ascontiguousarray(q, np.int8).reshape(-1, 1)})[0]
    return out.reshape(-1)
