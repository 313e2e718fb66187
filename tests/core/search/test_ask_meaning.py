"""Ask about a video or photo: the lines of speech and text that mean what the question asks
are retrieved (real all-MiniLM-L6-v2) and quoted — by the LLM when there is one, as they are
when there is none."""

from __future__ import annotations

import pytest

from core.config import Settings
from core.pipeline.run import index_library
from core.search import ask
from core.search.vectors import drop_cached
from models import Registry
from tests.core.search import planting as P

BOOK = "You don't judge a book by its cover."


class LLMAtTheBoundary(Registry):
    """The real registry (real sentences model); the llm role answers with a canned reply and
    keeps the messages it was sent."""

    def __init__(self, settings, paths, reply):
        super().__init__(settings, paths)
        self.reply, self.sent = reply, []

    def llm(self):
        return self

    def complete_json(self, messages, schema, max_tokens=256, attempts=3):
        self.sent.append(messages)
        return schema.model_validate(self.reply)


@pytest.fixture
def settings(tmp_path):
    # no LLM: the packaged one would be joined (1.1 GB) for a test about retrieval
    return Settings(device="cpu", model_idle_unload_s=0,
                    models={"llm": str(tmp_path / "no-llm-here")})


@pytest.fixture
def video(catalog, paths, settings):
    drop_cached()
    r = P.root(catalog)
    vid = P.file(catalog, r, "/lib/family.mp4", kind="video")
    P.transcript(catalog, vid, [(0.0, 2.0, "Hi grandma, how are you doing today?"),
                                (2.0, 5.0, BOOK),
                                (5.0, 8.0, "We went to the zoo and saw the elephants."),
                                (8.0, 12.0, "The weather was terrible all week long.")])
    reg = Registry(settings, paths)
    index_library(catalog, reg, settings, paths, stages=["sentences"])
    reg.close()
    yield vid
    drop_cached()


def test_without_an_llm_the_best_matching_line_is_quoted(catalog, paths, settings, video):
    reg = Registry(settings, paths)
    try:
        a = ask(catalog, reg, video, "What is said about books?")
        assert BOOK in a.answer and "0:02" in a.answer
        assert a.based_on == ["speech"] and a.source == "facts" and not a.confident
        assert a.quotes[0]["text"] == BOOK and a.quotes[0]["start_s"] == pytest.approx(2.0)
        assert len(a.quotes) == 1           # the other lines are about something else
        a = ask(catalog, reg, video, "which animals did they see?")
        assert a.quotes[0]["text"].startswith("We went to the zoo")
        a = ask(catalog, reg, video, "what is the capital of Peru?")
        assert a.quotes == [] and a.answer.startswith("I don't know")
    finally:
        reg.close()


def test_the_llm_sees_the_retrieved_lines_and_may_cite_them(catalog, paths, settings, video):
    reg = LLMAtTheBoundary(settings, paths, {"answer": f"They say “{BOOK}”",
                                             "based_on": ["speech"], "quote": BOOK})
    try:
        a = ask(catalog, reg, video, "What is said about books?")
    finally:
        reg.close()
    prompt = reg.sent[0][1]["content"]
    # the whole transcript is the evidence (a short one fits), each line with its time
    assert f"- speech:\n[0:00] Hi grandma, how are you doing today?\n[0:02] {BOOK}\n" in prompt
    assert "[0:08] The weather was terrible all week long." in prompt
    assert a.source == "llm" and a.based_on == ["speech"] and a.confident
    assert a.quotes[0]["text"] == BOOK and len(a.quotes) == 1


def test_a_long_transcript_gives_the_model_its_passages_closest_to_the_question(
        catalog, paths, settings):
    from core.search.answers import SPEECH_CHARS

    drop_cached()
    r = P.root(catalog)
    vid = P.file(catalog, r, "/lib/talk.mp4", kind="video")
    agenda = "on the agenda is the budget of the tennis club for the coming season."
    filler = [(i * 4.0, i * 4.0 + 4, f"Item {i} {agenda}") for i in range(300)]
    filler[217] = (868.0, 872.0, "We crossed the mountains on foot in the winter of the war.")
    P.transcript(catalog, vid, filler)
    reg = Registry(settings, paths)
    index_library(catalog, reg, settings, paths, stages=["sentences"])
    reg.close()
    reg = LLMAtTheBoundary(settings, paths, {"answer": "I don't know", "based_on": []})
    try:
        ask(catalog, reg, vid, "how did they escape during the war?")
    finally:
        reg.close()
        drop_cached()
    prompt = reg.sent[0][1]["content"]
    speech = prompt.split("- speech:", 1)[1].split("\n\nQuestion:")[0]
    assert speech.startswith(" (a long transcript: the parts closest to the question")
    assert "[14:28] We crossed the mountains on foot" in speech     # deep in, under the floor
    assert len(speech) <= SPEECH_CHARS + 100
    times = [line.split("]")[0] for line in speech.splitlines()[1:]]
    assert times == sorted(times, key=lambda t: [int(x) for x in t[1:].split(":")])
