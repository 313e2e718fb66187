"""Structure rules and layouts: what every plan must satisfy after the LLM has spoken."""

import json
import time
from datetime import UTC, datetime

import pytest

from core.organize import make_plan, plan_items
from core.organize.layouts import LayoutError, check_template, date_folder, event_folder
from core.organize.plan import get_plan
from core.organize.rules import CollectionFacts, place_collections
from tests.core.organize.helpers import file_ids, make_files, scan_library

JULY_2024 = datetime(2024, 7, 14, tzinfo=UTC).timestamp()
MAY_2019 = datetime(2019, 5, 2, tzinfo=UTC).timestamp()


def facts(cid, name, folder, current=(), **kw):
    return CollectionFacts(cid, name, folder, size=kw.pop("size", 10), current=tuple(current), **kw)


def test_the_issues_plan_is_repaired():
    # both collections echo the library folder and the folder the files are in now
    cols = [facts(1, "Party Photos 2007-08", "try-media/near-duplicates",
                  [("near-duplicates", 4)], size=4),
            facts(2, "2015-2019 Party", "try-media/near-duplicates", [("near-duplicates", 3)],
                  size=3)]
    placed = place_collections(cols, root_names=["try-media"])
    folders = {cid: p.folder for cid, p in placed.items()}
    assert folders[1] != folders[2]                               # one folder each
    assert all("try-media" not in f for f in folders.values())    # never the library's name
    assert folders[1] == "near-duplicates/Party Photos 2007-08"   # named after the collection
    assert folders[2] == "near-duplicates/2015-2019 Party"
    assert any("library folder's own name" in n for n in placed[1].notes)
    assert any("did not say" in n for n in placed[2].notes)


def test_a_collection_living_in_a_fitting_folder_is_left_there():
    cols = [facts(1, "Garden Birds", "Animals/Birds", [("Birds", 9), ("Inbox", 1)]),
            facts(2, "Dogs", "Pets/Dogs", [("Phone/2024", 10)]),           # no: a date folder
            facts(3, "Cats", "Pets/Cats", [("Mixed", 10)]),                 # no: name differs
            facts(4, "Fish", "Animals/Fish", [("Shared Fish", 5)], size=5),
            facts(5, "Fish Tanks", "Animals/Tanks", [("Shared Fish", 5)], size=5)]
    placed = place_collections(cols, root_names=["lib"])
    assert placed[1].folder == "Birds" and placed[1].home
    assert placed[2].folder == "Pets/Dogs" and not placed[2].home
    assert placed[3].folder == "Pets/Cats"
    # a folder two collections share is neither one's home
    assert not placed[4].home and not placed[5].home
    # a folder whose name is what the photos show is home, whatever the collection is called
    fits = place_collections([facts(6, "Albino Cuckoo", "Nature/Albino", [("Birds", 8)],
                                    content=frozenset({"bird", "cuckoo"})),
                              facts(7, "Cuckoo", "Nature/Cuckoo", [("Import", 8)],
                                    content=frozenset({"import"}))])
    assert fits[6].folder == "Birds" and fits[6].home
    assert not fits[7].home                             # an inbox is nobody's home


def test_deep_home_folders_stay_exactly_and_new_folders_are_at_most_three_deep():
    deep = "Archive/Old/Scans/Family Letters"
    placed = place_collections([facts(1, "Family Letters", "x", [(deep, 8)]),
                                facts(2, "Solar System", "Space/Planets/Inner/Rocky/Mars")])
    assert placed[1].folder == deep                       # not moved: no churn
    assert placed[2].folder == "Space/Planets/Solar System"
    assert placed[2].folder.count("/") <= 2


def test_without_informative_signals_no_topic_is_invented():
    cols = [facts(1, "Collection 1", "Unsorted/Collection 1", informative=False,
                  date_from=JULY_2024),
            facts(2, "Collection 2", "Unsorted/Collection 2", informative=False)]
    placed = place_collections(cols)
    assert placed[1].folder == "2024/2024-07"             # a date folder
    assert placed[2].folder is None                       # stays where it is
    assert "no date either" in placed[2].notes[-1]


def test_the_users_folders_win_and_may_be_shared():
    cols = [facts(1, "Mum", "Family", fixed=True), facts(2, "Dad", "Family", fixed=True),
            facts(3, "Family", "Family")]
    placed = place_collections(cols)
    assert placed[1].folder == placed[2].folder == "Family"
    assert placed[3].folder != "Family" and placed[3].folder.startswith("Family")


