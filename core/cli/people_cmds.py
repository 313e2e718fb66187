"""People commands: people (list, name, merge, split, remove, hide, regroup, forget) and faces."""

from __future__ import annotations

from core.cli.context import file_arg
from core.cli.output import add_json_flag, print_json


def register(sub) -> None:
    p = sub.add_parser("people", help="the people found in your photos: list, name, merge, "
                       "split, hide (faces are found by `shoebox index`)")
    add_json_flag(p)
    p.add_argument("--hidden", action="store_true", help="list hidden people too")
    p.set_defaults(func=cmd_list)
    ps = p.add_subparsers(dest="people_command", metavar="ACTION")

    q = ps.add_parser("name", help="name a person (an empty name takes it away)")
    q.add_argument("id", type=int)
    q.add_argument("name")
    add_json_flag(q)
    q.set_defaults(func=cmd_name)

    q = ps.add_parser("name-face", help="this face is NAME (joins the person called that, "
                      "or starts one)")
    q.add_argument("face", type=int, metavar="FACE_ID")
    q.add_argument("name")
    add_json_flag(q)
    q.set_defaults(func=cmd_name_face)

    q = ps.add_parser("merge", help="these are one person (the first id stays)")
    q.add_argument("ids", type=int, nargs="+", metavar="ID")
    add_json_flag(q)
    q.set_defaults(func=cmd_merge)

    q = ps.add_parser("split", help="these faces are someone else: a new person of their own")
    q.add_argument("faces", type=int, nargs="+", metavar="FACE_ID")
    add_json_flag(q)
    q.set_defaults(func=cmd_split)

    q = ps.add_parser("remove", help='"not this person": the face leaves its person for good')
    q.add_argument("faces", type=int, nargs="+", metavar="FACE_ID")
    add_json_flag(q)
    q.set_defaults(func=cmd_remove)

    q = ps.add_parser("hide", help="hide a person from the list and from searches")
    q.add_argument("id", type=int)
    q.add_argument("--show", action="store_true", help="show a hidden person again")
    add_json_flag(q)
    q.set_defaults(func=cmd_hide)

    q = ps.add_parser("show", help="one person's faces and files")
    q.add_argument("id", type=int)
    add_json_flag(q)
    q.set_defaults(func=cmd_show)

    q = ps.add_parser("regroup", help="group every face again (your names, merges, hidden "
                      'people and "not this person" are kept)')
    add_json_flag(q)
    q.set_defaults(func=cmd_regroup)

    q = ps.add_parser("off", help="stop finding faces (what was found stays until forgotten)")
    q.set_defaults(func=cmd_switch, on=False)
    q = ps.add_parser("on", help="find faces again (the next `shoebox index` does it)")
    q.set_defaults(func=cmd_switch, on=True)

    q = ps.add_parser("forget", help="delete every face, person, name and face crop")
    q.add_argument("--yes", action="store_true", help="really delete (without it: nothing)")
    add_json_flag(q)
    q.set_defaults(func=cmd_forget)

    p = sub.add_parser("faces", help="the faces found in one file, with their people")
    p.add_argument("file", help="a file in the library (path or catalog id)")
    add_json_flag(p)
    p.set_defaults(func=cmd_faces)


def _person_dict(catalog, p) -> dict:
    from core.query.people import person_files

    return {"id": p.id, "name": p.name, "face_count": p.face_count,
            "files": [path for _, path in person_files(catalog, p.id)],
            "hidden": p.hidden, "suggested_name": p.suggested_name,
            "suggested_by": p.suggested_by}


def cmd_list(args, ctx) -> int:
    from core.query.people import list_people, unassigned_faces

    people = list_people(ctx.catalog, include_hidden=args.hidden)
    loose = unassigned_faces(ctx.catalog)
    if args.json:
        print_json({"people": [_person_dict(ctx.catalog, p) for p in people],
                    "unassigned_faces": loose})
        return 0
    if not people:
        print("no people yet: `shoebox index` finds faces; a person needs their face in at "
              "least 3 photos")
    for p in people:
        hidden = " (hidden)" if p.hidden else ""
        print(f"{p.id:>5}  {p.label}{hidden}: {p.face_count} faces in {p.file_count} files")
        if p.suggested_name:
            who = ("Google Photos named" if p.suggested_by == "takeout"
                   else "another program tagged")
            print(f"       {who} these faces {p.suggested_name}: "
                  f"`shoebox people name {p.id} \"{p.suggested_name}\"` confirms it")
    print(f"{loose} faces not in any person")
    return 0


def _done(args, data: dict, text: str) -> int:
    if args.json:
        print_json(data)
    else:
        print(text)
    return 0


