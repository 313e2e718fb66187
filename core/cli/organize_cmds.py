"""Organize commands: collections, plan, apply, undo, plans, keep."""

from __future__ import annotations

import dataclasses
import os
from collections import Counter

from core.cli.output import add_json_flag, print_json, progress_task


def register(sub) -> None:
    # `cluster` was its first name; scripts that use it keep working
    p = sub.add_parser("collections", aliases=["cluster"],
                       help="group the library into collections and name them "
                       "(a full recluster; names you gave are kept)")
    p.add_argument("--min-size", type=int, default=None, metavar="N",
                   help="smallest collection (default 5)")
    p.add_argument("--no-name", action="store_true", help="only group; do not name")
    p.add_argument("--rename", action="store_true",
                   help="name every collection again (your own names are still kept)")
    p.add_argument("--no-llm", action="store_true", help="name from tags and dates only")
    p.add_argument("--new-only", action="store_true",
                   help="no recluster: files not in a collection join the nearest one when they "
                        "clearly belong")
    add_json_flag(p)
    p.set_defaults(func=cmd_collections)

    p = sub.add_parser("plan", help="propose where each collected file should go (moves nothing)")
    p.add_argument("--root", default=None, help="only this library folder")
    p.add_argument("--target", default=None, metavar="DIR",
                   help="build the new tree under DIR instead of inside each library folder")
    p.add_argument("--mode", choices=("move", "copy", "link"), default=None)
    p.add_argument("--layout", choices=("topic", "event", "date"), default=None,
                   help="topic: the collections' own folders (default); event: "
                        "Year/YYYY-MM Event, Place; date: each file by its capture date")
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
    raise LibraryError(f"{folder} is not a library folder (see `shoebox roots`)")


def cmd_plan(args, ctx) -> int:
    from core.organize import STAYS, make_plan, plan_tree, review_units
    from core.query import collection_names
    from core.scan.roots import list_roots

    _recover(ctx)
    pid = make_plan(ctx.catalog, ctx.settings, root_id=_root_id(ctx, args.root),
                    target=args.target, mode=args.mode, layout=args.layout,
                    template=args.template)
    review = review_units(ctx.catalog, pid)   # the units the app's review lists
    items = review["items"]
    roots = [r.path for r in list_roots(ctx.catalog)] + ([args.target] if args.target else [])
    tree = plan_tree(items, roots)
    summary = review["plan"]["summary"]
    notes = summary.get("notes") or {}
    units = [u for u in review["units"] if u.key != STAYS]
    stays = Counter(f.reason for u in review["units"] if u.key == STAYS for f in u.files)
    if args.json:
        print_json({"plan_id": pid, "layout": summary.get("layout"), "tree": tree,
                    "units": [{"folder": u.key, "files": len(u.files), "photos": u.photos,
                               "videos": u.videos, "first": u.first, "last": u.last,
                               "place": u.place} for u in units],
                    "stays": dict(stays), "notes": notes,
                    "moves": [i.__dict__ for i in items]})
        return 0
    heads = [i for i in items if i.group_item_id is None]
    flagged = sum(1 for i in heads if i.flagged)
    if not heads:
        print(f"plan {pid} ({summary.get('layout')} layout): nothing to move — every file is "
              "where this layout puts it, or nothing is known that would place it")
    else:
        print(f"plan {pid} ({summary.get('layout')} layout): {len(heads)} moves ({len(items)} "
              f"files with companions and sidecars), {flagged} flagged for review and skipped "
              "unless accepted")
        print("proposed folders (full path, files going there), as the review lists them:")
        for u in units:
            facts = [x for x in (u.count_text(), u.span(), u.place) if x]
            print(f"  {u.key}{os.sep}  ({' · '.join(facts)})")
    if stays:
        print(f"left where they are: {sum(stays.values())} files (" + ", ".join(
            f"{why}: {n}" for why, n in stays.most_common()) + ")")
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
    from core.organize import undo_plan

    _recover(ctx)
    with progress_task("undo", enabled=not args.json) as task:
        rep = undo_plan(ctx.catalog, args.plan_id, task, item_ids=args.item)
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
