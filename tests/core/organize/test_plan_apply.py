import os

import pytest

from core.errors import Cancelled
from core.organize import (
    PlanError,
    add_keep_folder,
    apply_plan,
    compute_moves,
    get_plan,
    list_plans,
    make_plan,
    plan_items,
    recover,
    set_collection_decision,
    set_item_decision,
    undo_plan,
)
from core.organize.plan import PlanCollection, PlanFile
from core.tasks import TaskState
from tests.core.organize.helpers import (
    catalog_agrees_with_disk,
    file_ids,
    snapshot,
    tree,
)

LAYOUT = {
    "Inbox/IMG_1.JPG": 1, "Inbox/IMG_1.CR2": b"raw bytes of IMG_1", "Inbox/IMG_1.MOV": b"live",
    "Inbox/IMG_1.xmp": b"<xmp/>", "Inbox/IMG_1.JPG.aae": b"<aae/>",
    "Inbox/IMG_2.jpg": 2, "Inbox/IMG_3.jpg": 3,
    "Phone/2024/dog1.jpg": 4, "Phone/2024/dog2.jpg": 5, "Phone/2024/unsure.jpg": 6,
    "Phone/notes.txt": b"not a photo",
    "Loose/noise.jpg": 7,
}
SPEC = {
    "Venice": ("Travel/Italy 2024/Venice", {"Inbox/IMG_1.JPG": 0.95, "Inbox/IMG_1.CR2": 0.9,
                                            "Inbox/IMG_1.MOV": 0.9, "Inbox/IMG_2.jpg": 0.9,
                                            "Inbox/IMG_3.jpg": 0.8}),
    "Dogs": ("Pets/Dogs", {"Phone/2024/dog1.jpg": 0.9, "Phone/2024/dog2.jpg": 0.85,
                           "Phone/2024/unsure.jpg": 0.2}),
}


def test_plan_is_pure_and_groups_sidecars():
    files = [PlanFile(1, "/r", "/r/a/IMG_1.JPG", "photo", "jpeg", 10, 0.9),
             PlanFile(2, "/r", "/r/a/IMG_1.CR2", "other", "raw", 10, 0.9),
             PlanFile(3, "/r", "/r/b/IMG_1.JPG", "photo", "jpeg", 10, 0.3),
             PlanFile(4, "/r", "/r/a/x.jpg", "photo", "jpeg", None, None),
             PlanFile(5, "/r", "/r/T/x.jpg", "photo", "jpeg", 10, 0.9)]
    cols = {10: PlanCollection(10, "Trip", "T")}
    side = {("/r/a", "img_1"): ["/r/a/IMG_1.xmp"]}
    moves = compute_moves(files, cols, sidecars=side)
    assert moves == compute_moves(files, cols, sidecars=side)  # deterministic
    by_src = {m.src: m for m in moves}
    assert by_src["/r/a/IMG_1.JPG"].dst == "/r/T/IMG_1.JPG"
    assert by_src["/r/a/IMG_1.CR2"].dst == "/r/T/IMG_1.CR2" and by_src["/r/a/IMG_1.CR2"].role == \
        "companion"
    assert by_src["/r/a/IMG_1.xmp"].dst == "/r/T/IMG_1.xmp"
    # the same name from another folder gets a number, and is flagged (30% sure)
    assert by_src["/r/b/IMG_1.JPG"].dst == "/r/T/IMG_1 (2).JPG" and by_src["/r/b/IMG_1.JPG"].flagged
    assert "/r/a/x.jpg" not in by_src       # noise stays
    assert "/r/T/x.jpg" not in by_src       # already in place
    cols[10] = PlanCollection(10, "Trip", "T", keep_as_is=True)
    assert compute_moves(files, cols, sidecars=side) == []
    cols[10] = PlanCollection(10, "Trip", "T")
    assert all(not m.src.startswith("/r/a/") for m in
               compute_moves(files, cols, sidecars=side, keep_folders={"/r/a"}))


