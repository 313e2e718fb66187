"""How CLI commands print: JSON for scripts, plain lines for people, a progress bar for long work."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from typing import Any

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)
from rich.progress import (
    Progress as RichProgress,
)

from core.tasks import Progress, TaskState


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write("\n")


def add_json_flag(parser) -> None:
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")


@contextlib.contextmanager
def progress_task(name: str, enabled: bool = True) -> Iterator[TaskState]:
    """A TaskState drawn as a progress bar with rate and ETA on stderr (when it is a terminal
    and `enabled`); silent otherwise, so --json output stays clean."""
    if not enabled or not sys.stderr.isatty():
        yield TaskState(name)
        return
    columns = (
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
        TaskProgressColumn(), TextColumn("{task.fields[rate]}"), TimeRemainingColumn(),
    )
    with RichProgress(*columns, transient=True) as bar:
        tid = bar.add_task(name, total=None, rate="")

        def update(p: Progress) -> None:
            rate = f"{p.rate:.1f}/s" if p.rate else ""
            desc = f"{name}: {p.status}" if p.status else name
            bar.update(tid, completed=p.done, total=p.total, rate=rate, description=desc[:60])

        yield TaskState(name, on_progress=update)
