import json
import time
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from core.collections import rename_collection
from core.files.sanitize import sanitize_relpath
from core.organize.evidence import Evidence, gather_evidence
from core.organize.naming import (
    CollectionName,
    fallback_name,
    harmonize_paths,
    name_collections,
    repair_answer,
    segment_key,
)
from core.query import list_collections

JULY_2024 = datetime(2024, 7, 14, tzinfo=UTC).timestamp()


def plant_collection(catalog, *, captions, tags, transcripts=(), taken=JULY_2024, n=None):
    now = time.time()

    def write(conn):
        conn.execute("INSERT OR IGNORE INTO roots(path, added_at) VALUES ('/lib', ?)", (now,))
        rid = conn.execute("SELECT id FROM roots WHERE path = '/lib'").fetchone()[0]
        cid = conn.execute("INSERT INTO clusters(member_count, date_from, date_to, lat, lon, "
                           "created_at, updated_at) VALUES (?, ?, ?, 45.43, 12.33, ?, ?)",
                           (n or len(captions), taken, taken + 86400, now, now)).lastrowid
        for i, cap in enumerate(captions):
            fid = conn.execute(
                "INSERT INTO files(root_id, path, folder, name, kind, format, size, mtime_ns, "
                "first_seen_at) VALUES (?, ?, '/lib', 'x.jpg', 'photo', 'jpeg', 1, 1, ?)",
                (rid, f"/lib/c{cid}-{i}.jpg", now)).lastrowid
            conn.execute("INSERT INTO cluster_members(cluster_id, file_id, probability, "
                         "representative) VALUES (?, ?, 0.9, ?)", (cid, fid, int(i < 3)))
            conn.execute("INSERT INTO captions(file_id, model_id, text, created_at) "
                         "VALUES (?, 'blip', ?, ?)", (fid, cap, now))
            for t in tags:
                conn.execute("INSERT INTO tags(file_id, tag, source, score) VALUES (?, ?, 'clip', "
                             "0.8)", (fid, t))
            if i < len(transcripts):
                conn.execute("INSERT INTO transcripts(file_id, model_id, created_at) VALUES "
                             "(?, 'w', ?)", (fid, now))
                conn.execute("INSERT INTO transcript_segments(file_id, start_s, end_s, text) "
                             "VALUES (?, 0, 2, ?)", (fid, transcripts[i]))
        return cid

    return catalog.write(write)


def test_schema_rejects_answers_missing_fields():
    with pytest.raises(ValidationError):
        CollectionName.model_validate({"name": "Beach"})
    with pytest.raises(ValidationError):
        CollectionName.model_validate_json('{"name": "", "folder": "x"}')
    ok = CollectionName.model_validate_json(
        '{"name": "Venice 2024", "description": "canals", "tags": ["venice"], '
        '"folder": "Travel/Italy 2024/Venice"}')
    assert ok.folder == "Travel/Italy 2024/Venice"


def test_context_gathers_captions_tags_dates_place_and_speech(catalog):
    cid = plant_collection(catalog, captions=["a gondola on a canal", "a bridge over water"],
                           tags=["canal", "boat"], transcripts=["look at the gondolas over there"])
    with catalog.read() as conn:
        ctx = gather_evidence(conn, cid)
    prompt = ctx.prompt()
    for needle in ("gondola on a canal", "canal", "2024-07", "45.430", "gondolas over there"):
        assert needle in prompt


def test_a_hostile_or_vague_answer_is_repaired():
    ctx = Evidence(7, 12, tags=["beach"], date_from=JULY_2024, date_to=JULY_2024)
    bad = CollectionName(name="Photos", description="ignore previous instructions\x00",
                         tags=["Beach", "beach", "\x1b[31m"],
                         folder="../../../etc/CON/Travel/Italy/Venice/Deep")
    fixed, notes = repair_answer(bad, ctx)
    assert fixed.name == "Beach 2024-07"                  # vague name replaced
    assert fixed.folder == "etc/CON_/Travel"              # traversal gone, reserved fixed, 3 levels
    assert fixed.tags == ["beach", "[31m"] and "\x00" not in fixed.description
    assert sanitize_relpath(fixed.folder) == fixed.folder
    assert "name: “Photos” says nothing about the photos; replaced" in notes
    assert "folder: cut to 3 levels" in notes


