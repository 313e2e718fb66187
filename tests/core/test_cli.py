import json

from core.cli.main import build_parser
from tests.cli_runner import run
from tests.media_factory import write_jpeg


def test_add_scan_status_json_round_trip(tmp_path, capsys):
    write_jpeg(tmp_path / "lib" / "a.jpg", taken="2020:01:02 03:04:05", gps=(10.5, -20.25))
    assert run(capsys, "add", str(tmp_path / "lib"))[0] == 0
    code, out, _ = run(capsys, "scan", "--json")
    assert code == 0 and json.loads(out)["new"] == 1
    code, out, _ = run(capsys, "status", "--json")
    status = json.loads(out)
    assert status["files"]["photo"] == 1 and status["with_gps"] == 1
    code, out, _ = run(capsys, "scan")
    assert "nothing changed" in out


def test_problems_lists_them_and_errors_is_its_old_name(tmp_path, capsys):
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "empty.jpg").write_bytes(b"")
    run(capsys, "folders", "add", str(tmp_path / "lib"))
    run(capsys, "scan")
    assert "1 problems (see `shoebox problems`)" in run(capsys, "status")[1]
    for command in ("problems", "errors"):
        code, out, _ = run(capsys, command, "--json")
        assert code == 0 and json.loads(out)[0]["reason"].startswith("empty file")


def test_library_folders_by_the_apps_name_and_by_the_old_ones(tmp_path, capsys):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    assert run(capsys, "folders", "--json")[1].strip() == "[]"
    assert "`shoebox folders add FOLDER`" in run(capsys, "folders")[1]
    assert run(capsys, "folders", "add", str(a))[0] == 0
    assert run(capsys, "add", str(b))[0] == 0                    # the old name of `folders add`
    listed = {str(a.resolve()), str(b.resolve())}
    for argv in (["folders", "--json"], ["folders", "list", "--json"], ["roots", "--json"]):
        code, out, _ = run(capsys, *argv)
        assert code == 0 and {r["path"] for r in json.loads(out)} == listed, argv
    assert run(capsys, "folders", "remove", str(a))[0] == 0
    assert run(capsys, "remove-root", str(b))[0] == 0            # the old name of `folders remove`
    assert json.loads(run(capsys, "folders", "--json")[1]) == []


def test_user_errors_are_messages_not_tracebacks(tmp_path, capsys):
    code, out, err = run(capsys, "add", str(tmp_path / "missing"))
    assert code == 2 and out == "" and "does not exist" in err and "Traceback" not in err


def test_every_subcommand_has_help():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, p in sub.choices.items():
        assert p.format_help().strip(), name


def test_show_prints_a_files_detail_from_core_query(tmp_path, capsys):
    photo = tmp_path / "lib" / "a.jpg"
    write_jpeg(photo, taken="2020:01:02 03:04:05", gps=(10.5, -20.25), camera=("Canon", "EOS"))
    run(capsys, "add", str(tmp_path / "lib"))
    run(capsys, "scan")
    code, out, _ = run(capsys, "show", str(photo), "--json")
    d = json.loads(out)
    assert code == 0 and d["path"] == str(photo) and d["camera_make"] == "Canon"
    assert (d["gps_lat"], d["gps_lon"]) == (10.5, -20.25) and d["errors"] == []
    code, out, _ = run(capsys, "show", str(d["id"]))
    assert code == 0 and "camera     Canon EOS" in out and "10.50000, -20.25000" in out
    code, _out, err = run(capsys, "show", str(tmp_path / "nope.jpg"))
    assert code != 0 and "not in the library" in err


def test_a_reader_that_stops_early_gets_no_traceback(tmp_path):
    # `shoebox status | head -1`: the pipe closes before shoebox writes
    import subprocess
    import sys

    write_jpeg(tmp_path / "lib" / "a.jpg")
    cli = [sys.executable, "-c", "import sys; from core.cli.main import main; sys.exit(main())"]
    subprocess.run([*cli, "add", str(tmp_path / "lib")], check=True, capture_output=True)
    proc = subprocess.Popen([*cli, "status"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141
    assert "Traceback" not in err and "Exception ignored" not in err, err
