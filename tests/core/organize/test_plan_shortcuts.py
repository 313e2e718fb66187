"""The short cuts that let a plan cover a large library (issue 31) give the plan it always was:
destination folders worked out once per library folder, date folders once per day, the moves
stored in one statement."""

from __future__ import annotations

import os

from core.organize import compute_moves, make_plan, plan_items
from core.organize.layouts import date_folder
from core.organize.plan import PlanFile

DAY = 1_700_000_000.0   # 14 November 2023


def _files() -> list[PlanFile]:
    return [PlanFile(1, "/a", "/a/x/IMG_1.JPG", "photo", "jpeg", taken_at=DAY),
            PlanFile(2, "/a", "/a/x/IMG_1.CR2", "other", "raw", taken_at=DAY),
            PlanFile(3, "/b", "/b/y/IMG_1.JPG", "photo", "jpeg", taken_at=DAY),
            PlanFile(4, "/b", "/b/y/IMG_1.cr2", "other", "raw", taken_at=DAY),
            PlanFile(5, "/b", "/b/z/img_1.jpg", "photo", "jpeg", taken_at=DAY)]


def test_the_same_folder_in_two_library_folders_is_two_destinations():
    folders = {1: "2023/11", 3: "2023/11", 5: "2023/11"}
    dst = {m.src: m.dst for m in compute_moves(_files(), {}, file_folders=folders)}
    assert dst == {"/a/x/IMG_1.JPG": "/a/2023/11/IMG_1.JPG",
                   "/a/x/IMG_1.CR2": "/a/2023/11/IMG_1.CR2",
                   "/b/y/IMG_1.JPG": "/b/2023/11/IMG_1.JPG",
                   "/b/y/IMG_1.cr2": "/b/2023/11/IMG_1.cr2",
                   "/b/z/img_1.jpg": "/b/2023/11/img_1 (2).jpg"}  # the same name, case aside


def test_one_target_for_two_library_folders_numbers_each_group_once():
    folders = {1: "2023/11", 3: "2023/11", 5: "2023/11"}
    dst = {m.src: m.dst for m in compute_moves(_files(), {}, file_folders=folders, target="/t")}
    assert dst == {"/a/x/IMG_1.JPG": "/t/2023/11/IMG_1.JPG",
                   "/a/x/IMG_1.CR2": "/t/2023/11/IMG_1.CR2",
                   "/b/y/IMG_1.JPG": "/t/2023/11/IMG_1 (2).JPG",
                   "/b/y/IMG_1.cr2": "/t/2023/11/IMG_1 (2).cr2",
                   "/b/z/img_1.jpg": "/t/2023/11/img_1 (3).jpg"}


def test_a_date_folder_shows_the_name_and_place_its_template_asks_for():
    later = DAY + 3600   # the same day
    assert date_folder("{year}/{name}", DAY, name="Beach 2023") == "2023/Beach"
    assert date_folder("{year}/{name}", later, name="Birds") == "2023/Birds"
    assert date_folder("{year}/{place}", DAY, place="Kyoto") == "2023/Kyoto"
    assert date_folder("{year}/{place}", later, place="Oslo") == "2023/Oslo"
    assert date_folder("{year}/{month}", DAY, name="Beach") == \
        date_folder("{year}/{month}", later, name="Birds", place="Oslo") == "2023/11"
    assert date_folder("{year}/{month}", DAY + 40 * 86400) == "2023/12"


def test_every_plan_s_companions_point_at_their_own_head(lib, catalog):
    def heads_agree(pid: int) -> int:
        items = plan_items(catalog, pid)
        by_id = {i.id: i for i in items}
        followers = [i for i in items if i.group_item_id is not None]
        for i in followers:
            head = by_id[i.group_item_id]   # in this plan
            assert head.role == "file" and head.group_item_id is None
            assert os.path.dirname(head.dst) == os.path.dirname(i.dst)
        return len(followers)

    first = make_plan(catalog)
    second = make_plan(catalog)
    assert heads_agree(first) == heads_agree(second) == 4   # a RAW, a movie, two sidecars
    catalog.write(lambda c: c.execute("DELETE FROM plans WHERE id = ?", (first,)))
    third = make_plan(catalog)
    assert heads_agree(third) == 4
    ids = [i.id for i in plan_items(catalog, third)]
    assert ids == list(range(ids[0], ids[0] + len(ids)))
