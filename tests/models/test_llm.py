"""The LLM JSON path: repair and validation, and bounded retries ending in LLMOutputError on
the garbage a tiny random model produces."""

from __future__ import annotations

import pydantic
import pytest

from models import LLMOutputError
from models.llm import first_json_object, parse_reply


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
