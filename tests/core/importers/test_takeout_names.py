"""Takeout JSON matching, one row per quirk, with the file-name shapes quoted in the tracker
threads (GPTH = TheLastGimbus/GooglePhotosTakeoutHelper)."""

from __future__ import annotations

import pytest

from core.importers.takeout_names import match_json, motion_stem, norm, photo_stems

Y = "Photos from 2016"

# (quirk, media file, the JSON beside it (None: none), the folder the JSON is in)
ROWS = [
    ("old name.ext.json", "IMG_20160712_101010.jpg", "IMG_20160712_101010.jpg.json", Y),
    ("new .supplemental-metadata.json (immich-go #652)", "IMG_0769.HEIC",
     "IMG_0769.HEIC.supplemental-metadata.json", Y),
    ("clipped supplemental: .supplementa (memories #1559)", "Screenshot_2017-07-05-10-05-26.png",
     "Screenshot_2017-07-05-10-05-26.png.supplementa.json", Y),
    ("clipped supplemental: .supp", "D7157814-D2D5-4A62-AFCE-9CF465CB7D66.jpeg",
     "D7157814-D2D5-4A62-AFCE-9CF465CB7D66.jpeg.supp.json", Y),
    ("clipped supplemental: .supplement (memories #1559)", "Screenshot_20241227_105539_Edge.jpg",
     "Screenshot_20241227_105539_Edge.jpg.supplement.json", Y),
    ("clipped supplemental-metadat (immich-go #698)", "IMG-20230325-WA0122~2.jpg",
     "IMG-20230325-WA0122~2.jpg.supplemental-metadat.json", Y),
    ("clipped into the extension (GPTH #8)", "Urlaub in Knaufspesch in der Schneifel (38).JPG",
     "Urlaub in Knaufspesch in der Schneifel (38).JP.json", Y),
    ("clipped into the name (memories #1559)", "Screenshot_20220207_102421_com.snapchat.android.jpg",
     "Screenshot_20220207_102421_com.snapchat.androi.json", Y),
    ("clipped name and media name (immich-go #35)",
     "PXL_20230809_203449253.LONG_EXPOSURE-02.ORIGINA.jpg",
     "PXL_20230809_203449253.LONG_EXPOSURE-02.ORIGIN.json", Y),
    ("numbered copy, old form (GPTH #59)", "IMG_1(1).jpg", "IMG_1.jpg(1).json", Y),
    ("numbered copy, new form (immich-go #1321)", "IMG_0769(1).HEIC",
     "IMG_0769.HEIC.supplemental-metadata(1).json", Y),
    ("numbered copy, clipped: (1) after the clip (GPTH #449)",
     "Screenshot_20241227_105539_Edge(1).jpg",
     "Screenshot_20241227_105539_Edge.jpg.supplement(1).json", Y),
    ("numbered copy without extension (immich-go #756)", "2013-12-23(1).jpg",
     "2013-12-23.supplemental-metadata(1).json", "Photos from 2013"),
    ("(1) that is part of the name (immich-go #1419)", "Negative0-36-35(1).jpg",
     "Negative0-36-35(1).jpg.supplemental-metadata.json", Y),
    ("JSON without the media extension (immich-go #674)", "Peanut Butter Balls.jpg",
     "Peanut Butter Balls.supplemental-metadata.json", Y),
    ("-edited shares the original's JSON (immich-go #674)", "2234089303984509579-edited.jpg",
     "2234089303984509579.supplemental-metadata.json", "Photos from 2014"),
    ("-edited(1) (immich-go #756)", "IMG_20120216_094016-edited(1).jpg",
     "IMG_20120216_094016.jpg.supplemental-metadata.json", "Photos from 2012"),
    ("-bearbeitet (German)", "IMG_0001-bearbeitet.jpg", "IMG_0001.jpg.json", Y),
    ("-modifié (French, decomposed as macOS writes it)", "IMG_0002-modifie\u0301.jpg",
     "IMG_0002.jpg.supplemental-metadata.json", Y),
    ("-editado (Spanish)", "IMG_0003-editado.jpg", "IMG_0003.jpg.supplemental-metadata.json", Y),
    ("JSON in upper case (GPTH #46)", "20090216_00021.jpg", "20090216_00021.JPG.JSON", Y),
    ("JSON in another zip part, same folder", "IMG_5.jpg", "IMG_5.jpg.json", Y),
    ("no JSON at all", "lonely.jpg", None, Y),
]


def _index(json_name: str | None, folder: str) -> dict:
    if json_name is None:
        return {}
    return {(folder, norm(json_name)): f"{folder}/{json_name}"}


@pytest.mark.parametrize("quirk,media,json_name,folder", ROWS, ids=[r[0] for r in ROWS])
def test_each_quirk_finds_its_json(quirk, media, json_name, folder):
    m = match_json(folder, media, _index(json_name, folder))
    assert m.json == (f"{folder}/{json_name}" if json_name else None), m.rule


def test_a_numbered_copy_does_not_take_the_first_ones_json():
    jsons = {(Y, norm("IMG_1.jpg.json")): f"{Y}/IMG_1.jpg.json"}
    assert match_json(Y, "IMG_1(1).jpg", jsons).json is None
    assert match_json(Y, "IMG_12.jpg", jsons).json is None  # a prefix is not a clip


def test_a_json_in_another_folder_is_not_taken_by_name():
    jsons = {("Album", norm("IMG_1.jpg.json")): "Album/IMG_1.jpg.json"}
    assert match_json(Y, "IMG_1.jpg", jsons).json is None


def test_title_is_the_last_resort_and_only_when_unambiguous():
    titles = {norm("holiday.jpg"): [f"{Y}/x.json"], norm("twice.jpg"): ["a/1.json", "b/2.json"]}
    assert match_json(Y, "holiday.jpg", {}, titles).rule == "title inside the JSON"
    assert match_json(Y, "twice.jpg", {}, titles).json is None


@pytest.mark.parametrize("movie,photo", [
    ("IMG_0769.MP4", "IMG_0769.HEIC"), ("IMG_0769(1).mp4", "IMG_0769(1).HEIC"),
    ("PXL_20210101_120000123.MP", "PXL_20210101_120000123.MP.jpg"),
])
def test_motion_movie_names_its_photo(movie, photo):
    assert motion_stem(movie) in photo_stems(photo)


def test_a_photo_is_not_a_motion_movie():
    assert motion_stem("IMG_0769.HEIC") is None