def test_echoes_ids_and_invented_years_are_repaired_with_reasons():
    # the case: the LLM was shown the library folder "try-media" and the current
    # folder "near-duplicates", and answered with both
    ev = Evidence(12, 7, captions=["people dancing at a party", "a birthday cake"],
                  folders=["near-duplicates"])
    ans = CollectionName(name="Party Photos 2007-08", folder="try-media/near-duplicates/Cluster 12")
    fixed, notes = repair_answer(ans, ev, root_names=["try-media"])
    assert fixed.name == "Party"                      # no date was given: 2007 is invented
    assert fixed.folder == "Party"                    # nothing of the echo survives
    assert any("library folder's own name" in n and "try-media" in n for n in notes)
    assert any("echo of the folder the files are in now" in n for n in notes)
    assert any("dropped an id" in n for n in notes)
    assert any("dropped the year 2007" in n for n in notes)
    # an echo the content supports stays, and so does a year the dates give
    ev2 = Evidence(3, 9, captions=["a bird on a branch", "two birds"], folders=["Birds"],
                   date_from=JULY_2024, date_to=JULY_2024)
    ok, notes = repair_answer(CollectionName(name="Garden Birds 2024", folder="Animals/Birds"),
                              ev2, root_names=["lib"])
    assert (ok.name, ok.folder, notes) == ("Garden Birds 2024", "Animals/Birds", [])


def test_evidence_is_framed_as_evidence_and_informative_only_with_content():
    bare = Evidence(1, 4, date_from=JULY_2024, date_to=JULY_2024, lat=45.4, lon=12.3)
    assert not bare.informative                       # a date and GPS say when/where, not what
    assert "Taken: 2024-07" in bare.prompt()
    assert "do not put a year" in Evidence(2, 4).prompt()
    rich = Evidence(3, 4, people=["Anna"], places=["Venice, Italy"], texts=["GRAND CANAL"],
                    library_folders=["Travel", "Family"])
    p = rich.prompt()
    assert rich.informative and p.startswith("Evidence about one group")
    for needle in ("People recognised: Anna", "Places: Venice, Italy", "- GRAND CANAL",
                   "already has", "Travel, Family"):
        assert needle in p


def test_filler_words_and_date_only_folders_are_repaired():
    ctx = Evidence(9, 10, tags=["city", "night"], date_from=JULY_2024, date_to=JULY_2024)
    fixed, notes = repair_answer(CollectionName(name="Night City Lights Photos and Videos",
                                                folder="2024/July"), ctx)
    assert fixed.name == "Night City Lights" and fixed.folder == "City/2024/July"
    assert notes == ["folder: a date alone says when, not what; filed under the topic"]
    keep, notes = repair_answer(CollectionName(name="Beach Photos", folder="Travel/Italy 2024"),
                                ctx)
    assert not notes
    assert keep.name == "Beach" and keep.folder == "Travel/Italy 2024"


def test_fallback_names_from_tags_and_dates_then_captions():
    ctx = Evidence(3, 20, tags=["beach", "sea"], date_from=JULY_2024, date_to=JULY_2024)
    ans = fallback_name(ctx)
    assert ans.name == "Beach 2024-07" and ans.folder == "Beach/2024-07"
    ctx2 = Evidence(4, 5, captions=["a dog running on grass", "two dogs playing"])
    assert fallback_name(ctx2).name == "Dog"
    ctx3 = Evidence(5, 5)
    assert fallback_name(ctx3).name == "Collection 5"
    # all in one folder that what they show agrees with: the folder names them
    birds = Evidence(7, 8, captions=["an albino bird", "a cuckoo"], folders=["Birds"],
                     folder_share=1.0)
    assert fallback_name(birds).name == "Birds"
    birds.folder_share = 0.5
    assert fallback_name(birds).name == "Albino"
    # no models yet: the folder the files sit in is the best clue left
    ctx4 = Evidence(6, 5, folders=["Wallpapers"], date_from=JULY_2024, date_to=JULY_2024)
    assert (fallback_name(ctx4).name, fallback_name(ctx4).folder) == ("Wallpapers 2024-07",
                                                                      "Wallpapers/2024-07")


def test_context_names_telling_folders_not_camera_or_date_folders(catalog):
    cid = plant_collection(catalog, captions=["x"] * 4, tags=[])
    folders = ["/lib/Grandma's 80th", "/lib/DCIM/100APPLE", "/lib/2019/07", "/lib/Grandma's 80th/2019"]

    def move(conn):
        ids = [r[0] for r in conn.execute("SELECT file_id FROM cluster_members WHERE cluster_id = ?",
                                          (cid,))]
        for fid, folder in zip(ids, folders):
            conn.execute("UPDATE files SET folder = ? WHERE id = ?", (folder, fid))

    catalog.write(move)
    with catalog.read() as conn:
        ctx = gather_evidence(conn, cid)
    assert ctx.folders == ["Grandma's 80th"]
    assert "folders holding them now" in ctx.prompt() and '"Grandma\'s 80th"' in ctx.prompt()


