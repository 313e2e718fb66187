"""One filter dialect: for every filter combination, the library listing (in every grouping)
and a search with an empty query give exactly the files a plain-Python reading of the filter's
documented meaning gives."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest

from core.config import Settings
from core.places.geocoder import Place
from core.places.store import FilePlace, place_key, set_gps_place, set_inferred_places
from core.query import GROUPS, ID, FilterError, Filters, list_library
from core.query.filters import _CLAUSES, allowed_id_array, allowed_ids, check_registry
from core.search import search
from tests.core.search import planting as P

# name -> how it is planted; "mtime" stands in when there is no taken date
SPEC = {
    "exif_old": {"path": "/lib/2019/a.jpg", "taken": 1.55e9, "camera": ("Canon", "EOS 80D")},
    "exif_new": {"path": "/lib/2023/b.jpg", "taken": 1.69e9, "gps": (45.4, 12.3),
                     "camera": ("Apple", "iPhone 12")},
    "video": {"path": "/lib/2023/c.mp4", "kind": "video", "taken": 1.69e9},
    # no capture date: the scanner keeps its file date (source 'mtime'), which is no date
    "no_date": {"path": "/lib/undated/d.jpg", "mtime": 1.70e9, "taken": 1.70e9,
                "source": "mtime"},
    "lat_only": {"path": "/lib/2023/e.jpg", "taken": 1.60e9, "gps": (45.0, None)},
    "wild_cam": {"path": "/lib/a_b/f.jpg", "taken": 1.58e9, "camera": ("Fuji", "X_100")},
    "like_cam": {"path": "/lib/axb/g.jpg", "taken": 1.58e9, "camera": ("Fuji", "XA100")},
    "pct_dir": {"path": "/lib/100%/h.jpg", "taken": 1.61e9},
    "raw_twin": {"path": "/lib/2023/i.cr2", "kind": "other", "taken": 1.69e9},  # of i.jpg
    "raw_alone": {"path": "/lib/2023/l.nef", "taken": 1.69e9},  # a photo like any other
    "gone": {"path": "/lib/2023/j.jpg", "taken": 1.69e9, "status": "missing"},
    "root2": {"path": "/other/k.jpg", "root": "/other", "mtime": 1.50e9, "gps": (1.0, 2.0)},
}
COLLECTION = ("exif_old", "video", "no_date", "gone")
# where files were: own GPS place, or inferred from their event
PLACES = {"exif_new": ("Venice", "Veneto", "Italy", False),
          "root2": ("Valparaíso", "Valparaíso", "Chile", True),
          "gone": ("Venice", "Veneto", "Italy", False)}


@pytest.fixture
def library(catalog):
    roots = {"/lib": P.root(catalog, "/lib"), "/other": P.root(catalog, "/other")}
    ids, facts = {}, {}
    for name, spec in SPEC.items():
        kw = dict(spec)
        path, root = kw.pop("path"), kw.pop("root", "/lib")
        gps = kw.pop("gps", None)
        ids[name] = P.file(catalog, roots[root], path, **kw)
        if gps is not None:  # planting's helper sets both or none; lat_only needs one
            catalog.write(lambda c, g=gps, i=ids[name]: c.execute(
                "UPDATE files SET gps_lat = ?, gps_lon = ? WHERE id = ?", (*g, i)))
        facts[ids[name]] = dict(spec, root=roots[root], gps=gps, name=name)

    def add_collection(c):
        cid = c.execute("INSERT INTO clusters(name, created_at, updated_at) "
                        "VALUES ('trip', 0, 0)").lastrowid
        for n in COLLECTION:
            c.execute("INSERT INTO cluster_members(cluster_id, file_id) VALUES (?, ?)",
                      (cid, ids[n]))
        return cid
    cid = catalog.write(add_collection)

    def add_places(c):
        for n, (town, region, country, inferred) in PLACES.items():
            if inferred:
                set_inferred_places(c, {ids[n]: FilePlace(town, region, country, "XX", True)})
            else:
                set_gps_place(c, ids[n], Place(town, region, country, "XX", 1.0, 0.0, 0.0))
            facts[ids[n]]["place"] = {place_key(town), place_key(region), place_key(country)}
    catalog.write(add_places)

    def add_albums_and_favourites(c):  # from a Takeout (core.scan.takeout_meta)
        aid = c.execute("INSERT INTO albums(name, source) VALUES ('Kyoto Trip', 'takeout')"
                        ).lastrowid
        for n in ALBUM:
            c.execute("INSERT INTO album_files(album_id, file_id) VALUES (?, ?)", (aid, ids[n]))
        for n in FAVOURITES:
            c.execute("UPDATE files SET favorite = 1 WHERE id = ?", (ids[n],))
    catalog.write(add_albums_and_favourites)
    def add_people(c):
        pids = {}
        for who, files in SHOWS.items():
            pids[who] = c.execute("INSERT INTO people(name, created_at, updated_at) "
                                  "VALUES (?, 0, 0)", (who,)).lastrowid
            for i, n in enumerate(files):
                c.execute("INSERT INTO faces(file_id, idx, x, y, w, h, size_px, score, "
                          "sharpness, groupable, model_id, descriptor, person_id) "
                          "VALUES (?, ?, 0, 0, .1, .1, 80, 1, 100, 1, 'm', x'00', ?)",
                          (ids[n], 10 * len(pids) + i, pids[who]))
        return pids
    global PIDS
    PIDS = catalog.write(add_people)
    return catalog, ids, facts, roots, cid


# who shows in which file (faces table): the people filter wants every one of them
SHOWS = {"anna": ("exif_old", "video", "gone", "no_date"), "ben": ("exif_old", "root2")}
PIDS: dict[str, int] = {}
ALBUM = ("exif_new", "video", "gone", "raw_twin")
FAVOURITES = ("exif_old", "video", "gone")


def reference(f: dict, flt: Filters, collection: set[int], fid: int) -> bool:
    """The filters' documented meaning, in plain Python."""
    if f.get("status", "present") != "present" or f.get("kind") == "other":
        return False  # missing, or a RAW kept with its JPEG twin: never listed on its own
    taken = f.get("taken") if f.get("source", "exif") != "mtime" else None   # never invented
    folder = f["path"].rsplit("/", 1)[0]
    cam = " ".join(x for x in (f.get("camera") or ()) if x).lower()
    gps = f["gps"]
    checks = [
        flt.date_from is None or (taken is not None and taken >= flt.date_from),
        flt.date_to is None or (taken is not None and taken <= flt.date_to),
        flt.kind is None or f.get("kind", "photo") == flt.kind,
        flt.folder is None or folder == flt.folder or folder.startswith(flt.folder + "/"),
        flt.root_id is None or f["root"] == flt.root_id,
        flt.has_gps is None or (gps is not None and None not in gps) == flt.has_gps,
        flt.camera is None or flt.camera.strip().lower() in cam,
        flt.collection_id is None or fid in collection,
        flt.place is None or place_key(flt.place) in f.get("place", set()),
        flt.people is None or all(f["name"] in SHOWS[who] for who, pid in PIDS.items()
                                  if pid in flt.people),
        flt.album is None or (flt.album.lower() == "kyoto trip" and f["name"] in ALBUM),
        flt.favorite is None or (f["name"] in FAVOURITES) == flt.favorite,
    ]
    return all(checks)


