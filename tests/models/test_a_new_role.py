"""Adding a model role takes one module and one registration line (docs/ARCHITECTURE.md,
"Adding a model role"): this module is that module. It touches nothing else in the code:
the registry, `shoebox models status` and the app's model list find the role through
`register` alone."""

from __future__ import annotations

import json
from pathlib import Path
from typing import ClassVar

import pytest

from core.config import Settings
from models import ModelUnavailable, Registry, Role, register
from models.base import ModelWrapper
from models.role import Resolved, role_names, unregister


class EchoModel(ModelWrapper):
    """The smallest model there is: it says back the word at an index of its words.txt."""

    role = "echo"

    def _load(self) -> None:
        self.words = (self.path / "words.txt").read_text(encoding="utf-8").split()

    def _unload(self) -> None:
        self.words = None

    def say(self, i: int) -> str:
        with self._session():
            return self.words[i]


class EchoRole(Role):
    name = "echo"
    licences: ClassVar[dict[str, str]] = {"echo-default": "CC0"}

    def resolve(self, settings, paths, device: str) -> Resolved:
        chosen = str(settings.models.get("echo", "") or "")
        folder = Path(chosen) if chosen else paths.home / "echo-default"
        source = "settings-folder" if chosen else "packaged"
        model = chosen or "echo-default"
        if not folder.is_dir():
            return Resolved("echo", model, None, source,
                            reason=f"{folder} does not exist: `shoebox models use echo FOLDER`")
        problem = None if (folder / "words.txt").is_file() else f"{folder} has no words.txt"
        return Resolved("echo", model, folder, source, "words", problem)

    def make(self, r, settings, paths, **kw):
        return EchoModel(r.path, **kw)


@pytest.fixture
def echo():
    register(EchoRole())          # the registration line
    yield
    unregister("echo")


@pytest.fixture
def words(paths) -> Path:
    folder = paths.home / "echo-default"
    folder.mkdir(parents=True)
    (folder / "words.txt").write_text("hello shoebox".ljust(2**20), encoding="utf-8")  # 1 MiB
    return folder


def test_the_registry_resolves_reports_and_makes_a_registered_role(echo, words, paths):
    reg = Registry(Settings(device="cpu"), paths)
    try:
        assert role_names()[-1] == "echo"
        st = reg.status()["echo"]
        assert {k: st[k] for k in ("state", "model", "path", "source", "kind", "device",
                                   "precision", "licence")} == {
            "state": "ready", "model": "echo-default", "path": str(words), "source": "packaged",
            "kind": "words", "device": "cpu", "precision": "fp32", "licence": "CC0"}
        assert st["identity"] == reg.identity("echo") and st["identity"].startswith("echo-default@")
        assert st["identity"].endswith(":fp32") and st["size_mb"] == 1.0
        model = reg.get("echo")
        assert model.say(1) == "shoebox" and reg.loaded_roles() == ["echo"]
        assert reg.status()["echo"]["state"] == "loaded"
        reg.release("echo")
        assert reg.status()["echo"]["state"] == "ready"
    finally:
        reg.close()


def test_a_registered_role_without_files_says_why_and_raises(echo, paths, tmp_path):
    reg = Registry(Settings(models={"echo": str(tmp_path)}, device="cpu"), paths)
    st = reg.status()["echo"]
    assert (st["state"], st["reason"], st["licence"]) == (
        "unavailable", f"{tmp_path} has no words.txt", None)   # a folder the user chose
    with pytest.raises(ModelUnavailable, match="the echo model is unavailable: .* no words.txt"):
        reg.get("echo")


def test_the_cli_lists_a_registered_role(echo, words, paths, capsys):
    from core.cli.main import main

    assert main(["models", "status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["echo"]["state"] == "ready"
    assert main(["models", "use", "echo", str(words), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["source"] == "settings-folder"
