"""Stacks in the catalog: the grid lists a stack as its cover with a count, search gives the
cover, the user's pick stays on top through a restack, and nothing on disk moves."""

from __future__ import annotations

import pytest

from core.cull.review import list_stacks
from core.cull.store import pick_cover, restack
from core.query import STACK, Filters, list_library, rows_by_ids
from core.query.stacks import covers_of, stack_rows
from core.scan.roots import add_root
from core.scan.scanner import scan
from tests.core.cull.helpers import CAT, COFFEE, T0, save, variant
from tests.core.organize.helpers import snapshot


@pytest.fixture
def lib(tmp_path, catalog):
    """A burst of four cat frames (the third the sharp one), and a coffee three minutes on."""
    root = tmp_path / "lib"
    for i, (dx, blur) in enumerate([(6, 2.0), (-5, 1.2), (0, 0.0), (4, 3.0)]):
        save(variant(CAT, dx=dx, blur=blur), root / "Cam" / f"IMG_{i}.jpg", T0 + i * 0.3)
    save(variant(COFFEE), root / "Cam" / "IMG_9.jpg", T0 + 200)
    add_root(catalog, root)
    scan(catalog)
    return root


def ids_by_name(catalog) -> dict[str, int]:
    with catalog.read() as conn:
        return {r[0]: r[1] for r in conn.execute("SELECT name, id FROM files")}


def test_a_burst_becomes_one_tile_with_its_count_and_nothing_moves(catalog, lib):
    before = snapshot(lib)
    rep = restack(catalog)
    assert (rep.stacks, rep.stacked) == (1, 4)
    assert snapshot(lib) == before                       # a view over files
    ids = ids_by_name(catalog)
    listing = list_library(catalog)
    names = {r[4]: r for r in listing.rows}
    assert sorted(names) == ["IMG_2.jpg", "IMG_9.jpg"]   # the sharp frame stands for all
    assert names["IMG_2.jpg"][STACK] == 4 and names["IMG_9.jpg"][STACK] is None
    assert len(list_library(catalog, stacked=False).rows) == 5
    opened = stack_rows(catalog, ids["IMG_2.jpg"])
    assert opened[0][4] == "IMG_2.jpg" and len(opened) == 4
    # a filter the cover passes keeps the stack folded; a cover filtered out unfolds it
    assert len(list_library(catalog, Filters(kind="photo")).rows) == 2
    (s,) = list_stacks(catalog)
    assert s.cover_id == ids["IMG_2.jpg"] and "sharp" in s.reason


def test_search_shows_the_stack_by_its_best_shot(catalog, lib):
    restack(catalog)
    ids = ids_by_name(catalog)
    found = [ids["IMG_0.jpg"], ids["IMG_9.jpg"], ids["IMG_3.jpg"], ids["IMG_2.jpg"]]
    assert covers_of(catalog, found) == [ids["IMG_2.jpg"], ids["IMG_9.jpg"]]
    assert rows_by_ids(catalog, [ids["IMG_2.jpg"]])[0][STACK] == 4


def test_the_users_pick_is_kept_through_a_restack(catalog, lib):
    restack(catalog)
    ids = ids_by_name(catalog)
    pick_cover(catalog, ids["IMG_1.jpg"])
    (s,) = list_stacks(catalog)
    assert (s.cover_id, s.picked, s.reason) == (ids["IMG_1.jpg"], True, "your pick")
    assert s.best_id == ids["IMG_2.jpg"]                 # the machine's view is kept too
    restack(catalog)                                     # re-scoring: the pick stays
    (s,) = list_stacks(catalog)
    assert s.cover_id == ids["IMG_1.jpg"]
    assert [r[4] for r in list_library(catalog).rows if r[STACK]] == ["IMG_1.jpg"]


def test_a_changed_photo_is_measured_again(catalog, lib):
    assert restack(catalog).measured == 4
    assert restack(catalog).measured == 0                # once per content
    save(variant(CAT, blur=5), lib / "Cam" / "IMG_2.jpg", T0 + 0.6)
    scan(catalog)
    assert restack(catalog).measured == 1


def test_blurry_and_dark_shots_outside_stacks_are_listed_with_their_reason(tmp_path, catalog):
    from core.cull.review import flagged_shots
    from core.cull.store import measure_files

    root = tmp_path / "lib"
    save(variant(CAT), root / "sharp.jpg", T0)
    save(variant(CAT, blur=4), root / "soft.jpg", T0 + 3600)
    save(variant(COFFEE, light=0.12), root / "night.jpg", T0 + 7200)
    add_root(catalog, root)
    scan(catalog)
    restack(catalog)                                     # an hour apart: no stacks
    with catalog.read() as conn:
        measure_files(catalog, [r[0] for r in conn.execute("SELECT id FROM files")])
    found = {f.name: f.reasons for f in flagged_shots(catalog)}
    assert found == {"soft.jpg": ("blurry",), "night.jpg": ("very dark",)}
