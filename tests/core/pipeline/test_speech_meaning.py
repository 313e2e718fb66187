"""Videos with real speech (espeak-ng), transcribed by the packaged Whisper base, embedded by
the packaged all-MiniLM-L6-v2, found by queries that share no content word with what is said:
each query puts its video first, at the moment it is said. Spoken words still find it too.

Needs the offline-models extra (Whisper base) and espeak-ng: `make test-real`."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from core.config import Paths, Settings
from core.pipeline.run import index_library
from core.scan.roots import add_root
from core.scan.scanner import scan
from core.search import ask, search
from core.search.vectors import drop_cached
from models import Registry, offline
from tests.media_factory import speak, write_video

pytestmark = [pytest.mark.realweights, pytest.mark.slow]

# (what is said, a query that asks for it by meaning with no content word in common)
SPOKEN = [
    ("My grandfather remembered the winter of 1944, when the soldiers marched into our village.",
     "an old man talking about the war"),
    ("Today we bake a chocolate cake with eggs, flour and sugar.", "someone making dessert"),
    ("The goalkeeper saved a penalty in the last minute of the match.", "football game"),
    # (not "Look at the puppy chasing its tail": Whisper base hears espeak-ng's "puppy" as
    # "puppet", and the query about a dog then scores 0.20, under the floor)
    ("The snow is so deep this morning that the car is completely buried.",
     "blizzard in the driveway"),
    ("Our flight to Tokyo boards at gate twelve in twenty minutes.",
     "airport departure to Japan"),
    ("You don't judge a book by its cover.", "what is said about reading"),
]
INTRO = "Hello everyone, here is another short video."


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    if not offline.packages_installed(offline.WHISPER_BASE):
        pytest.skip("install the offline-models extra (Whisper base)")
    if not shutil.which("espeak-ng"):
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng)")
    from core.catalog import Catalog

    home = tmp_path_factory.mktemp("speech-home")
    paths = Paths(home)
    lib = home / "lib"
    voice = home / "voice"
    intro = speak(INTRO, voice)
    for i, (sentence, _) in enumerate(SPOKEN):
        gap = np.zeros(8000, np.float32)                  # half a second
        said = np.concatenate([intro, gap, speak(sentence, voice)])
        write_video(lib / f"clip{i}.mp4", seconds=len(said) / 16000 + 0.5, audio=said)
    settings = Settings(device="cpu", workers=2, model_idle_unload_s=0,
                        models={"llm": str(home / "no-llm")})
    catalog = Catalog.open(paths)
    add_root(catalog, lib)
    scan(catalog)
    reg = Registry(settings, paths)
    report = index_library(catalog, reg, settings, paths, stages=["transcript", "sentences"])
    assert report.stages["transcript"].done == len(SPOKEN), report.as_dict()
    assert report.stages["sentences"].done == len(SPOKEN), report.as_dict()
    drop_cached()
    yield catalog, reg, settings, lib, len(intro) / 16000
    reg.close()
    catalog.close()
    drop_cached()


def test_each_query_by_meaning_puts_its_spoken_video_first(library):
    catalog, reg, settings, lib, intro_s = library
    for i, (sentence, query) in enumerate(SPOKEN):
        res = search(catalog, reg, settings, query)
        assert res and res[0].path == str(lib / f"clip{i}.mp4"), (
            query, [(h.path, h.snippet, h.text_similarity) for h in res[:3]])
        assert res[0].field == "transcript"
        # the moment it is said: after the intro, not at the start
        assert res[0].time_s is not None and res[0].time_s >= intro_s - 1.0, res[0]


def test_spoken_words_still_find_it(library):
    catalog, reg, settings, lib, _ = library
    res = search(catalog, reg, settings, "goalkeeper penalty")
    assert res[0].path == str(lib / "clip2.mp4") and res[0].matched in ("text", "both")
    assert "[goalkeeper]" in res[0].snippet.lower()


def test_ask_quotes_what_is_said(library):
    catalog, reg, _, lib, _ = library
    a = ask(catalog, reg, lib / "clip5.mp4", "What is said about books?")
    assert "cover" in a.answer.lower() and a.quotes and "book" in a.quotes[0]["text"].lower()
