"""settings.json is the user's: one Shoebox cannot read is kept aside as
settings.json.broken-<time>, the user is told once, and saving never replaces it."""

from __future__ import annotations

import json
import os
import stat

import pytest

from core.config import Settings, keep_aside
from core.errors import ShoeboxError
from tests.cli_runner import run

BROKEN = [
    pytest.param(b'{"workers": 3,', id="invalid-json"),
    pytest.param(b'\xff\xfe{"workers": 3}', id="not-utf8"),
    pytest.param(b'["workers", 3]', id="not-an-object"),
]


def kept_copies(paths):
    return sorted(paths.home.glob("settings.json.broken-*"))


@pytest.mark.parametrize("content", BROKEN)
def test_an_unreadable_settings_file_is_kept_aside_and_said_so(paths, content):
    paths.settings.write_bytes(content)
    s = Settings.load(paths)
    assert s == Settings()  # the defaults
    [kept] = kept_copies(paths)
    assert kept.read_bytes() == content  # byte for byte: nothing of the user's is lost
    assert not paths.settings.exists()
    assert str(kept) in s.problem and "could not be read" in s.problem
    if os.name == "posix":
        assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    s.workers = 7
    s.save(paths)  # writes a new file; the kept copy stays as it was
    assert json.loads(paths.settings.read_text())["workers"] == 7
    assert "problem" not in json.loads(paths.settings.read_text())
    assert kept_copies(paths) == [kept] and kept.read_bytes() == content
    assert Settings.load(paths).problem == ""


def test_a_folder_where_settings_json_should_be_is_kept_aside(paths):
    paths.settings.mkdir()  # unreadable as a file (root reads any file, so not by its mode)
    (paths.settings / "note").write_text("mine")
    s = Settings.load(paths)
    [kept] = kept_copies(paths)
    assert (kept / "note").read_text() == "mine" and s.problem


def test_saving_keeps_aside_a_file_that_became_unreadable_first(paths):
    s = Settings.load(paths)
    paths.settings.write_text("{ half a file")  # broken after it was loaded
    s.save(paths)
    [kept] = kept_copies(paths)
    assert kept.read_text() == "{ half a file"
    assert json.loads(paths.settings.read_text())["workers"] == s.workers


def test_saving_never_replaces_an_unreadable_file_it_could_not_keep(paths, monkeypatch):
    paths.settings.write_text("{ broken")

    def cannot(path):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("core.config.keep_aside", cannot)
    s = Settings.load(paths)
    assert "nor kept aside" in s.problem and "will not save over" in s.problem
    with pytest.raises(ShoeboxError, match="settings not saved"):
        s.save(paths)
    assert paths.settings.read_text() == "{ broken" and not kept_copies(paths)


def test_copies_kept_in_the_same_second_do_not_overwrite_each_other(paths):
    for text in ("one", "two", "three"):
        paths.settings.write_text(text)
        keep_aside(paths.settings)
    assert sorted(p.read_text() for p in kept_copies(paths)) == ["one", "three", "two"]


def test_the_cli_tells_once_what_was_wrong_and_where_the_copy_is(paths, capsys, tmp_path):
    paths.settings.write_text('{"workers": ')
    code, _, err = run(capsys, "models", "use", "clip", str(tmp_path))
    assert code == 0
    [kept] = kept_copies(paths)
    assert err.count("could not be read") == 1 and str(kept) in err
    assert json.loads(paths.settings.read_text())["models"]["clip"] == str(tmp_path.resolve())
    assert kept.read_text() == '{"workers": '
    code, _, err = run(capsys, "models", "use", "clip", "default")
    assert code == 0 and "could not be read" not in err  # told once, not on every run
