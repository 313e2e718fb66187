"""Chat completion with JSON-schema answers: transformers causal LMs or GGUF via llama.cpp.

complete_json() asks for one JSON object matching a pydantic model; the reply is repaired
(code fences stripped, the first balanced JSON object extracted, trailing commas dropped),
validated, retried a bounded number of times with the error fed back, then reported as
LLMOutputError. The GGUF backend also constrains decoding with the JSON schema, so a real model
there answers valid JSON at the first try; a tiny random test model never does, which is what
exercises the fallback paths of the features built on top.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import secrets
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

from models.base import ModelWrapper
from models.datafiles import make_dir, tighten
from models.errors import LLMOutputError, ModelUnavailable

log = logging.getLogger(__name__)
M = TypeVar("M")

_FENCE = re.compile(r"```(?:json|JSON)?\s*(.*?)```", re.DOTALL)
_TRAILING_COMMA = re.compile(r",\s*([}\]])")


# -- repair and validation ---------------------------------------------------------------------

def first_json_object(text: str) -> str | None:
    """The first balanced {...} in text, honouring strings and escapes."""
    return next(iter_json_objects(text), None)


def iter_json_objects(text: str, limit: int = 50):
    """Balanced {...} spans in order of their opening brace (at most `limit`)."""
    start = text.find("{")
    while start != -1 and limit > 0:
        depth, in_str, esc = 0, False, False
        for i in range(start, len(text)):
            c = text[i]
            if in_str:
                if esc:
                    esc = False
                elif c == "\\":
                    esc = True
                elif c == '"':
                    in_str = False
            elif c == '"':
                in_str = True
            elif c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
                if depth == 0:
                    limit -= 1
                    yield text[start:i + 1]
                    break
        start = text.find("{", start + 1)


def parse_reply(raw: str, schema: type[M]) -> M:
    """Repair and validate an LLM reply. Raises ValueError (incl. pydantic ValidationError)."""
    text = raw.strip()
    fenced = _FENCE.search(text)
    candidates = []
    if fenced:
        candidates.append(fenced.group(1).strip())
    candidates.append(text)
    candidates.extend(iter_json_objects(text))
    last: Exception = ValueError("the reply holds no JSON object")
    for cand in candidates:
        for variant in (cand, _TRAILING_COMMA.sub(r"\1", cand)):
            try:
                data = json.loads(variant)
            except ValueError as e:
                last = e
                continue
            if not isinstance(data, dict):
                last = ValueError("the reply is JSON but not an object")
                continue
            return schema.model_validate(data)  # ValidationError (a ValueError) if it does not fit
    raise ValueError(f"no valid JSON object in the reply ({last})")


def _short(e: Exception, n: int = 300) -> str:
    return re.sub(r"\s+", " ", str(e))[:n]


# -- the wrapper --------------------------------------------------------------------------------

class LLM(ModelWrapper):
    role = "llm"
    backend = ""

    def __init__(self, path, **kw):
        kw.setdefault("batch_size", 1)
        # Half the logical CPUs (about the physical cores), at most 4. More threads than free
        # cores is far worse than fewer: llama.cpp's threads spin-wait on each other every layer,
        # and on this shared 2-core machine 2 threads generated 8x slower than 1.
        self.cpu_threads = (int(kw.pop("cpu_threads", 0) or 0)
                            or max(1, min(4, (os.cpu_count() or 2) // 2)))
        super().__init__(path, **kw)
        self.last_stats: dict[str, float] = {}

    def chat(self, messages: Sequence[dict], max_tokens: int = 256) -> str:
        with self._session():
            return self._generate(list(messages), max_tokens, None, 0).strip()

    def complete_json(self, messages: Sequence[dict], schema: type[M], max_tokens: int = 256,
                      attempts: int = 3) -> M:
        js = schema.model_json_schema()
        instruction = ("Reply with only one JSON object that matches this JSON schema. No prose, no "
                       "code fences.\nSchema: " + json.dumps(js, separators=(",", ":")))
        msgs = _with_system(list(messages), instruction)
        raw, err = "", ""
        with self._session():
            for attempt in range(max(1, attempts)):
                raw = self._generate(msgs, max_tokens, js, attempt)
                try:
                    return parse_reply(raw, schema)
                except ValueError as e:
                    err = _short(e)
                    log.info("LLM reply %d not valid %s: %s", attempt + 1, schema.__name__, err)
                msgs = msgs + [
                    {"role": "assistant", "content": raw[:500]},
                    {"role": "user", "content": f"That was not valid ({err}). Reply again with "
                                                f"only the JSON object."},
                ]
        raise LLMOutputError(
            f"the language model did not return a valid {schema.__name__} after {max(1, attempts)} "
            f"attempts ({err}); Shoebox falls back to a simpler result", raw=raw)

    def _generate(self, messages: list[dict], max_tokens: int, json_schema: dict | None,
                  attempt: int) -> str:
        raise NotImplementedError


def _with_system(messages: list[dict], instruction: str) -> list[dict]:
    if messages and messages[0].get("role") == "system":
        return [{"role": "system", "content": messages[0]["content"] + "\n\n" + instruction}] + messages[1:]
    return [{"role": "system", "content": instruction}] + messages


class TransformersLLM(LLM):
    """Any Hugging Face causal LM; 4-bit nf4 through bitsandbytes on CUDA."""

    backend = "transformers"

    def _load(self) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        kwargs: dict[str, Any] = {}
        if self.precision == "nf4":
            from transformers import BitsAndBytesConfig

            kwargs["quantization_config"] = BitsAndBytesConfig(
                load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=torch.float16)
            kwargs["device_map"] = {"": 0}
            dtype = torch.float16
        else:
            dtype = torch.float16 if self.precision == "fp16" else torch.float32
        if self.device == "cpu":
            torch.set_num_threads(max(1, min(torch.get_num_threads(), self.cpu_threads)))
        model = AutoModelForCausalLM.from_pretrained(self.path, dtype=dtype, **kwargs)
        if "device_map" not in kwargs:
            model.to(self.device)
        model.eval()
        self.tokenizer = AutoTokenizer.from_pretrained(self.path)
        self.model = model

    def _unload(self) -> None:
        self.model = None
        self.tokenizer = None

    def _prompt(self, messages: list[dict]) -> str:
        tok = self.tokenizer
        if getattr(tok, "chat_template", None):
            return tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        lines = [f"{m['role']}: {m['content']}" for m in messages]
        return "\n".join(lines) + "\nassistant:"

    def _generate(self, messages, max_tokens, json_schema, attempt) -> str:
        import torch

        enc = self.tokenizer(self._prompt(messages), return_tensors="pt", add_special_tokens=False)
        enc = {k: v.to(self.model.device) for k, v in enc.items()}
        gen: dict[str, Any] = {"max_new_tokens": max_tokens,
                                   "pad_token_id": self.tokenizer.pad_token_id or self.tokenizer.eos_token_id}
        if attempt > 0:  # a retry that decodes greedily again would often repeat the same mistake
            gen.update(do_sample=True, temperature=0.7, top_p=0.95)
        else:
            gen.update(do_sample=False)
        t0 = time.perf_counter()
        with torch.inference_mode():
            out = self.model.generate(**enc, **gen)
        new = out[0, enc["input_ids"].shape[1]:]
        dt = time.perf_counter() - t0
        self.last_stats = {"completion_tokens": int(new.shape[0]), "seconds": dt,
                           "prompt_tokens": int(enc["input_ids"].shape[1])}
        return self.tokenizer.decode(new, skip_special_tokens=True)


class GGUFLLM(LLM):
    """A GGUF model through llama.cpp (xllamacpp); decoding constrained by the JSON schema.

    Shoebox calls the model in-process (handle_chat_completions), but xllamacpp's Server
    always starts llama.cpp's HTTP endpoint too, on 127.0.0.1 by default, with /health open
    and CORS open to every origin. It is bound instead to a Unix socket (llama.cpp takes a
    host ending in .sock for one) made in a 0700 folder, made 0600, and then unlinked at once:
    nothing listens on the network, and with no name left nothing can connect to it at all.
    """

    backend = "gguf"

    def __init__(self, path, n_ctx: int = 4096, socket_dir: Path | None = None, **kw):
        super().__init__(path, **kw)
        self.n_ctx = n_ctx
        self.socket_dir = Path(socket_dir) if socket_dir else None  # the data folder's run/
        self._server = None

    def _load(self) -> None:
        import xllamacpp as xlc

        p = xlc.CommonParams()
        p.model.path = str(self.path)
        p.n_ctx = self.n_ctx
        p.n_parallel = 1
        p.cpuparams.n_threads = self.cpu_threads
        p.cpuparams_batch.n_threads = self.cpu_threads
        p.n_gpu_layers = 999 if self.device == "cuda" else 0
        p.warmup = False
        p.verbosity = 0 if log.isEnabledFor(logging.DEBUG) else -1  # llama.cpp is chatty on stderr
        p.api_keys = [secrets.token_hex(24)]  # and a key nobody knows, should it ever be reached
        with _private_socket(self.socket_dir) as sock:
            p.hostnames = [str(sock)]
            server = xlc.Server(p)
            tighten(sock)
        address = str(server.listening_address)
        if not address.startswith("unix:"):  # a newer xllamacpp that ignored the socket path
            del server
            raise ModelUnavailable("llm", f"llama.cpp opened a network endpoint ({address}) "
                                          f"instead of a private socket; Shoebox does not use it")
        self._server = server

    def _unload(self) -> None:
        self._server = None  # its destructor stops llama.cpp's loop and frees the weights

    def _generate(self, messages, max_tokens, json_schema, attempt) -> str:
        req: dict[str, Any] = {"messages": messages, "max_tokens": max_tokens,
                               "temperature": 0.0 if attempt == 0 else 0.7}
        if json_schema is not None:
            req["json_schema"] = json_schema
        t0 = time.perf_counter()
        try:
            res = self._server.handle_chat_completions(req)
        except RuntimeError as e:  # llama.cpp could not parse what the model wrote
            raise LLMOutputError(f"the GGUF model's answer could not be read: {e}") from e
        dt = time.perf_counter() - t0
        if not isinstance(res, dict) or "error" in res or not res.get("choices"):
            err = res.get("error") if isinstance(res, dict) else res
            raise LLMOutputError(f"the GGUF model failed to answer: {err}")
        usage = res.get("usage") or {}
        self.last_stats = {"completion_tokens": int(usage.get("completion_tokens", 0)),
                           "prompt_tokens": int(usage.get("prompt_tokens", 0)), "seconds": dt}
        timings = res.get("timings") or {}
        if timings.get("predicted_per_second"):
            self.last_stats["tokens_per_s"] = float(timings["predicted_per_second"])
        return res["choices"][0].get("message", {}).get("content") or ""


# sockaddr_un holds 108 bytes on Linux, 104 on macOS: a longer path cannot be bound
_SUN_PATH_MAX = 100


@contextlib.contextmanager
def _private_socket(folder: Path | None):
    """A fresh socket path for llama.cpp to bind, in `folder` (made 0700), or in a new 0700
    temporary folder when there is none or its path is too long for a socket; the path is
    unlinked when the block ends (the bound socket lives on, unreachable by name)."""
    name = f"llm-{os.getpid()}-{secrets.token_hex(4)}.sock"
    tmpdir = None
    if folder is None or len(os.fsencode(folder / name)) > _SUN_PATH_MAX:
        tmpdir = Path(tempfile.mkdtemp(prefix="shoebox-"))  # 0700, by mkdtemp's contract
        folder = tmpdir
    make_dir(folder)
    sock = folder / name
    try:
        yield sock
    finally:
        with contextlib.suppress(OSError):
            sock.unlink()
        if tmpdir is not None:
            with contextlib.suppress(OSError):
                tmpdir.rmdir()


def make_llm(path: str | Path, kind: str = "", socket_dir: Path | None = None, **kw) -> LLM:
    path = Path(path)
    if kind == "gguf" or path.suffix.lower() == ".gguf":
        return GGUFLLM(path, socket_dir=socket_dir, **kw)
    return TransformersLLM(path, **kw)
