"""CLIP image/text embeddings (any transformers CLIPModel folder, or a sentence-transformers
CLIP folder, whose module subfolder is one) and zero-shot label scoring."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image

from models import clip_onnx
from models.base import ModelWrapper
from models.folders import read_json
from models.onnx_text import QueryPath

log = logging.getLogger(__name__)

_RESAMPLE = {0: Image.NEAREST, 1: Image.LANCZOS, 2: Image.BILINEAR, 3: Image.BICUBIC,
             4: Image.BOX, 5: Image.HAMMING}


class ClipModel(QueryPath, ModelWrapper):
    role = "clip"
    onnx_kind = clip_onnx.KIND

    def __init__(self, path, *, cache_dir: Path | None = None, **kw):
        kw.setdefault("batch_size", 32)
        super().__init__(path, **kw)
        self._init_query_path(cache_dir)
        # Read the small configs now (cheap, no torch) so preprocess() works before load().
        cfg = read_json(self.path / "config.json")
        vision = cfg.get("vision_config") or {}
        self.dim = int(cfg.get("projection_dim") or 512)
        pp = read_json(self.path / "preprocessor_config.json")
        size = pp.get("size", {})
        crop = pp.get("crop_size", {})
        default = int(vision.get("image_size") or 224)
        if isinstance(size, dict):
            self.resize_to = int(size.get("shortest_edge") or size.get("height") or default)
        else:
            self.resize_to = int(size or default)
        if isinstance(crop, dict):
            self.image_size = int(crop.get("height") or self.resize_to)
        else:
            self.image_size = int(crop or self.resize_to)
        self.do_center_crop = bool(pp.get("do_center_crop", True))
        self.resample = _RESAMPLE.get(int(pp.get("resample", 3)), Image.BICUBIC)
        self.mean = np.asarray(pp.get("image_mean", [0.48145466, 0.4578275, 0.40821073]),
                               np.float32).reshape(3, 1, 1)
        self.std = np.asarray(pp.get("image_std", [0.26862954, 0.26130258, 0.27577711]),
                              np.float32).reshape(3, 1, 1)
        self._label_cache: dict[tuple[str, ...], np.ndarray] = {}
        self._label_lock = threading.Lock()
        self.model = None
        self.tokenizer = None
        self._max_text = int((cfg.get("text_config") or {}).get("max_position_embeddings") or 77)

    # -- loading -----------------------------------------------------------------------------
    def _load(self) -> None:
        import torch
        from transformers import AutoTokenizer
        from transformers import CLIPModel as HFClip

        dtype = torch.float16 if self.precision == "fp16" else torch.float32
        model = HFClip.from_pretrained(self.path, dtype=dtype)
        model.eval().to(self.device)
        self.tokenizer = AutoTokenizer.from_pretrained(self.path)
        self.model = model
        self.dim = int(model.config.projection_dim)
        self._dtype = dtype

    def _unload(self) -> None:
        self.model = None
        self.tokenizer = None
        self._reset_query_path()
        with self._label_lock:
            self._label_cache.clear()

    # -- images ------------------------------------------------------------------------------
    def preprocess(self, images: Sequence[Image.Image]) -> np.ndarray:
        """(n, 3, S, S) float32 pixels. Pure numpy/Pillow, no model: safe in decode workers."""
        out = np.empty((len(images), 3, self.image_size, self.image_size), np.float32)
        for i, img in enumerate(images):
            out[i] = self._prep_one(img)
        return out

    def _prep_one(self, img: Image.Image) -> np.ndarray:
        if img.mode != "RGB":
            img = img.convert("RGB")
        w, h = img.size
        s = self.resize_to
        if w <= h:
            nw, nh = s, max(1, round(h * s / w))
        else:
            nw, nh = max(1, round(w * s / h)), s
        if (nw, nh) != (w, h):
            # Large reductions go through reduce() first: same result, a fraction of the work.
            img = img.resize((nw, nh), self.resample, reducing_gap=3.0)
        c = self.image_size
        if self.do_center_crop:
            left, top = (nw - c) // 2, (nh - c) // 2
            img = img.crop((left, top, left + c, top + c))
        elif (nw, nh) != (c, c):
            img = img.resize((c, c), self.resample)
        arr = np.asarray(img, dtype=np.float32).transpose(2, 0, 1) / 255.0
        return (arr - self.mean) / self.std

    def embed_pixels(self, pixels: np.ndarray, batch_size: int | None = None) -> np.ndarray:
        """(n, dim) L2-normalised float32 vectors for preprocessed pixels."""
        pixels = np.asarray(pixels, np.float32)
        if len(pixels) == 0:
            return np.zeros((0, self.dim), np.float32)
        import torch

        def run(chunk):
            t = torch.from_numpy(np.ascontiguousarray(chunk)).to(self.device, self._dtype)
            with torch.inference_mode():
                feats = _features(self.model.get_image_features(pixel_values=t))
            return list(_normalise(feats.float().cpu().numpy()))

        with self._session():
            rows = self._batched(pixels, run, batch_size)
        return np.stack(rows).astype(np.float32)

    def embed_images(self, images: Sequence[Image.Image], batch_size: int | None = None) -> np.ndarray:
        if not images:
            return np.zeros((0, self.dim), np.float32)
        return self.embed_pixels(self.preprocess(images), batch_size)

    # -- text --------------------------------------------------------------------------------
    def embed_texts(self, texts: Sequence[str], batch_size: int | None = None) -> np.ndarray:
        texts = [str(t) for t in texts]
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        import torch

        def run(chunk):
            enc = self.tokenizer(list(chunk), padding=True, truncation=True,
                                 max_length=self._max_text, return_tensors="pt")
            enc = {k: v.to(self.device) for k, v in enc.items()}
            with torch.inference_mode():
                feats = _features(self.model.get_text_features(**enc))
            return list(_normalise(feats.float().cpu().numpy()))

        with self._session():
            rows = self._batched(texts, run, batch_size or 256)
        return np.stack(rows).astype(np.float32)

    def _encode_query(self, text: str) -> np.ndarray:
        tower = self._query_tower
        if tower is None:
            return self.embed_texts([text])[0]
        with self._session():
            enc = self.tokenizer([text], truncation=True, max_length=self._max_text,
                                 return_tensors="np")
        return _normalise(tower.run(enc))[0]

    def _export_query_encoder(self, target: Path):
        # the caller (onnx_text._make_query_tower) holds the model's session
        return clip_onnx.export(self.model, self.tokenizer, self._max_text, target)

    def zero_shot(self, image_vectors: np.ndarray, labels: Sequence[str]) -> np.ndarray:
        """(n, len(labels)) softmax probabilities; label vectors are cached per label list."""
        key = tuple(labels)
        with self._label_lock:
            lab = self._label_cache.get(key)
        if lab is None:
            lab = self.embed_texts(list(labels))
            with self._label_lock:
                self._label_cache[key] = lab
        vecs = np.asarray(image_vectors, np.float32).reshape(-1, lab.shape[1])
        logits = self.logit_scale * (vecs @ lab.T)
        logits -= logits.max(axis=1, keepdims=True)
        e = np.exp(logits)
        return (e / e.sum(axis=1, keepdims=True)).astype(np.float32)

    @property
    def logit_scale(self) -> float:
        with self._session():
            return float(min(100.0, self.model.logit_scale.exp().item()))


def _features(out):
    """transformers 5 returns a model output (pooler_output = projected features); 4.x a tensor."""
    return out if hasattr(out, "float") else out.pooler_output


def _normalise(x: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.maximum(n, 1e-12)
