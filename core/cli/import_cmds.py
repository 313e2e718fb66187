"""Import commands: bring a library in from elsewhere (`shoebox import takeout`), and the
albums it brings (`shoebox albums`)."""

from __future__ import annotations

from core.cli.output import add_json_flag, print_json, progress_task


def register(sub) -> None:
    p = sub.add_parser("import", help="import photos from elsewhere (Google Takeout)")
    isub = p.add_subparsers(dest="source", metavar="SOURCE", required=True)
    t = isub.add_parser(
        "takeout", help="import a Google Photos Takeout (zips or extracted folders)",
        description="Copy every photo and video of a Google Takeout once into FOLDER (by "
                    "year), with the dates, places, descriptions, favourites and albums its "
                    "JSON files hold; add FOLDER to the library and scan it. Run it again to "
                    "finish an import that was interrupted.")
    t.add_argument("paths", nargs="+", metavar="PATH", help="Takeout zips or folders")
    t.add_argument("--into", required=True, metavar="FOLDER", help="where the files go")
    t.add_argument("--write-metadata", action="store_true",
                   help="also write the JSON's date and GPS position into each copied photo's "
                        "own EXIF where it has none (JPEG, PNG, TIFF, WebP); by default the "
                        "copies keep the bytes Google exported")
    add_json_flag(t)
    t.set_defaults(func=cmd_takeout)

    p = sub.add_parser("albums", help="the albums (from Google Takeout) and their sizes; "
                                      "`shoebox search --album NAME` lists one")
    add_json_flag(p)
    p.set_defaults(func=cmd_albums)


def cmd_takeout(args, ctx) -> int:
    from core.importers.takeout import import_takeout

    with progress_task("import", enabled=not args.json) as task:
        summary = import_takeout(ctx.catalog, args.paths, args.into, task,
                                 data_home=ctx.paths.home, write_metadata=args.write_metadata)
    if args.json:
        print_json(summary.to_dict())
    else:
        print(summary.text())
    return 0


def cmd_albums(args, ctx) -> int:
    from core.query.albums import list_albums

    albums = list_albums(ctx.catalog)
    if args.json:
        print_json([a.to_dict() for a in albums])
    elif not albums:
        print("no albums yet: `shoebox import takeout` brings those of Google Photos")
    for a in albums if not args.json else []:
        print(f"{a.files:>6}  {a.name}")
    return 0