def test_event_layout_and_date_templates():
    assert event_folder("Beach 2024-07", JULY_2024, "Venice") == "2024/2024-07 Beach, Venice"
    assert event_folder("Collection 4", JULY_2024) == "2024/2024-07"
    assert event_folder("Beach", None) is None
    placed = place_collections([facts(1, "Beach 2024-07", "Travel/Beach", date_from=JULY_2024),
                                facts(2, "Snow", "Winter/Snow")], layout="event")
    assert placed[1].folder == "2024/2024-07 Beach" and placed[2].folder is None
    assert date_folder("{year}/{month}", MAY_2019) == "2019/05"
    assert date_folder("{year}/{month_name} {name}", MAY_2019, name="Tulips 2019-05") == \
        "2019/May Tulips"
    assert date_folder("{year}", None) is None
    for bad in ("{yr}/{month}", "photos", "{year"):
        with pytest.raises(LayoutError):
            check_template(bad)


# --------------------------------------------------------------------------- whole plans

def _collection(catalog, root, name, folder, members, *, caption=None, named_by="llm:x",
                notes=None, taken=None):
    ids = file_ids(catalog)
    now = time.time()

    def write(conn):
        cid = conn.execute("INSERT INTO clusters(name, folder_path, named_by, member_count, "
                           "date_from, date_to, notes, created_at, updated_at) "
                           "VALUES (?,?,?,?,?,?,?,?,?)",
                           (name, folder, named_by, len(members), taken, taken,
                            json.dumps(notes) if notes else None, now, now)).lastrowid
        for rel in members:
            fid = ids[str(root / rel)]
            conn.execute("INSERT INTO cluster_members(cluster_id, file_id, probability) "
                         "VALUES (?, ?, 0.9)", (cid, fid))
            if caption:
                conn.execute("INSERT INTO captions(file_id, model_id, text, created_at) "
                             "VALUES (?, 'blip', ?, ?)", (fid, caption, now))
            if taken:
                conn.execute("UPDATE files SET taken_at = ?, taken_at_source = 'exif' "
                             "WHERE id = ?", (taken, fid))
        return cid

    return catalog.write(write)


def check_structure(catalog, pid, roots, *, one_folder_each: bool = True):
    """The issue's acceptance rules, on a stored plan: every destination inside its library
    folder without repeating its name, one folder per collection (by topic; by event, one per
    unit; by date each file goes by its own date), depth <= 3 below the library folder (for
    new folders), nothing moved onto itself."""
    import os

    items = plan_items(catalog, pid)
    if any(it.unit_key for it in items):
        units: dict[str, set] = {}
        for it in items:
            root = next(r for r in roots if it.src.startswith(r + os.sep))
            rel = os.path.relpath(os.path.dirname(it.dst), root)
            assert not rel.startswith("..") and os.path.basename(root) not in rel.split(os.sep)
            assert os.path.dirname(it.src) != os.path.dirname(it.dst), it
            units.setdefault(it.unit_key, set()).add(rel)
        assert all(len(r) == 1 and next(iter(r)).count(os.sep) < 3 for r in units.values())
        folders = [next(iter(r)) for r in units.values()]
        assert len(folders) == len(set(folders)), folders
        return items
    folder_of: dict[int, set] = {}
    for it in items:
        root = next(r for r in roots if it.src.startswith(r + os.sep))
        rel = os.path.relpath(os.path.dirname(it.dst), root)
        assert not rel.startswith(".."), it.dst
        assert os.path.basename(root) not in rel.split(os.sep), it.dst
        assert it.src != it.dst and os.path.dirname(it.src) != os.path.dirname(it.dst), it
        if it.role == "file" and it.collection_id is not None:
            folder_of.setdefault(it.collection_id, set()).add(rel)
    summary = get_plan(catalog, pid)["summary"]
    if not one_folder_each:
        assert all(r.count(os.sep) < 3 for rels in folder_of.values() for r in rels)
        return items
    for cid, rels in folder_of.items():
        assert len(rels) == 1, (cid, rels)
        (rel,) = rels
        home = "already together" in " ".join(summary["notes"].get(str(cid), []))
        assert home or rel.count(os.sep) < 3, rel
    all_folders = [next(iter(r)) for r in folder_of.values()]
    assert len(all_folders) == len(set(all_folders)), all_folders
    return items


