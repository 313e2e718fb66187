"""Ask with the real GGUF LLM that PyPI packages ship (offline-models extra): `make test-real`."""

from __future__ import annotations

import pytest

from core.config import Paths, Settings
from core.search import ask
from core.search.answers import DONT_KNOW
from tests.core.search import planting as P

pytestmark = pytest.mark.realweights


@pytest.fixture(scope="module")
def real_registry(tmp_path_factory):
    from models import Registry, offline

    if not offline.packages_installed(offline.OFFLINE["llm"]):
        pytest.skip("install the offline-models extra")
    home = tmp_path_factory.mktemp("real-home")
    none = str(home / "no-caption-model")
    reg = Registry(Settings(device="cpu", model_idle_unload_s=0, models={"caption": none}),
                   Paths(home))
    yield reg
    reg.close()


def test_real_llm_answers_from_facts_and_admits_ignorance(catalog, real_registry):
    r = P.root(catalog)
    fid = P.file(catalog, r, "/lib/x.jpg", camera=("Apple", "iPhone 12"), taken=1.62e9)
    P.caption(catalog, fid, "a brown dog lying on a red sofa")
    a = ask(catalog, real_registry, fid, "Which camera took this photo?")
    print(f"\ncamera: {a}")
    assert "iphone" in a.answer.lower() and a.confident     # it names the camera fact
    a = ask(catalog, real_registry, fid, "What is the dog's name?")
    print(f"name: {a}")
    assert a.answer == DONT_KNOW or not a.confident


def test_real_llm_answers_from_the_speech_and_the_people_with_a_quote(catalog, paths,
                                                                      real_registry):
    """Issue 25 item 5, with the packaged LLM: a video whose caption and tags say "party" and
    whose speech is about crossing mountains in wartime; a photo of a person the user named."""
    from core.pipeline.run import index_library

    r = P.root(catalog)
    vid = P.file(catalog, r, "/lib/grandpa.mp4", kind="video")
    P.caption(catalog, vid, "a man at a party with sunglasses")
    P.tags(catalog, vid, "party", "sunglasses", "aquarium")
    P.transcript(catalog, vid, [
        (0.0, 4.0, "In the winter of forty-four we left the village at night."),
        (4.0, 9.0, "We crossed the mountains on foot, with the soldiers behind us."),
        (9.0, 13.0, "My brother carried our mother over the pass.")])
    photo = P.file(catalog, r, "/lib/anna.jpg", taken=1.62e9)
    P.caption(catalog, photo, "a woman smiling on a beach")

    def anna(conn):
        pid = conn.execute("INSERT INTO people(name, created_at, updated_at) "
                           "VALUES ('Anna', 0, 0)").lastrowid
        conn.execute("INSERT INTO faces(file_id, idx, x, y, w, h, size_px, score, sharpness, "
                     "groupable, model_id, descriptor, person_id) VALUES "
                     "(?, 0, 0, 0, .1, .1, 80, 1, 100, 1, 'm', x'00', ?)", (photo, pid))
    catalog.write(anna)
    index_library(catalog, real_registry, real_registry.settings, paths, stages=["sentences"])
    a = ask(catalog, real_registry, vid, "what does he talk about?")
    print(f"\nspeech: {a}")
    assert "speech" in a.based_on and ("mountain" in a.answer.lower()
                                       or "winter" in a.answer.lower())
    assert a.confident == (a.quoted is not None)
    a = ask(catalog, real_registry, photo, "Who is in this photo?")
    print(f"people: {a}")
    assert "Anna" in a.answer and "people" in a.based_on and a.confident
