"""The reads the GUI and CLI share: listing (groups, order, pages), a file's detail,
collections with their representatives, filter menus."""

from __future__ import annotations

import datetime as dt

import pytest

from core.query import (
    ID,
    NAME,
    Filters,
    QueryError,
    collection_members,
    collection_names,
    file_detail,
    filter_choices,
    has_collections,
    list_collections,
    list_library,
    rows_by_ids,
)
from tests.core.search import planting as P


def ts(y, m, d=15):
    return dt.datetime(y, m, d, 12).timestamp()


@pytest.fixture
def lib(catalog):
    r = P.root(catalog, "/lib")
    ids = {
        "jan_a": P.file(catalog, r, "/lib/x/jan_a.jpg", taken=ts(2023, 1, 10)),
        "jan_b": P.file(catalog, r, "/lib/y/jan_b.jpg", taken=ts(2023, 1, 20),
                        camera=("Canon", "EOS 80D"), gps=(45.4, 12.3)),
        "mar": P.file(catalog, r, "/lib/x/mar.mp4", kind="video", taken=ts(2023, 3)),
        "dec": P.file(catalog, r, "/lib/y/dec.jpg", taken=ts(2022, 12)),
        "gone": P.file(catalog, r, "/lib/y/gone.jpg", taken=ts(2023, 2), status="missing"),
    }
    return catalog, ids


def add_collection(catalog, name, members, reps=()):
    def fn(c):
        cid = c.execute("INSERT INTO clusters(name, created_at, updated_at) VALUES (?, 0, 0)",
                        (name,)).lastrowid
        for i, fid in enumerate(members):
            c.execute("INSERT INTO cluster_members(cluster_id, file_id, probability, "
                      "representative) VALUES (?, ?, ?, ?)",
                      (cid, fid, 1.0 - i / 10, int(fid in reps)))
        return cid
    return catalog.write(fn)


def test_date_grouping_newest_first_with_month_labels(lib):
    catalog, _ids = lib
    got = list_library(catalog)
    assert [r[NAME] for r in got.rows] == ["mar.mp4", "jan_b.jpg", "jan_a.jpg", "dec.jpg"]
    assert got.starts == {0: "March 2023", 1: "January 2023", 3: "December 2022"}
    assert got.row_of == {r[ID]: i for i, r in enumerate(got.rows)}


def test_folder_and_name_grouping(lib):
    catalog, _ = lib
    by_folder = list_library(catalog, group="folder")
    assert [r[NAME] for r in by_folder.rows] == ["jan_a.jpg", "mar.mp4", "dec.jpg", "jan_b.jpg"]
    assert by_folder.starts == {0: "x", 2: "y"}
    by_name = list_library(catalog, group="name")
    assert [r[NAME] for r in by_name.rows] == sorted(r[NAME] for r in by_name.rows)
    assert by_name.starts == {}
    with pytest.raises(QueryError, match="unknown grouping"):
        list_library(catalog, group="colour")


def test_collection_grouping_keeps_the_filter(lib):
    catalog, ids = lib
    add_collection(catalog, "Winter", [ids["dec"], ids["jan_a"]])
    got = list_library(catalog, Filters(kind="photo"), "collection")
    names = [r[NAME] for r in got.rows]
    assert names == ["jan_a.jpg", "dec.jpg", "jan_b.jpg"]       # the video is filtered out
    assert got.starts == {0: "Winter", 2: "Not in a collection"}


def test_paging_walks_the_same_order(lib):
    catalog, _ = lib
    whole = [r[ID] for r in list_library(catalog).rows]
    pages = [[r[ID] for r in list_library(catalog, limit=3, offset=o).rows] for o in (0, 3)]
    assert pages[0] + pages[1] == whole and len(pages[0]) == 3


def test_rows_by_ids_keeps_the_order_and_drops_unknown_ids(lib):
    catalog, ids = lib
    rows = rows_by_ids(catalog, [ids["dec"], 9999, ids["jan_a"]])
    assert [r[ID] for r in rows] == [ids["dec"], ids["jan_a"]]


