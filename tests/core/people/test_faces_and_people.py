"""The faces stage and people, end to end with the real dlib models on real photos."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFilter

from core.people import (
    PeopleError,
    delete_all_face_data,
    hide_person,
    merge_people,
    name_face,
    name_person,
    regroup,
    remove_face,
    split_faces,
)
from core.query.people import (
    faces_of_file,
    list_people,
    person_faces,
    person_files,
    unassigned_faces,
)
from core.scan.scanner import scan
from tests.core.people.conftest import (
    FACE_COUNT,
    PEOPLE,
    PHOTOS,
    copy_photo,
    index_faces,
    people_files,
)


def _file_id(catalog, name: str) -> int:
    with catalog.read() as conn:
        return conn.execute("SELECT id FROM files WHERE name = ?", (name,)).fetchone()[0]


def _person_of(catalog, names: set[str]) -> int:
    """The id of the person whose files are exactly `names`."""
    found = [pid for pid, files in people_files(catalog).items() if files == names]
    assert len(found) == 1, people_files(catalog)
    return found[0]


@pytest.fixture
def indexed(face_lib, catalog, face_registry, face_settings, paths):
    report = index_faces(catalog, face_registry, face_settings, paths)
    return report


def test_faces_are_found_stored_and_grouped_into_the_right_people(indexed, catalog, paths):
    assert indexed.stages["faces"].done == len(PHOTOS) and indexed.stages["faces"].errors == 0
    assert indexed.people["formed"] == 2
    # exactly the two people with 3+ photos, each with exactly their photos: no false merge
    assert sorted(people_files(catalog).values(), key=sorted) == sorted(PEOPLE.values(), key=sorted)
    assert unassigned_faces(catalog) == 1  # the astronaut: one photo, no support yet
    faces = faces_of_file(catalog, _file_id(catalog, "two_people.jpg"))
    assert len(faces) == 2 and faces[0].person_id != faces[1].person_id
    obama, biden = _person_of(catalog, PEOPLE["obama"]), _person_of(catalog, PEOPLE["biden"])
    by_x = sorted(faces, key=lambda f: f.box[0])
    assert [f.person_id for f in by_x] == [obama, biden]   # left and right, not swapped
    f = faces[0]
    assert 0 < f.box[0] < 1 and 0 < f.box[2] < 0.5 and f.groupable and f.score > 0
    assert f.crop_path(paths).exists()
    assert Image.open(f.crop_path(paths)).size == (128, 128)
    with catalog.read() as conn:
        blob, model = conn.execute("SELECT descriptor, model_id FROM faces LIMIT 1").fetchone()
    assert len(blob) == 128 * 4 and model.startswith("dlib-faces-hog@")


def test_an_unchanged_or_moved_file_is_not_redone(indexed, face_lib, catalog, face_registry,
                                                  face_settings, paths):
    before = {(f.id, f.person_id) for f in faces_of_file(catalog, _file_id(catalog, "biden_a.jpg"))}
    (face_lib / "moved").mkdir()
    shutil.move(face_lib / "biden_a.jpg", face_lib / "moved" / "biden_a.jpg")
    scan(catalog)
    again = index_faces(catalog, face_registry, face_settings, paths)
    assert again.stages["faces"].done == 0 and again.people == {}
    assert {(f.id, f.person_id)
            for f in faces_of_file(catalog, _file_id(catalog, "biden_a.jpg"))} == before


def test_a_new_photo_joins_its_person_and_new_support_forms_a_person(
        face_lib, catalog, face_registry, face_settings, paths, tmp_path):
    later = tmp_path / "later"   # biden has one photo at first: no person yet
    later.mkdir()
    for name in ("biden_b.jpg", "two_people.jpg"):
        shutil.move(face_lib / name, later / name)
    scan(catalog)
    first = index_faces(catalog, face_registry, face_settings, paths)
    assert first.people["formed"] == 1 and unassigned_faces(catalog) == 2  # biden, astronaut
    obama = _person_of(catalog, {"obama_a.jpg", "obama_b.jpg", "obama_c.jpg"})
    for name in ("biden_b.jpg", "two_people.jpg"):
        shutil.move(later / name, face_lib / name)
    copy_photo("obama_2012_portrait_small.jpg", face_lib / "obama_new.jpg")
    scan(catalog)
    report = index_faces(catalog, face_registry, face_settings, paths)
    assert report.stages["faces"].done == 3
    # obama_new and obama's face in two_people join him; biden now has three pictures
    assert report.people["joined"] == 2 and report.people["formed"] == 1
    assert people_files(catalog)[obama] == PEOPLE["obama"] | {"obama_new.jpg"}
    biden = _person_of(catalog, PEOPLE["biden"])
    assert biden != obama and unassigned_faces(catalog) == 1


def test_user_decisions_survive_a_regroup(indexed, catalog, face_registry):
    model = face_registry.identity("faces")
    obama = _person_of(catalog, PEOPLE["obama"])
    biden = _person_of(catalog, PEOPLE["biden"])
    name_person(catalog, biden, "Joe")
    # a mosaic's few faces are the clearest of all of them, in the same order
    assert len(person_faces(catalog, obama)) > 2
    assert person_faces(catalog, obama, 2) == person_faces(catalog, obama)[:2]
    # ... or of their first few (a 1M library's largest person has 87,000 to rank)
    first_two = sorted(person_faces(catalog, obama), key=lambda f: f.id)[:2]
    assert [f.id for f in person_faces(catalog, obama, 4, among=2)] == [
        f.id for f in person_faces(catalog, obama) if f in first_two]
    wrong = next(f for f in person_faces(catalog, obama) if Path(f.path).name == "obama_c.jpg")
    remove_face(catalog, wrong.id)                       # "not this person"
    r = regroup(catalog, model)
    assert r.formed == 1  # obama, whom nobody named: formed again, under the same id
    people = {p.id: p for p in list_people(catalog, include_hidden=True)}
    assert people[biden].name == "Joe"
    assert {Path(f).name for _, f in person_files(catalog, biden)} == PEOPLE["biden"]
    assert people[biden].file_count == len(PEOPLE["biden"])
    assert wrong.id not in {f.id for f in person_faces(catalog, obama)}
    assert {Path(f).name for _, f in person_files(catalog, obama)} == PEOPLE["obama"] - {"obama_c.jpg"}
    hide_person(catalog, obama)
    regroup(catalog, model)
    people = {p.id: p for p in list_people(catalog, include_hidden=True)}
    assert people[obama].hidden and obama not in {p.id for p in list_people(catalog)}

    merged = merge_people(catalog, [obama, biden])      # the user says they are one
    assert merged == obama
    regroup(catalog, model)
    after = {p.id: p for p in list_people(catalog, include_hidden=True)}
    assert biden not in after and after[obama].name == "Joe"
    assert after[obama].face_count == 3 + 3
    assert wrong.id not in {f.id for f in person_faces(catalog, obama)}  # rejections carry over


def test_split_makes_a_person_of_its_own_and_edits_check_their_ids(indexed, catalog):
    biden = _person_of(catalog, PEOPLE["biden"])
    face = person_faces(catalog, biden)[0]
    new = split_faces(catalog, [face.id])
    assert [f.id for f in person_faces(catalog, new)] == [face.id]
    with catalog.read() as conn:
        assert conn.execute("SELECT 1 FROM face_rejections WHERE face_id = ? AND person_id = ?",
                            (face.id, biden)).fetchone()
    with pytest.raises(PeopleError, match="no person 999"):
        name_person(catalog, 999, "X")
    with pytest.raises(PeopleError, match="two different"):
        merge_people(catalog, [biden, biden])
    with pytest.raises(PeopleError, match="at most 100"):
        name_person(catalog, biden, "x" * 101)


def test_naming_one_face_reuses_the_person_called_that(indexed, catalog):
    obama = _person_of(catalog, PEOPLE["obama"])
    name_person(catalog, obama, "Zoë")
    loose = faces_of_file(catalog, _file_id(catalog, "astronaut.jpg"))[0]
    assert name_face(catalog, loose.id, "  ZOE ") == obama   # case and accents aside
    split = split_faces(catalog, [loose.id])                 # not Zoë after all
    assert faces_of_file(catalog, _file_id(catalog, "astronaut.jpg"))[0].person_id == split
    pid = name_face(catalog, loose.id, "Eileen")
    assert pid not in (obama,) and list_people(catalog)[0].name == "Eileen"


def test_blurred_and_tiny_faces_are_kept_but_never_form_people(face_lib, catalog, paths):
    """At the default scale HOG finds faces from ~53 px; 2.5x finds the tiny ones too."""
    from core.config import Settings
    from models import Registry

    settings = Settings(device="cpu", model_idle_unload_s=0, extra={"face_detect_scale": 2.5})
    registry = Registry(settings, paths)
    for i, src in enumerate(("obama_2012_portrait.jpg", "obama_2009_congress.jpg",
                             "obama_2010_blue_room.jpg")):
        p = copy_photo(src, face_lib / "blurred" / f"b{i}.jpg")
        Image.open(p).filter(ImageFilter.GaussianBlur(3)).save(p)
    tiny = copy_photo("biden_2013_portrait.jpg", face_lib / "tiny" / "t.jpg", side=90)
    canvas = Image.new("RGB", (600, 600), (90, 120, 90))
    canvas.paste(Image.open(tiny), (220, 220))
    canvas.save(tiny)
    scan(catalog)
    try:
        index_faces(catalog, registry, settings, paths)
    finally:
        registry.close()
    with catalog.read() as conn:
        rows = conn.execute(
            "SELECT f.name, fa.groupable, fa.sharpness, fa.size_px, fa.person_id FROM faces fa "
            "JOIN files f ON f.id = fa.file_id WHERE f.folder LIKE '%blurred' "
            "OR f.folder LIKE '%tiny'").fetchall()
    assert rows and all(not g for _, g, _, _, _ in rows), [tuple(r) for r in rows]
    assert {r[0] for r in rows} == {"b0.jpg", "b1.jpg", "b2.jpg", "t.jpg"}
    assert all(pid is None for *_, pid in rows)


def test_a_model_change_redoes_only_the_faces_stage_and_keeps_decisions(
        indexed, catalog, face_registry, face_settings, paths):
    obama = _person_of(catalog, PEOPLE["obama"])
    name_person(catalog, obama, "Barack")
    ids_before = {f.id for f in person_faces(catalog, obama)}
    catalog.write(lambda c: c.execute("UPDATE jobs SET model_id = 'dlib-faces-hog@older' "
                                      "WHERE stage = 'faces'"))
    again = index_faces(catalog, face_registry, face_settings, paths)
    assert again.stages["faces"].done == len(PHOTOS) and again.stages["thumbnail"].done == 0
    after = {p.id: p for p in list_people(catalog)}
    assert after[obama].name == "Barack" and {f.id for f in person_faces(catalog, obama)} == ids_before
    assert len(after) == 2


def test_faces_in_video_keyframes(tmp_path, catalog, face_registry, face_settings, paths):
    import av

    face = Image.open(copy_photo("obama_2012_portrait.jpg", tmp_path / "still.jpg", 480))
    face = face.resize((320, 400))
    lib = tmp_path / "Videos"
    lib.mkdir()
    with av.open(str(lib / "speech.mp4"), "w") as out:
        v = out.add_stream("libx264" if "libx264" in av.codecs_available else "mpeg4", rate=5)
        v.width, v.height, v.pix_fmt = 320, 400, "yuv420p"
        for _ in range(10):
            for packet in v.encode(av.VideoFrame.from_image(face)):
                out.mux(packet)
        for packet in v.encode():
            out.mux(packet)
    from core.scan.roots import add_root

    add_root(catalog, lib)
    scan(catalog)
    report = index_faces(catalog, face_registry, face_settings, paths)
    assert report.stages["faces"].done == 1
    faces = faces_of_file(catalog, _file_id(catalog, "speech.mp4"))
    assert faces and all(f.frame_ms >= 0 for f in faces)
    assert faces[0].crop_path(paths).exists()


def test_turned_off_nothing_is_looked_for_and_forget_deletes_everything(
        indexed, face_lib, catalog, face_settings, paths):
    from models import Registry

    crops = list((paths.thumbnails / "faces").rglob("*.jpg"))
    assert len(crops) == FACE_COUNT
    off = face_settings.__class__(device="cpu", faces=False, model_idle_unload_s=0)
    reg = Registry(off, paths)
    try:
        st = reg.status()["faces"]
        assert st["state"] == "unavailable" and "turned off" in st["reason"]
        copy_photo("obama_2012_portrait_small.jpg", face_lib / "new.jpg")
        scan(catalog)
        report = index_faces(catalog, reg, off, paths)
        assert report.stages["faces"].done == 0 and "turned off" in report.stages["faces"].skipped
    finally:
        reg.close()
    out = delete_all_face_data(catalog, paths)
    assert out == {"faces": FACE_COUNT, "people": 2, "crops": FACE_COUNT}
    with catalog.read() as conn:
        for table in ("faces", "people", "face_rejections"):
            assert conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0
    assert not (paths.thumbnails / "faces").exists()
    assert list_people(catalog) == [] and unassigned_faces(catalog) == 0


def test_write_faces_keeps_rows_found_at_the_same_spot(catalog, face_lib):
    from core.pipeline.faces_stage import FoundFace, write_faces

    fid = _file_id(catalog, "astronaut.jpg")
    crop = Image.new("RGB", (8, 8))

    def face(idx, x, vec):
        return FoundFace(-1, idx, (x, 0.1, 0.2, 0.2), 80, 1.0, 100.0, vec, crop)

    a, b = np.zeros(128, np.float32), np.ones(128, np.float32)
    catalog.write(write_faces, fid, "m1", [face(0, 0.1, a), face(1, 0.6, a)])
    with catalog.read() as conn:
        first = dict(conn.execute("SELECT idx, id FROM faces WHERE file_id = ?", (fid,)))
    # found again, order swapped, one moved a little, one gone, one new
    catalog.write(write_faces, fid, "m2", [face(0, 0.62, b), face(1, 0.8, b)])
    with catalog.read() as conn:
        rows = conn.execute("SELECT id, idx, x, model_id FROM faces WHERE file_id = ? "
                            "ORDER BY idx", (fid,)).fetchall()
    assert rows[0][0] == first[1] and rows[0][1] == 0 and rows[0][3] == "m2"
    assert rows[1][0] not in first.values()
    assert len(rows) == 2