def cmd_name(args, ctx) -> int:
    from core.people import name_person
    from core.query.people import person

    name_person(ctx.catalog, args.id, args.name)
    p = person(ctx.catalog, args.id)
    return _done(args, _person_dict(ctx.catalog, p), f"person {p.id} is now {p.label}")


def cmd_name_face(args, ctx) -> int:
    from core.people import name_face
    from core.query.people import person

    p = person(ctx.catalog, name_face(ctx.catalog, args.face, args.name))
    return _done(args, _person_dict(ctx.catalog, p), f"face {args.face} is {p.label} (person {p.id})")


def cmd_merge(args, ctx) -> int:
    from core.people import merge_people
    from core.query.people import person

    keep = merge_people(ctx.catalog, args.ids)
    p = person(ctx.catalog, keep)
    return _done(args, _person_dict(ctx.catalog, p), f"merged into person {p.id} ({p.label}): "
                                        f"{p.face_count} faces")


def cmd_split(args, ctx) -> int:
    from core.people import split_faces

    pid = split_faces(ctx.catalog, args.faces)
    return _done(args, {"id": pid, "faces": args.faces},
                 f"faces {', '.join(map(str, args.faces))} are now person {pid}")


def cmd_remove(args, ctx) -> int:
    from core.people import remove_face

    left = {f: remove_face(ctx.catalog, f) for f in args.faces}
    return _done(args, {"removed": [{"face": f, "person": p} for f, p in left.items()]},
                 "\n".join(f"face {f} is no longer in person {p}" for f, p in left.items()))


def cmd_hide(args, ctx) -> int:
    from core.people import hide_person

    hide_person(ctx.catalog, args.id, hidden=not args.show)
    word = "shown again" if args.show else "hidden"
    return _done(args, {"id": args.id, "hidden": not args.show}, f"person {args.id} {word}")


def cmd_show(args, ctx) -> int:
    from core.query.people import person, person_faces

    p = person(ctx.catalog, args.id)
    faces = person_faces(ctx.catalog, args.id)
    if args.json:
        print_json({**_person_dict(ctx.catalog, p), "faces": [f.to_dict() for f in faces]})
        return 0
    print(f"{p.id}  {p.label}: {p.face_count} faces")
    for f in faces:
        print(f"  face {f.id:>6}  {f.path}" + ("" if f.frame_ms < 0 else f" @ {f.frame_ms / 1000:.1f}s"))
    return 0


def cmd_regroup(args, ctx) -> int:
    from core.errors import ShoeboxError
    from core.people import latest_face_model, regroup

    try:
        model_id = ctx.registry.identity("faces")
    except ShoeboxError:  # turned off or not installed: group what was found
        model_id = latest_face_model(ctx.catalog)
    if model_id is None:
        return _done(args, {"joined": 0, "formed": 0, "grouped": 0},
                     "no faces yet: `shoebox index` finds them")
    r = regroup(ctx.catalog, model_id)
    return _done(args, r.as_dict(), f"{r.formed} people formed from {r.grouped} faces; "
                                    f"{r.joined} faces joined people you had")


def cmd_switch(args, ctx) -> int:
    ctx.settings.faces = bool(args.on)
    ctx.settings.save(ctx.paths)
    print("faces will be found by the next `shoebox index`" if args.on else
          "faces are no longer looked for; `shoebox people forget --yes` deletes what was found")
    return 0


def cmd_forget(args, ctx) -> int:
    from core.errors import ShoeboxError
    from core.people import delete_all_face_data

    if not args.yes:
        raise ShoeboxError("this deletes every face, person and name: add --yes to do it")
    out = delete_all_face_data(ctx.catalog, ctx.paths)
    return _done(args, out, f"deleted {out['faces']} faces, {out['people']} people and "
                            f"{out['crops']} face crops")


def cmd_faces(args, ctx) -> int:
    from core.query.files import resolve_file
    from core.query.people import faces_of_file

    with ctx.catalog.read() as conn:
        fid, path, _kind = resolve_file(conn, file_arg(args.file))
    faces = faces_of_file(ctx.catalog, fid)
    if args.json:
        print_json({"file": path, "file_id": fid, "faces": [f.to_dict() for f in faces]})
        return 0
    if not faces:
        print(f"no faces found in {path} (or `shoebox index` has not looked yet)")
    for f in faces:
        who = f.person_name or (f"person {f.person_id}" if f.person_id else "nobody yet")
        note = "" if f.groupable else " (small or blurred: not used to form people)"
        print(f"face {f.id}: {who}{note}")
    return 0