def values(roots, cid):
    """A few telling values per filter field (None = not filtering)."""
    return {
        "date_from": [1.6e9, 1.695e9],
        "date_to": [1.6e9],
        "kind": ["photo", "video"],
        "folder": ["/lib/2023", "/lib/a_b", "/lib/100%", "/lib/202"],
        "root_id": [roots["/other"]],
        "has_gps": [True, False],
        "camera": ["x_1", "canon eos", "%"],
        "collection_id": [cid],
        "place": ["italy", "VALPARAISO", "Valparaíso", "veneto", "Venice, Italy"],
        "people": [(PIDS["anna"],), (PIDS["anna"], PIDS["ben"])],
        "album": ["kyoto trip", "Nowhere"],
        "favorite": [True, False],
    }


def combinations(roots, cid):
    vals = values(roots, cid)
    yield Filters()
    for field in vals:                                   # every value alone
        for v in vals[field]:
            yield Filters(**{field: v})
    for a, b in itertools.combinations(vals, 2):         # every pair of fields
        for va, vb in itertools.product(vals[a], vals[b]):
            yield Filters(**{a: va, b: vb})


def test_browse_search_and_reference_agree_for_every_combination(library):
    catalog, ids, facts, roots, cid = library
    collection = {ids[n] for n in COLLECTION}
    checked = 0
    for flt in combinations(roots, cid):
        want = {fid for fid, f in facts.items() if reference(f, flt, collection, fid)}
        searched = {h.file_id for h in search(catalog, None, Settings(), "", flt, limit=1000)}
        assert searched == want, (flt, sorted(facts[i]["name"] for i in searched ^ want))
        with catalog.read() as conn:   # search's filter masks read the ids in one string
            arr = allowed_id_array(conn, flt)
            assert sorted(arr.tolist()) == sorted(want) and arr.dtype == np.int64, flt
            assert allowed_ids(conn, flt) == want, flt
        for group in GROUPS:
            listed = [r[ID] for r in list_library(catalog, flt, group).rows]
            assert len(listed) == len(set(listed)), (flt, group)
            assert set(listed) == want, (flt, group,
                                         sorted(facts[i]["name"] for i in set(listed) ^ want))
        checked += 1
    assert checked > 100


def test_the_drifted_cases_are_right(library):
    """What the desktop's own filter SQL got wrong, spelled out."""
    catalog, ids, _facts, _roots, cid = library

    def names(flt, group="date"):
        got = {r[ID] for r in list_library(catalog, flt, group).rows}
        return {n for n, i in ids.items() if i in got}

    assert names(Filters(camera="x_1")) == {"wild_cam"}        # _ is a letter, not a wildcard
    assert names(Filters(camera="%")) == set()
    assert names(Filters(folder="/lib/a_b")) == {"wild_cam"}
    assert names(Filters(date_from=1.695e9)) == set()          # a file date is no capture date
    assert "lat_only" not in names(Filters(has_gps=True))      # a position needs both halves
    assert "lat_only" in names(Filters(has_gps=False))
    assert names(Filters(kind="photo"), "collection") == names(Filters(kind="photo"))
    assert names(Filters(collection_id=cid, kind="video"), "collection") == {"video"}
    assert names(Filters(place="valparaiso")) == {"root2"}         # accents and case ignored
    assert names(Filters(place="Italy")) == {"exif_new"}          # a missing file is not listed


def test_every_filter_field_has_one_clause():
    check_registry()
    assert set(_CLAUSES) == {f.name for f in dataclasses.fields(Filters)}


def test_bad_filter_values_are_refused_with_a_clear_message(library):
    catalog = library[0]
    with pytest.raises(FilterError, match="use photo, video, screenshot, document"):
        list_library(catalog, Filters(kind="raw"))
    with pytest.raises(FilterError, match="Unix seconds"):
        list_library(catalog, Filters(date_from="last week"))
