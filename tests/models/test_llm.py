"""The LLM JSON path: repair and validation, and bounded retries ending in LLMOutputError on
the garbage a tiny random model produces."""

from __future__ import annotations

import contextlib
import os
import stat

import pydantic
import pytest

from models import LLMOutputError
from models.llm import first_json_object, parse_reply
from tests.sockets import network_listeners, reachable_unix_listeners


class ClusterName(pydantic.BaseModel):
    name: str
    keywords: list[str] = []


@pytest.mark.parametrize("raw", [
    '{"name": "Beach days", "keywords": ["sea"]}',
    '```json\n{"name": "Beach days", "keywords": ["sea"]}\n```',
    'Sure! Here it is: {"name": "Beach days", "keywords": ["sea",]} Hope that helps.',
    'x {not json} then {"name": "Beach days", "keywords": ["sea"]}',
    '{"name": "Beach {days}", "keywords": ["sea"]} {"name": "other"}',
])
def test_replies_are_repaired(raw):
    out = parse_reply(raw, ClusterName)
    assert out.name.startswith("Beach") and out.keywords == ["sea"]


@pytest.mark.parametrize("raw", ["", "no json here", '{"keywords": []}', '["a list"]',
                                 '{"name": "unterminated'])
def test_unrepairable_replies_raise_value_error(raw):
    with pytest.raises(ValueError):
        parse_reply(raw, ClusterName)


def test_first_json_object_respects_strings():
    assert first_json_object('a {"k": "}{"} b') == '{"k": "}{"}'
    assert first_json_object("none") is None


def test_random_model_garbage_retries_then_raises(registry):
    llm = registry.llm()
    assert llm.backend == "transformers"
    calls = []
    orig = llm._generate

    def counting(*a):
        calls.append(a[3])
        return orig(*a)

    llm._generate = counting  # count attempts on the real model (not a mock of it)
    with pytest.raises(LLMOutputError, match="ClusterName after 3 attempts") as ei:
        llm.complete_json([{"role": "user", "content": "Name these photos: beach, sea."}],
                          ClusterName, max_tokens=12, attempts=3)
    assert calls == [0, 1, 2]
    assert isinstance(ei.value.raw, str)


def test_chat_returns_text(registry):
    out = registry.llm().chat([{"role": "user", "content": "hello"}], max_tokens=8)
    assert isinstance(out, str)
    assert registry.llm().last_stats["completion_tokens"] <= 8


# -- the GGUF backend listens on nothing ----------------------------------------------------------

needs_proc = pytest.mark.skipif(not os.path.exists("/proc/net/tcp"),
                                reason="reads the socket tables in /proc: Linux, not every POSIX system")


@needs_proc
def test_loaded_gguf_llm_opens_no_port(tiny_models, tiny_settings, paths):
    """llama.cpp's server code always starts an HTTP endpoint (127.0.0.1 by default, /health
    open, CORS open to every origin). While the GGUF model is loaded and answering, this
    process must have no listening TCP or UDP socket, and no Unix socket anyone can reach."""
    from models import Registry

    tiny_settings.models["llm"] = str(tiny_models["gguf"])
    assert network_listeners() == []
    registry = Registry(tiny_settings, paths)
    try:
        llm = registry.llm()
        assert llm.backend == "gguf"
        llm.load()
        assert network_listeners() == []
        assert reachable_unix_listeners() == []
        # still asked in-process, decoding constrained by the JSON schema (random weights
        # may run out of tokens inside a string: then the usual LLMOutputError)
        with contextlib.suppress(LLMOutputError):
            llm.complete_json([{"role": "user", "content": "Name: beach, sea."}], ClusterName,
                              max_tokens=24, attempts=1)
        assert isinstance(llm.chat([{"role": "user", "content": "hi"}], max_tokens=4), str)
        assert network_listeners() == [] and reachable_unix_listeners() == []
        run = paths.home / "run"
        assert run.is_dir() and list(run.iterdir()) == []  # the socket's name is gone
        assert stat.S_IMODE(run.stat().st_mode) == 0o700
    finally:
        registry.close()


@needs_proc
def test_gguf_socket_path_too_long_for_a_socket_goes_to_a_private_temporary_folder(
        tiny_models, tmp_path):
    from models.llm import GGUFLLM

    deep = tmp_path / ("x" * 60) / ("y" * 60)
    llm = GGUFLLM(tiny_models["gguf"], socket_dir=deep, n_ctx=256)
    try:
        llm.load()
        assert network_listeners() == [] and reachable_unix_listeners() == []
        assert llm.chat([{"role": "user", "content": "hi"}], max_tokens=4) is not None
    finally:
        llm.unload()
