"""Entry point of the `shoebox` command. Each `core/cli/*_cmds.py` module adds its subcommands.

A command module (any `core/cli/*_cmds.py`) defines `register(subparsers)` and, for each subcommand, sets
`func=handler` with `handler(args, ctx) -> int`. Data commands take `--json`.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import pkgutil
import sys

from core import __version__
from core.cli.context import Context
from core.config import make_private
from core.errors import ShoeboxError
from core.logs import setup_logging


def command_modules() -> list[str]:
    """Every `core/cli/*_cmds.py` module, library commands first (they come first in --help)."""
    import core.cli

    # pkgutil, not a glob: it also lists modules inside a PyInstaller bundle
    names = sorted(m.name for m in pkgutil.iter_modules(core.cli.__path__) if m.name.endswith("_cmds"))
    names.sort(key=lambda n: n != "library_cmds")
    return [f"core.cli.{n}" for n in names]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="shoebox",
        description="Shoebox: organize a photo and video library offline.",
    )
    parser.add_argument("--version", action="version", version=f"shoebox {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug detail to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in command_modules():
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    setup_logging(verbose=args.verbose, console=True)
    ctx = Context()
    make_private(ctx.paths)
    try:
        code = int(args.func(args, ctx) or 0)
        sys.stdout.flush()  # a closed pipe shows here, not as a traceback at exit
        return code
    except BrokenPipeError:
        # the reader stopped early (`shoebox status | head -1`): not an error of ours. stdout
        # goes to /dev/null so Python's own flush at exit does not complain again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # what a program killed by SIGPIPE returns
    except ShoeboxError as e:
        print(f"shoebox: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("shoebox: interrupted", file=sys.stderr)
        return 130
    finally:
        ctx.close()
        logging.shutdown()


if __name__ == "__main__":
    sys.exit(main())
