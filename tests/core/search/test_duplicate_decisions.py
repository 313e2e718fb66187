"""Duplicates that remember: "Keep both" and "Not a duplicate" are stored by content and
never offered again, also after a rescan, a move or a rename; they can be listed and undone."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from PIL import Image

from core.scan.roots import add_root
from core.scan.scanner import scan
from core.search import duplicates
from core.search.dupe_decisions import KEEP_BOTH, NOT_DUPLICATE, forget, remember
from core.search.near_pairs import drop_cached as drop_pairs
from core.search.types import SearchError
from core.search.vectors import drop_cached
from tests.core.search import planting as P
from tests.media_factory import write_jpeg


@pytest.fixture(autouse=True)
def _fresh_caches():
    drop_cached()
    drop_pairs()
    yield
    drop_cached()
    drop_pairs()


def _ids(catalog) -> dict[str, int]:
    with catalog.read() as conn:
        return {r[1].rsplit("/", 1)[1]: r[0] for r in conn.execute(
            "SELECT id, path FROM files WHERE status = 'present'")}


def _scanned_library(tmp_path, catalog, paths, rng):
    """orig.jpg, an exact copy and a smaller re-encode, scanned, with planted vectors: the
    copies share one, the small one's is near it. Gives the folder and the shared vector."""
    lib = tmp_path / "lib"
    orig = write_jpeg(lib / "orig.jpg", (800, 600), seed=3)
    shutil.copy(orig, lib / "copy_of_orig.jpg")                   # exact duplicate
    with Image.open(orig) as im:                                  # the same picture, smaller
        im.resize((400, 300), Image.Resampling.LANCZOS).save(lib / "small.jpg", quality=55)
    add_root(catalog, lib, paths.home)
    scan(catalog)
    ids = _ids(catalog)
    base = P.unit(rng.normal(size=32))
    for name in ("orig.jpg", "copy_of_orig.jpg"):
        P.vector(catalog, ids[name], base)
    P.vector(catalog, ids["small.jpg"], P.near(base, 0.97, rng))
    return lib, base


def _shown(catalog) -> list[tuple[str, set[str]]]:
    return sorted((g.kind, {f.path.rsplit("/", 1)[1] for f in g.files})
                  for g in duplicates(catalog, None))


def test_decisions_survive_a_rescan_a_move_and_a_rename(tmp_path, catalog, paths):
    rng = np.random.default_rng(0)
    lib, _ = _scanned_library(tmp_path, catalog, paths, rng)
    groups = duplicates(catalog, None)
    assert [g.kind for g in groups] == ["exact", "near"]
    exact, near = groups

    remember(catalog, exact, KEEP_BOTH)
    assert [g.kind for g in duplicates(catalog, None)] == ["near"]
    remember(catalog, near, NOT_DUPLICATE)
    assert duplicates(catalog, None) == []

    scan(catalog)                                        # a rescan changes nothing
    assert duplicates(catalog, None) == []
    (lib / "Trips").mkdir()                              # a move and a rename
    (lib / "small.jpg").rename(lib / "Trips" / "smaller picture.jpg")
    (lib / "copy_of_orig.jpg").rename(lib / "Trips" / "kept copy.jpg")
    report = scan(catalog)
    assert report.moved == 2
    assert duplicates(catalog, None) == []

    # "Show dismissed" lists both decisions, at the files' new places, newest first
    shown = [g for g in duplicates(catalog, None, dismissed=True)]
    assert [(g.kind, g.decision) for g in shown] == [("near", NOT_DUPLICATE),
                                                     ("exact", KEEP_BOTH)]
    assert {f.path.rsplit("/", 1)[1] for f in shown[1].files} == {"orig.jpg", "kept copy.jpg"}
    assert shown[1].suggested_trash == []                # a kept group ticks nothing
    # undone: offered again
    forget(catalog, shown[1].batch)
    assert _shown(catalog) == [("exact", {"orig.jpg", "kept copy.jpg"})]
    forget(catalog, shown[0].batch)
    assert [g.kind for g in duplicates(catalog, None)] == ["exact", "near"]


def test_a_decision_follows_the_content_not_the_file(tmp_path, catalog, paths):
    """A new copy of a dismissed picture (a new file, same bytes) is not offered with the
    picture it was dismissed against; a further copy of a kept exact group is offered."""
    rng = np.random.default_rng(1)
    lib, base = _scanned_library(tmp_path, catalog, paths, rng)
    exact, near = duplicates(catalog, None)
    remember(catalog, exact, KEEP_BOTH)
    remember(catalog, near, KEEP_BOTH)
    assert duplicates(catalog, None) == []

    shutil.copy(lib / "small.jpg", lib / "small again.jpg")
    scan(catalog)
    ids = _ids(catalog)
    P.vector(catalog, ids["small again.jpg"], P.near(base, 0.97, rng))
    # only the new identical pair is offered, not small-vs-orig again
    assert _shown(catalog) == [("exact", {"small.jpg", "small again.jpg"})]

    shutil.copy(lib / "orig.jpg", lib / "third copy.jpg")
    scan(catalog)
    shown = _shown(catalog)
    assert ("exact", {"orig.jpg", "copy_of_orig.jpg", "third copy.jpg"}) in shown


def test_identical_files_cannot_be_called_no_duplicate(catalog):
    r = P.root(catalog)
    for path in ("/lib/a.jpg", "/lib/b.jpg"):
        P.file(catalog, r, path, content_hash="same")
    (g,) = duplicates(catalog, None)
    with pytest.raises(SearchError):
        remember(catalog, g, NOT_DUPLICATE)
    with pytest.raises(SearchError):
        remember(catalog, g, "maybe")
    assert duplicates(catalog, None) == [g]
