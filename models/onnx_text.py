"""A text encoder's search-query path under ONNX Runtime (CLIP's text tower, the sentences
model): one short text at a time, where torch spends most of its time on per-operator
overhead that ONNX Runtime's fused, pre-planned graph avoids (bench_search, bench_sentences).

The graph is exported with torch.onnx from the loaded model the first time the app prepares
the query path, checked against torch on probe texts (cosine >= MIN_COSINE, else it is not
used), and cached under the data folder keyed by the model's identity, so later starts only
load it. Any failure only means the query path stays on torch. A copy with 8-bit weights
(models/onnx_int8.py) replaces it when it passes the same check and runs faster here.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import warnings
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np

from models.datafiles import atomic_path

log = logging.getLogger(__name__)

MIN_COSINE = 0.999
# torch.onnx.export keeps its state in module globals (GLOBALS.in_onnx_export): two exports at
# once (the app prepares CLIP's and the sentences model's query paths side by side) fail with
# an AssertionError, so they take turns.
_EXPORT_LOCK = threading.Lock()


# Part of the cache key: a graph cached before 8-bit weights were tried is made again once.
GRAPH_FORMAT = "int8-weights"


def onnx_file(cache_dir: Path, kind: str, identity: str, graph_format: str = GRAPH_FORMAT
              ) -> Path:
    key = hashlib.sha256((identity + graph_format).encode()).hexdigest()[:20]
    return Path(cache_dir) / kind / f"{key}.onnx"


class OnnxTextEncoder:
    """Token arrays (by input name) -> the encoder's output rows, float32."""

    def __init__(self, path: Path, threads: int = 1):
        import onnxruntime as ort

        opts = ort.SessionOptions()
        # a query is tiny: one thread answers fastest and never fights the indexer for cores
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        self.path = Path(path)
        self.session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        self.inputs = [i.name for i in self.session.get_inputs()]

    def run(self, feed: Mapping[str, np.ndarray]) -> np.ndarray:
        out = self.session.run(None, {k: np.asarray(feed[k], np.int64) for k in self.inputs})
        return np.asarray(out[0], np.float32)


def export(module, example: Mapping, target: Path,
           worst_cosine: Callable[[OnnxTextEncoder], float], what: str) -> OnnxTextEncoder | None:
    """Export `module` (called with the example's tensors, in its order, batch and token axes
    dynamic) to `target`; keep it only if `worst_cosine(encoder)` against torch reaches
    MIN_COSINE. None (and no file) when it does not match or cannot be exported here."""
    import torch

    names = list(example)
    try:
        # a private file in the data folder, replacing the target only once it has passed
        with atomic_path(target) as tmp:
            with _EXPORT_LOCK, warnings.catch_warnings(), torch.inference_mode():
                warnings.simplefilter("ignore")
                torch.onnx.export(
                    module.eval(), tuple(example[k] for k in names), str(tmp), input_names=names,
                    output_names=["features"],
                    dynamic_axes={**{k: {0: "batch", 1: "tokens"} for k in names},
                                  "features": {0: "batch"}},
                    opset_version=17, dynamo=False)
            full = OnnxTextEncoder(tmp)
            worst = worst_cosine(full)
            if worst < MIN_COSINE:
                log.warning("the ONNX %s disagrees with torch (cosine %.5f): not used", what,
                            worst)
                tmp.unlink()  # atomic_path then leaves the target as it was
                return None
            feed = {k: np.asarray(example[k])[:1] for k in names}
            worst = _lighter(full, feed, worst_cosine, what) or worst
        log.info("%s exported to ONNX (%s; worst cosine vs torch %.6f)", what, target.name, worst)
        return OnnxTextEncoder(target)
    except Exception as e:  # noqa: BLE001 - any exporter failure only means: keep torch
        log.warning("the %s could not be exported to ONNX (%s: %s); queries use torch", what,
                    type(e).__name__, e)
        return None


def _lighter(full: OnnxTextEncoder, feed: Mapping[str, np.ndarray],
             worst_cosine: Callable[[OnnxTextEncoder], float], what: str) -> float | None:
    """Replace the float32 graph (`full`, checked) by its 8-bit-weight copy when that copy
    also reaches MIN_COSINE against torch and answers `feed` faster on this machine (a CPU
    without fast int8 kernels would lose); its worst cosine, or None when float32 stays."""
    import onnx

    from models.onnx_int8 import int8_weights

    try:
        model = onnx.load(str(full.path))
        if not int8_weights(model):
            return None
        # replaces full.path (export's private file, not yet the target) only if kept
        with atomic_path(full.path) as side:
            onnx.save(model, str(side))
            light = OnnxTextEncoder(side)
            worst = worst_cosine(light)
            if worst < MIN_COSINE:
                log.info("%s: 8-bit weights disagree with torch (cosine %.5f): float32 kept",
                         what, worst)
                side.unlink()
                return None
            full_ms, light_ms = query_ms([full, light], feed)
            if light_ms >= full_ms:
                log.info("%s: 8-bit weights are not faster here (%.1f against %.1f ms): "
                         "float32 kept", what, light_ms, full_ms)
                side.unlink()
                return None
        log.info("%s: 8-bit weights (worst cosine vs torch %.5f, %.1f instead of %.1f ms)",
                 what, worst, light_ms, full_ms)
        return worst
    except Exception as e:  # noqa: BLE001 - a speed-up only: the float32 graph stays
        log.warning("%s: no 8-bit weights (%s: %s)", what, type(e).__name__, e)
        return None


