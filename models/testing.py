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

def clip_config(vocab_size: int, dim: int, image_size: int, full_size: bool = False):
    from transformers import CLIPConfig

    # the text tower pools at the end-of-text token: it must be this vocabulary's (id 1). With
    # CLIPConfig's default (49407) nothing matched, the start token was pooled, and every text
    # got the same vector - which made the search benchmarks' per-query work look free.
    tokens = {"bos_token_id": 0, "eos_token_id": 1, "pad_token_id": 1}
    if full_size:  # defaults = ViT-B/32 (vision 768x12, text 512x12, 512-d projection)
        return CLIPConfig(text_config=tokens)
    return CLIPConfig(
        text_config={"vocab_size": vocab_size, "hidden_size": 32, "intermediate_size": 64,
                     "num_hidden_layers": 2, "num_attention_heads": 2,
                     "max_position_embeddings": 77, **tokens},
        vision_config={"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
                       "num_attention_heads": 2, "image_size": image_size, "patch_size": 8},
        projection_dim=dim,
    )


def build_tiny_clip(folder: str | Path, *, image_size: int = 32, dim: int = 16,
                    seed: int = 0, full_size: bool = False) -> Path:
    """A CLIPModel (2-layer towers, 32 px images, `dim`-d projections) + CLIP BPE tokenizer.

    full_size=True builds the real ViT-B/32 architecture (CLIPConfig defaults, 224 px, 512-d)
    with random weights: compute does not depend on weight values, so speed benchmarks use it."""
    _quiet_transformers()
    _seed(seed)
    from transformers import CLIPImageProcessor, CLIPModel, CLIPTokenizer

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
    if full_size:
        image_size = 224
    cfg = clip_config(len(vocab), dim, image_size, full_size)
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


# -- BLIP / BLIP-2 --------------------------------------------------------------------------

_WORDS = ["a", "photo", "of", "dog", "cat", "the", "beach", "people", "sunset", "party", "?", ".", ","]


def _tiny_vision(image_size: int) -> dict:
    return {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 2,
                "image_size": image_size, "patch_size": 8}


def build_tiny_blip(folder: str | Path, *, image_size: int = 32, seed: int = 0) -> Path:
    """A BlipForConditionalGeneration (captioning head) with a tiny WordPiece tokenizer."""
    _quiet_transformers()
    _seed(seed)
    from transformers import (
        BertTokenizer,
        BlipConfig,
        BlipForConditionalGeneration,
        BlipImageProcessor,
        BlipProcessor,
    )

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "[DEC]"] + list("abcdefghijklmnopqrstuvwxyz")
    words += ["##" + c for c in "abcdefghijklmnopqrstuvwxyz"] + _WORDS
    vocab: dict[str, int] = {}
    for w in words:
        vocab.setdefault(w, len(vocab))
    tok = BertTokenizer(vocab=vocab, do_lower_case=True, bos_token="[DEC]")
    cfg = BlipConfig(
        text_config={"vocab_size": len(vocab), "hidden_size": 32, "intermediate_size": 64,
                         "num_hidden_layers": 2, "num_attention_heads": 2, "max_position_embeddings": 64,
                         "bos_token_id": vocab["[DEC]"], "pad_token_id": 0, "sep_token_id": vocab["[SEP]"],
                         "eos_token_id": vocab["[SEP]"]},
        vision_config=_tiny_vision(image_size), projection_dim=16)
    BlipForConditionalGeneration(cfg).save_pretrained(folder)
    BlipProcessor(image_processor=BlipImageProcessor(size={"height": image_size, "width": image_size}),
                  tokenizer=tok).save_pretrained(folder)
    return folder


def _byte_bpe_vocab(specials: list[str]) -> dict[str, int]:
    vocab: dict[str, int] = {}
    for s in specials:
        vocab[s] = len(vocab)
    for c in byte_alphabet():
        vocab.setdefault(c, len(vocab))
    return vocab


