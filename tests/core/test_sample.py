"""`shoebox sample DIR`: the sample library a newcomer tries, from files the repository
carries, each with a licence written beside it."""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image

from core.sample import sample_dir
from tests.cli_runner import run as run_cli
from tests.cli_runner import run_ok

SOURCES = sample_dir().parent / "SOURCES.md"


def test_every_sample_file_has_a_source_and_licence_and_the_whole_is_small():
    files = [p for p in sample_dir().rglob("*") if p.is_file()]
    text = SOURCES.read_text()
    for f in files:
        row = next((line for line in text.splitlines()
                    if line.startswith(f"| `{f.relative_to(sample_dir()).as_posix()}`")), None)
        assert row, f"{f} has no line in {SOURCES}"
        assert any(lic in row for lic in ("public domain", "CC0", "MIT")), row
    assert sum(f.stat().st_size for f in files) < 1_000_000


def test_sample_writes_a_library_with_dates_places_a_video_and_duplicates(tmp_path, capsys):
    lib = tmp_path / "try"
    out = json.loads(run_ok(capsys, "sample", str(lib), "--json"))
    assert len(out["files"]) == len(list(sample_dir().rglob("*.*")))
    gps = [p for p in lib.rglob("*.jpg") if Image.open(p).getexif().get_ifd(0x8825)]
    assert len(gps) >= 6
    run_ok(capsys, "folders", "add", str(lib))   # as the README says
    scanned = json.loads(run_ok(capsys, "scan", "--json"))
    assert scanned["new"] == len(out["files"])
    status = json.loads(run_ok(capsys, "status", "--json"))
    assert status["files"]["photo"] >= 10 and status["files"]["video"] == 1
    dups = json.loads(run_ok(capsys, "duplicates", "--exact-only", "--json"))
    assert [sorted(Path(f["path"]).name for f in g["files"]) for g in dups] == [
        ["IMG_2301.jpg", "IMG_2301.jpg"]]
    run_ok(capsys, "index", "--stage", "places")
    towns = {p["place"] for p in json.loads(run_ok(capsys, "places", "--json"))}
    assert {"Cape Canaveral", "Stellenbosch"} <= towns


def test_sample_refuses_a_folder_that_is_not_empty(tmp_path, capsys):
    (tmp_path / "mine.jpg").write_bytes(b"my photo")
    code, _, err = run_cli(capsys, "sample", str(tmp_path))
    assert code == 2 and "not empty" in err
    assert [p.name for p in tmp_path.iterdir()] == ["mine.jpg"]
