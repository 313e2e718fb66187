"""Places, events and memories: places, events, memories."""

from __future__ import annotations

from core.cli.output import add_json_flag, print_json


def register(sub) -> None:
    p = sub.add_parser("places", help="the towns and countries the library's photos were taken "
                       "in, with counts")
    p.add_argument("--limit", type=int, default=None, help="at most N places")
    add_json_flag(p)
    p.set_defaults(func=cmd_places)

    p = sub.add_parser("events", help="the library cut into events (a day out, a weekend "
                       "away), newest first, with where they were")
    p.add_argument("--min-files", type=int, default=2, metavar="N",
                   help="only events of at least N photos and videos (default 2)")
    p.add_argument("--limit", type=int, default=50, help="at most N events (default 50)")
    add_json_flag(p)
    p.set_defaults(func=cmd_events)

    p = sub.add_parser("memories", help="on this day: photos and videos from this date in "
                       "earlier years, by year")
    p.add_argument("--date", metavar="YYYY-MM-DD", help="the day to remember (default: today)")
    p.add_argument("--dismiss", type=int, metavar="YEAR",
                   help="do not show that year's memories on this day again")
    p.add_argument("--restore", action="store_true",
                   help="show this day's dismissed years again")
    add_json_flag(p)
    p.set_defaults(func=cmd_memories)


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


def cmd_events(args, ctx) -> int:
    from core.places.events import day_span, list_events, update_events

    update_events(ctx.catalog)            # cheap when nothing changed since the last index
    with ctx.catalog.read() as conn:
        events = list_events(conn, min_files=max(1, args.min_files))[:max(0, args.limit)]
    if args.json:
        print_json([e.to_dict() for e in events])
        return 0
    if not events:
        print("no events yet: they are made from camera dates (scan the library first)")
        return 0
    for e in events:
        print(f"{day_span(e.start_at, e.end_at):<25} {e.file_count:5d}  {e.title or ''}")
    return 0


def _day(text: str | None):
    import datetime as dt

    from core.errors import ShoeboxError

    if not text:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ShoeboxError(f"{text!r} is not a date: use YYYY-MM-DD") from None


def cmd_memories(args, ctx) -> int:
    from core.search.memories import dismiss_memory, memories, restore_memories

    day = _day(args.date)
    if args.dismiss is not None:
        dismiss_memory(ctx.catalog, args.dismiss, day)
        if not args.json:
            print(f"the memories of {args.dismiss} will not be shown on {day:%d %B} again")
    if args.restore:
        n = restore_memories(ctx.catalog, day)
        if not args.json:
            print(f"{n} dismissed year(s) of {day:%d %B} shown again")
    found = memories(ctx.catalog, day)
    if args.json:
        print_json({"date": day.isoformat(), "memories": [m.to_dict() for m in found]})
        return 0
    if not found:
        print(f"no memories for {day:%d %B}: nothing was taken on this day in earlier years")
        return 0
    for m in found:
        dup = f", {m.hidden_duplicates} near-duplicates hidden" if m.hidden_duplicates else ""
        print(f"{m.year} — {m.title} ({len(m.files)} shown{dup})")
        for f in m.files:
            print(f"    {f.path}")
    return 0
