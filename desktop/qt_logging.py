"""Qt's and FFmpeg's messages go into Shoebox's log, at the right level, never onto stderr.

Qt Multimedia plays videos with its own FFmpeg. By default FFmpeg prints each file's stream
details (and Qt its demuxer's warnings) on stderr; QT_FFMPEG_DEBUG routes FFmpeg's lines
through Qt's logging ("FFmpeg log: ..."), and the message handler installed here sends every
Qt message to the `qt.<category>` logger (FFmpeg's to `ffmpeg`). A message repeated many times
(a demuxer complaining about each packet of a badly muxed file) is logged a few times, then
counted."""

from __future__ import annotations

import logging
import os
from collections import Counter

from PySide6.QtCore import QtMsgType, qInstallMessageHandler

FFMPEG_PREFIX = "FFmpeg log: "
REPEATS_LOGGED = 3
# Qt's informational chatter about optional libraries it did not find (pipewire, VA-API)
QUIET_CATEGORIES = ("qt.multimedia.symbolsresolver",)

_LEVELS = {QtMsgType.QtDebugMsg: logging.DEBUG, QtMsgType.QtInfoMsg: logging.INFO,
           QtMsgType.QtWarningMsg: logging.WARNING, QtMsgType.QtCriticalMsg: logging.ERROR,
           QtMsgType.QtFatalMsg: logging.CRITICAL}
_seen: Counter = Counter()


def prepare_environment() -> None:
    """Before QtMultimedia loads: FFmpeg's messages through Qt's logging, not stderr."""
    os.environ.setdefault("QT_FFMPEG_DEBUG", "1")


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
    prepare_environment()
    qInstallMessageHandler(_handle)

