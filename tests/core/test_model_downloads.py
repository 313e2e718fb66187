"""The one download path (core.model_downloads) and the CLI over it; the app's side is in
tests/desktop/test_downloads.py. Tests run offline: nothing here reaches the hub."""

from __future__ import annotations

import json

import pytest

from core.config import Settings
from core.errors import Cancelled, ShoeboxError
from core.model_downloads import Download, download, fetch, plan, relay_progress
from core.tasks import TaskState
from models import Registry


@pytest.fixture
def make_registry(paths):
    made = []

    def make(models: dict[str, str]) -> Registry:
        made.append(Registry(Settings(models=models, device="cpu"), paths))
        return made[-1]

    yield make
    for reg in made:
        reg.close()


def test_hub_roles_are_planned_and_packaged_ready_ones_need_nothing(make_registry):
    reg = make_registry({"caption": "someone/captioner"})
    planned = plan(reg, ["clip", "caption", "text"])
    assert planned.todo == [
        Download("clip", "openai/clip-vit-base-patch32"), Download("caption", "someone/captioner")]
    assert planned.refused == []
    by_default = [d.role for d in plan(reg).todo]   # every missing role that has a hub model
    assert by_default[:2] == ["clip", "caption"] and "text" not in by_default


@pytest.mark.parametrize("role", ["text", "clip"])
def test_a_role_not_ready_with_nothing_to_fetch_is_set_aside_with_its_reason(make_registry,
                                                                             tmp_path, role):
    """text has no hub model; clip set to a folder that is gone has nothing to fetch either.
    Both are set aside with the reason; the role beside them is still planned."""
    gone = tmp_path / "gone"
    reg = make_registry({role: str(gone)})
    planned = plan(reg, ["caption", role])
    assert [d.role for d in planned.todo] == ["caption"]
    reason = reg.resolve(role).reason
    assert planned.refused == [f"the {role} model is not downloaded from the hub: {reason}"]
    assert f"the folder {gone} set for {role} does not exist" in planned.refused[0]


def test_one_broken_role_does_not_keep_the_others_from_being_fetched(make_registry, tmp_path,
                                                                     monkeypatch):
    """The hub stands in here (no network): the fetchable role is fetched first, then the
    error names the role set aside and what was downloaded."""
    import huggingface_hub

    fetched = []

    def hub(repo, **_kwargs):
        fetched.append(repo)
        return str(tmp_path / repo.replace("/", "--"))

    monkeypatch.setattr(huggingface_hub, "snapshot_download", hub)
    monkeypatch.delenv("HF_HUB_OFFLINE")
    reg = make_registry({"text": str(tmp_path / "gone"), "caption": "someone/captioner"})
    with pytest.raises(ShoeboxError) as ei:
        fetch(plan(reg, ["caption", "text"]), TaskState())
    assert fetched == ["someone/captioner"]
    assert str(ei.value).startswith("the text model is not downloaded from the hub: ")
    assert str(ei.value).endswith("(downloaded: caption)")


def test_nothing_fetchable_says_nothing_was_downloaded(make_registry, tmp_path):
    reg = make_registry({"text": str(tmp_path / "gone")})
    with pytest.raises(ShoeboxError, match=r"does not exist.* \(nothing was downloaded\)$"):
        fetch(plan(reg, ["text"]))


def test_an_unknown_role_is_refused(make_registry):
    with pytest.raises(ShoeboxError, match="unknown role colour; roles are clip, caption"):
        plan(make_registry({}), ["colour"])


def test_offline_nothing_is_fetched_and_the_error_says_what_to_do():
    assert download([]) == []    # nothing to fetch: no error, offline or not
    with pytest.raises(ShoeboxError) as ei:
        download([Download("clip", "openai/clip-vit-base-patch32")], TaskState())
    assert "offline mode is on" in str(ei.value)
    assert "Use a model folder" in str(ei.value)                            # the app's words
    assert "`shoebox models use ROLE /path/to/folder`" in str(ei.value)     # the CLI's


def test_the_hubs_progress_feeds_the_task_and_a_cancel_stops_it():
    seen = []
    task = TaskState(on_progress=seen.append, min_interval_s=0)
    bar = relay_progress(task)(total=3)
    bar.update(2)
    assert (seen[-1].done, seen[-1].total) == (2, 3)
    task.cancel()
    with pytest.raises(Cancelled):
        bar.update(1)
    assert seen[-1].done == 2


def test_cli_refuses_a_role_set_to_a_missing_folder(paths, tmp_path, capsys):
    """It used to say "nothing to download" and exit 0: a role that is not ready."""
    from core.cli.main import main

    Settings(models={"clip": str(tmp_path / "gone")}).save(paths)
    assert main(["models", "download", "clip"]) == 2
    err = capsys.readouterr().err
    assert "the clip model is not downloaded from the hub" in err and "does not exist" in err


def test_cli_says_nothing_to_download_for_ready_packaged_roles(paths, capsys):
    from core.cli.main import main

    assert main(["models", "download", "text", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"downloaded": [],
                                                   "message": "nothing to download"}
