"""Library commands: sample, folders (add, remove, list), scan, watch, status, problems.

The app's words are the commands' names ("Library folders", "Problems"); the first names
(`add`, `roots`, `remove-root`, `errors`) stay as aliases so scripts keep working."""

from __future__ import annotations

import signal
import threading
import time

from core.cli.output import add_json_flag, print_json, progress_task
from core.query.status import library_status, list_problems, problem_dicts
from core.scan.roots import add_root, list_roots, remove_root
from core.scan.scanner import ScanReport, scan
from core.scan.watcher import FolderWatcher


def register(sub) -> None:
    p = sub.add_parser("sample", help="write a small sample library (photos, a video, "
                       "duplicates, a screenshot) into a new folder, to try Shoebox on")
    p.add_argument("folder", help="a new or empty folder")
    add_json_flag(p)
    p.set_defaults(func=cmd_sample)

    p = sub.add_parser("folders", help="the library folders: list them, add one, remove one")
    add_json_flag(p)
    p.set_defaults(func=cmd_folders)
    fs = p.add_subparsers(dest="folders_command", metavar="ACTION")
    q = fs.add_parser("list", help="list the library folders")
    add_json_flag(q)
    q.set_defaults(func=cmd_folders)
    _folder_command(fs, "add", "add a folder to the library (then run `shoebox scan`)",
                    cmd_add)
    _folder_command(fs, "remove", "forget a library folder (files on disk stay)",
                    cmd_remove_folder)

    # the first names, kept for scripts: `add`, `roots`, `remove-root`
    _folder_command(sub, "add", "add a library folder (same as `shoebox folders add`)", cmd_add)
    p = sub.add_parser("roots", help="list the library folders (same as `shoebox folders`)")
    add_json_flag(p)
    p.set_defaults(func=cmd_folders)
    _folder_command(sub, "remove-root", "forget a library folder (same as "
                    "`shoebox folders remove`)", cmd_remove_folder)

    p = sub.add_parser("scan", help="find new, changed, moved and deleted files in the library")
    add_json_flag(p)
    p.set_defaults(func=cmd_scan)

    p = sub.add_parser("watch", help="watch the library folders and keep the catalog current")
    p.add_argument("--debounce", type=float, default=1.0, metavar="SECONDS",
                   help="wait this long after the last change before rescanning (default 1)")
    p.add_argument("--no-index", action="store_true", help="only scan; do not run the pipeline")
    p.set_defaults(func=cmd_watch)

    p = sub.add_parser("status", help="counts of files, pending work and problems")
    add_json_flag(p)
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("problems", aliases=["errors"],   # `errors` was its first name
                       help="every file and folder Shoebox had a problem with")
    p.add_argument("--limit", type=int, default=None)
    add_json_flag(p)
    p.set_defaults(func=cmd_problems)


def _folder_command(sub, name: str, help_text: str, func) -> None:
    p = sub.add_parser(name, help=help_text)
    p.add_argument("folder")
    add_json_flag(p)
    p.set_defaults(func=func)


def cmd_sample(args, ctx) -> int:
    from core.sample import write_sample

    files = write_sample(args.folder)
    if args.json:
        print_json({"folder": str(args.folder), "files": [str(f) for f in files]})
    else:
        print(f"wrote {len(files)} files into {args.folder}; "
              f"next: `shoebox folders add {args.folder}` and `shoebox scan`")
    return 0


def cmd_add(args, ctx) -> int:
    root = add_root(ctx.catalog, args.folder, ctx.paths.home)
    if args.json:
        print_json({"id": root.id, "path": root.path})
    else:
        print(f"added {root.path}; run `shoebox scan` to index it")
    return 0


def cmd_folders(args, ctx) -> int:
    roots = list_roots(ctx.catalog)
    if args.json:
        print_json([r.__dict__ for r in roots])
    elif not roots:
        print("no library folders yet: add one with `shoebox folders add FOLDER`")
    for r in roots if not args.json else []:
        print(r.path + (f"  ({r.error})" if r.error else ""))
    return 0


