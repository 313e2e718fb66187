"""Products of a large uint8 matrix with one int8 vector, for the vector index's prefilter.

numpy has no integer matrix product of its own speed (an int8 `a @ q` over 1M x 64 took
54 ms, float32 BLAS 10-20 ms on 256 MB); ONNX Runtime's MatMulInteger runs MLAS's u8 x s8
kernels over a quarter of the bytes (~15 ms, and less slowed down than float32 when the
other search thread streams memory too: benchmarks in docs/BENCHMARKS.md, "The prefilter
on int8 codes"). ONNX Runtime is already loaded for the query encoders.

MLAS runs a matrix times one column well below memory speed: the rows are read BLOCK at a time
as one long row, against a block-diagonal matrix of BLOCK copies of q, which gives BLOCK
scores a row (1M x 64: 13 ms as one column, 5.4 ms as 62,500 x 1,024 by 1,024 x 16, measured
on this project's machine; docs/BENCHMARKS.md, "Codes on every component").
"""

from __future__ import annotations

import threading

import numpy as np

BLOCK = 16
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
                 helper.make_tensor_value_info("B", TensorProto.INT8, ["d", "m"])],
                [helper.make_tensor_value_info("Y", TensorProto.INT32, ["n", "m"])])
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
    n = len(a)
    if not n:
        return np.empty(0, np.int32)
    a = np.ascontiguousarray(a, np.uint8)
    q = np.ascontiguousarray(q, np.int8).reshape(-1)
    d = len(q)
    whole = n - n % BLOCK if d * BLOCK <= 4096 else 0   # (wide rows: one column is fast)
    out = np.empty(n, np.int32)
    run = _session().run
    if whole:
        diag = np.zeros((BLOCK, d, BLOCK), np.int8)
        diag[np.arange(BLOCK), :, np.arange(BLOCK)] = q
        out[:whole] = run(None, {"A": a[:whole].reshape(whole // BLOCK, d * BLOCK),
                                 "B": diag.reshape(BLOCK * d, BLOCK)})[0].reshape(-1)
    if whole < n:
        out[whole:] = run(None, {"A": a[whole:], "B": q.reshape(-1, 1)})[0].reshape(-1)
    return out
