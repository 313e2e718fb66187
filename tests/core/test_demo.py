"""The demo library (screenshots, trying the app without weights) comes out complete."""

from __future__ import annotations

from core.config import Settings
from core.demo import HIST_MODEL, build_demo_library
from core.organize import list_plans
from core.query import list_collections, list_library
from models import Registry
from tests.media_factory import write_jpeg


def test_demo_library_has_thumbnails_vectors_collections_and_a_plan(tmp_path, catalog, paths):
    lib = tmp_path / "Pictures"
    for i in range(8):  # two colour families, four photos each
        write_jpeg(lib / "Phone" / f"IMG_{i:04d}.jpg", (96, 64), seed=1 + i % 2,
                   taken=f"2023:0{1 + i % 2}:1{i} 12:00:00")
    (lib / "Phone" / "broken.jpg").write_bytes(b"\xff\xd8 not a photo")
    settings = Settings()
    registry = Registry(settings, paths)
    try:
        build_demo_library(catalog, registry, settings, paths, lib)
    finally:
        registry.close()
    assert len(list_library(catalog).rows) == 9
    with catalog.read() as conn:
        vectors = conn.execute("SELECT count(*) FROM embeddings WHERE model_id = ?",
                               (HIST_MODEL,)).fetchone()[0]
    assert vectors == 8                        # every readable photo, not the broken one
    cols = list_collections(catalog)
    assert cols and all(c.representatives for c in cols)
    assert list_plans(catalog)
