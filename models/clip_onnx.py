"""CLIP's text tower under ONNX Runtime, for the search-query path.

A query is one short text (about ten tokens): torch spends most of its ~22 ms on per-operator
overhead across twelve small layers, which ONNX Runtime's fused, pre-planned graph avoids
(benchmarks/bench_search.py measures both). The tower is exported with torch.onnx from the
loaded model the first time a query needs it, checked against torch on probe texts (cosine
>= 0.999, else it is not used), and cached under the data folder keyed by the model's
identity, so later starts only load it.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
import warnings
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

MIN_COSINE = 0.999
PROBES = ("a dog", "kids on a beach at sunset",
          "the old red bicycle leaning on a wooden fence in the rain, seen from far away")


def onnx_file(cache_dir: Path, identity: str) -> Path:
    key = hashlib.sha256(identity.encode()).hexdigest()[:20]
    return Path(cache_dir) / "clip-text-onnx" / f"{key}.onnx"


class OnnxTextTower:
    """input ids + attention mask -> the projected text features (not normalised)."""

    def __init__(self, path: Path, threads: int = 1):
        import onnxruntime as ort

        opts = ort.SessionOptions()
        # a query is tiny: one thread answers fastest and never fights the indexer for cores
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        self.session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])

    def run(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        out = self.session.run(None, {"input_ids": np.asarray(input_ids, np.int64),
                                      "attention_mask": np.asarray(attention_mask, np.int64)})
        return np.asarray(out[0], np.float32)


def export(model, tokenizer, max_len: int, target: Path) -> OnnxTextTower | None:
    """Export `model`'s text tower to `target` and check it against torch; None (and no file)
    when it does not match or cannot be exported here (the caller keeps using torch)."""
    import torch

    class TextFeatures(torch.nn.Module):
        def __init__(self, clip):
            super().__init__()
            self.clip = clip

        def forward(self, input_ids, attention_mask):
            out = self.clip.get_text_features(input_ids=input_ids, attention_mask=attention_mask)
            return out if isinstance(out, torch.Tensor) else out.pooler_output

    module = TextFeatures(model).eval()
    enc = tokenizer(list(PROBES[:2]), padding=True, truncation=True, max_length=max_len,
                    return_tensors="pt")
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".tmp")
    os.close(fd)
    try:
        with warnings.catch_warnings(), torch.inference_mode():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                module, (enc["input_ids"], enc["attention_mask"]), tmp,
                input_names=["input_ids", "attention_mask"], output_names=["features"],
                dynamic_axes={"input_ids": {0: "batch", 1: "tokens"},
                              "attention_mask": {0: "batch", 1: "tokens"},
                              "features": {0: "batch"}},
                opset_version=17, dynamo=False)
        tower = OnnxTextTower(Path(tmp))
        worst = _worst_cosine(module, tokenizer, max_len, tower)
        if worst < MIN_COSINE:
            log.warning("the ONNX text tower disagrees with torch (cosine %.5f): not used", worst)
            return None
        os.replace(tmp, target)
        log.info("CLIP text tower exported to ONNX (%s; worst cosine vs torch %.6f)",
                 target.name, worst)
        return OnnxTextTower(target)
    except Exception as e:  # noqa: BLE001 - any exporter failure only means: keep torch
        log.warning("the CLIP text tower could not be exported to ONNX (%s: %s); queries use "
                    "torch", type(e).__name__, e)
        return None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def _worst_cosine(module, tokenizer, max_len: int, tower: OnnxTextTower) -> float:
    """Lowest cosine between torch and ONNX over the probes, one at a time (as queries run)
    and as one padded batch."""
    import torch

    worst = 1.0
    for texts in [[p] for p in PROBES] + [list(PROBES)]:
        enc = tokenizer(texts, padding=True, truncation=True, max_length=max_len,
                        return_tensors="pt")
        with torch.inference_mode():
            ref = module(enc["input_ids"], enc["attention_mask"]).float().numpy()
        got = tower.run(enc["input_ids"].numpy(), enc["attention_mask"].numpy())
        cos = (ref * got).sum(1) / (np.linalg.norm(ref, axis=1) * np.linalg.norm(got, axis=1))
        worst = min(worst, float(cos.min()))
    return worst
