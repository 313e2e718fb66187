"""The app's "Download missing models" takes the CLI's path (core.model_downloads): a role
that is not ready and has nothing to fetch is an error the dialog shows, never a silent skip.
Offline, the download says what to do instead of hanging.
(That the app never imports a CLI module is an import-linter contract: gui-not-cli.)"""

from __future__ import annotations

from core.config import Settings
from desktop.views.welcome import WelcomeDialog


def _download(make_services, qtbot, models: dict[str, str], role: str) -> WelcomeDialog:
    """The welcome dialog with these models set, once it shows `role` missing and its
    download, clicked, has finished and failed."""
    dlg = WelcomeDialog(make_services(Settings(models=models, watch=False)))
    qtbot.addWidget(dlg)
    qtbot.waitUntil(lambda: dlg.status.get(role, {}).get("state") == "missing", timeout=10000)
    assert dlg.download_btn.isEnabled()
    with qtbot.waitSignal(dlg.downloadFinished, timeout=10000) as sig:
        dlg.download_btn.click()
    assert sig.args == [False]
    return dlg


def test_a_role_that_cannot_be_fetched_is_shown_not_skipped(tmp_path, make_services, qtbot):
    empty = tmp_path / "empty"   # hub roles set to a folder without a model: unavailable
    empty.mkdir()
    models = {r: str(empty) for r in ("clip", "caption", "whisper", "llm", "sentences")}
    models["text"] = str(tmp_path / "gone")   # missing, and OCR has nothing on the hub
    dlg = _download(make_services, qtbot, models, "text")
    assert dlg.notice.text().startswith("the text model is not downloaded from the hub: ")
    assert f"the folder {tmp_path / 'gone'} set for text does not exist" in dlg.notice.text()


def test_download_offline_says_what_to_do(make_services, qtbot):
    """Tests run offline (HF_HUB_OFFLINE): the download button must explain, not hang."""
    dlg = _download(make_services, qtbot, {"clip": "someone/some-clip-model"}, "clip")
    assert "offline" in dlg.notice.text() and "model folder" in dlg.notice.text()