def build_tiny_blip2(folder: str | Path, *, image_size: int = 32, seed: int = 0) -> Path:
    """A Blip2ForConditionalGeneration (tiny ViT + Q-Former + OPT) with a byte-level tokenizer."""
    _quiet_transformers()
    _seed(seed)
    from transformers import (
        Blip2Config,
        Blip2ForConditionalGeneration,
        Blip2Processor,
        BlipImageProcessor,
        GPT2Tokenizer,
    )

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    vocab = _byte_bpe_vocab(["<pad>", "</s>", "<unk>"])
    vocab["<image>"] = len(vocab)
    tok = GPT2Tokenizer(vocab=vocab, merges=[], unk_token="<unk>", bos_token="</s>",
                        eos_token="</s>", pad_token="<pad>", add_prefix_space=False)
    n = len(vocab)
    cfg = Blip2Config(
        vision_config=_tiny_vision(image_size),
        qformer_config={"vocab_size": n, "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
                            "num_attention_heads": 2, "encoder_hidden_size": 32, "max_position_embeddings": 64},
        text_config={"model_type": "opt", "vocab_size": n, "hidden_size": 32, "ffn_dim": 64,
                         "num_hidden_layers": 2, "num_attention_heads": 2, "max_position_embeddings": 128,
                         "word_embed_proj_dim": 32, "bos_token_id": 1, "eos_token_id": 1, "pad_token_id": 0},
        num_query_tokens=4, image_token_index=vocab["<image>"])
    Blip2ForConditionalGeneration(cfg).save_pretrained(folder)
    Blip2Processor(image_processor=BlipImageProcessor(size={"height": image_size, "width": image_size}),
                   tokenizer=tok, num_query_tokens=4).save_pretrained(folder)
    return folder


# -- causal LM ---------------------------------------------------------------------------------

CHATML = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def build_tiny_causal_lm(folder: str | Path, *, seed: int = 0) -> Path:
    """A 2-layer Qwen2ForCausalLM with a byte-level BPE tokenizer and a ChatML chat template.
    Random weights: it emits garbage, which is what the LLM fallback paths need."""
    _quiet_transformers()
    _seed(seed)
    from tokenizers import Tokenizer, decoders, pre_tokenizers
    from tokenizers.models import BPE
    from transformers import PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    vocab = _byte_bpe_vocab(specials)
    merges = [("{", "\""), ("\"", ":"), ("\"", "}")]
    for a, b in merges:
        vocab.setdefault(a + b, len(vocab))
    bpe = Tokenizer(BPE(vocab=vocab, merges=merges))
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    tok = PreTrainedTokenizerFast(tokenizer_object=bpe, eos_token="<|im_end|>",
                                  pad_token="<|endoftext|>", additional_special_tokens=specials[1:])
    tok.chat_template = CHATML
    cfg = Qwen2Config(vocab_size=len(vocab), hidden_size=32, intermediate_size=64,
                      num_hidden_layers=2, num_attention_heads=2, num_key_value_heads=1,
                      max_position_embeddings=512, eos_token_id=vocab["<|im_end|>"],
                      pad_token_id=vocab["<|endoftext|>"], bos_token_id=None,
                      tie_word_embeddings=True)
    Qwen2ForCausalLM(cfg).save_pretrained(folder)
    tok.save_pretrained(folder)
    return folder


# -- GGUF (llama.cpp) ----------------------------------------------------------------------------

