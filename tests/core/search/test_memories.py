"""On this day: earlier years' photos of this month and day, by year, near-duplicates
collapsed, dismissals kept."""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image

from core.cli.main import main
from core.sample import sample_dir
from tests.cli_runner import run_ok

SAMPLES = sample_dir()
# the sample library's photos, by what they show
COFFEE = SAMPLES / "Phone/2023-04 Lisbon/IMG_2031.jpg"
ROCKET = SAMPLES / "Phone/2015-02 Florida/IMG_0412.jpg"
GRAVEL = SAMPLES / "Phone/2023-04 Lisbon/IMG_2033.jpg"
GRASS = SAMPLES / "Phone/2023-04 Lisbon/IMG_2034.jpg"
CAT = SAMPLES / "Phone/2023-06 Home/IMG_2301.jpg"
HUBBLE = SAMPLES / "Downloads/hubble_deep_field.jpg"   # no EXIF


def dated_copy(src: Path, dst: Path, taken: str, *, size: int | None = None,
               quality: int = 92) -> Path:
    """A copy of a real photo with an EXIF capture date (optionally resized: a near-duplicate)."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    with Image.open(src) as im:
        exif = im.getexif()
        exif.get_ifd(0x8769)[36867] = taken
        exif[306] = taken
        img = im.convert("RGB")
        if size:
            img.thumbnail((size, size))
        img.save(dst, "JPEG", quality=quality, exif=exif.tobytes())
    return dst


def test_memories_by_year_with_near_duplicates_collapsed_and_dismissals(tmp_path, capsys):
    lib = tmp_path / "lib"
    dated_copy(COFFEE, lib / "a.jpg", "2019:11:30 10:00:00")
    dated_copy(COFFEE, lib / "a-small.jpg", "2019:11:30 10:00:20", size=400,
               quality=80)                                          # the same shot, re-saved
    dated_copy(ROCKET, lib / "b.jpg", "2019:11:30 10:01:00")   # another shot
    dated_copy(GRAVEL, lib / "c.jpg", "2022:11:30 18:00:00")
    dated_copy(GRASS, lib / "d.jpg", "2022:12:01 09:00:00")    # another day
    dated_copy(CAT, lib / "e.jpg", "2026:11:30 09:00:00")  # this year
    (lib / "no-date.jpg").write_bytes(HUBBLE.read_bytes())  # mtime only
    run_ok(capsys, "add", str(lib))
    run_ok(capsys, "scan")
    out = json.loads(run_ok(capsys, "memories", "--date", "2026-11-30", "--json"))
    mems = out["memories"]
    assert [m["year"] for m in mems] == [2022, 2019]
    assert [m["years_ago"] for m in mems] == [4, 7]
    assert [Path(f["path"]).name for f in mems[0]["files"]] == ["c.jpg"]
    shown = [Path(f["path"]).name for f in mems[1]["files"]]
    assert sorted(shown) == ["a.jpg", "b.jpg"]                    # the larger copy is kept
    assert mems[1]["hidden_duplicates"] == 1
    assert next(f for f in mems[1]["files"] if f["path"].endswith("a.jpg"))["similar"] == 1
    assert "4 years ago" in mems[0]["title"]
    # dismiss 2022: gone on this day, for good; the other year stays; restore brings it back
    run_ok(capsys, "memories", "--date", "2026-11-30", "--dismiss", "2022")
    again = json.loads(run_ok(capsys, "memories", "--date", "2026-11-30", "--json"))["memories"]
    assert [m["year"] for m in again] == [2019]
    assert "2022" not in run_ok(capsys, "memories", "--date", "2027-11-30")
    assert json.loads(run_ok(capsys, "memories", "--date", "2026-12-01", "--json")
                      )["memories"][0]["year"] == 2022             # another day is another memory
    run_ok(capsys, "memories", "--date", "2026-11-30", "--restore")
    assert [m["year"] for m in json.loads(run_ok(capsys, "memories", "--date", "2026-11-30",
                                              "--json"))["memories"]] == [2022, 2019]
    assert "no memories" in run_ok(capsys, "memories", "--date", "2026-06-15")


def test_bad_date_is_a_clear_error(capsys):
    assert main(["memories", "--date", "30/11/2026"]) == 2
    assert "use YYYY-MM-DD" in capsys.readouterr().err


def test_leap_day_is_remembered_on_the_28th_of_other_years():
    import datetime as dt

    from core.search.memories import _days

    assert _days(dt.date(2027, 2, 28)) == ["02-28", "02-29"]
    assert _days(dt.date(2028, 2, 28)) == ["02-28"]
    assert _days(dt.date(2028, 2, 29)) == ["02-29"]


def test_the_days_files_are_found_by_the_date_index_not_by_dating_every_file(catalog, tmp_path):
    """memories() computed the local date of every file: 1.3 s of CPU at a million files, on
    every library reload. It reads the files around the day in each year now, and finds the
    same ones (the 29th of February of leap years on the 28th included)."""
    import datetime as dt

    from core.scan.roots import add_root
    from core.search.memories import memories

    folder = tmp_path / "lib"
    folder.mkdir()
    root = add_root(catalog, folder)
    start = dt.datetime(2004, 1, 1, 0, 30).timestamp()
    n = 20_000    # one every 9.5 hours for 21 years: every day of every year, at all hours

    def insert(conn):
        conn.executemany(
            "INSERT INTO files(root_id, path, folder, name, kind, format, size, mtime_ns, "
            "content_hash, width, height, taken_at, taken_at_source, status, first_seen_at) "
            "VALUES (?, ?, ?, ?, 'photo', 'jpeg', 1000, 0, ?, 640, 480, ?, 'exif', 'present', 0)",
            [(root.id, f"{folder}/IMG_{i:06d}.jpg", str(folder), f"IMG_{i:06d}.jpg",
              f"{i:032x}", start + i * 9.5 * 3600) for i in range(n)])
    catalog.write(insert)
    day = dt.date(2025, 2, 28)
    with catalog.read() as conn:
        expected = conn.execute(
            "SELECT id FROM files WHERE strftime('%m-%d', taken_at, 'unixepoch', 'localtime') "
            "IN ('02-28', '02-29') AND taken_at < ? ORDER BY id",
            (dt.datetime(2025, 1, 1).timestamp(),)).fetchall()
        asked: list[str] = []
        conn.set_trace_callback(asked.append)
        try:
            found = memories(catalog, day)
        finally:
            conn.set_trace_callback(None)
        query = next(q for q in asked if "strftime('%m-%d'" in q)
        plan = " ".join(r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + query))
    assert sorted(f.file_id for m in found for f in m.files) == [r[0] for r in expected]
    assert {m.year for m in found} == set(range(2004, 2025))
    assert any(dt.datetime.fromtimestamp(f.taken_at).day == 29 for m in found for f in m.files)
    assert "USING INDEX files_taken (taken_at>? AND taken_at<?)" in plan, plan