def test_a_raw_that_is_a_photo_of_its_own_is_not_moved_as_a_same_named_jpegs_companion():
    # another camera's IMG_1.CR2 (the scanner found its capture time differs): two photos
    files = [PlanFile(1, "/r", "/r/a/IMG_1.JPG", "photo", "jpeg", 10, 0.9),
             PlanFile(2, "/r", "/r/a/IMG_1.CR2", "photo", "raw", 11, 0.9)]
    cols = {10: PlanCollection(10, "Trip", "T"), 11: PlanCollection(11, "Birds", "B")}
    by_src = {m.src: m for m in compute_moves(files, cols, sidecars={})}
    assert by_src["/r/a/IMG_1.JPG"].dst == "/r/T/IMG_1.JPG"
    assert by_src["/r/a/IMG_1.CR2"].dst == "/r/B/IMG_1.CR2"
    assert by_src["/r/a/IMG_1.CR2"].role != "companion"


def test_round_trip_move_is_byte_identical_and_catalog_follows(lib, catalog):
    root, _ = lib
    before_files, before_dirs = tree(root)
    pid = make_plan(catalog)
    items = plan_items(catalog, pid)
    srcs = {os.path.relpath(i.src, root): i for i in items}
    assert set(srcs) == {"Inbox/IMG_1.JPG", "Inbox/IMG_1.CR2", "Inbox/IMG_1.MOV",
                         "Inbox/IMG_1.xmp", "Inbox/IMG_1.JPG.aae", "Inbox/IMG_2.jpg",
                         "Inbox/IMG_3.jpg", "Phone/2024/dog1.jpg", "Phone/2024/dog2.jpg",
                         "Phone/2024/unsure.jpg"}
    assert srcs["Phone/2024/unsure.jpg"].flagged and srcs["Phone/2024/unsure.jpg"].decision == "skip"
    ids_before = file_ids(catalog)

    rep = apply_plan(catalog, pid)
    assert rep.done == 9 and not rep.failed
    venice = root / "Travel/Italy 2024/Venice"
    assert sorted(os.listdir(venice)) == ["IMG_1.CR2", "IMG_1.JPG", "IMG_1.JPG.aae", "IMG_1.MOV",
                                          "IMG_1.xmp", "IMG_2.jpg", "IMG_3.jpg"]
    assert (root / "Phone/2024/unsure.jpg").exists()  # flagged: not moved by default
    assert not (root / "Inbox").exists()               # Shoebox emptied it, so it went
    assert (root / "Phone/notes.txt").exists() and (root / "Loose/noise.jpg").exists()
    ids_after = file_ids(catalog)
    assert ids_after[str(venice / "IMG_1.JPG")] == ids_before[str(root / "Inbox/IMG_1.JPG")]
    assert ids_after[str(root / "Pets/Dogs/dog1.jpg")] == ids_before[str(root / "Phone/2024/dog1.jpg")]
    catalog_agrees_with_disk(catalog)
    assert list_plans(catalog)[0]["state"] == "applied"

    rep = undo_plan(catalog, pid)
    assert rep.done == 9 and not rep.left_alone
    assert tree(root) == (before_files, before_dirs)
    assert file_ids(catalog) == ids_before
    catalog_agrees_with_disk(catalog)
    assert list_plans(catalog)[0]["state"] == "undone"


def test_dry_run_touches_nothing(lib, catalog):
    root, _ = lib
    pid = make_plan(catalog)
    snap = snapshot(root)
    with catalog.read() as conn:
        db_before = [tuple(r) for r in conn.execute("SELECT id, path, mtime_ns FROM files")]
    rep = apply_plan(catalog, pid, dry_run=True)
    assert rep.dry_run and len(rep.operations) == 9
    assert snapshot(root) == snap
    with catalog.read() as conn:
        assert [tuple(r) for r in conn.execute("SELECT id, path, mtime_ns FROM files")] == db_before
        assert conn.execute("SELECT count(*) FROM journal").fetchone()[0] == 0
        assert conn.execute("SELECT state FROM plans WHERE id = ?", (pid,)).fetchone()[0] == "draft"


def test_collisions_get_numbered_names_and_nothing_is_overwritten(lib, catalog):
    root, _ = lib
    pid = make_plan(catalog)
    venice = root / "Travel/Italy 2024/Venice"
    venice.mkdir(parents=True)
    (venice / "IMG_1.JPG").write_bytes(b"someone else's photo")
    (venice / "img_2.JPG").write_bytes(b"differs only in case")
    before_files, _ = tree(root)
    apply_plan(catalog, pid)
    assert (venice / "IMG_1.JPG").read_bytes() == b"someone else's photo"
    # the photo and all its companions took the same numbered stem
    for name in ("IMG_1 (2).JPG", "IMG_1 (2).CR2", "IMG_1 (2).MOV", "IMG_1 (2).xmp",
                 "IMG_1 (2).JPG.aae"):
        assert (venice / name).exists(), name
    assert (venice / "img_2.JPG").read_bytes() == b"differs only in case"
    assert (venice / "IMG_2 (2).jpg").exists()  # one file on a case-insensitive disk: numbered
    catalog_agrees_with_disk(catalog)
    undo_plan(catalog, pid)
    assert tree(root)[0] == before_files