def build_tiny_gguf(folder: str | Path, *, seed: int = 0) -> Path:
    """A 1-layer llama-architecture GGUF with random float32 weights and a byte-fallback
    SentencePiece vocabulary (every text tokenizes), written here in the GGUF v3 layout
    llama.cpp reads. It loads and decodes, under a JSON schema too, through xllamacpp as the
    packaged model does; the text is garbage. Returns the .gguf file."""
    import struct

    import numpy as np

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    tokens = ["<unk>", "<s>", "</s>"] + [f"<0x{b:02X}>" for b in range(256)]
    types = [2, 3, 3] + [6] * 256  # unknown, control, control, byte
    n_vocab, n_embd, n_ff, n_head = len(tokens), 32, 64, 2

    def string(text: str) -> bytes:
        raw = text.encode("utf-8")
        return struct.pack("<Q", len(raw)) + raw

    u32, f32, s, arr = 4, 6, 8, 9
    kv = [("general.architecture", s, "llama"), ("general.name", s, "shoebox-tiny-test"),
          ("llama.context_length", u32, 2048), ("llama.embedding_length", u32, n_embd),
          ("llama.block_count", u32, 1), ("llama.feed_forward_length", u32, n_ff),
          ("llama.attention.head_count", u32, n_head), ("llama.attention.head_count_kv", u32, n_head),
          ("llama.attention.layer_norm_rms_epsilon", f32, 1e-5),
          ("tokenizer.ggml.model", s, "llama"), ("tokenizer.ggml.tokens", arr, (s, tokens)),
          ("tokenizer.ggml.scores", arr, (f32, [0.0] * n_vocab)),
          ("tokenizer.ggml.token_type", arr, (5, types)),  # int32
          ("tokenizer.ggml.bos_token_id", u32, 1), ("tokenizer.ggml.eos_token_id", u32, 2),
          ("tokenizer.ggml.unknown_token_id", u32, 0),
          # no "▁" before the text: the JSON grammar must match the prompt's bytes exactly
          ("tokenizer.ggml.add_space_prefix", 7, False)]
    one = {u32: "<I", f32: "<f", 5: "<i", 7: "<?"}

    def value(kind: int, v) -> bytes:
        if kind == s:
            return string(v)
        if kind == arr:
            inner, items = v
            head = struct.pack("<IQ", inner, len(items))
            return head + b"".join(value(inner, x) for x in items)
        return struct.pack(one[kind], v)

    # ggml lists a tensor's dimensions innermost first: numpy shape (rows, cols) is [cols, rows]
    shapes = {"token_embd.weight": (n_vocab, n_embd), "output_norm.weight": (n_embd,),
              "output.weight": (n_vocab, n_embd), "blk.0.attn_norm.weight": (n_embd,),
              "blk.0.attn_q.weight": (n_embd, n_embd), "blk.0.attn_k.weight": (n_embd, n_embd),
              "blk.0.attn_v.weight": (n_embd, n_embd), "blk.0.attn_output.weight": (n_embd, n_embd),
              "blk.0.ffn_norm.weight": (n_embd,), "blk.0.ffn_gate.weight": (n_ff, n_embd),
              "blk.0.ffn_up.weight": (n_ff, n_embd), "blk.0.ffn_down.weight": (n_embd, n_ff)}
    align = 32
    infos, data = b"", b""
    for name, shape in shapes.items():
        t = (np.ones(shape) if name.endswith("norm.weight") else rng.normal(0, 0.2, shape))
        infos += string(name) + struct.pack("<I", len(shape))
        infos += b"".join(struct.pack("<Q", d) for d in reversed(shape))
        infos += struct.pack("<IQ", 0, len(data))  # type F32, offset in the data section
        data += t.astype("<f4").tobytes()
        data += b"\0" * (-len(data) % align)
    head = b"GGUF" + struct.pack("<IQQ", 3, len(shapes), len(kv))
    head += b"".join(string(k) + struct.pack("<I", kind) + value(kind, v) for k, kind, v in kv)
    head += infos
    head += b"\0" * (-len(head) % align)
    target = folder / "tiny.gguf"
    target.write_bytes(head + data)
    return target


# -- Whisper (CTranslate2) ---------------------------------------------------------------------

