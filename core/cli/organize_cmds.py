"""Organize commands: collections, plan, apply, undo, plans, keep."""

from __future__ import annotations

import dataclasses
import os

from core.cli.output import add_json_flag, print_json, progress_task


def register(sub) -> None:
    # `cluster` was its first name; scripts that use it keep working
    p = sub.add_parser("collections", aliases=["cluster"],
                       help="group the library into collections and name them "
                       "(the whole library grouped again; names you gave are kept)")
    p.add_argument("--min-size", type=int, default=None, metavar="N",
                   help="smallest collection (default 5)")
    p.add_argument("--no-name", action="store_true", help="only group; do not name")
    p.add_argument("--rename", action="store_true",
                   help="name every collection again (your own names are still kept)")
    p.add_argument("--no-llm", action="store_true", help="name from tags and dates only")
    p.add_argument("--new-only", action="store_true",
                   help="no regrouping: files not in a collection join the nearest one when they "
                        "clearly belong")
    add_json_flag(p)
    p.set_defaults(func=cmd_collections)

    p = sub.add_parser("plan", help="propose where each file should go: by events, kinds, "
                       "topics and months, by topic, or by date (moves nothing)")
    p.add_argument("--folder", "--root", dest="folder", default=None,   # --root: its first name
                   help="only this library folder")
    p.add_argument("--target", default=None, metavar="DIR",
                   help="build the new tree under DIR instead of inside each library folder")
    p.add_argument("--mode", choices=("move", "copy", "link"), default=None)
    p.add_argument("--layout", choices=("auto", "event", "topic", "date"), default=None,
                   help="event: albums from Google Photos and events (Year/YYYY-MM Kyoto, "
                        "Japan), Screenshots/Year, "
                        "Documents/Year, everyday photos by month; topic: the collections' own "
                        "folders; date: each file by its capture date; auto: by the library's "
                        "shape. A layout you give is remembered; auto forgets it "
                        "(default: the remembered one, else auto)")
    p.add_argument("--no-llm", action="store_true",
                   help="title events from their places and days only")
    p.add_argument("--template", default=None, metavar="TEMPLATE",
                   help="folders of the date layout (default {year}/{month}); fields: {year} "
                        "{month} {day} {month_name} {name} {place}")
    p.add_argument("--limit", type=int, default=50, help="moves to list (default 50; --json: all)")
    add_json_flag(p)
    p.set_defaults(func=cmd_plan)

    p = sub.add_parser("apply", help="carry out a plan (journalled; `shoebox undo` reverses it)")
    p.add_argument("plan_id", type=int, metavar="PLAN_ID")
    p.add_argument("--mode", choices=("move", "copy", "link"), default=None,
                   help="move (default), copy, or link (hard links, else symlinks)")
    p.add_argument("--dry-run", action="store_true", help="say what would happen; touch nothing")
    add_json_flag(p)
    p.set_defaults(func=cmd_apply)

    p = sub.add_parser("undo", help="put the files of an applied plan back where they were")
    p.add_argument("plan_id", type=int, metavar="PLAN_ID")
    p.add_argument("--item", type=int, action="append", default=None, metavar="ITEM_ID",
                   help="undo only this move (repeatable)")
    add_json_flag(p)
    p.set_defaults(func=cmd_undo)

    p = sub.add_parser("plans", help="list reorganization plans and their state")
    add_json_flag(p)
    p.set_defaults(func=cmd_plans)

    p = sub.add_parser("keep", help="mark a folder 'keep as is': plans never move files out of it")
    p.add_argument("folder")
    add_json_flag(p)
    p.set_defaults(func=cmd_keep)


def _recover(ctx) -> None:
    from core.organize import recover

    rep = recover(ctx.catalog)
    if rep.finished or rep.rolled_back or rep.failed:
        print(f"recovered an interrupted apply: {rep.finished} finished, {rep.rolled_back} "
              f"rolled back, {len(rep.failed)} need attention", flush=True)


