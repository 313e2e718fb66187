"""The review by unit: the moves of a plan grouped by destination folder, the files that stay
with their reason, and the decisions on a whole unit (accept, skip, rename, move files in)."""

import os

import pytest

from core.organize import (
    STAYS,
    PlanError,
    apply_plan,
    compute_moves,
    make_plan,
    move_to_unit,
    plan_items,
    review_units,
    set_items_decision,
    set_unit_decision,
)
from core.organize.plan import PlanCollection, PlanFile
from tests.core.organize.helpers import make_files, plant_collections, scan_library


def _units(catalog, pid):
    return {u.folder: u for u in review_units(catalog, pid)["units"]}


def test_units_are_the_moves_by_destination_folder_plus_what_stays(lib, catalog):
    root, _ = lib
    pid = make_plan(catalog)
    units = _units(catalog, pid)
    assert list(units) == ["Pets/Dogs", "Travel/Italy 2024/Venice", "Left where they are"]
    venice = units["Travel/Italy 2024/Venice"]
    assert venice.key == str(root / "Travel/Italy 2024/Venice")
    assert [os.path.basename(f.path) for f in venice.files] == ["IMG_1.JPG", "IMG_2.jpg",
                                                                "IMG_3.jpg"]
    assert venice.files[0].companions == 4   # RAW, Live Photo movie, two sidecars
    assert venice.count_text() == "3 photos" and venice.collections == ["Venice"]
    stays = units["Left where they are"]
    assert stays.key == STAYS
    assert {os.path.basename(f.path): f.reason for f in stays.files} == {
        "noise.jpg": "in no collection"}


def test_a_whole_unit_is_skipped_renamed_and_applied(lib, catalog):
    root, cols = lib
    pid = make_plan(catalog)
    dogs = str(root / "Pets/Dogs")
    set_unit_decision(catalog, pid, str(root / "Travel/Italy 2024/Venice"), "skip")
    set_unit_decision(catalog, pid, dogs, "accept")   # the unsure one too
    set_unit_decision(catalog, pid, dogs, folder="Animals/Our dogs")
    items = plan_items(catalog, pid)
    assert all(i.decision == "skip" for i in items if i.collection_id == cols["Venice"])
    assert all(i.decision == "accept" and os.path.dirname(i.dst) == str(root / "Animals/Our dogs")
               for i in items if i.collection_id == cols["Dogs"])
    with pytest.raises(PlanError, match="moves nothing into"):
        set_unit_decision(catalog, pid, dogs, "skip")   # that folder is no unit any more
    apply_plan(catalog, pid)
    assert sorted(os.listdir(root / "Animals/Our dogs")) == ["dog1.jpg", "dog2.jpg", "unsure.jpg"]
    assert (root / "Inbox/IMG_1.JPG").exists() and (root / "Inbox/IMG_1.CR2").exists()


def test_a_file_moved_into_another_unit_brings_its_group_and_takes_a_free_name(tmp_path,
                                                                               catalog):
    root = tmp_path / "lib"
    make_files(root, {"A/IMG_1.JPG": 1, "A/IMG_1.xmp": b"<xmp/>", "B/IMG_1.JPG": 2,
                      "B/other.jpg": 3, "C/a.jpg": 4, "C/b.jpg": 5})
    scan_library(catalog, root)
    plant_collections(catalog, root, {"One": ("One", {"A/IMG_1.JPG": 0.9, "C/a.jpg": 0.9}),
                                      "Two": ("Two", {"B/IMG_1.JPG": 0.9, "B/other.jpg": 0.9,
                                                      "C/b.jpg": 0.9})})
    root = root.resolve()
    pid = make_plan(catalog)
    one = str(root / "One")
    xmp = next(i for i in plan_items(catalog, pid) if i.src.endswith(".xmp"))
    two_img = next(i for i in plan_items(catalog, pid) if i.src == str(root / "B/IMG_1.JPG"))
    move_to_unit(catalog, pid, [xmp.id], str(root / "Two"))   # a sidecar brings its photo
    move_to_unit(catalog, pid, [two_img.id], one)             # (its name is free by now)
    dst = {os.path.relpath(i.src, root): os.path.relpath(i.dst, root)
           for i in plan_items(catalog, pid)}
    assert dst["B/IMG_1.JPG"] == "One/IMG_1.JPG"
    assert dst["A/IMG_1.JPG"] == "Two/IMG_1 (2).JPG" and dst["A/IMG_1.xmp"] == "Two/IMG_1 (2).xmp"
    assert [u.folder for u in review_units(catalog, pid)["units"]] == ["One", "Two"]
    with pytest.raises(PlanError, match="not inside the library folder"):
        move_to_unit(catalog, pid, [two_img.id], str(tmp_path / "elsewhere"))
    apply_plan(catalog, pid)
    assert sorted(os.listdir(root / "Two")) == ["IMG_1 (2).JPG", "IMG_1 (2).xmp", "b.jpg",
                                                "other.jpg"]


