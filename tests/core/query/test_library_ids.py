"""A big library's paged grid reads its listing as ids and group starts
(core.query.library_ids): exactly list_library's rows, in its order, for every grouping,
filter and stacking, read without holding a tuple per row."""

from __future__ import annotations

import time
import tracemalloc

import numpy as np
import pytest

from benchmarks.scale_catalog import build
from core.catalog import Catalog
from core.query import GROUPS, ID, Filters, id_listing, library_ids, list_library, rows_by_ids


@pytest.fixture(scope="module")
def scale(tmp_path_factory):
    """2,000 files over 20 years in day folders, with collections and events (the scale
    benchmark's builder), and three stacks of look-alikes folded under their covers."""
    from core.config import Paths

    home = tmp_path_factory.mktemp("scale")
    build(home, 2000, 3, "test/clip", "test/text", progress=lambda _m: None, clip_dim=16,
          text_dim=16)
    catalog = Catalog.open(Paths(home))

    def stacks(conn):
        for k, first in enumerate((40, 700, 1500)):
            cover = first + 1
            conn.execute("INSERT INTO stacks(id, cover_id, size, created_at) VALUES (?, ?, 3, ?)",
                         (k + 1, cover, time.time()))
            conn.executemany("INSERT INTO stack_members(file_id, stack_id, hidden, rank) "
                             "VALUES (?, ?, ?, ?)",
                             [(first + j, k + 1, int(first + j != cover), j) for j in range(3)])
    catalog.write(stacks)
    yield catalog
    catalog.close()


FILTERS = [None, Filters(kind="photo"), Filters(kind="video"), Filters(has_gps=True),
           Filters(date_from=time.mktime((2012, 1, 1, 0, 0, 0, 0, 0, -1)))]


@pytest.mark.parametrize("group", GROUPS)
def test_the_ids_are_the_listing_s_rows_in_its_order_with_its_group_starts(scale, group):
    for filters in FILTERS:
        for stacked in (True, False):
            listing = list_library(scale, filters, group, stacked=stacked)
            ids = library_ids(scale, filters, group, stacked=stacked)
            assert ids.ids.dtype == np.int64 and len(ids) == len(listing.rows) > 0
            assert ids.ids.tolist() == [r[ID] for r in listing.rows], (filters, stacked)
            assert ids.starts == listing.starts, (filters, stacked)
    if group != "name":
        assert len(library_ids(scale, None, group).starts) > 10   # many groups, not one


def test_a_first_page_without_timeline_headers_skips_them_only(scale):
    plain = list_library(scale, limit=600, headers=False)
    banded = list_library(scale, limit=600)
    assert not plain.headers and banded.headers
    assert (plain.rows, plain.starts) == (banded.rows, banded.starts)


def test_stacked_lists_the_covers_only(scale):
    assert len(library_ids(scale)) == len(library_ids(scale, stacked=False)) - 6


def test_a_page_of_rows_comes_back_by_id_in_the_order_asked(scale):
    listing = list_library(scale, None, "folder")
    ids = library_ids(scale, None, "folder").ids
    page = ids[500:756][::-1].tolist()
    assert rows_by_ids(scale, page) == [listing.rows[i] for i in range(755, 499, -1)]
    cover = next(r for r in listing.rows if r[-1])          # a stack's cover keeps its count
    assert rows_by_ids(scale, [cover[ID]]) == [cover]


def test_the_ids_are_streamed_not_held_as_rows(scale, monkeypatch):
    monkeypatch.setattr(id_listing, "CHUNK", 100)

    def peak(fn) -> int:
        tracemalloc.start()
        try:
            fn()
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    whole = peak(lambda: list_library(scale, None, "folder"))
    ids = peak(lambda: library_ids(scale, None, "folder"))
    # streamed: ~25x less than the whole listing; all the id rows held at once: ~5x
    assert ids * 10 < whole, (ids, whole)


def test_the_ids_stream_without_waking_the_garbage_collector(tmp_path):
    """Each collection holds the GIL the GUI thread waits for while it pages (at a million
    rows in chunks of 20,000: ~1,150 of them). Chunks that fit CPython's free list of small
    tuples reuse the last chunk's rows and allocate none."""
    import gc

    from core.config import Paths
    from core.scan.roots import add_root

    catalog = Catalog.open(Paths(tmp_path / "home"))
    root = add_root(catalog, tmp_path)
    n = 30_000

    def insert(conn):
        conn.executemany(
            "INSERT INTO files(root_id, path, folder, name, kind, format, size, mtime_ns, "
            "content_hash, width, height, taken_at, taken_at_source, status, first_seen_at) "
            "VALUES (?, ?, ?, ?, 'photo', 'jpeg', 1000, 0, ?, 640, 480, ?, 'exif', 'present', 0)",
            [(root.id, f"{tmp_path}/IMG_{i:06d}.jpg", str(tmp_path), f"IMG_{i:06d}.jpg",
              f"{i:032x}", 1.0e9 + i * 600) for i in range(n)])
    catalog.write(insert)
    passes = []

    def count(phase, info):
        if phase == "start":
            passes.append(info["generation"])

    library_ids(catalog)    # the connection and its statement made once
    gc.collect()
    gc.callbacks.append(count)
    try:
        ids = library_ids(catalog)
    finally:
        gc.callbacks.remove(count)
        catalog.close()
    assert len(ids) == n
    assert len(passes) <= 10, passes      # 42 in chunks of 20,000
