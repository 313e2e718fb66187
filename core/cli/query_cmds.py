"""Reading commands over core.query: show (everything known about one file)."""

from __future__ import annotations

import datetime as dt

from core.cli.context import file_arg
from core.cli.output import add_json_flag, print_json


def register(sub) -> None:
    p = sub.add_parser("show", help="everything Shoebox knows about one file: dates, camera, "
                       "place, caption, tags, transcript, collection, problems")
    p.add_argument("file", help="a file in the library (path or catalog id)")
    add_json_flag(p)
    p.set_defaults(func=cmd_show)


def _zone_words(zone: str | None) -> str:
    """How a Takeout date (UTC in its JSON) became a local time."""
    if zone is None:
        return ""
    if zone == "machine":
        return ", UTC turned into this machine's time zone: the photo has no position"
    return f", UTC turned into {zone} time, the zone of the photo's position"


def cmd_show(args, ctx) -> int:
    from core.files.dates import SOURCE_WORDS
    from core.query import clock, file_detail
    from core.query.files import resolve_file

    with ctx.catalog.read() as conn:
        file_id = resolve_file(conn, file_arg(args.file))[0]
    d = file_detail(ctx.catalog, file_id)
    if args.json:
        print_json(d.to_dict())
        return 0
    print(d.path)
    facts = [("kind", d.kind), ("status", d.status if d.status != "present" else None)]
    if d.taken_at:
        facts.append(("taken", dt.datetime.fromtimestamp(d.taken_at).strftime("%Y-%m-%d %H:%M")
                      + (f" ({d.taken_at_source}: {SOURCE_WORDS[d.taken_at_source]}"
                         f"{_zone_words(d.date_zone)})"
                         if d.taken_at_source in SOURCE_WORDS else "")))
    facts += [("camera", d.camera or None),
              ("place", f"{d.gps_lat:.5f}, {d.gps_lon:.5f}"
               if d.gps_lat is not None and d.gps_lon is not None else None),
              ("size", f"{d.width} x {d.height}" if d.width else None),
              ("length", f"{d.duration_s:.1f} s" if d.duration_s else None),
              ("collection", d.collection), ("caption", d.caption),
              ("described", d.description), ("albums", ", ".join(d.albums) or None),
              ("favourite", "yes" if d.favorite else None),
              ("tags", ", ".join(d.tags) or None), ("language", d.language),
              ("keywords", ", ".join(d.keywords) or None),
              ("rating", "rejected" if d.rating == -1 else
               ("*" * d.rating if d.rating else None))]
    for name, value in facts:
        if value:
            print(f"  {name:<11}{value}")
    for start, _end, line in d.segments:
        print(f"  {clock(start):>7}  {line.strip()}")
    for e in d.errors:
        print(f"  problem    {e}")
    return 0
