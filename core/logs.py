"""Logging set-up: a rotating log file in the data folder, and stderr when asked."""

from __future__ import annotations

import logging
import logging.handlers
import sys

from core.config import Paths
from models.datafiles import make_dir, tighten

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def setup_logging(verbose: bool = False, console: bool = False, paths: Paths | None = None) -> None:
    root = logging.getLogger()
    if getattr(root, "_shoebox_configured", False):
        return
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    paths = paths or Paths.default()
    try:
        fh = _PrivateRotatingFile(
            make_dir(paths.logs) / "shoebox.log", maxBytes=2_000_000, backupCount=3,
            encoding="utf-8")
        fh.setFormatter(logging.Formatter(_FORMAT))
        root.addHandler(fh)
    except OSError as e:  # a read-only or full disk must not stop the app
        logging.getLogger(__name__).warning("cannot write the log file: %s", e)
    if console:
        sh = _Stderr()
        sh.setLevel(logging.DEBUG if verbose else logging.WARNING)
        sh.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
        root.addHandler(sh)
    _keep_pyav_quiet()
    root._shoebox_configured = True  # type: ignore[attr-defined]


class _PrivateRotatingFile(logging.handlers.RotatingFileHandler):
    """The log names the user's files and what was read in them: each log file is made
    owner-only when the handler opens it (at start and after every rollover)."""

    def _open(self):
        stream = super()._open()
        tighten(self.baseFilename)
        return stream


class _Stderr(logging.StreamHandler):
    """stderr as it is when a message is written, not when logging was set up: a test runner
    swaps sys.stderr and closes the old one (messages then failed with 'I/O operation on
    closed file'). The stdlib's last-resort handler works the same way (a private class)."""

    def __init__(self) -> None:
        logging.Handler.__init__(self)  # StreamHandler's would store a stream

    @property
    def stream(self):
        return sys.stderr


def _keep_pyav_quiet() -> None:
    """PyAV's FFmpeg messages stay off (PyAV's default): with a log level set, PyAV calls into
    Python from FFmpeg's own threads, and closing a frame-threaded H.264 decoder then deadlocks
    (the closing thread holds the GIL while it waits for a decoder thread that waits for the
    GIL; seen in the test suite, caught with gdb). Decode errors still arrive as exceptions."""
    try:
        import av.logging
    except ImportError:
        return
    av.logging.set_level(None)
