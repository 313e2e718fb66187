"""Products of a large uint8 matrix with one int8 vector, for the vector index's prefilter.

numpy has no integer matrix product of its own speed (an int8 `a @ q` over 1M x 64 took
54 ms, float32 BLAS 10-20 ms on 256 MB); ONNX Runtime's MatMulInteger runs MLAS's u8 x s8
kernels over a quarter of the bytes (and less slowed down than float32 when the other search
thread streams memory too: docs/BENCHMARKS.md, "The prefilter on int8 codes"). ONNX Runtime
is already loaded for the query encoders.

The rows can be read `block` at a time as one long row, against a block-diagonal matrix of
`block` copies of q, which gives `block` scores a row. Which block is fastest depends on the
processor, and by a factor of three: over 1M x 64 on an Intel Xeon, 13 ms as one column and
5.4 ms with 16 rows a block; on an AMD EPYC (Zen 4), 7.4 ms as one column, 6.6 ms with 2 and
19 ms with 16 (docs/BENCHMARKS.md, "Codes on every component" and "The prefilter's block,
measured on the machine"). So each machine's is measured on the sketches themselves when an
index is made (`tune`), as FFTW plans its transforms.
"""

from __future__ import annotations

import threading
import time

import numpy as np

BLOCKS = (1, 2, 4, 8, 16)   # rows read as one, tried by `tune`
MAX_ROW = 4096              # widest long row tried (wide rows: one column is as fast)
UNTUNED = 1                 # before any tune: never the slowest on the machines measured
TUNE_AGAIN = 4              # a matrix this many times larger than the one tuned on: again
TUNE_RUNS = 2               # timings of each block, the fastest kept

_SESSION = None
_LOCK = threading.Lock()
_TUNED: dict[int, tuple[int, int]] = {}   # row width -> (fastest block, rows it was timed on)


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


def products(a: np.ndarray, q: np.ndarray, block: int | None = None) -> np.ndarray:
    """int32 (n,) products of uint8 (n, d) rows with the int8 (d,) vector q: exact integer
    arithmetic (|sum| < 255 * 127 * d). `block`: rows read as one (None: the one `tune`
    measured fastest for this width)."""
    n = len(a)
    if not n:
        return np.empty(0, np.int32)
    a = np.ascontiguousarray(a, np.uint8)
    q = np.ascontiguousarray(q, np.int8).reshape(-1)
    d = len(q)
    if block is None:
        block = _TUNED.get(d, (UNTUNED, 0))[0]
    whole = n - n % block if block > 1 and d * block <= MAX_ROW else 0
    out = np.empty(n, np.int32)
    run = _session().run
    if whole:
        diag = np.zeros((block, d, block), np.int8)
        diag[np.arange(block), :, np.arange(block)] = q
        out[:whole] = run(None, {"A": a[:whole].reshape(whole // block, d * block),
                                 "B": diag.reshape(block * d, block)})[0].reshape(-1)
    if whole < n:
        out[whole:] = run(None, {"A": a[whole:], "B": q.reshape(-1, 1)})[0].reshape(-1)
    return out


def tune(a: np.ndarray) -> int:
    """The block that multiplies these rows fastest on this machine, kept for their width:
    each one timed over the whole matrix (its size decides it: out of the processor's cache,
    the wide blocks were three times slower on one machine and the fastest on another). A
    matrix timed before, or one up to TUNE_AGAIN times larger, is not timed again. ~0.1 s at
    1M x 64; ONNX Runtime lets go of the GIL meanwhile."""
    n, d = a.shape
    kept = _TUNED.get(d)
    if kept is not None and n <= TUNE_AGAIN * kept[1]:
        return kept[0]
    took = block_times(a)
    best = min(took, key=took.get)
    _TUNED[d] = (best, n)
    return best


def block_times(a: np.ndarray, runs: int = TUNE_RUNS) -> dict[int, float]:
    """Each block's fastest of `runs` products over these rows, in CPU seconds of this
    thread: what `tune` picks from."""
    q = np.ones(a.shape[1], np.int8)
    return {b: min(_took(a, q, b) for _ in range(runs))
            for b in BLOCKS if a.shape[1] * b <= MAX_ROW}


def _took(a: np.ndarray, q: np.ndarray, block: int) -> float:
    t = time.thread_time()      # not another thread's turn on the core
    products(a, q, block)
    return time.thread_time() - t
