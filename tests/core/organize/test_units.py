"""Plans from what Shoebox knows: units (events, kinds, topics, months), their folders, the
titles of events, and the layout chosen by the library's shape."""

import time
from datetime import datetime

from core.organize.event_names import FactSheet, place_title, repair_title
from core.organize.layouts import choose_layout
from core.organize.units import EventFacts, UnitFile, event_folder, is_scan, plan_units
from core.places.store import FilePlace


def ts(*args) -> float:
    return time.mktime(datetime(*args).timetuple())


ROOT = "/lib"
CAM = "/lib/DCIM/Camera"


def uf(i, taken=None, *, kind=None, event=None, collection=None, folder=CAM, faces=False):
    return UnitFile(i, ROOT, f"{folder}/f{i}.jpg", taken, kind, event, collection, faces)


# --------------------------------------------------------------------------- folders

def test_event_folders_say_the_day_or_the_month_and_the_title():
    assert event_folder(ts(2023, 4, 3, 9), ts(2023, 4, 6, 18), "Kyoto, Japan") == \
        "2023/2023-04 Kyoto, Japan"
    assert event_folder(ts(2023, 6, 17, 14), ts(2023, 6, 17, 17), "Birthday") == \
        "2023/2023-06-17 Birthday"
    assert event_folder(ts(2022, 8, 10), ts(2022, 8, 15), "Iceland (Reykjavík, Vík)") == \
        "2022/2022-08 Iceland (Reykjavík, Vík)"
    # no title, or one that only says the date: the day alone
    assert event_folder(ts(2023, 6, 17, 14), ts(2023, 6, 17, 17), None) == "2023/2023-06-17"
    assert event_folder(ts(2023, 6, 17, 14), ts(2023, 6, 17, 17), "17 June") == "2023/2023-06-17"
    # names are sanitised like every folder
    assert event_folder(ts(2023, 6, 17, 14), ts(2023, 6, 17, 17), "Party: a/b") == \
        "2023/2023-06-17 Party - a - b"


def test_every_file_lands_in_exactly_one_unit():
    kyoto = EventFacts(1, ts(2023, 4, 3, 9), ts(2023, 4, 6, 18), 4, True, "Kyoto, Japan",
                       "Kyoto, Japan")
    party = EventFacts(2, ts(2023, 6, 17, 14), ts(2023, 6, 17, 17), 9, False)
    lunch = EventFacts(3, ts(2023, 5, 2, 12), ts(2023, 5, 2, 13), 2, False)
    files = [*(uf(i, ts(2023, 4, 3 + i % 4, 10), event=1) for i in range(4)),
             *(uf(10 + i, ts(2023, 6, 17, 14, i), event=2) for i in range(9)),
             uf(20, ts(2023, 5, 2, 12), event=3), uf(21, ts(2023, 5, 2, 13), event=3),
             uf(30, ts(2023, 4, 4, 11), kind="screenshot", event=1),  # during the trip
             uf(31, ts(2024, 1, 2), kind="document"),
             uf(32, None, kind="scan"), uf(33, None, collection=7), uf(34, None)]
    units, stays = plan_units(files, {1: kyoto, 2: party, 3: lunch}, topics={7: "Drawings"})
    where = {fid: u.folder for u in units for fid in u.file_ids}
    assert stays == {} and sorted(where) == sorted(f.id for f in files)
    assert {where[i] for i in range(4)} == {"2023/2023-04 Kyoto, Japan"}
    assert {where[i] for i in range(10, 19)} == {"2023/2023-06-17"}
    assert where[20] == where[21] == "2023/2023-05"          # an everyday lunch: its month
    assert where[30] == "Screenshots/2023"                     # never inside the trip
    assert (where[31], where[32], where[33], where[34]) == (
        "Documents/2024", "Scans", "Drawings", "Unknown date")
    kinds = [u.kind for u in units]
    assert kinds == ["screenshots", "documents", "scans", "event", "event", "topic", "month",
                     "undated"]
    trip = next(u for u in units if u.title == "Kyoto, Japan")
    assert (trip.place, trip.date_from) == ("Kyoto, Japan", ts(2023, 4, 3, 10))


def test_a_home_gathering_needs_many_photos_or_faces():
    few = EventFacts(1, ts(2023, 6, 17, 14), ts(2023, 6, 17, 16), 5, False)
    faces = [uf(i, ts(2023, 6, 17, 14, i), event=1, faces=i < 3) for i in range(5)]
    units, _ = plan_units(faces, {1: few})
    assert [u.kind for u in units] == ["event"]
    alone = [uf(i, ts(2023, 6, 17, 14, i), event=1, faces=i < 1) for i in range(5)]
    units, _ = plan_units(alone, {1: few})
    assert [u.kind for u in units] == ["month"]


def test_folders_organised_by_hand_are_left_alone():
    trip = EventFacts(1, ts(2023, 4, 3, 9), ts(2023, 4, 6, 18), 4, True, "Kyoto, Japan")
    files = [*(uf(i, ts(2023, 4, 3 + i, 10), event=1, folder="/lib/Holidays/Japan")
               for i in range(4)),
             uf(5, ts(2023, 5, 1, 10), folder="/lib/Garden"),
             uf(6, ts(2023, 5, 2, 10), folder="/lib/Keep/This"),
             uf(7, ts(2023, 5, 3, 10), folder="/lib/DCIM/100APPLE")]
    units, stays = plan_units(files, {1: trip}, keep_folders={"/lib/Keep"})
    where = {fid: u.folder for u in units for fid in u.file_ids}
    assert {where[i] for i in range(4)} == {"Holidays/Japan"}
    event = next(u for u in units if u.kind == "event")
    assert "already together in “Holidays/Japan”" in event.reason
    assert stays == {5: "in “Garden”, a folder someone named: left there",
                     6: "in a folder you keep as it is"}
    assert where[7] == "2023/2023-05"


