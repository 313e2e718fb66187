"""XMP sidecars: metadata write, metadata on/off (issue 28)."""

from __future__ import annotations

from core.cli.output import add_json_flag, print_json


def register(sub) -> None:
    p = sub.add_parser("metadata", help="XMP sidecars that digiKam, Lightroom and darktable "
                       "read: the people you named, places, events, dates")
    ms = p.add_subparsers(dest="metadata_command", metavar="ACTION", required=True)
    q = ms.add_parser("write", help="write IMG_1.jpg.xmp beside each photo that has something "
                      "to say (originals are never changed; other programs' fields are kept)")
    q.add_argument("--machine-words", action="store_true", default=None,
                   help="also captions and machine tags (default: the setting, off)")
    add_json_flag(q)
    q.set_defaults(func=cmd_write)
    q = ms.add_parser("on", help='"Keep XMP sidecars up to date": every `shoebox index` writes')
    q.set_defaults(func=cmd_switch, on=True)
    q = ms.add_parser("off", help="stop writing sidecars (those written stay)")
    q.set_defaults(func=cmd_switch, on=False)


def cmd_write(args, ctx) -> int:
    from core.xmp.write import write_sidecars

    words = ctx.settings.xmp_machine_words if args.machine_words is None else args.machine_words
    report = write_sidecars(ctx.catalog, words)
    if args.json:
        print_json(report.as_dict())
        return 0
    print(f"{report.written} sidecars written, {report.unchanged} already up to date")
    for folder, why in report.refused.items():
        print(f"  cannot write in {folder}: {why}")
    for path, why in report.failed.items():
        print(f"  left as it was: {path}: {why}")
    return 0


def cmd_switch(args, ctx) -> int:
    ctx.settings.xmp_sidecars = bool(args.on)
    ctx.settings.save(ctx.paths)
    print("every `shoebox index` now keeps XMP sidecars up to date" if args.on else
          "sidecars are no longer written (the ones written stay)")
    return 0