def test_cross_filesystem_path_copies_verifies_then_deletes(lib, catalog):
    root, _ = lib
    before = tree(root)
    pid = make_plan(catalog)
    rep = apply_plan(catalog, pid, force_copy=True)
    assert rep.done == 9
    with catalog.read() as conn:
        methods = {r[0] for r in conn.execute("SELECT method FROM journal WHERE op = 'move'")}
    assert methods == {"copy"}
    assert not list(root.rglob(".shoebox-*"))
    catalog_agrees_with_disk(catalog)
    undo_plan(catalog, pid)
    assert tree(root) == before


@pytest.mark.parametrize("mode", ["copy", "link"])
def test_copy_and_link_modes_leave_originals_and_undo_cleanly(lib, catalog, mode):
    root, _ = lib
    before = tree(root)
    pid = make_plan(catalog)
    rep = apply_plan(catalog, pid, mode)
    assert rep.done == 9
    venice = root / "Travel/Italy 2024/Venice"
    assert (venice / "IMG_1.JPG").read_bytes() == (root / "Inbox/IMG_1.JPG").read_bytes()
    for rel in before[0]:
        assert (root / rel).exists()  # nothing moved away
    if mode == "link":
        assert os.path.samefile(venice / "IMG_1.JPG", root / "Inbox/IMG_1.JPG")
    catalog_agrees_with_disk(catalog)  # the catalog still points at the originals
    with pytest.raises(PlanError):
        apply_plan(catalog, pid, "move")  # a plan is finished in the mode it started in
    undo_plan(catalog, pid)
    assert tree(root) == before


def test_undo_leaves_changed_and_moved_files_alone(lib, catalog):
    root, _ = lib
    pid = make_plan(catalog)
    apply_plan(catalog, pid)
    changed = root / "Pets/Dogs/dog1.jpg"
    changed.write_bytes(b"edited by the user")
    moved_away = root / "Pets/Dogs/dog2.jpg"
    os.rename(moved_away, root / "Loose/dog2.jpg")
    rep = undo_plan(catalog, pid)
    reasons = {os.path.basename(x["path"]): x["reason"] for x in rep.left_alone}
    assert "changed" in reasons["dog1.jpg"] and "moved or deleted" in reasons["dog2.jpg"]
    assert changed.read_bytes() == b"edited by the user"
    assert (root / "Inbox/IMG_1.JPG").exists() and (root / "Inbox/IMG_1.xmp").exists()
    assert list_plans(catalog)[0]["state"] == "applied"  # not fully undone


def test_undo_a_single_file_with_its_group(lib, catalog):
    root, _ = lib
    pid = make_plan(catalog)
    apply_plan(catalog, pid)
    head = next(i for i in plan_items(catalog, pid) if i.src.endswith("IMG_1.JPG"))
    rep = undo_plan(catalog, pid, item_ids=[head.id])
    assert rep.done == 5
    assert (root / "Inbox/IMG_1.JPG").exists() and (root / "Inbox/IMG_1.CR2").exists()
    assert (root / "Travel/Italy 2024/Venice/IMG_2.jpg").exists()
    catalog_agrees_with_disk(catalog)