def build_tiny_whisper(folder: str | Path, *, seed: int = 0) -> Path:
    """A 1-layer random WhisperForConditionalGeneration converted to CTranslate2 with
    ctranslate2's TransformersConverter (what faster-whisper loads), plus a tokenizer.json with
    Whisper's special tokens. The vocabulary is padded to the multilingual size so language
    detection runs, as with real multilingual models."""
    _quiet_transformers()
    _seed(seed)
    import shutil
    import tempfile

    from ctranslate2.converters import TransformersConverter
    from faster_whisper.tokenizer import _LANGUAGE_CODES
    from tokenizers import Tokenizer, decoders, pre_tokenizers
    from tokenizers.models import BPE
    from transformers import PreTrainedTokenizerFast, WhisperConfig, WhisperForConditionalGeneration

    folder = Path(folder)
    vocab: dict[str, int] = {}
    for c in byte_alphabet():
        vocab[c] = len(vocab)
    while len(vocab) < 50257:  # real multilingual Whisper: <|endoftext|> is 50257
        vocab[f"tok{len(vocab)}"] = len(vocab)
    langs = [f"<|{code}|>" for code in _LANGUAGE_CODES if code != "yue"]  # 99, as base/small
    specials = (["<|endoftext|>", "<|startoftranscript|>"] + langs +
                ["<|translate|>", "<|transcribe|>", "<|startoflm|>", "<|startofprev|>",
                 "<|nospeech|>", "<|notimestamps|>"] + [f"<|{i * 0.02:.2f}|>" for i in range(1501)])
    for s in specials:
        vocab[s] = len(vocab)
    bpe = Tokenizer(BPE(vocab=vocab, merges=[]))
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    eot = "<|endoftext|>"
    tok = PreTrainedTokenizerFast(tokenizer_object=bpe, eos_token=eot, pad_token=eot, bos_token=eot,
                                  unk_token=eot, additional_special_tokens=specials[1:])
    cfg = WhisperConfig(
        vocab_size=len(vocab), num_mel_bins=80, d_model=32, encoder_layers=1, decoder_layers=1,
        encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=64, decoder_ffn_dim=64,
        max_source_positions=1500, max_target_positions=448,
        decoder_start_token_id=vocab["<|startoftranscript|>"], eos_token_id=vocab[eot],
        pad_token_id=vocab[eot], bos_token_id=vocab[eot], begin_suppress_tokens=None,
        suppress_tokens=None)
    model = WhisperForConditionalGeneration(cfg)
    model.generation_config.alignment_heads = [[0, 0], [0, 1]]
    with tempfile.TemporaryDirectory() as hf:
        model.save_pretrained(hf)
        tok.save_pretrained(hf)
        if folder.exists():
            shutil.rmtree(folder)
        TransformersConverter(hf, copy_files=["tokenizer.json"]).convert(str(folder), force=True)
    return folder


# -- the session fixture's lazy table ----------------------------------------------------------

BUILDERS = {
    "clip": build_tiny_clip,
    "caption": build_tiny_blip,
    "whisper": build_tiny_whisper,
    "llm": build_tiny_causal_lm,
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
    "blip2": build_tiny_blip2,
    "gguf": build_tiny_gguf,
}


def main(argv: list[str] | None = None) -> int:
    """`python -m models.testing OUTDIR`: build the random-weight test models into OUTDIR and
    print the commands that point Shoebox at them. For developers on a machine without the
    hub: every code path (index, search, collections, reorganize, undo) then runs end to end,
    but the results mean nothing — these models have never seen a photo."""
    import argparse

    ap = argparse.ArgumentParser(prog="python -m models.testing", description=main.__doc__)
    ap.add_argument("outdir", type=Path)
    ap.add_argument("--roles", default="clip,caption", help="comma-separated roles to build")
    args = ap.parse_args(argv)
    for role in [r.strip() for r in args.roles.split(",") if r.strip()]:
        if role not in BUILDERS:
            ap.error(f"unknown role {role!r}; choose from {', '.join(BUILDERS)}")
        path = BUILDERS[role](args.outdir.resolve() / role)
        print(f"shoebox models use {role} {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
