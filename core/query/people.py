"""Reads about faces and people, for the CLI, the People view, the detail pane, search and
collection naming. Hidden people are left out unless asked for.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

from core.catalog import Catalog, Connection
from core.catalog.chunks import in_chunks
from core.config import Paths
from core.media.thumbnails import face_crop_path
from core.plain import plain
from core.query.errors import QueryError
from core.query.takeout_people import takeout_suggestions
from core.xmp.read import suggested_names

_FACE_COLUMNS = ("fa.id, fa.file_id, fa.frame_ms, fa.idx, fa.x, fa.y, fa.w, fa.h, fa.size_px, "
                 "fa.score, fa.sharpness, fa.groupable, fa.person_id, p.name, fa.assigned_by, "
                 "f.content_hash, f.path")


@dataclass(frozen=True)
class FaceInfo:
    id: int
    file_id: int
    frame_ms: int                          # -1: a photo
    idx: int
    box: tuple[float, float, float, float]  # x, y, w, h as fractions of the upright picture
    size_px: int
    score: float
    sharpness: float
    groupable: bool                        # False: tiny or blurry (never forms people)
    person_id: int | None
    person_name: str | None
    assigned_by: str | None                # 'auto' | 'user' | None
    content_hash: str
    path: str

    def crop_path(self, paths: Paths):
        return face_crop_path(paths, self.content_hash, self.frame_ms, self.idx)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["box"] = {"x": round(self.box[0], 4), "y": round(self.box[1], 4),
                    "w": round(self.box[2], 4), "h": round(self.box[3], 4)}
        return d


@dataclass(frozen=True)
class PersonSummary:
    id: int
    name: str | None
    hidden: bool
    face_count: int
    file_count: int = 0                 # present files with their face (person_files lists them)
    suggested_name: str | None = None   # an unnamed person under another program's face tags
    suggested_by: str | None = None     # 'xmp' (face regions) | 'takeout' (Google's JSON)

    @property
    def label(self) -> str:
        return self.name or f"Person {self.id}"


def _face(row) -> FaceInfo:
    return FaceInfo(row[0], row[1], row[2], row[3], (row[4], row[5], row[6], row[7]), row[8],
                    row[9], row[10], bool(row[11]), row[12], row[13], row[14], row[15], row[16])


def _faces(conn: Connection, where: str, args: Iterable, order: str) -> list[FaceInfo]:
    sql = (f"SELECT {_FACE_COLUMNS} FROM faces fa JOIN files f ON f.id = fa.file_id "
           f"LEFT JOIN people p ON p.id = fa.person_id WHERE {where} ORDER BY {order}")
    return [_face(r) for r in conn.execute(sql, list(args))]


_BEST_FIRST = "fa.groupable DESC, fa.size_px * min(fa.sharpness, 200) DESC, fa.id"


def list_people(catalog: Catalog, include_hidden: bool = False) -> list[PersonSummary]:
    """Named people by name, then the unnamed ones biggest first (the ones worth naming).
    Counts only, from the faces' person index: a million photos' worth of file rows is read
    by person_files, one person at a time, when someone asks for them."""
    with catalog.read() as conn:
        rows = conn.execute(
            "SELECT p.id, p.name, p.hidden, count(fa.id), count(DISTINCT fa.file_id) "
            "FROM people p JOIN faces fa ON fa.person_id = p.id "
            + ("" if include_hidden else "WHERE p.hidden = 0 ") +
            "GROUP BY p.id").fetchall()
        # files that are not present (gone, on an unplugged disk) are few: counted apart
        # through the status index, not by reading every face's file row
        absent = dict(conn.execute(
            "SELECT person_id, count(DISTINCT file_id) FROM faces WHERE person_id IS NOT NULL "
            "AND file_id IN (SELECT id FROM files WHERE status != 'present') "
            "GROUP BY person_id").fetchall())
        # named regions have face boxes: they win over a Takeout's names, which have none
        suggested = {pid: (name, "takeout") for pid, name in takeout_suggestions(conn).items()}
        suggested.update((pid, (name, "xmp")) for pid, name in suggested_names(conn).items())
    people = [PersonSummary(pid, name, bool(hidden), n, files - absent.get(pid, 0),
                            *suggested.get(pid, (None, None)))
              for pid, name, hidden, n, files in rows]
    return sorted(people, key=lambda p: (p.name is None, (p.name or "").casefold(),
                                         -p.face_count, p.id))


def person_files(catalog: Catalog, person_id: int) -> list[tuple[int, str]]:
    """(file id, path) of the present files showing the person, oldest first."""
    with catalog.read() as conn:
        return [(fid, path) for fid, path in conn.execute(
            "SELECT DISTINCT f.id, f.path FROM faces fa JOIN files f ON f.id = fa.file_id "
            "WHERE fa.person_id = ? AND f.status = 'present' "
            "ORDER BY coalesce(f.taken_at, f.mtime_ns / 1e9), f.id", (int(person_id),))]


def unassigned_faces(catalog: Catalog) -> int:
    with catalog.read() as conn:
        return conn.execute("SELECT count(*) FROM faces WHERE person_id IS NULL").fetchone()[0]


def person(catalog: Catalog, person_id: int) -> PersonSummary:
    for p in list_people(catalog, include_hidden=True):
        if p.id == int(person_id):
            return p
    raise QueryError(f"there is no person {person_id}: `shoebox people` lists them")


def person_faces(catalog: Catalog, person_id: int, limit: int | None = None,
                 among: int | None = None) -> list[FaceInfo]:
    """A person's faces, the clearest first (the strip of faces; the mosaic). With `among`,
    the clearest of their first `among` faces: a tile's mosaic needs four good faces, not the
    four best of 87,000 (the largest person of a 1M library, 0.24 s to rank against ~5 ms)."""
    with catalog.read() as conn:
        if limit is None:
            return _faces(conn, "fa.person_id = ?", (int(person_id),), _BEST_FIRST)
        faces = ("faces" if among is None else
                 f"(SELECT * FROM faces WHERE person_id = ? ORDER BY id LIMIT {int(among)})")
        # the clearest few picked from the faces alone, and only theirs joined with their
        # files: a person of 87,000 faces took 0.46 s joined first, 0.24 s so
        return _faces(conn, f"fa.id IN (SELECT fa.id FROM {faces} fa WHERE fa.person_id = ? "
                            f"ORDER BY {_BEST_FIRST} LIMIT {int(limit)})",
                      (int(person_id),) * (1 if among is None else 2), _BEST_FIRST)


def faces_of_file(catalog: Catalog, file_id: int) -> list[FaceInfo]:
    with catalog.read() as conn:
        return _faces(conn, "fa.file_id = ?", (int(file_id),), "fa.frame_ms, fa.idx")


def people_by_name(conn: Connection) -> dict[str, list[tuple[int, int]]]:
    """folded name -> [(person id, face count)] of the visible named people."""
    out: dict[str, list[tuple[int, int]]] = {}
    for pid, name, n in conn.execute(
            "SELECT p.id, p.name, count(fa.id) FROM people p "
            "LEFT JOIN faces fa ON fa.person_id = p.id "
            "WHERE p.name IS NOT NULL AND p.hidden = 0 GROUP BY p.id"):
        key = plain(name)
        if key:
            out.setdefault(key, []).append((pid, n))
    return out


def find_person(catalog: Catalog, name_or_id: str) -> int:
    """A person's id from an id or a name (case and accents aside)."""
    text = str(name_or_id).strip()
    with catalog.read() as conn:
        if text.isdigit() and conn.execute("SELECT 1 FROM people WHERE id = ?",
                                           (int(text),)).fetchone():
            return int(text)
        matches = people_by_name(conn).get(plain(text))
    if not matches:
        raise QueryError(f"no person is called {text!r}: name people with "
                         f"`shoebox people name ID NAME` (`shoebox people` lists them)")
    return max(matches, key=lambda m: m[1])[0]


