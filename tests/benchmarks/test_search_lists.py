"""bench_search_lists' timer and table, without a catalog (the benchmark itself needs a
bench_scale catalog and the full-size models)."""

from __future__ import annotations

import types

from benchmarks.bench_search_lists import PARTS, report, slowest, timed


def test_a_timed_part_still_answers_and_records_each_call():
    module = types.SimpleNamespace(_words=lambda a, b=1: a + b)
    into: dict = {}
    timed(module, "_words", into)
    assert module._words(2, b=3) == 5 and module._words(1) == 2
    assert len(into["_words"]) == 2
    assert all(wall >= 0 and cpu >= 0 for wall, cpu in into["_words"])


def test_a_part_that_raises_is_recorded_too():
    def fails():
        raise ValueError("bad")
    module = types.SimpleNamespace(_fuse=fails)
    into: dict = {}
    timed(module, "_fuse", into)
    try:
        module._fuse()
    except ValueError:
        pass
    assert len(into["_fuse"]) == 1


def test_the_table_has_a_row_a_part_timed_and_the_whole():
    parts = {"_clip_list": [(10.0, 8.0), (30.0, 20.0)], "_words": [(5.0, 4.0)]}
    table = report(parts, [(40.0, 60.0), (50.0, 70.0)]).splitlines()
    assert [line.split(" | ")[0] for line in table[2:]] == \
        ["| clip_list", "| words", "| whole search (process CPU)"]
    assert table[2] == "| clip_list | 10.0 | 30.0 | 8.0 | 20.0 |"
    assert set(parts) <= set(PARTS)


def test_the_slowest_searches_come_first_with_each_part_they_ran():
    each = [(40.0, "red dog", {"_words": (5.0, 4.0)}),
            (90.0, "snowy market stadium", {"_photo_words": (48.0, 45.0), "_fuse": (1.0, 1.0)}),
            (60.0, "old car", {})]
    lines = slowest(each, 2).splitlines()
    assert len(lines) == 2
    assert lines[0].split()[0] == "90.0" and "photo_words 48/45" in lines[0]
    assert "fuse 1/1" in lines[0] and "words" not in lines[0].replace("photo_words", "")
    assert lines[1].split()[0] == "60.0" and "'old car'" in lines[1]
