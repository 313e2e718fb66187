"""Ask about a photo: facts gathered, the LLM kept honest, fallbacks when it cannot answer.

The LLM is faked only at the boundary of the llm role (an object with complete_json), as the
issue allows; the real tiny models are exercised in test_with_models.py.
"""

from __future__ import annotations

import json

import pytest

from core.cli.main import main
from core.errors import ShoeboxError
from core.query.errors import QueryError
from core.search import SearchError, ask, rerank
from core.search.answers import (
    DONT_KNOW,
    SPEECH_CHARS,
    AskReply,
    RerankReply,
    photo_facts,
    speech_fact,
)
from core.search.grounding import quoted_fact
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
                             "based_on": ["caption", "place", "weather"],
                             "quote": "a gondola on a canal"}])
    a = ask(catalog, reg, photo, "Where was this taken?")
    assert a.answer == "In Venice, on a canal." and a.source == "llm"
    assert a.based_on == ["caption", "place"]       # a fact it does not have is dropped
    assert a.confident and a.quoted == "a gondola on a canal"
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
    with pytest.raises(QueryError, match="not in the library"):
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


# --- issue 25 item 5: answers grounded in what Shoebox knows ------------------------------

MOUNTAINS = [(0.0, 4.0, "In the winter of forty-four we left the village at night."),
             (4.0, 9.0, "We crossed the mountains on foot, with the soldiers behind us."),
             (9.0, 13.0, "My brother carried our mother over the pass.")]


@pytest.fixture
def war_video(catalog):
    r = P.root(catalog)
    vid = P.file(catalog, r, "/lib/grandpa.mp4", kind="video")
    P.caption(catalog, vid, "a man at a party with sunglasses")
    P.tags(catalog, vid, "party", "sunglasses", "aquarium")
    P.transcript(catalog, vid, MOUNTAINS)
    return vid


def test_the_whole_transcript_is_the_evidence_and_an_unquoted_answer_is_not_sure(
        catalog, war_video):
    """On a video about crossing mountains in wartime, "what does he talk about?" was answered
    from the caption and tags, marked confident, with no quote: the transcript never reached
    the model (its lines were under the meaning floor)."""
    reg = BoundaryRegistry([
        {"answer": "A party, sunglasses and an aquarium.", "based_on": ["caption", "tags"],
         "confident": True},
        {"answer": "Crossing the mountains in the war.", "based_on": ["speech"],
         "quote": "we crossed the mountains on foot with the soldiers behind us",
         "confident": False}])
    a = ask(catalog, reg, war_video, "what does he talk about?")
    prompt = reg.calls[0][0][1]["content"]
    for start, _, line in MOUNTAINS:         # every line, with when it is said
        assert f"[0:{int(start):02d}] {line}" in prompt
    assert not a.confident and a.quoted is None       # its own say-so counts for nothing
    assert any("quotes nothing" in n for n in a.notices)
    a = ask(catalog, reg, war_video, "what does he talk about?")
    assert a.confident and a.based_on == ["speech"]   # quoted (case and commas aside)


def test_without_an_llm_a_question_about_the_speech_says_what_is_said(catalog, war_video):
    a = ask(catalog, None, war_video, "what does he talk about?")
    assert a.answer.startswith("It is said: “In the winter of forty-four")
    assert "crossed the mountains" in a.answer and a.based_on == ["speech"]
    assert not a.confident


def test_a_long_transcript_is_cut_to_the_budget_from_its_beginning(catalog):
    r = P.root(catalog)
    vid = P.file(catalog, r, "/lib/long.mp4", kind="video")
    talk = "of a very long talk about nothing much at all, said slowly"
    P.transcript(catalog, vid, [(i * 5.0, i * 5.0 + 5, f"line {i} {talk}") for i in range(400)])
    with catalog.read() as conn:
        fact = speech_fact(conn, vid)
    assert fact.startswith(" (a long transcript: its beginning")
    assert "[0:00] line 0 " in fact and "line 399 " not in fact
    assert SPEECH_CHARS - 100 < len(fact) <= SPEECH_CHARS + 100