def test_make_plan_repairs_echoes_and_keeps_reasons(tmp_path, catalog):
    root = tmp_path / "try-media"
    make_files(root, {f"near-duplicates/p{i}.jpg": i for i in range(6)} |
               {f"Birds/b{i}.jpg": 10 + i for i in range(3)})
    scan_library(catalog, root)
    root = root.resolve()
    a = _collection(catalog, root, "Party 2007-08", "try-media/near-duplicates",
                    [f"near-duplicates/p{i}.jpg" for i in range(3)], caption="a party")
    b = _collection(catalog, root, "Party 2015", "try-media/near-duplicates",
                    [f"near-duplicates/p{i}.jpg" for i in range(3, 6)], caption="dancing",
                    notes=["folder: dropped the year 2031, which no photo's date gives"])
    c = _collection(catalog, root, "Garden Birds", "Animals/Birds",
                    [f"Birds/b{i}.jpg" for i in range(3)], caption="a bird")
    pid = make_plan(catalog)
    items = check_structure(catalog, pid, [str(root)])
    assert not [i for i in items if i.collection_id == c]            # no churn
    dsts = {i.collection_id: i.dst for i in items}
    assert dsts[a].startswith(str(root / "near-duplicates" / "Party 2007-08") + "/")
    assert dsts[b].startswith(str(root / "near-duplicates" / "Party 2015") + "/")
    notes = get_plan(catalog, pid)["summary"]["notes"]
    assert "year 2031" in notes[str(b)][0]                       # naming's reasons travel along
    assert any("own name" in n for n in notes[str(a)])
    assert any("left there" in n for n in notes[str(c)])


def test_nothing_known_gives_no_plan_at_all(tmp_path, catalog):
    root = tmp_path / "lib"
    make_files(root, {f"DCIM/100APPLE/p{i}.jpg": i for i in range(4)})  # says nothing
    scan_library(catalog, root)
    _collection(catalog, root.resolve(), "Collection 1", "Unsorted/Collection 1",
                [f"DCIM/100APPLE/p{i}.jpg" for i in range(4)], named_by="fallback")
    pid = make_plan(catalog)
    assert plan_items(catalog, pid) == []
    assert get_plan(catalog, pid)["summary"]["moves"] == 0


def test_date_layout_places_each_file_by_its_own_date(tmp_path, catalog):
    root = tmp_path / "lib"
    make_files(root, {"Inbox/a.jpg": 1, "Inbox/b.jpg": 2, "Inbox/undated.jpg": 3,
                      "2019/05/c.jpg": 4})
    scan_library(catalog, root)
    root = root.resolve()
    ids = file_ids(catalog)

    def dates(conn):
        for rel, ts in (("Inbox/a.jpg", JULY_2024), ("Inbox/b.jpg", MAY_2019),
                        ("2019/05/c.jpg", MAY_2019)):
            conn.execute("UPDATE files SET taken_at = ?, taken_at_source = 'exif' WHERE id = ?",
                         (ts, ids[str(root / rel)]))
        conn.execute("UPDATE files SET taken_at = ?, taken_at_source = 'mtime' WHERE id = ?",
                     (JULY_2024, ids[str(root / "Inbox/undated.jpg")]))

    catalog.write(dates)
    pid = make_plan(catalog, layout="date")                    # no collections needed
    moves = {i.src: i.dst for i in plan_items(catalog, pid)}
    assert moves == {str(root / "Inbox/a.jpg"): str(root / "2024/07/a.jpg"),
                     str(root / "Inbox/b.jpg"): str(root / "2019/05/b.jpg")}
    preview = make_plan(catalog, layout="date", template="{year}", store=False)
    assert sorted(m.dst for m in preview) == [str(root / "2019/b.jpg"), str(root / "2019/c.jpg"),
                                              str(root / "2024/a.jpg")]
    pid = make_plan(catalog, layout="topic")                    # no collections: all stay,
    assert plan_items(catalog, pid) == []                       # and the plan says why
    stays = get_plan(catalog, pid)["summary"]["stays"]
    assert stays[0]["files"] == len(stays[0]["file_ids"]) == 4
    assert "in no collection" in stays[0]["reason"]


def test_folders_use_the_local_date_the_timeline_shows(monkeypatch):
    """A capture stamp is local wall-clock time (as EXIF gives it): 00:30 on 1 August in Tokyo
    is an August photo there, though it is still 31 July in UTC."""
    from core.files.dates import parse_exif_datetime
    from core.organize.evidence import date_range_text

    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    try:
        ts = parse_exif_datetime("2024:08:01 00:30:00")
        assert date_folder("{year}/{month}/{day}", ts) == "2024/08/01"
        assert event_folder("Fireworks", ts).startswith("2024/2024-08 ")
        assert date_range_text(ts, ts) == "2024-08"
    finally:
        monkeypatch.undo()   # the machine's own zone back, before other tests read dates
        time.tzset()