def query_ms(encoders: Sequence[OnnxTextEncoder], feed: Mapping[str, np.ndarray],
             runs: int = 9) -> list[float]:
    """Each encoder's median time for `feed`, in ms, after one run to warm it. The encoders
    take turns, run by run: the app makes its graphs at start, while other work may come and
    go, and that then slows each of them alike."""
    times: list[list[float]] = [[] for _ in encoders]
    for i in range(runs + 1):
        for encoder, spent in zip(encoders, times):
            t = time.perf_counter()
            encoder.run(feed)
            if i:
                spent.append(time.perf_counter() - t)
    return [float(np.median(spent)) * 1000 for spent in times]


def cosines(ref: np.ndarray, got: np.ndarray) -> np.ndarray:
    """Row-wise cosine between two (n, d) arrays."""
    return (ref * got).sum(1) / (np.linalg.norm(ref, axis=1) * np.linalg.norm(got, axis=1))


def worst_cosine(encoder: OnnxTextEncoder, probes: Sequence[str],
                 reference: Callable[[list[str]], np.ndarray],
                 feed: Callable[[list[str]], Mapping[str, np.ndarray]]) -> float:
    """Lowest cosine between `reference(texts)` (torch) and the encoder's rows over the probes,
    one at a time (as queries run) and as one padded batch."""
    worst = 1.0
    for texts in [[p] for p in probes] + [list(probes)]:
        worst = min(worst, float(cosines(reference(texts), encoder.run(feed(texts))).min()))
    return worst


class QueryPath:
    """Mixin for a ModelWrapper whose queries may run under ONNX Runtime. The subclass sets
    `onnx_kind` (the cache folder) and implements `_encode_query(text)` (ONNX when ready, else
    torch) and `_export_query_encoder(target)` (called inside the model's session); it calls
    `_init_query_path(cache_dir)` in its constructor and `_reset_query_path()` on unload."""

    onnx_kind = "text-onnx"
    RECENT_QUERIES = 64     # query vectors kept per model (see embed_query)

    def _init_query_path(self, cache_dir: Path | None) -> None:
        self.cache_dir = cache_dir  # where the query path keeps its ONNX graph
        self._query_tower: OnnxTextEncoder | None = None
        self._query_tower_started = False
        self._query_thread: threading.Thread | None = None
        self._query_lock = threading.Lock()
        self._recent: OrderedDict[str, np.ndarray] = OrderedDict()

    def _reset_query_path(self) -> None:
        self._query_tower = None
        self._query_tower_started = False
        with self._query_lock:
            self._recent.clear()

    def embed_query(self, text: str, remember: bool = True) -> np.ndarray:
        """One search query's normalised vector: the latency path. Runs under ONNX Runtime once
        prepare_query() made it ready (the app does at start; ~3x less CPU than torch for a
        query), torch until then: a one-off CLI query would spend more loading the ONNX file
        than it saves. Each text is encoded once while the model stays loaded: the same query
        comes back when the user changes a filter or a chip, and the encode is most of a
        query's CPU (~12 ms for CLIP's text tower, ~4 for MiniLM). A copy: callers may change
        theirs. `remember=False`: the encoder itself, every time (benchmarks)."""
        text = str(text)
        if not remember:
            return self._encode_query(text)
        with self._query_lock:
            vec = self._recent.get(text)
            if vec is not None:
                self._recent.move_to_end(text)
                return vec.copy()
        vec = np.asarray(self._encode_query(text), np.float32)
        with self._query_lock:
            self._recent[text] = vec
            while len(self._recent) > self.RECENT_QUERIES:
                self._recent.popitem(last=False)
        return vec.copy()

    def prepare_query(self, wait: bool = False) -> OnnxTextEncoder | None:
        """Start making the query path's ONNX graph ready on the CPU (load the cached one, or
        export it) on a background thread (`wait`: and wait for it); returns it when ready,
        else None. Nothing starts on its own: a one-off CLI query would spend more loading
        the ONNX file than it saves, so the app calls this at start."""
        if self._query_tower is not None or self.device != "cpu" or self.cache_dir is None:
            return self._query_tower
        with self._query_lock:
            start = not self._query_tower_started
            self._query_tower_started = True
            if start:
                self._query_thread = threading.Thread(target=self._make_query_tower,
                                                      name=f"{self.role}-onnx", daemon=True)
                self._query_thread.start()
            thread = self._query_thread
        if wait and thread is not None:
            thread.join()
        return self._query_tower

    def _make_query_tower(self) -> None:
        try:
            target = onnx_file(self.cache_dir, self.onnx_kind, self.identity)
            if target.exists():
                tower = OnnxTextEncoder(target)
            else:
                # inside a session: an export traces the loaded model and torch.onnx switches
                # process-wide flags while it does, so no other call runs the model meanwhile
                # (the app prepares this while indexing may be using the same model)
                with self._session():
                    tower = self._export_query_encoder(target)
                # the graph an older version cached for this model (float32 weights only)
                onnx_file(self.cache_dir, self.onnx_kind, self.identity, "").unlink(
                    missing_ok=True)
        except Exception as e:  # noqa: BLE001 - ONNX is a speed-up: on any failure keep torch
            log.warning("%s query path stays on torch: %s: %s", self.role, type(e).__name__, e)
            return
        if tower is not None and self._loaded:
            self._query_tower = tower

    def _encode_query(self, text: str) -> np.ndarray:
        raise NotImplementedError

    def _export_query_encoder(self, target: Path) -> OnnxTextEncoder | None:
        raise NotImplementedError
