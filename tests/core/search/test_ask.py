"""Ask about a photo: facts gathered, the LLM kept honest, fallbacks when it cannot answer.

The LLM is faked only at the boundary of the llm role (an object with complete_json), as the
issue allows; the real tiny models are exercised in test_with_models.py.
"""

from __future__ import annotations

import json

import pytest

from core.cli.main import main
from core.errors import ShoeboxError
from core.search import SearchError, ask, rerank
from core.search.answers import DONT_KNOW, AskReply, RerankReply, photo_facts
from core.search.types import Hit, Results
from tests.core.search import planting as P


class Unavailable(ShoeboxError):
    pass


class BoundaryRegistry:
    """Answers the llm role with canned replies (or errors); no captioner."""

    def __init__(self, replies):
        self.replies = list(replies)
        self.calls = []

    def captioner(self):
        raise Unavailable("caption model not installed")

    def llm(self):
        return self

    def complete_json(self, messages, schema, max_tokens=256, attempts=3):
        self.calls.append((messages, schema))
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        return schema.model_validate(reply)


@pytest.fixture
def photo(catalog):
    r = P.root(catalog)
    return P.file(catalog, r, "/lib/venice.jpg", taken=1.62e9, gps=(45.4343, 12.3388),
                  camera=("Apple", "iPhone 12"))


def test_empty_context_is_i_dont_know(catalog):
    r = P.root(catalog)
    fid = P.file(catalog, r, "/lib/x.jpg", taken=None)
    reg = BoundaryRegistry([])
    a = ask(catalog, reg, fid, "what breed is the dog?")
    assert a.answer.startswith(DONT_KNOW) and not a.confident and a.source == "none"
    assert reg.calls == []          # nothing to ask the LLM about


def test_facts_reach_the_llm_and_claims_are_checked(catalog, photo):
    P.caption(catalog, photo, "a gondola on a canal")
    P.tags(catalog, photo, "boat", "water")
    reg = BoundaryRegistry([{"answer": "In Venice, on a canal.",
                             "based_on": ["caption", "place", "weather"], "confident": True}])
    a = ask(catalog, reg, photo, "Where was this taken?")
    assert a.answer == "In Venice, on a canal." and a.source == "llm"
    assert a.based_on == ["caption", "place"]       # a fact it does not have is dropped
    assert a.confident
    prompt = reg.calls[0][0][1]["content"]
    for fact in ("gondola", "boat, water", "45.43430", "iPhone 12", "Where was this taken?"):
        assert fact in prompt
    assert reg.calls[0][1] is AskReply


def test_llm_dont_know_is_passed_through(catalog, photo):
    reg = BoundaryRegistry([{"answer": "I don't know.", "based_on": ["camera"],
                             "confident": True}])
    a = ask(catalog, reg, photo, "what is the dog's name?")
    assert a.answer == DONT_KNOW and not a.confident and a.based_on == []


def test_unsupported_claim_is_not_confident(catalog, photo):
    reg = BoundaryRegistry([{"answer": "A sunny day.", "based_on": [], "confident": True}])
    a = ask(catalog, reg, photo, "how was the weather?")
    assert not a.confident and any("did not say which facts" in n for n in a.notices)


def test_llm_failure_falls_back_to_facts(catalog, photo):
    reg = BoundaryRegistry([Unavailable("the model gave no valid JSON"),
                            Unavailable("the model gave no valid JSON")])
    a = ask(catalog, reg, photo, "When was this taken?")
    assert a.source == "facts" and a.based_on == ["date"] and "2021-05-03" in a.answer
    assert any("could not answer" in n for n in a.notices)
    a = ask(catalog, reg, photo, "what colour is the boat?")
    assert a.answer.startswith(DONT_KNOW) and "camera: Apple iPhone 12" in a.answer


def test_ask_without_registry_and_bad_input(catalog, photo):
    a = ask(catalog, None, photo, "which camera took it?")
    assert a.answer == "Camera: Apple iPhone 12"
    with pytest.raises(SearchError, match="needs a question"):
        ask(catalog, None, photo, "   ")
    with pytest.raises(SearchError, match="not in the library"):
        ask(catalog, None, "/nope.jpg", "why?")


def test_facts_skip_mtime_dates(catalog):
    r = P.root(catalog)
    fid = P.file(catalog, r, "/lib/y.jpg", taken=1.6e9, source="mtime")
    with catalog.read() as conn:
        assert "date" not in photo_facts(conn, fid)


def test_rerank_reorders_but_never_adds(catalog):
    r = P.root(catalog)
    hits = []
    for i, cap in enumerate(["a cat", "a dog on a beach", "a beach"]):
        fid = P.file(catalog, r, f"/lib/{i}.jpg")
        P.caption(catalog, fid, cap)
        hits.append(Hit(fid, f"/lib/{i}.jpg", "photo", 1.0 - i / 10, "vector"))
    res = Results(hits, ["n"], vector_used=True)
    reg = BoundaryRegistry([{"order": [1, 7, 1, 2]}])       # 7 is no result; 0 forgotten
    out = rerank(catalog, reg, "dog beach", res)
    assert [h.file_id for h in out] == [hits[1].file_id, hits[2].file_id, hits[0].file_id]
    reg = BoundaryRegistry([Unavailable("garbage")])
    out = rerank(catalog, reg, "dog beach", res)
    assert [h.file_id for h in out] == [h.file_id for h in hits]
    assert any("rerank skipped" in n for n in out.notices)
    assert RerankReply.model_validate({"order": [2, 0]}).order == [2, 0]


def test_cli_ask(tmp_path, capsys, paths):
    from core.config import Settings
    from tests.media_factory import write_jpeg

    # No language or caption model (the default LLM is real and slow): the facts answer.
    Settings(models={"llm": str(tmp_path / "none"), "caption": str(tmp_path / "none")}
             ).save(paths)
    lib = tmp_path / "lib"
    write_jpeg(lib / "a.jpg", taken="2020:01:02 03:04:05", camera=("Nikon", "D750"))
    assert main(["add", str(lib)]) == 0 and main(["scan"]) == 0
    capsys.readouterr()
    assert main(["ask", str(lib / "a.jpg"), "which camera?", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert "Nikon D750" in out["answer"]
    assert main(["ask", str(lib / "zzz.jpg"), "which camera?"]) == 2
    assert "not in the library" in capsys.readouterr().err
