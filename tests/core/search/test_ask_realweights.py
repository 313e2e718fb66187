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
    assert "iphone" in a.answer.lower()
    a = ask(catalog, real_registry, fid, "What is the dog's name?")
    print(f"name: {a}")
    assert a.answer == DONT_KNOW or not a.confident
