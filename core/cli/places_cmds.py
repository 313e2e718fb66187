"""Places, events and memories: places, events, memories."""

from __future__ import annotations

from core.cli.output import add_json_flag, print_json


def register(sub) -> None:
    p = sub.add_parser("places", help="the towns and countries the library's photos were taken "
                       "in, with counts")
    p.add_argument("--limit", type=int, default=None, help="at most N places")
    add_json_flag(p)
    p.set_defaults(func=cmd_places)


def cmd_places(args, ctx) -> int:
    from core.places.store import library_places

    with ctx.catalog.read() as conn:
        places = library_places(conn, limit=args.limit)
    if args.json:
        print_json([p.to_dict() for p in places])
        return 0
    if not places:
        print("no places yet: photos need GPS positions, and `shoebox index` names them")
        return 0
    for p in places:
        inferred = f" ({p.inferred} inferred from their event)" if p.inferred else ""
        region = f" — {p.region}" if p.region and p.region != p.place else ""
        print(f"{p.count:6d}  {p.label()}{region}{inferred}")
    return 0
