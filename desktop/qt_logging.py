"""Qt's and FFmpeg's messages go into Shoebox's log, at the right level, never onto stderr.

The message handler installed here sends every Qt message (Qt Multimedia's demuxer warnings
among them) to the `qt.<category>` logger. A message repeated many times (a demuxer
complaining about each packet of a badly muxed file) is logged a few times, then counted.

Qt Multimedia plays videos with its own FFmpeg, which prints each file's stream details on
stderr at its default level. Qt can route FFmpeg's lines through its logging (QT_FFMPEG_DEBUG),
but that turns on FFmpeg's debug output and calls into Python from decoder threads: measured,
it crashed 1 test run in 4 at window close. Instead Qt's FFmpeg is told to print errors only
(av_log_set_level on Qt's own libavutil); its stream details are not needed."""

from __future__ import annotations

import glob
import logging
from collections import Counter
from pathlib import Path

from PySide6.QtCore import QtMsgType, qInstallMessageHandler

FFMPEG_PREFIX = "FFmpeg log: "  # Qt's prefix, when QT_FFMPEG_DEBUG is set by the user
AV_LOG_ERROR = 16
REPEATS_LOGGED = 3
# Qt's informational chatter about optional libraries it did not find (pipewire, VA-API)
QUIET_CATEGORIES = ("qt.multimedia.symbolsresolver",)

_LEVELS = {QtMsgType.QtDebugMsg: logging.DEBUG, QtMsgType.QtInfoMsg: logging.INFO,
           QtMsgType.QtWarningMsg: logging.WARNING, QtMsgType.QtCriticalMsg: logging.ERROR,
           QtMsgType.QtFatalMsg: logging.CRITICAL}
_seen: Counter = Counter()
_quieted = False


def quiet_ffmpeg() -> None:
    """Once Qt Multimedia has set FFmpeg up (after the first QMediaPlayer exists): Qt's
    FFmpeg prints errors only (no stream dumps).
    Where Qt ships no libavutil of its own (a system Qt), FFmpeg keeps its default level."""
    global _quieted
    if _quieted:
        return
    _quieted = True
    import ctypes

    import PySide6

    lib_dir = Path(PySide6.__file__).parent / "Qt" / "lib"
    for name in sorted(glob.glob(str(lib_dir / "libavutil.so.*")) +
                       glob.glob(str(lib_dir.parent / "bin" / "avutil-*.dll")) +
                       glob.glob(str(lib_dir / "libavutil.*.dylib")), key=len)[:1]:
        try:
            ctypes.CDLL(name).av_log_set_level(AV_LOG_ERROR)
        except (OSError, AttributeError) as e:
            logging.getLogger(__name__).debug("Qt's FFmpeg keeps its log level: %s", e)


def _handle(mode, context, message: str) -> None:
    level = _LEVELS.get(mode, logging.WARNING)
    category = context.category or "default"
    if message.startswith(('"' + FFMPEG_PREFIX, FFMPEG_PREFIX)):
        logger = logging.getLogger("ffmpeg")
        message = message.strip('"')[len(FFMPEG_PREFIX):]
        # FFmpeg's "info" is its stream dump, cut into fragments: detail, not news
        level = logging.DEBUG if level <= logging.INFO else level
    else:
        logger = logging.getLogger("qt" if category == "default" else category)
        if category in QUIET_CATEGORIES:
            level = logging.DEBUG
    if not logger.isEnabledFor(level) or not message.strip():
        return
    key = (category, message)
    _seen[key] += 1
    n = _seen[key]
    if n <= REPEATS_LOGGED:
        logger.log(level, "%s", message)
    elif n in (10, 100, 1000, 10000):
        logger.log(level, "%s (repeated %d times)", message, n)


def install() -> None:
    """Route Qt's messages into the log (safe to call again)."""
    qInstallMessageHandler(_handle)

