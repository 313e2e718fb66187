"""Entry point of the packaged app: with no arguments it opens the window; with arguments it is
the `shoebox` command line (`shoebox --version`, `shoebox scan`, ...), so one binary does both."""

import sys


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] not in ("--gui", "-psn_0"):  # -psn_*: macOS Finder launch
        from core.cli.main import main as cli_main

        return cli_main(sys.argv[1:])
    from desktop.app import main as gui_main

    return gui_main() or 0


if __name__ == "__main__":
    sys.exit(main())