def cmd_remove_folder(args, ctx) -> int:
    n = remove_root(ctx.catalog, args.folder)
    if args.json:
        print_json({"removed": args.folder, "file_records_dropped": n})
    else:
        print(f"removed {args.folder} from the library ({n} file records dropped; files untouched)")
    return 0


def run_scan(ctx, folders=None, quiet=False) -> ScanReport:
    with progress_task("scan", enabled=not quiet) as task:
        return scan(ctx.catalog, task, folders=folders, skip=[ctx.paths.home])


def describe(report: ScanReport) -> str:
    if report.nothing_changed:
        text = f"nothing changed ({report.unchanged} files checked)"
    else:
        text = (f"{report.new} new, {report.changed} changed, {report.moved} moved, "
                f"{report.missing} missing, {report.unchanged} unchanged")
    if report.problems:
        text += f"; {report.problems} problems (see `shoebox problems`)"
    for path in report.unavailable_roots:
        text += f"\nnot scanned: {path} is not available (is its drive connected?)"
    return text


def cmd_scan(args, ctx) -> int:
    if not list_roots(ctx.catalog):
        print("no library folders yet: add one with `shoebox folders add FOLDER`")
        return 1
    report = run_scan(ctx, quiet=args.json)
    if args.json:
        print_json({**report.__dict__, "nothing_changed": report.nothing_changed})
    else:
        print(describe(report))
    return 0


def cmd_watch(args, ctx) -> int:
    roots = [r.path for r in list_roots(ctx.catalog)]
    if not roots:
        print("no library folders yet: add one with `shoebox folders add FOLDER`")
        return 1
    index = None if args.no_index else _indexer(ctx)
    print(describe(run_scan(ctx)))
    if index:
        index()
    lock = threading.Lock()

    def on_changes(scopes) -> None:
        with lock:
            report = run_scan(ctx, folders=scopes, quiet=True)
            if not report.nothing_changed:
                print(time.strftime("%H:%M:%S ") + describe(report), flush=True)
                if index:
                    index()

    watcher = FolderWatcher(roots, on_changes, debounce_s=args.debounce, ignore=[ctx.paths.home])
    for folder in watcher.start():
        print(f"cannot watch {folder}; it will be scanned only by `shoebox scan`")
    print("watching " + ", ".join(roots) + " (Ctrl+C to stop)", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        watcher.stop()
    return 0


def _indexer(ctx):
    """Index what the scans found (the pipeline is imported only by commands that run it)."""
    from core.pipeline.run import PipelineBusy, index_library
    from core.tasks import TaskState

    def index() -> None:
        try:
            report = index_library(ctx.catalog, ctx.registry, ctx.settings, ctx.paths,
                                   TaskState("index"))
        except PipelineBusy as e:  # the GUI is indexing: it will get to the new files
            print(time.strftime("%H:%M:%S ") + str(e), flush=True)
            return
        if not report.nothing_to_do:
            print(time.strftime("%H:%M:%S ") + f"indexed: {report.done} results, "
                  f"{report.errors} failed", flush=True)

    return index


def cmd_status(args, ctx) -> int:
    status = library_status(ctx.catalog)
    if args.json:
        print_json(status)
        return 0
    f = status["files"]
    print(f"{f['total']} files: {f['photo']} photos, {f['video']} videos, "
          f"{f['other']} RAW kept with their JPEG"
          + (f"; {f['missing']} missing" if f["missing"] else ""))
    print(f"{status['with_exif_date']} with a camera date, {status['with_gps']} with a location")
    for stage, n in status["pending_jobs"].items():
        if n:
            print(f"pending {stage}: {n}")
    e = status["errors"]
    if e["total"]:
        print(f"{e['total']} problems (see `shoebox problems`)")
    for r in status["roots"]:
        print(f"  {r['path']}: {r['files']} files" + (f" — {r['error']}" if r["error"] else ""))
    return 0


def cmd_problems(args, ctx) -> int:
    entries = list_problems(ctx.catalog, args.limit)
    if args.json:
        print_json(problem_dicts(entries))
        return 0
    if not entries:
        print("no problems recorded")
    for e in entries:
        print(f"{e.path}\n    [{e.stage}] {e.reason}")
    return 0
