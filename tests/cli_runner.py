"""Running `shoebox` in-process from a test, as a user would type it."""

from __future__ import annotations

from core.cli.main import main


def run(capsys, *argv) -> tuple[int, str, str]:
    """`shoebox ARGV...`: (exit code, stdout, stderr)."""
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def run_ok(capsys, *argv) -> str:
    """`shoebox ARGV...` that must succeed: its stdout (its stderr says why when it fails)."""
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    return out
