"""Ask on a video, through the detail pane's Ask box as a person types it: the answer comes
from what is said in the video. Without a language model the lines that mean what the
question asks are quoted (real all-MiniLM-L6-v2 finds them); with the packaged GGUF LLM and
real speech transcribed by the packaged Whisper base, the model answers from them."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from PySide6.QtCore import Qt

from core.config import Settings
from core.pipeline.run import index_library
from core.scan.roots import add_root
from core.scan.scanner import scan
from core.search.vectors import drop_cached
from tests.core.search import planting as P
from tests.media_factory import speak, write_video

BOOK = "You don't judge a book by its cover."
QUESTION = "What is said about books?"


def _ask_in_the_pane(win, qtbot, fid: int, timeout_ms: int) -> str:
    with qtbot.waitSignal(win.detail.loaded, timeout=20000):
        win.open_detail(fid)
    win.activateWindow()
    qtbot.keyClick(win.library.grid, Qt.Key_K, Qt.ControlModifier)   # to the Ask box
    assert win.detail.ask_edit.hasFocus()
    qtbot.keyClicks(win.detail.ask_edit, QUESTION)
    with qtbot.waitSignal(win.detail.answered, timeout=timeout_ms) as sig:
        qtbot.keyClick(win.detail.ask_edit, Qt.Key_Return)
    assert sig.args[0] == win.detail.answer.text()
    return sig.args[0]


def test_without_an_llm_ask_quotes_the_line_that_answers(tmp_path, paths, make_services,
                                                         make_window, qtbot):
    drop_cached()
    # no LLM: the role points at a folder that does not exist (it may be installed here)
    services = make_services(Settings(device="cpu", model_idle_unload_s=0,
                                      models={"llm": str(tmp_path / "no-llm-here")}))
    lib = tmp_path / "lib"
    write_video(lib / "Megamind.mp4", seconds=3)
    add_root(services.catalog, lib)
    scan(services.catalog)
    with services.catalog.read() as conn:
        vid = conn.execute("SELECT id FROM files").fetchone()[0]
    # what the transcript stage writes for it; the sentences stage then embeds each line
    P.transcript(services.catalog, vid, [(0.0, 2.0, "Hi grandma, how are you doing today?"),
                                         (2.0, 5.0, BOOK),
                                         (5.0, 8.0, "We went to the zoo and saw the elephants.")])
    report = index_library(services.catalog, services.registry, services.settings, paths,
                           stages=["sentences"])
    assert report.stages["sentences"].done == 1, report.as_dict()
    win = make_window(services, size=(1200, 800))
    try:
        text = _ask_in_the_pane(win, qtbot, vid, timeout_ms=60000)
    finally:
        win.close()
        drop_cached()
    first = text.splitlines()[0]
    assert first == f"It is said: “{BOOK}” (at 0:02)", text   # quoted, with its moment
    assert "elephants" not in text and "grandma" not in text    # only the line that answers
    assert "(based on speech)" in text
    assert "language model" in text   # and it says why it quotes instead of answering


@pytest.mark.realweights
@pytest.mark.slow
def test_with_the_packaged_llm_ask_answers_from_the_transcript(tmp_path, paths, make_services,
                                                              make_window, qtbot):
    from models import offline

    for model in (offline.WHISPER_BASE, offline.QWEN_CODER_GGUF):
        if not offline.packages_installed(model):
            pytest.skip("install the offline-models extra (Whisper base, the GGUF LLM)")
    if not shutil.which("espeak-ng"):
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng)")
    drop_cached()
    # every model as a user gets it: Whisper base, MiniLM and the GGUF LLM from the packages
    services = make_services(Settings(device="cpu", model_idle_unload_s=0))
    lib = tmp_path / "lib"
    said = np.concatenate([speak("Hello everyone, here is another short video.", tmp_path / "v"),
                           np.zeros(8000, np.float32), speak(BOOK, tmp_path / "v")])
    write_video(lib / "Megamind.mp4", seconds=len(said) / 16000 + 0.5, audio=said)
    add_root(services.catalog, lib)
    scan(services.catalog)
    report = index_library(services.catalog, services.registry, services.settings, paths,
                           stages=["transcript", "sentences"])
    assert report.stages["transcript"].done == 1, report.as_dict()
    with services.catalog.read() as conn:
        vid = conn.execute("SELECT id FROM files").fetchone()[0]
        spoken = " ".join(r[0] for r in conn.execute(
            "SELECT text FROM transcript_segments WHERE file_id = ?", (vid,)))
    assert "cover" in spoken.lower(), spoken
    win = make_window(services, size=(1200, 800))
    try:
        text = _ask_in_the_pane(win, qtbot, vid, timeout_ms=600000)   # joins 1.1 GB once
    finally:
        win.close()
        drop_cached()
    print(f"\nanswer: {text}")
    first = text.splitlines()[0]
    assert not first.startswith("I don't know") and not first.startswith("It is said"), text
    assert "cover" in first.lower() or "judge" in first.lower(), text
    assert "speech" in text   # it says it used what is said
