import io
import logging
import sys

from core.logs import _Stderr


def test_console_log_writes_to_stderr_as_it_is_now(monkeypatch):
    # pytest (like a GUI host) swaps sys.stderr and closes the old one; a handler that kept
    # the stream it was made with then fails every message with "I/O operation on closed file"
    logger = logging.getLogger("shoebox.test.console")
    logger.propagate = False
    handler = _Stderr()
    logger.addHandler(handler)
    try:
        first, second = io.StringIO(), io.StringIO()
        monkeypatch.setattr(sys, "stderr", first)
        logger.warning("one")
        first.close()
        monkeypatch.setattr(sys, "stderr", second)
        logger.warning("two")
        assert second.getvalue() == "two\n"
    finally:
        logger.removeHandler(handler)
