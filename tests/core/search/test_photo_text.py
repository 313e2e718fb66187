"""Words read in pictures are found by search: whole words, prefixes, substrings and near
spellings (OCR slips), in that order; the hit shows the line; kinds filter."""

from __future__ import annotations

import pytest

from core.config import Settings
from core.pipeline import index_library
from core.pipeline.text_stage import write_lines
from core.query.filters import Filters
from core.scan.roots import add_root
from core.scan.scanner import scan
from core.search.engine import search_vector_and_text
from core.search.photo_text import EXACT, SUBSTRING, edit_distance, photo_text_search
from core.tasks import TaskState
from models import Registry
from models.ocr import TextLine
from tests.core.search import planting as P
from tests.text_factory import plain_photo, text_photo

BOX = ((0.1, 0.1), (0.9, 0.1), (0.9, 0.2), (0.1, 0.2))


def plant(catalog, fid, lines, frame_ms=-1):
    catalog.write(write_lines, fid, "ocr-test", [(frame_ms, [TextLine(t, 0.95, BOX)
                                                             for t in lines])])


def words(catalog, query, filters=None):
    return search_vector_and_text(catalog, Settings(), query, None, None, filters, 20)


@pytest.fixture
def planted(catalog):
    r = P.root(catalog)
    ids = {}
    for name, lines in {
        "exact": ["Harbour ferry timetable"],
        "prefix": ["Timetables for winter"],
        "inside": ["INV-4711-A paid"],
        "slip": ["Harbour ferry tirnetable"],
        "none": ["Nothing to see"],
    }.items():
        ids[name] = P.file(catalog, r, f"/lib/{name}.jpg")
        plant(catalog, ids[name], lines)
    return ids


def test_whole_words_then_prefixes_then_near_spellings(catalog, planted):
    res = words(catalog, "timetable")
    order = [h.file_id for h in res]
    # "timetables" stems to the same word: right after the very word, ahead of the OCR slip
    assert order[:2] == [planted["exact"], planted["prefix"]]
    assert planted["slip"] not in order   # a near spelling only counts when nothing matches
    res = words(catalog, "tirnetable")    # the user typed what the OCR misread: exact there
    assert res[0].file_id == planted["slip"]
    hit = res[0]
    assert hit.field == "text in photo" and hit.matched == "text"
    assert hit.snippet == "Harbour ferry [tirnetable]"


def test_substring_and_near_spelling_find_ocr_text(catalog, planted):
    with catalog.read() as conn:
        hits, ways, _ = photo_text_search(conn, "4711")
    assert [h.file_id for h in hits] == [planted["inside"]]
    assert ways == {planted["inside"]: EXACT}   # a word of its own once "-" splits it
    with catalog.read() as conn:
        hits, ways, _ = photo_text_search(conn, "711")
    assert [h.file_id for h in hits] == [planted["inside"]] and ways[planted["inside"]] == SUBSTRING
    res = words(catalog, "harbor ferry")   # US spelling: one letter off "Harbour"
    assert {h.file_id for h in res} >= {planted["exact"], planted["slip"]}
    res = words(catalog, "timetabel")      # two letters swapped: a near spelling
    assert res and res[0].file_id in (planted["exact"], planted["prefix"])


def test_the_very_word_ranks_above_its_other_forms(catalog):
    r = P.root(catalog)
    sign = P.file(catalog, r, "/lib/a.jpg")
    park = P.file(catalog, r, "/lib/b.jpg")
    plant(catalog, sign, ["NO PARKING", "PARKING PROHIBITED"])   # bm25 alone prefers this
    plant(catalog, park, ["Wivenhoe Park"])
    assert [h.file_id for h in words(catalog, "park")] == [park, sign]


def test_exact_words_rank_above_substrings(catalog):
    r = P.root(catalog)
    sub = P.file(catalog, r, "/lib/a.jpg")
    whole = P.file(catalog, r, "/lib/b.jpg")
    plant(catalog, sub, ["Caravanserai"])     # "van" inside a word
    plant(catalog, whole, ["Van rental"])
    res = words(catalog, "van")
    assert [h.file_id for h in res] == [whole, sub]
    assert res[0].score > res[1].score


def test_video_text_gives_the_time(catalog):
    r = P.root(catalog)
    vid = P.file(catalog, r, "/lib/trip.mp4", kind="video")
    plant(catalog, vid, ["Gate 23 boarding"], frame_ms=4000)
    hit = words(catalog, "boarding")[0]
    assert hit.file_id == vid and hit.field == "text in video" and hit.time_s == 4.0


