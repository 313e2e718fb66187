"""Names a Google Takeout's JSON gives a photo (`people[].name`, kept in `takeout_people`),
offered for the people the faces stage found. The JSON has no face box, so a name is offered
only where it is unambiguous, for the user to confirm (as another program's named regions
are, core.xmp.read.suggested_names):

- one photo: once the names of the named people in it are set aside, one name is left and
  the photo has one face of an unnamed person;
- several photos: the photos where the name is left (two at least) have one unnamed person
  in common, and only one.

A person offered two names, or a name offered to two people, is offered nothing.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from core.catalog import Connection

MIN_PHOTOS = 2  # the photos a name must agree on with one person, without the one-face rule


def takeout_suggestions(conn: Connection) -> dict[int, str]:
    """{person id: name} for unnamed people a Takeout's names point at unambiguously."""
    names: dict[int, set[str]] = defaultdict(set)   # file -> its names, casefolded
    spellings: dict[str, Counter] = defaultdict(Counter)   # casefolded -> as written
    # takeout_people first, each name's files by the hash index: the planner, knowing no
    # sizes, scanned every file instead (0.6-1.8 s at 1M files, for a library with no Takeout)
    for fid, name in conn.execute(
            "SELECT f.id, tp.name FROM takeout_people tp CROSS JOIN files f "
            "ON f.content_hash = tp.content_hash AND f.status = 'present'"):
        names[fid].add(name.casefold())
        spellings[name.casefold()][name] += 1
    if not names:
        return {}
    named: dict[int, set[str]] = defaultdict(set)
    unnamed: dict[int, list[int | None]] = defaultdict(list)   # file -> each unnamed face's
    for fid, pid, pname in conn.execute(
            "SELECT fa.file_id, fa.person_id, p.name FROM faces fa "
            "LEFT JOIN people p ON p.id = fa.person_id WHERE fa.frame_ms = -1 AND fa.file_id IN "
            "(SELECT f.id FROM takeout_people tp CROSS JOIN files f "
            "ON f.content_hash = tp.content_hash WHERE f.status = 'present')"):
        if pname:
            named[fid].add(pname.casefold())
        else:
            unnamed[fid].append(pid)
    votes: dict[int, set[str]] = defaultdict(set)
    together: dict[str, list[set[int]]] = defaultdict(list)   # name -> its photos' people
    for fid, given in names.items():
        left = sorted(given - named[fid])
        faces = unnamed.get(fid, [])
        if len(left) == 1 and len(faces) == 1 and faces[0] is not None:
            votes[faces[0]].add(left[0])
        people = {p for p in faces if p is not None}
        for n in left:
            if people:
                together[n].append(people)
    for n, groups in together.items():
        common = set.intersection(*groups)
        if len(groups) >= MIN_PHOTOS and len(common) == 1:
            votes[common.pop()].add(n)
    offered: dict[str, int] = defaultdict(int)
    for found in votes.values():
        if len(found) == 1:
            offered[next(iter(found))] += 1
    return {pid: _spelling(spellings[n]) for pid, found in votes.items() if len(found) == 1
            for n in found if offered[n] == 1}


def _spelling(seen: Counter) -> str:
    """The most common way the name was written; on a tie, capitals first ('Anna', 'anna')."""
    return min(seen, key=lambda s: (-seen[s], s))
