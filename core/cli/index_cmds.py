"""`shoebox index`: run the indexing pipeline over what the last scan found."""

from __future__ import annotations

from core.cli.output import add_json_flag, print_json, progress_task
from core.pipeline.jobs import STAGE_NAMES


def register(sub) -> None:
    p = sub.add_parser(
        "index", help="make thumbnails, vectors, captions, tags and transcripts for new files",
        description="Run every due pipeline stage: thumbnail, clip (photos), keyframes "
                    "(videos), caption, transcript (videos). Only new or changed files, and "
                    "stages whose model changed, are processed; stopping it (even by killing "
                    "it) loses nothing: run it again to continue.")
    p.add_argument("--stage", action="append", choices=STAGE_NAMES, metavar="STAGE",
                   help=f"run only this stage (repeatable): {', '.join(STAGE_NAMES)}")
    p.add_argument("--limit", type=int, default=None, metavar="N",
                   help="process at most N files per stage")
    p.add_argument("--retry-problems", "--retry-errors", dest="retry_errors",  # its first name
                   action="store_true",
                   help="try again the files that failed before (see `shoebox problems`)")
    add_json_flag(p)
    p.set_defaults(func=cmd_index)


def run_index(ctx, task, stages=None, limit=None, retry_errors=False):
    from core.pipeline.run import index_library

    return index_library(ctx.catalog, ctx.registry, ctx.settings, ctx.paths, task,
                         stages=stages, limit=limit, retry_errors=retry_errors)


def describe(report) -> str:
    lines = []
    for name, s in report.stages.items():
        if s.skipped:
            lines.append(f"{name}: skipped — {s.skipped}")
        elif s.done or s.errors or s.pending:
            text = f"{name}: {s.done} done"
            if s.errors:
                text += f", {s.errors} failed"
            if s.pending:
                text += f", {s.pending} left"
            lines.append(text)
    if not lines:
        lines.append("nothing to do: the index is up to date")
    if report.joined_collections:
        lines.append(f"{report.joined_collections} new files joined existing collections")
    if report.events is not None:
        lines.append(f"timeline: {report.events} events (see `shoebox events`)")
    sc = report.sidecars
    if sc.get("written"):
        lines.append(f"XMP sidecars: {sc['written']} written")
    for folder, why in sc.get("refused_folders", {}).items():
        lines.append(f"XMP sidecars cannot be written in {folder}: {why}")
    if report.errors:
        lines.append("see `shoebox problems` for what failed; `shoebox index --retry-problems` "
                     "tries those files again")
    if report.cancelled:
        lines.append("stopped early; run `shoebox index` again to continue")
    return "\n".join(lines)


def cmd_index(args, ctx) -> int:
    if args.limit is not None and args.limit < 0:
        print("shoebox: --limit must be 0 or more")
        return 2
    if ctx.settings.low_priority:
        from core.pipeline.workers import lower_process_priority

        lower_process_priority()
    with progress_task("index", enabled=not args.json) as task:
        report = run_index(ctx, task, args.stage, args.limit, args.retry_errors)
    if args.json:
        print_json(report.as_dict())
    else:
        print(describe(report))
    return 0