def test_file_detail_gathers_everything(lib):
    catalog, ids = lib
    fid = ids["jan_b"]
    P.caption(catalog, fid, "a dog on a beach")
    P.tags(catalog, fid, "dog", "beach")
    P.transcript(catalog, fid, [(0.0, 1.5, "hello"), (1.5, 3.0, "there")])
    add_collection(catalog, "Dogs", [fid])
    catalog.write(lambda c: c.execute(
        "INSERT INTO jobs(file_id, stage, state, error, updated_at) "
        "VALUES (?, 'caption', 'error', 'model crashed', 0)", (fid,)))
    d = file_detail(catalog, fid)
    assert (d.name, d.kind, d.camera, d.gps_lat) == ("jan_b.jpg", "photo", "Canon EOS 80D", 45.4)
    assert d.caption == "a dog on a beach" and set(d.tags) == {"dog", "beach"}
    assert d.segments == [(0.0, 1.5, "hello"), (1.5, 3.0, "there")] and d.language == "en"
    assert d.collection == "Dogs"
    assert d.errors == ["caption: model crashed"]
    with pytest.raises(QueryError, match="no longer in the catalog"):
        file_detail(catalog, 9999)


def test_collections_come_with_sizes_and_representatives_in_two_statements(lib):
    catalog, ids = lib
    assert not has_collections(catalog)
    big = add_collection(catalog, "Big", [ids["jan_a"], ids["jan_b"], ids["mar"], ids["gone"]],
                         reps=[ids["mar"]])
    small = add_collection(catalog, None, [ids["dec"]])
    statements = []
    with catalog.read() as conn:
        conn.set_trace_callback(statements.append)
    try:
        cols = list_collections(catalog, representatives=2)
    finally:
        with catalog.read() as conn:
            conn.set_trace_callback(None)
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 2
    assert [(c.id, c.name, c.label, c.size) for c in cols] == [
        (big, "Big", "Big", 3), (small, None, "Unnamed collection", 1)]
    # the marked representative first, then the most probable; missing files never
    assert [f.id for f in cols[0].representatives] == [ids["mar"], ids["jan_a"]]
    assert cols[0].first_taken == ts(2023, 1, 10) and cols[0].last_taken == ts(2023, 3)
    assert collection_members(catalog, big) == [ids["jan_a"], ids["jan_b"], ids["mar"]]
    assert collection_names(catalog) == {big: "Big", small: ""}
    assert has_collections(catalog)


def test_filter_choices(lib):
    catalog, _ = lib
    P.root(catalog, "/more")
    ch = filter_choices(catalog)
    assert ch.cameras == ["Canon EOS 80D"]
    # every root, then the folders below it that hold files, with the files in and below
    assert ch.folders == ["/lib", "/lib/x", "/lib/y", "/more"]
    assert ch.folder_counts == {"/lib": 4, "/lib/x": 2, "/lib/y": 2, "/more": 0}


def test_folder_choices_reach_every_level_and_stay_bounded(catalog):
    r = P.root(catalog, "/lib")
    for i, folder in enumerate(["/lib/2023/Trip/Day 1", "/lib/2023/Trip/Day 2", "/lib/Scans"]):
        P.file(catalog, r, f"{folder}/p{i}.jpg")
    ch = filter_choices(catalog)
    assert ch.folders == ["/lib", "/lib/2023", "/lib/2023/Trip", "/lib/2023/Trip/Day 1",
                          "/lib/2023/Trip/Day 2", "/lib/Scans"]
    assert ch.folder_counts["/lib/2023"] == 2 and ch.folder_counts["/lib"] == 3
    # past the limit the deepest go first; the roots always stay
    assert filter_choices(catalog, max_folders=3).folders == ["/lib", "/lib/2023", "/lib/Scans"]
