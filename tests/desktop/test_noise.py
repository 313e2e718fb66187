"""Opening and playing a video prints nothing on stderr: Qt's and FFmpeg's messages go into
the log, at their level."""

from __future__ import annotations

import logging

import pytest
from PySide6.QtCore import QMessageLogContext, QtMsgType

from core.scan.roots import add_root
from core.scan.scanner import scan
from desktop import qt_logging
from tests.media_factory import write_video


@pytest.mark.no_qt_log  # pytest-qt's own handler would take the messages first
def test_opening_a_video_prints_nothing_on_stderr(tmp_path, services, make_window, qtbot, capfd,
                                                  caplog):
    qt_logging.install()
    lib = tmp_path / "lib"
    write_video(lib / "party.mp4", seconds=2)
    add_root(services.catalog, lib)
    scan(services.catalog)
    win = make_window()
    with services.catalog.read() as conn:
        fid = conn.execute("SELECT id FROM files").fetchone()[0]
    capfd.readouterr()
    caplog.set_level(logging.DEBUG)
    with qtbot.waitSignal(win.detail.loaded, timeout=10000):
        win.open_detail(fid)
    if win.detail._player is not None:
        win.detail.toggle_play()
        qtbot.waitUntil(lambda: win.detail._player.position() > 300, timeout=10000)
        win.detail.stop_media()
    qtbot.wait(200)
    err = capfd.readouterr().err
    assert "Input #0" not in err and "Stream #0" not in err and "FFmpeg" not in err, err
    # Qt's own messages (here: no sound server) are in the log instead
    assert all(r.name.startswith("qt") for r in caplog.records if "PulseAudio" in r.getMessage())
    win.close()


def test_qt_messages_reach_the_log_at_their_level_and_repeats_are_counted(caplog):
    caplog.set_level(logging.DEBUG)
    ctx = QMessageLogContext()
    qt_logging._handle(QtMsgType.QtCriticalMsg, ctx, "a broken thing")
    qt_logging._handle(QtMsgType.QtInfoMsg, ctx, '"FFmpeg log: Input #0, avi"')
    for _ in range(12):
        qt_logging._handle(QtMsgType.QtWarningMsg, ctx,
                           "QFFmpeg::Demuxer received AVPacket with pts == AV_NOPTS_VALUE")
    got = [(r.name, r.levelno, r.getMessage()) for r in caplog.records]
    assert ("qt", logging.ERROR, "a broken thing") in got
    assert ("ffmpeg", logging.DEBUG, "Input #0, avi") in got
    demux = [m for _n, lv, m in got if "AV_NOPTS_VALUE" in m]
    assert len(demux) == qt_logging.REPEATS_LOGGED + 1 and demux[-1].endswith("(repeated 10 times)")
