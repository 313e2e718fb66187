"""Tags: words from the caption, and CLIP zero-shot labels from the vocabulary in
resources/labels/labels.txt."""

from __future__ import annotations

import functools
import hashlib
import logging
import re
from pathlib import Path

import numpy as np

from core.resources import resource_path
from models.datafiles import atomic_path

# CLIP zero-shot: keep up to this many labels a photo, each at least this probable (softmax
# over the whole vocabulary, so a clear subject scores well above 1/len(labels)).
CLIP_TOP_K = 5
CLIP_MIN_PROB = 0.08
PROMPT = "a photo of {}"

_WORD = re.compile(r"[a-z][a-z'-]*")
_IRREGULAR = {"people": "people", "children": "child", "men": "man", "women": "woman",
              "mice": "mouse", "geese": "goose", "teeth": "tooth", "feet": "foot",
              "leaves": "leaf", "knives": "knife", "wolves": "wolf", "shelves": "shelf",
              "glasses": "glasses", "sunglasses": "sunglasses", "jeans": "jeans",
              "stairs": "stairs", "stars": "stars", "fireworks": "fireworks",
              "vegetables": "vegetables", "grapes": "grapes", "friends": "friends",
              "clothes": "clothes", "shoes": "shoes"}


@functools.lru_cache(maxsize=1)
def labels() -> tuple[str, ...]:
    """The zero-shot vocabulary, in file order, without duplicates."""
    text = resource_path("labels", "labels.txt").read_text(encoding="utf-8")
    seen: dict[str, None] = {}
    for line in text.splitlines():
        line = line.strip().lower()
        if line and not line.startswith("#"):
            seen.setdefault(line, None)
    return tuple(seen)


def prompts() -> list[str]:
    return [PROMPT.format(label) for label in labels()]


log = logging.getLogger(__name__)


def label_vectors(clip, cache_dir: Path | None) -> np.ndarray:
    """The vocabulary's text vectors for this CLIP model. Embedding a few hundred prompts
    costs seconds to tens of seconds on a CPU, so they are kept on disk per model identity
    and vocabulary (a changed model or vocabulary simply makes a new file)."""
    texts = prompts()
    key = hashlib.sha256(("\n".join([clip.identity, *texts])).encode()).hexdigest()[:24]
    path = cache_dir / f"labels-{key}.npy" if cache_dir is not None else None
    if path is not None and path.exists():
        try:
            vecs = np.load(path, allow_pickle=False)
            if vecs.shape[0] == len(texts):
                return vecs
        except (OSError, ValueError) as e:
            log.debug("label vector cache %s unreadable: %s", path, e)
    vecs = np.asarray(clip.embed_texts(texts), dtype=np.float32)
    if path is not None:
        try:
            with atomic_path(path) as tmp, open(tmp, "wb") as f:
                np.save(f, vecs, allow_pickle=False)
        except OSError as e:  # a cache: failing to write it only costs time next run
            log.debug("cannot write label vector cache %s: %s", path, e)
    return vecs


def zero_shot(image_vectors: np.ndarray, label_vecs: np.ndarray, logit_scale: float
              ) -> np.ndarray:
    """Softmax over the vocabulary of scaled cosine similarities, as CLIP scores labels."""
    logits = logit_scale * (np.asarray(image_vectors, np.float32) @ label_vecs.T)
    logits -= logits.max(axis=1, keepdims=True)
    e = np.exp(logits)
    return e / e.sum(axis=1, keepdims=True)


def clip_tags(probs: np.ndarray, top_k: int = CLIP_TOP_K,
              min_prob: float = CLIP_MIN_PROB) -> list[list[tuple[str, float]]]:
    """(label, probability) pairs per row of zero-shot probabilities, best first."""
    names = labels()
    out = []
    for row in np.asarray(probs, dtype=np.float32):
        order = np.argsort(-row)[:top_k]
        out.append([(names[i], float(row[i])) for i in order if row[i] >= min_prob])
    return out


def _singular(word: str) -> str:
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ches", "shes", "xes", "sses")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def caption_tags(caption: str) -> list[str]:
    """Vocabulary labels the caption mentions ("two dogs on a beach" -> dog, beach), longest
    phrases first; a word inside a matched phrase is not repeated on its own."""
    vocab = set(labels())
    words = [_singular(w.strip("'-")) for w in _WORD.findall(caption.lower())]
    words = [w for w in words if w]
    found: list[str] = []
    used = [False] * len(words)
    for n in (3, 2, 1):
        for i in range(len(words) - n + 1):
            if any(used[i:i + n]):
                continue
            phrase = " ".join(words[i:i + n])
            if phrase in vocab:
                found.append(phrase)
                for j in range(i, i + n):
                    used[j] = True
    return list(dict.fromkeys(found))