def cmd_collections(args, ctx) -> int:
    from core.collections import MIN_CLUSTER_SIZE, recluster
    from core.organize import name_collections
    from core.query import list_collections

    _recover(ctx)
    registry = ctx.registry
    if args.new_only:
        from core.collections import assign_new

        n = assign_new(ctx.catalog, registry)
        if args.json:
            print_json({"joined": n})
        else:
            print(f"{n} files joined a collection")
        return 0
    with progress_task("collections", enabled=not args.json) as task:
        rep = recluster(ctx.catalog, registry, ctx.settings, task,
                        min_cluster_size=args.min_size or MIN_CLUSTER_SIZE)
    naming = None
    if not args.no_name:
        with progress_task("name", enabled=not args.json) as task:
            naming = name_collections(ctx.catalog, registry, ctx.settings, task,
                                      rename=args.rename, use_llm=not args.no_llm)
    cols = list_collections(ctx.catalog)
    if args.json:
        print_json({"files": rep.files, "collections": rep.collections, "noise": rep.noise,
                    "kept_user_collections": rep.kept_user_collections,
                    "seconds": round(rep.seconds, 3),
                    "naming": naming.__dict__ if naming else None,
                    "items": [dataclasses.asdict(c) for c in cols]})
        return 0
    print(f"{rep.files} files: {rep.collections} collections, {rep.noise} not in any "
          f"({rep.seconds:.1f} s)")
    if naming and naming.llm_unavailable:
        print(f"named from tags and dates (no LLM: {naming.llm_unavailable})")
    for c in cols:
        print(f"  [{c.id}] {c.label} — {c.size} files → "
              f"{c.folder_path or '?'}" + ("  (keep as is)" if c.keep_as_is else ""))
    return 0


def _root_id(ctx, folder: str | None) -> int | None:
    if folder is None:
        return None
    from core.errors import LibraryError
    from core.scan.roots import list_roots

    path = os.path.realpath(folder)
    for r in list_roots(ctx.catalog):
        if r.path == path:
            return r.id
    raise LibraryError(f"{folder} is not a library folder (see `shoebox folders`)")


def cmd_plan(args, ctx) -> int:
    from core.organize import get_plan, make_plan, plan_items, plan_tree
    from core.query import collection_names
    from core.scan.roots import list_roots

    _recover(ctx)
    layout = _remember_layout(ctx, args.layout)
    pid = make_plan(ctx.catalog, ctx.settings, root_id=_root_id(ctx, args.folder),
                    target=args.target, mode=args.mode, layout=layout,
                    template=args.template, registry=None if args.no_llm else ctx.registry,
                    use_llm=not args.no_llm)
    items = plan_items(ctx.catalog, pid)
    roots = [r.path for r in list_roots(ctx.catalog)] + ([args.target] if args.target else [])
    tree = plan_tree(items, roots)
    summary = get_plan(ctx.catalog, pid)["summary"]
    notes = summary.get("notes") or {}
    if args.json:
        print_json({"plan_id": pid, "layout": summary.get("layout"),
                    "layout_reason": summary.get("layout_reason"), "tree": tree,
                    "units": summary.get("units", []), "stays": summary.get("stays", []),
                    "notes": notes, "moves": [i.__dict__ for i in items]})
        return 0
    heads = [i for i in items if i.group_item_id is None]
    flagged = sum(1 for i in heads if i.flagged)
    print(f"plan {pid}: {summary.get('layout')} layout ({summary.get('layout_reason')})")
    if not heads:
        print("nothing to move — every file is where this layout puts it, or nothing is known "
              "that would place it")
    else:
        print(f"{len(heads)} moves ({len(items)} files with companions and sidecars), "
              f"{flagged} flagged for review and skipped unless accepted")
    if summary.get("units"):
        _print_units(summary["units"])
    elif heads:
        print("proposed folders (full path, files going there):")
        for folder, n in plan_tree(items).items():
            print(f"  {folder}{os.sep}  ({n})")
    for hint in summary.get("hints", []):
        print(f"hint: {hint}")
    for s in summary.get("stays", []):
        print(f"stays where it is ({s['files']}): {s['reason']}"
              + (f" — e.g. {s['examples'][0]}" if s.get("examples") else ""))
    if notes:
        names = collection_names(ctx.catalog)
        print("what the checks changed, and why:")
        for cid, lines in notes.items():
            for line in lines:
                print(f"  [{cid}] {names.get(int(cid)) or '?'}: {line}")
    print("moves:" if heads else "", end="\n" if heads else "")
    for it in heads[: args.limit]:
        mark = "?" if it.flagged else ("-" if it.decision == "skip" else "→")
        print(f"  {it.src}\n    {mark} {it.dst}   ({it.reason})")
    if len(heads) > args.limit:
        print(f"  … {len(heads) - args.limit} more (use --json for all)")
    print(f"apply with `shoebox apply {pid}` (try --dry-run first); undo with `shoebox undo {pid}`")
    return 0


