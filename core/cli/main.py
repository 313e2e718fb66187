"""Entry point of the `shoebox` command. Each module in COMMANDS adds its subcommands.

A command module defines `register(subparsers)` and, for each subcommand, sets
`func=handler` with `handler(args, ctx) -> int`. Data commands take `--json`.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from core import __version__
from core.cli.context import Context
from core.errors import ShoeboxError
from core.logs import setup_logging

COMMANDS = [
    "core.cli.library_cmds",  # add, roots, remove-root, scan, watch, status, errors
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="shoebox",
        description="Shoebox: organize a photo and video library offline.",
    )
    parser.add_argument("--version", action="version", version=f"shoebox {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug detail to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
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
    try:
        return int(args.func(args, ctx) or 0)
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
