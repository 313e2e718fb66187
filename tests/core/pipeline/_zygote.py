"""Test helper for the crash test: a process that imports the heavy libraries once, then forks
one indexing process per request, so each kill-and-restart round does not pay ~10 s of torch
and transformers imports. Nothing runs a model or opens the catalog before the fork.

Protocol on stdin/stdout: "run OUT" -> forks `shoebox index --json` (stdout to OUT, then the
exit status appended as a last line "rc=N"), answers the child's pid; "quit" -> exits.
"""

from __future__ import annotations

import os
import signal
import sys


def main() -> None:
    import faster_whisper  # noqa: F401
    import torch  # noqa: F401
    from transformers import BlipForConditionalGeneration, CLIPModel  # noqa: F401

    import core.cli.main
    import core.pipeline.run  # noqa: F401
    import models  # noqa: F401

    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    print("ready", flush=True)
    for line in sys.stdin:
        cmd, _, arg = line.strip().partition(" ")
        if cmd == "quit":
            return
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            fd = os.open(arg, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(fd, 1)
            rc = 1
            try:
                from core.cli.main import main as cli

                rc = cli(["index", "--json"])
            finally:
                sys.stdout.flush()
                os.write(1, f"\nrc={rc}\n".encode())
                os._exit(rc)
        print(pid, flush=True)


if __name__ == "__main__":
    main()
