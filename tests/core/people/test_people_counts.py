"""The People list counts a person's photos in SQL and reads their files only when asked
(person_files): a file that is not present (deleted, on an unplugged disk) counts in neither."""

from __future__ import annotations

from core.query.people import list_people, person_files
from tests.core.xmp.helpers import plant_face, scanned
from tests.media_factory import write_jpeg

BOX = (0.1, 0.1, 0.2, 0.2)


def test_counts_and_files_leave_out_files_that_are_not_present(catalog, tmp_path):
    for i in range(4):
        write_jpeg(tmp_path / "lib" / f"p{i}.jpg", seed=i)
    ids = scanned(catalog, tmp_path / "lib")
    _, anna = plant_face(catalog, ids["p0.jpg"], BOX, name="Anna")
    plant_face(catalog, ids["p0.jpg"], (0.5, 0.5, 0.2, 0.2), person_id=anna, idx=1)  # twice
    for name in ("p1.jpg", "p2.jpg", "p3.jpg"):
        plant_face(catalog, ids[name], BOX, person_id=anna)
    _, ben = plant_face(catalog, ids["p3.jpg"], (0.5, 0.5, 0.2, 0.2), name="Ben", idx=1)
    catalog.write(lambda c: c.execute("UPDATE files SET status = 'missing' WHERE id = ?",
                                      (ids["p3.jpg"],)))

    people = {p.name: p for p in list_people(catalog)}
    assert (people["Anna"].face_count, people["Anna"].file_count) == (5, 3)
    assert (people["Ben"].face_count, people["Ben"].file_count) == (1, 0)
    assert sorted(path.rsplit("/", 1)[1] for _, path in person_files(catalog, anna)) == \
        ["p0.jpg", "p1.jpg", "p2.jpg"]
    assert person_files(catalog, ben) == []


def test_the_counts_read_the_person_index_not_the_face_rows(catalog, tmp_path):
    """Each face row carries its descriptor: counting a million faces by reading their rows
    took 1.5 s at 1M files. Migration 0022's (person_id, file_id) index answers the counts
    alone (0.5 s): the count statement's plan reads it, and no face row."""
    write_jpeg(tmp_path / "lib" / "p0.jpg", seed=0)
    ids = scanned(catalog, tmp_path / "lib")
    plant_face(catalog, ids["p0.jpg"], BOX, name="Anna")
    (plan,) = _plans_of_list_people(
        catalog, lambda sql: "count(DISTINCT fa.file_id)" in sql and "JOIN faces" in sql)
    assert "COVERING INDEX faces_person_file" in plan, plan
    assert "SCAN fa" not in plan, plan


def test_the_takeout_names_are_looked_up_without_scanning_the_files(catalog, tmp_path):
    """The People list asks which Takeout names point at a person. Its statements start from
    the Takeout's names and find their files by the hash index: the planner scanned every
    file otherwise (0.6-1.8 s at 1M files, even with no Takeout imported)."""
    write_jpeg(tmp_path / "lib" / "p0.jpg", seed=0)
    ids = scanned(catalog, tmp_path / "lib")
    plant_face(catalog, ids["p0.jpg"], BOX)
    catalog.write(lambda c: c.execute(
        "INSERT INTO takeout_people(content_hash, name) SELECT content_hash, 'Anna' FROM files"))
    plans = _plans_of_list_people(catalog, lambda sql: "takeout_people" in sql)
    assert len(plans) == 2
    for plan in plans:
        assert "SCAN f" not in plan.replace("SCAN fa", ""), plan


def _plans_of_list_people(catalog, wanted) -> list[str]:
    """The query plans (" | "-joined) of the statements list_people ran that `wanted` picks."""
    with catalog.read() as conn:
        statements = []
        conn.set_trace_callback(statements.append)
        try:
            list_people(catalog)
        finally:
            conn.set_trace_callback(None)
        return [" | ".join(r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + sql))
                for sql in statements if wanted(sql)]