def test_review_decisions_keep_folders_and_edits(lib, catalog):
    root, cols = lib
    add_keep_folder(catalog, root / "Phone")
    pid = make_plan(catalog)
    items = plan_items(catalog, pid)
    assert not any("/Phone/" in i.src for i in items)
    img2 = next(i for i in items if i.src.endswith("IMG_2.jpg"))
    img3 = next(i for i in items if i.src.endswith("IMG_3.jpg"))
    img1 = next(i for i in items if i.src.endswith("IMG_1.JPG"))
    set_item_decision(catalog, pid, img2.id, "skip")
    set_item_decision(catalog, pid, img3.id, folder="../../Elsewhere/Best")
    set_item_decision(catalog, pid, next(i for i in items if i.src.endswith(".xmp")).id, "skip")
    apply_plan(catalog, pid)
    assert (root / "Inbox/IMG_2.jpg").exists()
    assert (root / "Elsewhere/Best/IMG_3.jpg").exists()
    assert (root / "Inbox/IMG_1.JPG").exists() and (root / "Inbox/IMG_1.xmp").exists()  # group
    with pytest.raises(PlanError):
        set_item_decision(catalog, pid, img1.id, "accept")  # applied plans are not edited
    pid2 = make_plan(catalog)
    set_collection_decision(catalog, pid2, cols["Venice"], "skip")
    assert all(i.decision == "skip" for i in plan_items(catalog, pid2)
               if i.collection_id == cols["Venice"])


def test_cancel_mid_apply_then_continue(lib, catalog):
    root, _ = lib
    before = tree(root)
    pid = make_plan(catalog)
    task = TaskState("apply")
    calls = {"n": 0}
    real_check = task.check

    def check():
        calls["n"] += 1
        if calls["n"] == 3:
            task.cancel()
        real_check()

    task.check = check
    with pytest.raises(Cancelled):
        apply_plan(catalog, pid, task=task)
    assert list_plans(catalog)[0]["state"] == "failed"
    catalog_agrees_with_disk(catalog)
    rep = apply_plan(catalog, pid)
    assert rep.done > 0
    catalog_agrees_with_disk(catalog)
    undo_plan(catalog, pid)
    assert tree(root) == before


def test_recover_finishes_or_rolls_back_half_done_moves(lib, catalog):
    from core.organize.apply import Intent, Op, _intents

    root, _ = lib
    ids = file_ids(catalog)
    pid = make_plan(catalog)
    a, b = root / "Inbox/IMG_2.jpg", root / "Inbox/IMG_3.jpg"
    a2, b2 = root / "A2.jpg", root / "B2.jpg"
    with catalog.read() as conn:
        ha = conn.execute("SELECT content_hash FROM files WHERE path = ?", (str(a),)).fetchone()[0]
        hb = conn.execute("SELECT content_hash FROM files WHERE path = ?", (str(b),)).fetchone()[0]
    catalog.write(_intents, pid, [Intent(None, Op.MOVE, str(a), str(a2), ha, ids[str(a)]),
                                  Intent(None, Op.MOVE, str(b), str(b2), hb, ids[str(b)])])
    os.link(a, a2)                 # a: crashed between link and unlink -> finished
    b2.write_bytes(b"")            # b: crashed after reserving the name -> rolled back
    rep = recover(catalog)
    assert rep.finished == 1 and rep.rolled_back == 1
    assert a2.exists() and not a.exists() and b.exists() and not b2.exists()
    assert file_ids(catalog)[str(a2)] == ids[str(a)]
    catalog_agrees_with_disk(catalog)


def test_a_plan_needs_no_collections(catalog, tmp_path):
    pid = make_plan(catalog)
    assert plan_items(catalog, pid) == []
    assert get_plan(catalog, pid)["summary"]["layout"] == "event"


def test_destination_through_a_link_outside_the_root_is_not_used(lib, catalog, tmp_path):
    root, _ = lib
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / "Pets").symlink_to(outside, target_is_directory=True)
    pid = make_plan(catalog)
    dogs = [i for i in plan_items(catalog, pid) if "dog" in i.src]
    assert dogs and all(i.flagged and i.decision == "skip" for i in dogs)
    set_item_decision(catalog, pid, dogs[0].id, "accept")
    rep = apply_plan(catalog, pid)
    assert any("outside" in x["reason"] for x in rep.left_alone)
    assert list(outside.iterdir()) == []


def test_a_folder_that_cannot_be_created_fails_its_files_only(lib, catalog):
    root, _ = lib
    pid = make_plan(catalog)
    (root / "Travel").write_bytes(b"a file where the folder should go")
    rep = apply_plan(catalog, pid)
    assert len(rep.failed) == 7 and all("cannot create" in x["reason"] for x in rep.failed)
    assert (root / "Inbox/IMG_1.JPG").exists()
    assert (root / "Pets/Dogs/dog1.jpg").exists()  # the other collection went ahead
    assert (root / "Travel").read_bytes() == b"a file where the folder should go"
    catalog_agrees_with_disk(catalog)
    with catalog.read() as conn:
        assert conn.execute("SELECT count(*) FROM journal WHERE state = 'intent'").fetchone()[0] == 0


