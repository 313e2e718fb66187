"""`shoebox index` from the command line."""

import dataclasses
import json

from core.cli.main import main
from core.scan.roots import add_root
from core.scan.scanner import scan
from tests.media_factory import write_jpeg


def test_index_json_then_nothing_to_do_then_errors_listed(tmp_path, catalog, paths,
                                                          tiny_settings, capsys):
    lib = tmp_path / "lib"
    write_jpeg(lib / "a.jpg", seed=1)
    write_jpeg(lib / "b.jpg", seed=2)
    add_root(catalog, lib)
    scan(catalog)
    dataclasses.replace(tiny_settings, low_priority=False, models={
        **tiny_settings.models, "caption": str(tmp_path / "missing")}).save(paths)
    assert main(["index", "--json", "--stage", "clip", "--stage", "caption"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["stages"]["clip"]["done"] == 2
    assert "caption" in out["stages"]["caption"]["skipped"]
    assert set(out["stages"]) == {"clip", "caption"}
    assert main(["index"]) == 0
    text = capsys.readouterr().out
    assert "thumbnail: 2 done" in text and "caption: skipped" in text
    assert main(["index"]) == 0
    assert "caption: skipped" in capsys.readouterr().out  # said again while files wait


def test_index_help_and_bad_stage(capsys):
    import pytest

    with pytest.raises(SystemExit) as exit_:
        main(["index", "--help"])
    assert exit_.value.code == 0
    help_text = capsys.readouterr().out
    assert "--retry-problems" in help_text and "--retry-errors" in help_text  # the old name too
    with pytest.raises(SystemExit) as exit_:
        main(["index", "--stage", "nope"])
    assert exit_.value.code == 2  # argparse's usage error, not a crash
    err = capsys.readouterr().err
    assert "nope" in err and "thumbnail" in err and "Traceback" not in err