def names_in_query(conn: Connection, query: str) -> tuple[list[int], str]:
    """People named in a search query, and the query without their names:
    "Anna beach" -> ([Anna's id], "beach"). Longest names first ("Anna Lee" before "Anna");
    a name shared by two people means the one with more faces."""
    known = people_by_name(conn)
    if not known:
        return [], query
    words = query.split()
    folded = [plain(w).strip(".,;:!?\"'()") for w in words]
    found: list[int] = []
    keep = [True] * len(words)
    for name in sorted(known, key=lambda n: -len(n.split())):
        parts = name.split()
        for i in range(len(words) - len(parts) + 1):
            if all(keep[i:i + len(parts)]) and folded[i:i + len(parts)] == parts:
                pid = max(known[name], key=lambda m: m[1])[0]
                if pid not in found:
                    found.append(pid)
                for j in range(i, i + len(parts)):
                    keep[j] = False
    # "Anna's birthday": the possessive names her too
    for i, w in enumerate(folded):
        if keep[i] and w.endswith(("'s", "’s")) and w[:-2] in known:
            pid = max(known[w[:-2]], key=lambda m: m[1])[0]
            if pid not in found:
                found.append(pid)
            keep[i] = False
    rest = " ".join(w for w, k in zip(words, keep) if k)
    return found, rest


def named_people_of_files(conn: Connection, file_ids: Iterable[int]) -> dict[str, int]:
    """name -> number of the files that show that (named, visible) person. Unnamed people
    never appear: their ids mean nothing to a reader (or an LLM)."""
    ids = [int(i) for i in file_ids]
    out: dict[str, int] = {}
    for chunk, marks in in_chunks(ids):
        for name, n in conn.execute(
                f"SELECT p.name, count(DISTINCT fa.file_id) FROM faces fa "
                f"JOIN people p ON p.id = fa.person_id WHERE p.name IS NOT NULL "
                f"AND p.hidden = 0 AND fa.file_id IN ({marks}) GROUP BY p.id", chunk):
            out[name] = out.get(name, 0) + n
    return dict(sorted(out.items(), key=lambda kv: -kv[1]))