def test_people_event_place_and_date_are_facts(catalog, photo):
    from core.places.events import update_events
    from core.places.geocoder import Place
    from core.places.store import set_gps_place

    r = P.root(catalog, "/lib2")
    others = [P.file(catalog, r, f"/lib2/v{i}.jpg", taken=1.62e9 + 600 * i,
                     gps=(45.4343, 12.3388)) for i in (1, 2)]
    venice = Place("Venice", "Veneto", "Italy", "IT", 0.3, 45.43, 12.33)

    def plant(conn):
        for fid in (photo, *others):
            set_gps_place(conn, fid, venice)
        for name, hidden in (("Anna", 0), ("Secret Sam", 1), (None, 0)):
            pid = conn.execute("INSERT INTO people(name, hidden, created_at, updated_at) "
                               "VALUES (?, ?, 0, 0)", (name, hidden)).lastrowid
            conn.execute("INSERT INTO faces(file_id, idx, x, y, w, h, size_px, score, "
                         "sharpness, groupable, model_id, descriptor, person_id) VALUES "
                         "(?, ?, 0, 0, .1, .1, 80, 1, 100, 1, 'm', x'00', ?)",
                         (photo, pid, pid))
    catalog.write(plant)
    update_events(catalog)
    reg = BoundaryRegistry([{"answer": "Anna.", "based_on": ["people"], "quote": "Anna"}])
    a = ask(catalog, reg, photo, "Who is in this photo?")
    prompt = reg.calls[0][0][1]["content"]
    assert "- people: Anna (named by you" in prompt and "Sam" not in prompt
    assert "- place: Venice (Venezia), Veneto, Italy" in prompt and "- date: 2021-05-0" in prompt
    assert "- event: Venice (Venezia) · 3 May 2021" in prompt
    assert a.confident and a.based_on == ["people"]
    a = ask(catalog, None, photo, "who is this?")            # without the LLM: the fact
    assert a.answer.startswith("People: Anna") and a.confident


def test_confidence_comes_from_the_quote_found_in_the_facts():
    facts = {"caption": "a gondola on a canal", "speech": "\n[0:04] We crossed the "
             "mountains on foot, with the soldiers behind us.", "visual answer": "a red boat"}
    assert quoted_fact("We crossed the mountains on foot", facts) == "speech"
    assert quoted_fact("we crossed the mountians on foot", facts) == "speech"   # a slip
    assert quoted_fact("GONDOLA on a Canal!", facts) == "caption"
    assert quoted_fact("We crossed the sea by boat", facts) is None
    assert quoted_fact("a", facts) is None and quoted_fact("", facts) is None
    assert quoted_fact("a red boat", facts, skip=("visual answer",)) is None


def test_a_fact_found_whole_in_the_quote_or_the_answer_grounds_it():
    """The packaged 1.5B LLM wraps its quote in a sentence of its own ("The camera used in the
    photo is an Apple iPhone 12.") or answers with the fact itself ("2021-05-03 00:00")."""
    from core.search.grounding import grounding

    facts = {"date": "2021-05-03 00:00 (from the photo's metadata)", "camera": "Apple iPhone 12",
             "people": "Anna (named by you, recognised by their faces)",
             "speech": "\n[0:00] We left at night.\n[0:04] We crossed the mountains on foot.",
             "tags": "aquarium, party, sunglasses", "visual answer": "a red boat"}
    assert grounding("The camera used in the photo is an Apple iPhone 12.", "", facts) == (
        "camera", "Apple iPhone 12")
    assert grounding("It was taken on May 3, 2021.", "2021-05-03 00:00", facts)[0] == "date"
    assert grounding("", "Anna", facts) == ("people", "Anna")
    assert grounding("", "He says we crossed the mountains on foot.", facts)[0] == "speech"
    assert grounding("", "A party, sunglasses and an aquarium.", facts) is None
    assert grounding("", "We left at dawn.", facts) is None          # a line, not a word of it
    assert grounding("", "a red boat", facts, skip=("visual answer",)) is None