def test_a_membership_score_of_zero_or_none_says_nothing_about_certainty():
    """Review lines read "only 0% sure it belongs to 'Party'" and were flagged."""
    files = [PlanFile(1, "/r", "/r/a/x.jpg", "photo", "jpeg", 10, 0.0),
             PlanFile(2, "/r", "/r/a/y.jpg", "photo", "jpeg", 10, None),
             PlanFile(3, "/r", "/r/a/z.jpg", "photo", "jpeg", 10, 0.3)]
    moves = {m.src: m for m in compute_moves(files, {10: PlanCollection(10, "Party", "P")})}
    for src in ("/r/a/x.jpg", "/r/a/y.jpg"):
        assert moves[src].reason == "collection “Party”" and not moves[src].flagged
        assert moves[src].confidence is None
    assert moves["/r/a/z.jpg"].flagged and "only 30% sure" in moves["/r/a/z.jpg"].reason


def test_units_keep_their_order_when_photos_move_between_them(tmp_path, catalog):
    """In folder order, as the tree will be; ordered by their first photo, a unit jumped away
    from under the mouse when an older photo was moved into it."""
    from tests.media_factory import write_jpeg

    root = tmp_path / "lib"
    for i, month in enumerate((4, 4, 8, 12)):
        write_jpeg(root / "Camera" / f"IMG_{i}.jpg", seed=i, taken=f"2023:{month:02d}:0{i + 1} 10:00:00")
    scan_library(catalog, root)
    pid = make_plan(catalog, layout="date", template="{year}/{month}")
    units = review_units(catalog, pid)["units"]
    assert [u.folder for u in units] == ["2023/04", "2023/08", "2023/12"]
    move_to_unit(catalog, pid, [units[0].files[0].item.id], units[2].key)
    assert [u.folder for u in review_units(catalog, pid)["units"]] == [
        "2023/04", "2023/08", "2023/12"]


def test_many_moves_decided_and_sent_elsewhere_in_one_write(lib, catalog):
    root, _ = lib
    pid = make_plan(catalog)
    items = plan_items(catalog, pid)
    xmp = next(i for i in items if i.src.endswith(".xmp"))
    dog = next(i for i in items if i.src.endswith("dog1.jpg"))
    set_items_decision(catalog, pid, [xmp.id, dog.id], "skip", folder="Keep/These")
    after = {os.path.relpath(i.src, root): i for i in plan_items(catalog, pid)}
    for rel in ("Inbox/IMG_1.JPG", "Inbox/IMG_1.CR2", "Inbox/IMG_1.xmp", "Phone/2024/dog1.jpg"):
        assert after[rel].decision == "skip"
        assert os.path.dirname(after[rel].dst) == str(root / "Keep/These"), rel
    assert after["Inbox/IMG_2.jpg"].decision == "accept"
    with pytest.raises(PlanError, match="no item"):
        set_items_decision(catalog, pid, [dog.id, 10**6], "accept")
    assert next(i for i in plan_items(catalog, pid) if i.id == dog.id).decision == "skip"