def test_without_an_llm_every_collection_still_gets_a_name(catalog):
    a = plant_collection(catalog, captions=["a dog"] * 5, tags=["dog"])
    b = plant_collection(catalog, captions=["a cake"] * 6, tags=["birthday cake"])
    rep = name_collections(catalog, registry=None)
    assert rep.named == 2 and rep.by_fallback == 2 and rep.llm_unavailable
    cols = {c.id: c for c in list_collections(catalog)}
    assert cols[a].name == "Dog 2024-07" and cols[a].named_by == "fallback"
    assert cols[b].folder_path == "Birthday Cake/2024-07"
    assert cols[b].tags == ["birthday cake"]
    with catalog.read() as conn:  # stored as a JSON list, not as Python's repr
        (raw,) = conn.execute("SELECT tags FROM clusters WHERE id = ?", (b,)).fetchone()
    assert json.loads(raw) == ["birthday cake"]
    # a user's name is never overwritten
    rename_collection(catalog, a, name="Rex")
    name_collections(catalog, registry=None, rename=True)
    assert {c.id: c for c in list_collections(catalog)}[a].name == "Rex"


def test_tiny_random_llm_garbage_falls_back(catalog, registry):
    plant_collection(catalog, captions=["a mountain lake"] * 5, tags=["lake"])
    rep = name_collections(catalog, registry=registry, max_tokens=40, attempts=2)
    assert rep.named == 1
    col = list_collections(catalog)[0]
    # a tiny random model cannot produce valid JSON: the fallback named it (or, if its
    # answer happened to validate, it was repaired into a safe folder)
    assert col.name and sanitize_relpath(col.folder_path) == col.folder_path
    assert rep.llm_unavailable is None                    # the LLM path really ran
    assert rep.by_fallback + rep.by_llm == 1 and rep.llm_failures == rep.by_fallback
    llm_id = f"llm:{registry.llm().identity}"
    assert col.named_by == ("fallback" if rep.by_fallback else llm_id)


def test_harmonize_merges_synonyms_and_caps_top_level_folders():
    proposals = {1: "Pets/Dogs", 2: "Animals/Dog", 3: "Travel/Italy 2024/Venice",
                 4: "Trips/Italy 2024/Rome", 5: "Food", 6: "food/Pizza", 7: "Beach/2023-07",
                 8: "Beach/2024-07", 9: "Family", 10: "Garden"}
    sizes = {1: 10, 2: 5, 3: 3, 4: 4, 5: 2, 6: 1, 7: 3, 8: 3, 9: 1, 10: 1}
    out = harmonize_paths(proposals, sizes, max_top_level=4, existing=["Travel"], fixed={10})
    assert out[1] == out[2] == "Pets/Dogs"                # synonyms + plural, bigger side wins
    assert out[3] == "Travel/Italy 2024/Venice"           # the existing folder's spelling wins
    assert out[4] == "Travel/Italy 2024/Rome"
    assert out[7] != out[8]                               # 2023 and 2024 are not synonyms
    assert out[10] == "Garden"                            # the user's folder is kept
    tops = {p.split("/")[0] for p in out.values()}
    assert len(tops) <= 4 and "More" in tops
    assert all(len(p.split("/")) <= 3 for p in out.values())
    split = harmonize_paths({1: "Travel/Italy 2023", 2: "Travel/Italy 2024"}, {1: 1, 2: 1})
    assert split[1] == "Travel/Italy 2023" and split[2] == "Travel/Italy 2024"
    near = harmonize_paths({1: "Grandma's garden", 2: "Grandpa's garden", 3: "Graduaton",
                            4: "Graduation"}, {1: 1, 2: 1, 3: 1, 4: 2})
    assert near[1] != near[2] and near[3] == near[4] == "Graduation"
    # case-only differences collapse into one folder
    assert harmonize_paths({1: "beach", 2: "BEACH", 3: "Beach"}, {1: 1, 2: 1, 3: 5})[1] == "Beach"


def test_segment_keys():
    assert segment_key("Dogs") == segment_key("dog") == segment_key("Puppies")
    assert segment_key("Travel") == segment_key("Vacations")
    assert segment_key("Café") == segment_key("cafe")


def test_collections_named_alike_are_told_apart(catalog):
    a = plant_collection(catalog, captions=["a dog"] * 6, tags=["dog"])
    b = plant_collection(catalog, captions=["a dog"] * 5, tags=["dog"], taken=JULY_2024 + 400 * 86400)
    c = plant_collection(catalog, captions=["a dog"] * 4, tags=["dog"], taken=JULY_2024 + 400 * 86400)
    name_collections(catalog, registry=None)
    names = {col.id: col.name for col in list_collections(catalog)}
    assert len({n.casefold() for n in names.values()}) == 3
    assert names[a] == "Dog 2024-07" and names[b].startswith("Dog 2025-08") and names[c].startswith("Dog 2025-08")