def test_link_tree_under_a_separate_target_leaves_the_library_alone(lib, catalog, tmp_path):
    root, _ = lib
    before = snapshot(root)
    target = tmp_path / "Organized"
    pid = make_plan(catalog, target=str(target), mode="link")
    rep = apply_plan(catalog, pid)
    assert rep.done == 9 and snapshot(root) == before
    assert os.path.samefile(target / "Pets/Dogs/dog1.jpg", root / "Phone/2024/dog1.jpg")
    undo_plan(catalog, pid)
    assert not any(p.is_file() for p in target.rglob("*")) and snapshot(root) == before


def test_journal_rows_stay_plain_text_and_rows_of_an_older_shoebox_still_undo(lib, catalog):
    import time

    root, _ = lib
    before = tree(root)
    ids = file_ids(catalog)
    pid = make_plan(catalog)
    apply_plan(catalog, pid)
    with catalog.read() as conn:
        rows = {tuple(r) for r in conn.execute(
            "SELECT op, typeof(op), state, typeof(state) FROM journal WHERE plan_id = ?", (pid,))}
        (plan_state,) = conn.execute("SELECT state FROM plans WHERE id = ?", (pid,)).fetchone()
    assert rows == {("mkdir", "text", "done", "text"), ("move", "text", "done", "text"),
                    ("rmdir", "text", "done", "text")}
    assert plan_state == "applied"
    undo_plan(catalog, pid)
    assert tree(root) == before

    # a move journalled by hand, exactly as the string-coded journal of earlier releases
    # wrote it (op 'move', state 'done', method 'rename'), is put back by today's undo
    pid = make_plan(catalog)
    src, dst = root / "Loose/noise.jpg", root / "Moved/noise.jpg"
    dst.parent.mkdir()
    os.rename(src, dst)

    def legacy(conn):
        h = conn.execute("SELECT content_hash FROM files WHERE id = ?", (ids[str(src)],)).fetchone()[0]
        conn.execute("INSERT INTO journal(plan_id, item_id, op, src, dst, content_hash, file_id, "
                     "method, undo_of, state, created_at, done_at) VALUES (?, NULL, 'move', ?, ?, "
                     "?, ?, 'rename', NULL, 'done', ?, ?)",
                     (pid, str(src), str(dst), h, ids[str(src)], time.time(), time.time()))
        conn.execute("INSERT INTO journal(plan_id, op, src, dst, state, created_at) "
                     "VALUES (?, 'mkdir', '', ?, 'done', ?)", (pid, str(dst.parent), time.time()))
        conn.execute("UPDATE files SET path = ?, folder = ?, name = 'noise.jpg' WHERE id = ?",
                     (str(dst), str(dst.parent), ids[str(src)]))
        conn.execute("UPDATE plans SET state = 'applied' WHERE id = ?", (pid,))

    catalog.write(legacy)
    rep = undo_plan(catalog, pid)
    assert rep.done == 1 and not rep.left_alone and not rep.failed
    assert tree(root) == before and file_ids(catalog) == ids
    catalog_agrees_with_disk(catalog)


def test_emptied_folders_an_interrupted_run_began_removing_are_finished(lib, catalog):
    """A kill between two rmdirs left `Camera/` behind once `Camera/00/` was gone: the next
    run's rmdir of the missing folder must go on to its parent, not stop there."""
    from core.organize.apply import _remove_emptied

    root, _ = lib
    pid = make_plan(catalog)
    (root / "Camera").mkdir()                  # Camera/00 was removed by the earlier run
    removed = _remove_emptied(catalog, pid, {str(root / "Camera" / "00")}, [str(root)])
    assert removed == [str(root / "Camera")] and not (root / "Camera").exists()
    assert root.exists()                       # never the root


def test_an_undated_pile_with_collections_is_planned_by_topic_and_says_why(lib, catalog):
    summary = get_plan(catalog, make_plan(catalog))["summary"]
    assert summary["layout"] == "topic"
    assert "only 0% of the photos and videos have a capture date" in summary["layout_reason"]
    # what stays, stays with its reason: the file in no collection
    assert [(s["reason"], s["files"]) for s in summary["stays"]] == [
        ("in no collection: the topic layout files collections (run `shoebox collections`)", 1)]
