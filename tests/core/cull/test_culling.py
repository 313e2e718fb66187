"""Culling: "keep the best, put the rest in the trash" is a journalled plan into a holding
folder on the same disk; undo restores the library byte for byte; Empty sends the held files
to the (test's own) system trash."""

from __future__ import annotations

import os

import pytest

from core.cull.culling import (
    HOLDING,
    CullError,
    apply_cull,
    cull,
    empty_holding,
    held_files,
    keep_best,
    make_cull_plan,
    undo_cull,
)
from core.cull.review import list_stacks
from core.cull.store import restack
from core.query import list_library
from core.scan.roots import add_root
from core.scan.scanner import scan
from tests.core.cull.helpers import CAT, ROCKET, T0, save, variant
from tests.core.organize.helpers import catalog_agrees_with_disk, snapshot


@pytest.fixture
def lib(tmp_path, catalog):
    root = tmp_path / "lib"
    for i, blur in enumerate([2.0, 0.0, 3.0]):
        save(variant(CAT, dx=3 * i, blur=blur), root / "Cat" / f"IMG_{i}.jpg", T0 + i * 0.3)
    (root / "Cat" / "IMG_0.xmp").write_text("<x:xmpmeta/>")        # a sidecar goes along
    for i, blur in enumerate([0.0, 2.5]):
        save(variant(ROCKET, dx=-4 * i, blur=blur), root / "Launch" / f"DSC_{i}.jpg",
             T0 + 600 + 30 * i)
    add_root(catalog, root)
    scan(catalog)
    restack(catalog)
    return root


def test_keep_the_best_of_every_stack_and_undo_restores_every_byte(catalog, lib):
    before = files_of(lib)
    doomed = keep_best(catalog)
    assert len(doomed) == 3 and all("lesser shot of" in r for r in doomed.values())
    pid, rep = cull(catalog, list(doomed), doomed)
    assert rep.done == 4 and not rep.failed                  # 3 photos and the sidecar
    assert sorted(os.listdir(lib)) == sorted(["Cat", HOLDING, "Launch"])
    assert sorted(os.listdir(lib / "Cat")) == ["IMG_1.jpg"]
    assert sorted(os.listdir(lib / HOLDING / "Cat")) == ["IMG_0.jpg", "IMG_0.xmp", "IMG_2.jpg"]
    assert [r[4] for r in list_library(catalog).rows] == ["DSC_0.jpg", "IMG_1.jpg"]
    assert list_stacks(catalog) == []                        # nothing left to stack
    scan(catalog)                                            # the holding folder is not
    assert len(list_library(catalog).rows) == 2              # scanned back in
    undo_cull(catalog, pid)
    assert files_of(lib) == before      # every file back: its bytes (hash), size and mtime
    assert sorted(os.listdir(lib)) == ["Cat", "Launch"]      # the holding folder went
    catalog_agrees_with_disk(catalog)
    assert len(list_library(catalog, stacked=False).rows) == 5
    assert len(list_stacks(catalog)) == 2


def test_one_stack_only_and_only_what_was_asked(catalog, lib):
    cat_stack = next(s for s in list_stacks(catalog) if s.shots[0].name.startswith("IMG"))
    doomed = keep_best(catalog, [cat_stack.id])
    assert {os.path.basename(p) for p in _paths(catalog, doomed)} == {"IMG_0.jpg", "IMG_2.jpg"}
    pid = make_cull_plan(catalog, list(doomed), doomed)
    assert (lib / "Cat" / "IMG_0.jpg").exists()              # a draft touches nothing
    apply_cull(catalog, pid)
    assert (lib / "Launch" / "DSC_1.jpg").exists()


def test_empty_sends_held_files_to_the_system_trash(catalog, lib, trash_home):
    doomed = keep_best(catalog)
    cull(catalog, list(doomed), doomed)
    held = held_files(catalog)
    assert len(held) == 4
    rep = empty_holding(catalog)
    assert sorted(rep.trashed) == sorted(held) and not rep.failed
    trashed = sorted(p.name for p in (trash_home / "files").iterdir())
    assert trashed == ["DSC_1.jpg", "IMG_0.jpg", "IMG_0.xmp", "IMG_2.jpg"]
    assert not (lib / HOLDING).exists() and held_files(catalog) == []
    with catalog.read() as conn:
        assert conn.execute("SELECT count(*) FROM files").fetchone()[0] == 2


def test_nothing_to_cull_is_a_clear_error(catalog, lib):
    with pytest.raises(CullError):
        make_cull_plan(catalog, [])


def files_of(root) -> dict:
    """Every file (no folders: moving files out and back touches a folder's mtime)."""
    return {k: v for k, v in snapshot(root).items() if len(v) == 3}


def _paths(catalog, ids):
    with catalog.read() as conn:
        return [conn.execute("SELECT path FROM files WHERE id = ?", (i,)).fetchone()[0]
                for i in ids]


def test_a_cull_undone_like_any_plan_is_stacked_again(catalog, lib, capsys):
    """The Reorganize history, Ctrl+Z and `shoebox undo` undo a cull too: its files come back
    as stacks, not as loose look-alikes until the next restack."""
    from tests.cli_runner import run_ok

    doomed = keep_best(catalog)
    pid, _ = cull(catalog, list(doomed), doomed)
    assert list_stacks(catalog) == []
    run_ok(capsys, "undo", str(pid))
    assert len(list_stacks(catalog)) == 2