def test_edit_distance():
    assert edit_distance("timetable", "tirnetable", 2) == 2
    assert edit_distance("timetable", "timetabel", 2) == 1   # a swap is one slip
    assert edit_distance("fill", "flli", 1) == 2
    assert edit_distance("ab", "abcdef", 1) == 2


def test_real_ocr_words_find_their_photo_and_kinds_filter(tmp_path, catalog, paths):
    lib = tmp_path / "lib"
    lib.mkdir()
    text_photo(["Ristorante Gallo Nero"], size=(900, 500)).save(lib / "dinner.jpg")
    plain_photo().save(lib / "sky.jpg")
    from PIL import Image

    from tests.text_factory import draw_lines
    shot = Image.new("RGB", (1170, 2532), "white")
    draw_lines(shot, ["Boarding pass", "Seat 14C"], px=44, at=(80, 300), gap=3)
    shot.save(lib / "Screenshot 2024-06-01 at 10.12.00.png")
    add_root(catalog, lib)
    scan(catalog)
    settings = Settings(workers=2, low_priority=False)
    reg = Registry(settings, paths)
    try:
        index_library(catalog, reg, settings, paths, TaskState("i"), stages=["thumbnail", "text"])
    finally:
        reg.close()
    res = words(catalog, "gallo")
    assert res[0].path.endswith("dinner.jpg") and "[Gallo]" in res[0].snippet
    res = words(catalog, "seat 14c")
    assert res[0].path.endswith(".png") and res[0].field == "text in photo"
    shots = words(catalog, "", Filters(kind="screenshot"))
    assert [h.path.rsplit("/", 1)[-1] for h in shots] == ["Screenshot 2024-06-01 at 10.12.00.png"]
    assert words(catalog, "gallo", Filters(kind="screenshot")) == []


def test_a_way_that_matches_only_lines_already_read_is_not_ranked(catalog):
    """"ferry" is found whole in two lines; stemmed, as a prefix and as a substring it
    matches those same lines, so those ways only list line ids; "timetable" also finds
    "Timetables" by its stem, a line not read yet, so that way is ranked. Same hits."""
    r = P.root(catalog)
    for name, line in (("a", "Harbour ferry timetable"), ("b", "Ferry to the island"),
                       ("c", "Timetables for winter")):
        plant(catalog, P.file(catalog, r, f"/lib/{name}.jpg"), [line])
    ranked = []
    with catalog.read() as conn:
        conn.set_trace_callback(lambda sql: ranked.append(sql) if "JOIN text_lines" in sql
                                else None)
        try:
            ferry = photo_text_search(conn, "ferry")
            n_ferry = len(ranked)
            timetable = photo_text_search(conn, "timetable")
        finally:
            conn.set_trace_callback(None)
    assert len(ferry[0]) == 2 and n_ferry == 1
    assert len(timetable[0]) == 2 and len(ranked) - n_ferry >= 2


@pytest.mark.parametrize("query", ["ferry", "harbour ferry", "zebra ferry"])
def test_enough_files_with_every_word_whole_skip_the_other_ways(catalog, query):
    """Files holding every query word whole rank first (or, when a word is in no line at
    all, every other word); once `limit` of them are found the stemmed, prefix and substring
    ways cannot change the hits, and are not run: the hits are the first `limit` of the whole
    list."""
    r = P.root(catalog)
    lines = ["Harbour ferry timetable", "Harbour ferry, pier 2", "harbour FERRY tickets",
             "Harbour ferry harbour ferry", "Harbour ferries", "Harbourside ferryman"]
    for i, line in enumerate(lines):
        plant(catalog, P.file(catalog, r, f"/lib/{i}.jpg"), [line])
    ranked = []
    with catalog.read() as conn:
        whole = photo_text_search(conn, query, limit=100)
        conn.set_trace_callback(lambda sql: ranked.append(sql) if "JOIN text_lines" in sql
                                else None)
        try:
            first = photo_text_search(conn, query, limit=3)
        finally:
            conn.set_trace_callback(None)
    assert len(whole[0]) == 6
    assert first[0] == whole[0][:3] and first[2] == whole[2] == (query != "zebra ferry")
    assert {f: whole[1][f] for f in first[1]} == first[1] == dict.fromkeys(first[1], EXACT)
    present = [s for s in ranked if "zebra" not in s]
    assert len(present) == len(query.split()) - query.count("zebra")
    assert all("text_terms" in s for s in present)
