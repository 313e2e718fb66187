"""CLIP's text tower under ONNX Runtime, for the search-query path (models/onnx_text.py).

A query is one short text (about ten tokens): torch spends most of its ~22 ms on per-operator
overhead across twelve small layers, which ONNX Runtime's fused, pre-planned graph avoids
(benchmarks/bench_search.py measures both).
"""

from __future__ import annotations

from pathlib import Path

from models import onnx_text
from models.onnx_text import MIN_COSINE, OnnxTextEncoder

__all__ = ["KIND", "MIN_COSINE", "PROBES", "export", "onnx_file"]

KIND = "clip-text-onnx"
PROBES = ("a dog", "kids on a beach at sunset",
          "the old red bicycle leaning on a wooden fence in the rain, seen from far away")


def onnx_file(cache_dir: Path, identity: str) -> Path:
    return onnx_text.onnx_file(cache_dir, KIND, identity)


def export(model, tokenizer, max_len: int, target: Path) -> OnnxTextEncoder | None:
    """Export `model`'s text tower to `target` and check it against torch, one probe at a
    time (as queries run) and as one padded batch; None when it does not match."""
    import torch

    class TextFeatures(torch.nn.Module):
        def __init__(self, clip):
            super().__init__()
            self.clip = clip

        def forward(self, input_ids, attention_mask):
            out = self.clip.get_text_features(input_ids=input_ids, attention_mask=attention_mask)
            return out if isinstance(out, torch.Tensor) else out.pooler_output

    module = TextFeatures(model).eval()

    def tokens(texts):
        enc = tokenizer(list(texts), padding=True, truncation=True, max_length=max_len,
                        return_tensors="pt")
        return {"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"]}

    def reference(texts):
        with torch.inference_mode():
            return module(**tokens(texts)).float().numpy()

    def worst_cosine(encoder: OnnxTextEncoder) -> float:
        return onnx_text.worst_cosine(encoder, PROBES, reference,
                                      lambda texts: {k: v.numpy() for k, v in tokens(texts).items()})

    return onnx_text.export(module, tokens(PROBES[:2]), target, worst_cosine, "CLIP text tower")
