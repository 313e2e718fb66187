"""Tiny random-weight models built from configs, for tests (and nothing else).

Each builder writes a complete model folder — config, safetensors weights, tokenizer files —
that loads through exactly the code users run. No hub access: tokenizers are built here from
a byte-level alphabet (every text tokenizes; nothing is ever unknown). Each takes well under
a couple of seconds.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

log = logging.getLogger(__name__)


def _quiet_transformers() -> None:
    from transformers.utils import logging as tlog

    tlog.set_verbosity_error()
    tlog.disable_progress_bar()


def _seed(seed: int = 0) -> None:
    import torch

    torch.manual_seed(seed)


def byte_alphabet() -> list[str]:
    from tokenizers.pre_tokenizers import ByteLevel

    return sorted(ByteLevel.alphabet())


# -- CLIP ------------------------------------------------------------------------------------

def build_tiny_clip(folder: str | Path, *, image_size: int = 32, dim: int = 16,
                    seed: int = 0) -> Path:
    """A CLIPModel (2-layer towers, 32 px images, `dim`-d projections) + CLIP BPE tokenizer."""
    _quiet_transformers()
    _seed(seed)
    from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel, CLIPTokenizer

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    vocab: dict[str, int] = {"<|startoftext|>": 0, "<|endoftext|>": 1}
    for c in byte_alphabet():
        vocab[c] = len(vocab)
    for c in byte_alphabet():
        vocab[c + "</w>"] = len(vocab)
    # a few merges so common words become single tokens, as with a real BPE
    merges = [("p", "h"), ("o", "t"), ("ph", "ot"), ("o</w>", ""), ("a", "t"), ("d", "o")]
    merges = [m for m in merges if m[1]]
    for a, b in merges:
        vocab.setdefault(a + b, len(vocab))
    tok = CLIPTokenizer(vocab=vocab, merges=merges)
    cfg = CLIPConfig(
        text_config=dict(vocab_size=len(vocab), hidden_size=32, intermediate_size=64,
                         num_hidden_layers=2, num_attention_heads=2, max_position_embeddings=77,
                         bos_token_id=0, eos_token_id=1, pad_token_id=1),
        vision_config=dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                           num_attention_heads=2, image_size=image_size, patch_size=8),
        projection_dim=dim,
    )
    CLIPModel(cfg).save_pretrained(folder)
    tok.save_pretrained(folder)
    CLIPImageProcessor(size={"shortest_edge": image_size},
                       crop_size={"height": image_size, "width": image_size}).save_pretrained(folder)
    return folder


def build_tiny_st_clip(folder: str | Path, **kw) -> Path:
    """The same tiny CLIP in a sentence-transformers layout (modules.json + 0_CLIPModel/)."""
    folder = Path(folder)
    build_tiny_clip(folder / "0_CLIPModel", **kw)
    (folder / "modules.json").write_text(json.dumps(
        [{"idx": 0, "name": "0", "path": "0_CLIPModel", "type": "sentence_transformers.models.CLIPModel"}]))
    return folder


# -- the session fixture's lazy table ----------------------------------------------------------

BUILDERS = {
    "clip": build_tiny_clip,
}


class TinyModels(dict):
    """role -> tiny model folder, each built on first access (and only once)."""

    def __init__(self, root: str | Path):
        super().__init__()
        self.root = Path(root)

    @property
    def roles(self) -> tuple[str, ...]:
        return tuple(BUILDERS)

    def __missing__(self, role: str) -> Path:
        if role in EXTRA_BUILDERS:
            builder = EXTRA_BUILDERS[role]
        elif role in BUILDERS:
            builder = BUILDERS[role]
        else:
            raise KeyError(role)
        path = builder(self.root / role)
        self[role] = path
        return path

    def __iter__(self):
        return iter(self.roles)

    def __len__(self) -> int:
        return len(self.roles)


# Non-default variants tests may ask for by name (e.g. tiny_models["st_clip"]).
EXTRA_BUILDERS = {
    "st_clip": build_tiny_st_clip,
}
