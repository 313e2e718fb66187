"""Model commands: status, use, download."""

from __future__ import annotations

from pathlib import Path

from core.cli.output import add_json_flag, print_json
from core.errors import ShoeboxError


def register(sub) -> None:
    p = sub.add_parser("models", help="which models Shoebox uses, and getting their weights")
    msub = p.add_subparsers(dest="models_command", metavar="ACTION")
    p.set_defaults(func=lambda args, ctx: cmd_status(args, ctx), json=False)

    s = msub.add_parser("status", help="each role's model, files, size, device and readiness")
    add_json_flag(s)
    s.set_defaults(func=cmd_status)

    u = msub.add_parser("use", help="point a role at a local model folder (offline) or a hub id")
    from models.role import role_names

    u.add_argument("role", choices=role_names())
    u.add_argument("model", metavar="PATH_OR_ID",
                   help="a model folder, a .gguf file (llm), a hub id like org/name, or 'default'")
    add_json_flag(u)
    u.set_defaults(func=cmd_use)

    d = msub.add_parser("download", help="fetch hub models into the Hugging Face cache (resumable)")
    d.add_argument("roles", nargs="*", metavar="ROLE",
                   help="roles to download (default: every role whose model is missing)")
    add_json_flag(d)
    d.set_defaults(func=cmd_download)


def cmd_status(args, ctx) -> int:
    st = ctx.registry.status()
    if getattr(args, "json", False):
        print_json(st)
        return 0
    for role, info in st.items():
        where = f"{info.get('device')}/{info.get('precision')}" if info.get("device") else "-"
        size = f"{info['size_mb']:.0f} MB" if info.get("size_mb") else "-"
        licence = f", {info['licence']}" if info.get("licence") else ""
        print(f"{role:8} {info['state']:11} {info.get('model') or '-'}  [{where}, {size}{licence}]")
        if info.get("path") and info.get("path") != info.get("model"):
            print(f"{'':8} files: {info['path']}")
        if info.get("reason"):
            print(f"{'':8} {info['reason']}")
    return 0


def cmd_use(args, ctx) -> int:
    from models.resolve import looks_like_hub_id

    value = args.model.strip()
    settings = ctx.settings
    if value.lower() in ("default", ""):
        settings.models.pop(args.role, None)
    else:
        p = Path(value).expanduser()
        if p.exists():
            value = str(p.resolve())
        elif not looks_like_hub_id(value):
            raise ShoeboxError(f"{value} is neither an existing folder nor a hub id like org/name; "
                               f"nothing was changed")
        settings.models[args.role] = value
    settings.save(ctx.paths)
    from models import Registry

    info = Registry(settings, ctx.paths).status()[args.role]
    if args.json:
        print_json({"role": args.role, **info})
    else:
        print(f"{args.role} now uses {info.get('model')}: {info['state']}"
              + (f" ({info['reason']})" if info.get("reason") else ""))
    return 0


def cmd_download(args, ctx) -> int:
    from core.model_downloads import download, plan, refusal

    planned = plan(ctx.registry, args.roles or None)
    todo = planned.todo
    if not todo and not planned.refused:
        if args.json:
            print_json({"downloaded": [], "message": "nothing to download"})
        else:
            print("nothing to download: every role has its model")
        return 0
    # progress bars come from huggingface_hub (tqdm) on stderr
    done = download(todo, say=None if args.json else print)
    if args.json:
        print_json({"downloaded": done, "refused": planned.refused})
    error = refusal(planned, done)   # after fetching the others: one broken role blocks none
    if error is not None:
        raise error
    return 0