def test_two_events_never_share_a_folder():
    a = EventFacts(1, ts(2023, 4, 3, 9), ts(2023, 4, 5, 18), 3, True, "Kyoto, Japan")
    b = EventFacts(2, ts(2023, 4, 20, 9), ts(2023, 4, 22, 18), 3, True, "Kyoto, Japan")
    files = [uf(i, ts(2023, 4, 3 + i, 10), event=1) for i in range(3)] + \
        [uf(10 + i, ts(2023, 4, 20 + i, 10), event=2) for i in range(3)]
    units, _ = plan_units(files, {1: a, 2: b})
    assert [u.folder for u in units] == ["2023/2023-04 Kyoto, Japan",
                                         "2023/2023-04-20 Kyoto, Japan"]


def test_scans_are_told_by_their_name_or_scanner():
    assert is_scan("scan0001.jpg", None) and is_scan("Scanned Document.jpg", None)
    assert is_scan("IMG_0001.jpg", "EPSON Perfection V600")
    assert not is_scan("IMG_0001.jpg", "Google Pixel 7") and not is_scan("scandinavia.jpg", None)


# --------------------------------------------------------------------------- titles

def fp(place, region, country):
    return FilePlace(place, region, country, None, False)


def test_the_fallback_title_is_the_place():
    kyoto = [fp("Kyoto", "Kyoto", "Japan")] * 9 + [fp("Uji", "Kyoto", "Japan")]
    assert place_title(kyoto, "Belgium") == "Kyoto, Japan"
    assert place_title([fp("Bruges", "Flanders", "Belgium")] * 5, "Belgium") == "Bruges"
    iceland = [fp("Reykjavík", "Capital", "Iceland")] * 5 + [fp("Vík", "South", "Iceland")] * 4
    assert place_title(iceland, "Belgium") == "Iceland (Reykjavík, Vík)"
    lisbon = [fp(d, "Lisbon", "Portugal") for d in ("Graça", "Arroios", "Belém", "Alfama")]
    assert place_title(lisbon, "Belgium") == "Lisbon, Portugal"
    assert place_title([], "Belgium") is None


def sheet(away=True, places=()):
    return FactSheet("k", ts(2023, 4, 3), ts(2023, 4, 6), 20, away, list(places), "Belgium")


def test_an_llm_title_is_repaired_and_keeps_the_place_away_from_home():
    kyoto = [fp("Kyoto", "Kyoto", "Japan")] * 3
    temples = sheet(True, kyoto)
    temples.captions = ["temples and a tea house"]
    assert repair_title("Temples and tea 2023", temples)[0] == "Temples and tea, Kyoto"
    assert repair_title("Kyoto in April", sheet(True, kyoto))[0] == "Kyoto"
    party = sheet(False)
    party.words = ["Happy Birthday Anna"]
    assert repair_title("Birthday party", party)[0] == "Birthday"   # no fact says 'party'
    assert repair_title("Photos", party)[0] is None
    assert repair_title("Event 12", party)[0] is None
    title, _ = repair_title("../../etc: Birthday", party)
    assert title == "Birthday"


def test_words_no_fact_supports_are_dropped_so_prompt_examples_are_not_echoed():
    lisbon = [fp(d, "Lisbon", "Portugal") for d in ("São Jorge de Arroios", "Graça", "Belém")]
    title, notes = repair_title("Ski week, Val Thorens", sheet(True, lisbon))
    assert title is None and "no fact supports" in notes[0]       # the fallback names it
    assert repair_title("Ski week, Val Thorens, São Jorge de Arroios", sheet(True, lisbon))[0] \
        == "São Jorge de Arroios, Lisbon"
    kyoto = [fp("Kyoto", "Kyoto", "Japan")] * 3
    assert repair_title("Kyoto Ski Week", sheet(True, kyoto))[0] == "Kyoto"
    anna = sheet(False)
    anna.people = ["Anna"]
    assert repair_title("Anna's Home", anna)[0] == "Anna"     # 'home' is no fact here


def test_the_layout_follows_the_librarys_shape():
    assert choose_layout(95, 100, False)[0] == "event"
    assert choose_layout(95, 100, True)[0] == "event"
    layout, why = choose_layout(10, 100, True)
    assert layout == "topic" and "10%" in why
    layout, why = choose_layout(10, 100, False)
    assert layout == "event" and "no collections yet" in why


def test_fact_sheet_prompt_reads_as_data():
    s = sheet(True, [fp("Kyoto", "Kyoto", "Japan")] * 2)
    s.people, s.words = ["Anna"], ["Fushimi Inari"]
    text = s.prompt()
    assert "Towns: Kyoto (2)" in text and "People in the photos: Anna" in text
    assert "away from home" in text and "3-6 April" in text


def test_undated_files_of_a_kept_collection_stay_and_say_why():
    files = [uf(1, None, collection=7), uf(2, None, collection=8), uf(3, None)]
    units, stays = plan_units(files, {}, topics={7: None, 8: "Drawings"})
    assert stays == {1: "its collection is kept as it is"}
    assert {u.folder: u.file_ids for u in units} == {"Drawings": [2], "Unknown date": [3]}
