"""Search commands: search, more-like (the app's "More like this"), duplicates, ask."""

from __future__ import annotations

import argparse
import calendar
import datetime as dt

from core.cli.context import file_arg
from core.cli.output import add_json_flag, print_json, progress_task
from core.search import Filters, SearchError


def register(sub) -> None:
    p = sub.add_parser("search", help="find photos and videos by describing them (or browse "
                       "with filters only)")
    p.add_argument("query", nargs="?", default="",
                   help="words describing what you look for; empty: browse, newest first")
    p.add_argument("--from", dest="date_from", metavar="DATE",
                   help="taken on or after DATE (YYYY, YYYY-MM or YYYY-MM-DD)")
    p.add_argument("--to", dest="date_to", metavar="DATE",
                   help="taken on or before DATE (YYYY, YYYY-MM or YYYY-MM-DD, inclusive)")
    p.add_argument("--kind", choices=["photo", "video", "screenshot", "document"])
    p.add_argument("--folder", help="only files in this folder or below it")
    p.add_argument("--root", type=int, metavar="ID",
                   help="only files of the library folder with this id (`shoebox folders --json`)")
    gps = p.add_mutually_exclusive_group()
    gps.add_argument("--gps", dest="has_gps", action="store_true", default=None,
                     help="only files with a GPS position")
    gps.add_argument("--no-gps", dest="has_gps", action="store_false",
                     help="only files without a GPS position")
    p.add_argument("--camera", help="camera make or model contains this text")
    p.add_argument("--collection", "--cluster", dest="collection", type=int, metavar="ID",
                   help="only files of this collection (--cluster: its older name)")
    p.add_argument("--album", metavar="NAME", help="only files of this album (from a Takeout)")
    p.add_argument("--favorite", action="store_true", default=None,
                   help="only favourites (from a Takeout)")
    p.add_argument("--place", metavar="NAME",
                   help="only files taken in this town, region or country (accents optional; "
                        "see `shoebox places`)")
    p.add_argument("--person", action="append", metavar="NAME_OR_ID",
                   help="only files showing this person (repeatable: all of them)")
    p.add_argument("--limit", type=_positive, default=20, help="at most N results (default 20)")
    p.add_argument("--rerank", action="store_true",
                   help="let the language model reorder the top results by their captions")
    add_json_flag(p)
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("more-like", aliases=["similar"],   # `similar` was its first name
                       help='"More like this": photos and videos that look like FILE')
    p.add_argument("file", help="a file in the library (path or catalog id)")
    p.add_argument("--frame-ms", type=int, metavar="MS",
                   help="video: compare this moment instead of the whole video")
    p.add_argument("--limit", type=_positive, default=20)
    add_json_flag(p)
    p.set_defaults(func=cmd_more_like)

    p = sub.add_parser("duplicates", help="exact and near-duplicate copies, with the one to keep")
    p.add_argument("--exact-only", action="store_true",
                   help="only identical files (fast; needs no model)")
    add_json_flag(p)
    p.set_defaults(func=cmd_duplicates)

    p = sub.add_parser("ask", help="ask a question about one photo")
    p.add_argument("file", help="a file in the library (path or catalog id)")
    p.add_argument("question")
    add_json_flag(p)
    p.set_defaults(func=cmd_ask)


def _positive(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if n < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return n


def parse_date(text: str, end: bool = False) -> float:
    """YYYY, YYYY-MM or YYYY-MM-DD (local time) -> Unix seconds of its first (or, with end,
    its last) second."""
    parts = text.strip().split("-")
    try:
        nums = [int(x) for x in parts]
        if not 1 <= len(nums) <= 3:
            raise ValueError
        y = nums[0]
        m = nums[1] if len(nums) > 1 else (12 if end else 1)
        if len(nums) > 2:
            d = nums[2]
        else:
            d = calendar.monthrange(y, m)[1] if end else 1
        day = dt.datetime(y, m, d)
    except ValueError:
        raise SearchError(f"{text!r} is not a date: use YYYY, YYYY-MM or YYYY-MM-DD") from None
    if end:
        day += dt.timedelta(days=1) - dt.timedelta(microseconds=1)
    return day.timestamp()


def _print_hits(results) -> None:
    for note in results.notices:
        print(f"note: {note}")
    if not results:
        print("nothing found")
    for h in results:
        where = f" @ {h.frame_ms / 1000:.1f}s" if h.frame_ms is not None else ""
        print(f"{h.score:.3f}  {h.matched:<7} {h.path}{where}")
        if h.snippet:
            at = f" @ {h.time_s:.1f}s" if h.time_s is not None else ""
            print(f"        {h.field}{at}: {h.snippet}")


def cmd_search(args, ctx) -> int:
    from core.search import search

    filters = Filters(
        date_from=parse_date(args.date_from) if args.date_from else None,
        date_to=parse_date(args.date_to, end=True) if args.date_to else None,
        kind=args.kind, folder=args.folder, root_id=args.root, has_gps=args.has_gps,
        camera=args.camera, collection_id=args.collection, place=args.place,
        people=_people_arg(ctx, args.person), album=args.album, favorite=args.favorite,
    )
    registry = ctx.registry if args.query.strip() else None
    results = search(ctx.catalog, registry, ctx.settings, args.query, filters,
                     limit=args.limit, rerank=args.rerank)
    if args.json:
        print_json(results.to_dict())
    else:
        _print_hits(results)
    return 0


def _people_arg(ctx, values: list[str] | None) -> tuple[int, ...] | None:
    if not values:
        return None
    from core.query.people import find_person

    return tuple(find_person(ctx.catalog, v) for v in values)


def cmd_more_like(args, ctx) -> int:
    from core.search import similar

    results = similar(ctx.catalog, ctx.registry, file_arg(args.file),
                      frame_ms=args.frame_ms, limit=args.limit)
    if args.json:
        print_json(results.to_dict())
    else:
        _print_hits(results)
    return 0


def cmd_duplicates(args, ctx) -> int:
    from core.search import duplicates

    registry = None if args.exact_only else ctx.registry
    with progress_task("duplicates", enabled=not args.json) as task:
        groups = duplicates(ctx.catalog, registry, near=not args.exact_only, task=task)
    if args.json:
        print_json([g.to_dict() for g in groups])
        return 0
    if not groups:
        print("no duplicates found")
    for g in groups:
        sim = f", similarity {g.similarity:.3f}" if g.similarity is not None else ""
        media = ", videos" if g.media == "video" else ""
        print(f"{g.kind} duplicates ({len(g.files)} files{media}{sim}); keep: {g.reason}")
        for i, f in enumerate(g.files):
            print(f"  {'keep ' if i == 0 else '     '} {f.path}  ({f.width}x{f.height})")
    return 0


def cmd_ask(args, ctx) -> int:
    from core.search import ask

    answer = ask(ctx.catalog, ctx.registry, file_arg(args.file), args.question)
    if args.json:
        print_json(answer.to_dict())
        return 0
    for note in answer.notices:
        print(f"note: {note}")
    print(answer.answer)
    if answer.based_on:
        print(f"(based on: {', '.join(answer.based_on)}"
              f"{'' if answer.confident else '; not certain'})")
    return 0