def _remember_layout(ctx, layout: str | None) -> str | None:
    """A layout given on the command line is the user's choice from now on; 'auto' hands the
    choice back to the library's shape. Returns the layout to plan with (None: decide)."""
    if layout is None:
        return None
    s = ctx.settings
    chosen = layout != "auto"
    if (s.organize_layout_chosen, s.organize_layout) != (chosen, layout if chosen else
                                                          s.organize_layout):
        s.organize_layout_chosen = chosen
        if chosen:
            s.organize_layout = layout
        s.save(ctx.paths)
    return layout if chosen else None


def _print_units(units: list[dict]) -> None:
    """The units: folder, files, date span, place, and what they are."""
    from core.places.events import day_span

    print("units (folder, files, dates, place; what they are):")
    width = min(48, max(len(u["folder"] or "") for u in units) + 1)
    for u in units:
        folder = (u["folder"] + "/") if u["folder"] else "(stays where it is)"
        span = day_span(u["date_from"], u["date_to"]) if u["date_from"] is not None else \
            "no date"
        moves = f", {u['moves']} to move" if u.get("moves") != u["files"] else ""
        place = f"  {u['place']}" if u.get("place") else ""
        files = f"{u['files']} file" + ("s" if u["files"] != 1 else "")
        print(f"  {folder:<{width}} {files:>11}{moves}  {span}{place}  "
              f"[{u['kind']}: {u['reason']}]")


def _print_report(rep, verb: str) -> None:
    print(f"{rep.done} files {verb}")
    for x in rep.left_alone:
        print(f"  left alone: {x['path']} — {x['reason']}")
    for x in rep.failed:
        print(f"  failed: {x['path']} — {x['reason']}")
    for d in rep.removed_folders:
        print(f"  removed emptied folder {d}")


def cmd_apply(args, ctx) -> int:
    from core.organize import apply_plan

    _recover(ctx)
    with progress_task("apply", enabled=not args.json) as task:
        rep = apply_plan(ctx.catalog, args.plan_id, args.mode, task, dry_run=args.dry_run)
    if args.json:
        print_json(rep.as_dict())
        return 0 if not rep.failed else 1
    if args.dry_run:
        for op in rep.operations:
            print(f"{op['op']}: {op['src']}\n   → {op['dst']}")
        print(f"dry run: {len(rep.operations)} operations; nothing was touched")
        return 0
    _print_report(rep, "done")
    return 0 if not rep.failed else 1


def cmd_undo(args, ctx) -> int:
    from core.cull.culling import undo_any_plan

    _recover(ctx)
    with progress_task("undo", enabled=not args.json) as task:
        rep = undo_any_plan(ctx.catalog, args.plan_id, task, item_ids=args.item)
    if args.json:
        print_json(rep.as_dict())
    else:
        _print_report(rep, "put back")
    return 0 if not rep.failed else 1


def cmd_plans(args, ctx) -> int:
    from core.organize import list_plans

    _recover(ctx)
    plans = list_plans(ctx.catalog)
    if args.json:
        print_json(plans)
        return 0
    if not plans:
        print("no plans yet: make one with `shoebox plan`")
    for p in plans:
        s = p["summary"]
        print(f"[{p['id']}] {p['state']:8} {p['mode']:5} {s.get('moves', 0)} moves, "
              f"{s.get('flagged', 0)} flagged, {s.get('collections', 0)} collections")
    return 0


def cmd_keep(args, ctx) -> int:
    from core.organize import add_keep_folder

    path = add_keep_folder(ctx.catalog, args.folder)
    if args.json:
        print_json({"keep": path})
    else:
        print(f"plans will leave {path} as it is")
    return 0
