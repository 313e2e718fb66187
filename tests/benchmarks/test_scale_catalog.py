"""The scale benchmark's synthetic catalog (benchmarks/scale_catalog.py) at 2,000 files: one
the real code reads as it reads an indexed library (browse, search with every list and with
filters, rescan, people, events, duplicates, a plan), or the benchmark's figures mean nothing."""

from __future__ import annotations

import dataclasses

import pytest

from benchmarks.scale_catalog import build
from core.catalog import Catalog
from core.query import Filters, list_library
from core.query.people import list_people
from core.search import duplicates, search


@pytest.fixture
def built(paths, registry):
    b = build(paths.home, 2000, 5, registry.identity("clip"), registry.identity("sentences"),
              progress=lambda _m: None, clip_dim=registry.clip().dim,
              text_dim=registry.sentences().dim)
    catalog = Catalog.open(paths)
    yield b, catalog
    catalog.close()


def test_the_built_catalog_is_one_the_real_code_reads(built, registry, tiny_settings):
    from core.organize import make_plan
    from core.people import update_people
    from core.places.events import list_events
    from core.scan.scanner import scan

    b, catalog = built
    assert len(list_library(catalog).rows) == 2000
    settings = dataclasses.replace(tiny_settings, relevance_floor=-1.0)
    res = search(catalog, registry, settings, "a dog near the beach", limit=20)
    assert res.vector_used and res.text_used and len(res) == 20, res.notices
    videos = search(catalog, registry, settings, "we talked about the dog",
                    Filters(kind="video"), limit=20)
    assert videos and all(h.kind == "video" for h in videos)
    assert search(catalog, registry, settings, "Lisbon", limit=5)   # places are searchable

    report = scan(catalog)      # every file is on disk as the catalog says: nothing changed
    assert report.nothing_changed and report.unchanged == 2000 and not report.problems

    people_before = len(list_people(catalog))
    assert people_before == b.people > 5
    assert b.new_faces > 0
    update = update_people(catalog, b.face_model)
    assert update.joined >= b.new_faces // 2          # the new faces join the people they are

    with catalog.read() as conn:
        assert len(list_events(conn)) > 10
    exact = duplicates(catalog, None, near=False)
    assert exact and all(g.kind == "exact" for g in exact)
    plan = make_plan(catalog, settings, root_id=b.unsorted_root_id, layout="date",
                     template="{year}/{month}")
    with catalog.read() as conn:
        moves = conn.execute("SELECT count(*) FROM plan_items WHERE plan_id = ?",
                             (plan,)).fetchone()[0]
    assert moves == 1000                               # the Unsorted root: half of 2,000
