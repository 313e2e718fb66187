"""At scan: what sidecars and embedded XMP/IPTC say, into the catalog.

For each file of a scanned folder: its sidecar (IMG_1.jpg.xmp, or a RAW's IMG_1.xmp) and the
XMP/IPTC inside a photo. Read again only when the file's content or its sidecar changed (the
`xmp_reads.stamp`). Keywords and the description become searchable (fts_docs field
'keywords'), the rating goes to `ratings` (a rating the user set in Shoebox wins), named face
regions to `xmp_regions`.

Names from regions (`restore_names`): a region Shoebox wrote itself (`shoebox:Made`) over a
face Shoebox found gives that face back its person's name, so a deleted catalog comes back
named. Another program's region only suggests the name (`suggested_names`): the user confirms.
Either way a name the user gave is never replaced.
"""

from __future__ import annotations

import logging
import os
import time
from collections import defaultdict

from core.catalog import Catalog, Connection
from core.files.dates import DATE_SOURCES, NOT_A_DATE, date_from_name
from core.xmp import sidecars
from core.xmp.packet import (
    SAME_REGION,
    Found,
    XmpError,
    overlap,
    read_embedded,
    read_sidecar,
)

log = logging.getLogger(__name__)

# HEIC keeps its XMP in ISO-BMFF boxes, which pyexiv2 reads from 2.14 on
EMBEDDED_FORMATS = {"jpeg", "tiff", "png", "heic", "webp", "raw"}


def stamp(content_hash: str | None, sidecar: str | None) -> str:
    """What a read depends on: the file's content and its sidecar's name, size and mtime."""
    part = "-"
    if sidecar:
        st = os.stat(sidecar)
        part = f"{os.path.basename(sidecar)}:{st.st_size}:{st.st_mtime_ns}"
    return f"{content_hash}|{part}"


def read_file(path: str, fmt: str, sidecar: str | None) -> tuple[Found, list[str]]:
    """What the sidecar, then the file itself, say; and the problems met (never raised)."""
    found, problems = Found(), []
    sources = ([(read_sidecar, sidecar)] if sidecar else []) + \
        ([(read_embedded, path)] if fmt in EMBEDDED_FORMATS else [])
    for reader, where in sources:
        try:
            found.add(reader(where))
        except XmpError as e:
            problems.append(str(e))
    return found, problems


def refresh(catalog: Catalog, scopes: list[tuple[str, tuple]] | None = None) -> int:
    """Read what changed in the files of these scopes (SQL conditions on `files` with their
    parameters, as the scanner makes them; None: every file). Returns how many files were
    read. Names from Shoebox's own regions are restored afterwards."""
    rows = []
    with catalog.read() as conn:
        for where, params in scopes if scopes is not None else [("1", ())]:
            rows += conn.execute(
                "SELECT f.id, f.path, f.folder, f.format, f.content_hash, r.stamp FROM files f "
                "LEFT JOIN xmp_reads r ON r.file_id = f.id "
                f"WHERE f.status = 'present' AND f.kind IN ('photo', 'video') AND {where}",
                params).fetchall()
    results = []
    listings: dict[str, dict[str, str]] = {}
    for fid, path, folder, fmt, content_hash, old in rows:
        if folder not in listings:
            listings[folder] = sidecars.folder_sidecars(folder)
        try:
            sidecar = sidecars.existing_sidecar(path, listings[folder])
            new = stamp(content_hash, sidecar)
        except OSError:
            continue  # gone since the walk: the next scan sees it
        if new == old:
            continue
        found, problems = read_file(path, fmt, sidecar)
        for p in problems:
            log.warning("%s", p)
        results.append((fid, new, found))
    for i in range(0, len(results), 200):
        catalog.write(_store, results[i:i + 200])
    catalog.write(_apply_dates, scopes)
    if results:
        catalog.write(restore_names)
    return len(results)


# sources a sidecar's date beats: those after it in DATE_SOURCES, and no date at all
_WEAKER = (*DATE_SOURCES[DATE_SOURCES.index("xmp") + 1:], NOT_A_DATE)


def _apply_dates(conn: Connection, scopes: list[tuple[str, tuple]] | None) -> None:
    """Files in the scopes that only their name or mtime dated take their sidecar's date; a
    file whose sidecar lost its date goes back to its name or mtime. Run on every scan, since
    the scanner dates a changed file again from its own metadata."""
    weaker = ", ".join(f"'{s}'" for s in _WEAKER)
    for where, params in scopes if scopes is not None else [("1", ())]:
        conn.execute(
            "UPDATE files SET taken_at = (SELECT taken_at FROM xmp_reads x "
            "WHERE x.file_id = files.id), taken_at_source = 'xmp' "
            f"WHERE (taken_at_source IS NULL OR taken_at_source IN ({weaker})) AND id IN "
            f"(SELECT file_id FROM xmp_reads WHERE taken_at IS NOT NULL) AND {where}", params)
        lost = conn.execute(
            "SELECT id, path, mtime_ns FROM files WHERE taken_at_source = 'xmp' AND id NOT IN "
            f"(SELECT file_id FROM xmp_reads WHERE taken_at IS NOT NULL) AND {where}",
            params).fetchall()
        for fid, path, mtime_ns in lost:
            stamp = date_from_name(os.path.basename(path))
            conn.execute("UPDATE files SET taken_at = ?, taken_at_source = ? WHERE id = ?",
                         (stamp, "filename", fid) if stamp is not None else
                         (mtime_ns / 1e9, NOT_A_DATE, fid))


def _store(conn: Connection, results: list[tuple[int, str, Found]]) -> None:
    for fid, new, found in results:
        words = list(dict.fromkeys(found.keywords + [h.split("|")[-1] for h in found.hierarchy]))
        keywords = "\n".join(words) or None
        conn.execute(
            "INSERT INTO xmp_reads(file_id, stamp, keywords, description, taken_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT(file_id) DO UPDATE SET stamp = excluded.stamp, "
            "keywords = excluded.keywords, description = excluded.description, "
            "taken_at = excluded.taken_at",
            (fid, new, keywords, found.description, found.taken_at))
        conn.execute("DELETE FROM fts_docs WHERE file_id = ? AND field = 'keywords'", (fid,))
        text = " ".join(w for w in (" ".join(words), found.description or "") if w)
        if text:
            conn.execute("INSERT INTO fts_docs(file_id, field, text) VALUES (?, 'keywords', ?)",
                         (fid, text))
        if found.rating is not None:
            conn.execute(
                "INSERT INTO ratings(file_id, rating, source) VALUES (?, ?, 'xmp') "
                "ON CONFLICT(file_id) DO UPDATE SET rating = excluded.rating, source = 'xmp' "
                "WHERE ratings.source = 'xmp'", (fid, found.rating))
        else:
            conn.execute("DELETE FROM ratings WHERE file_id = ? AND source = 'xmp'", (fid,))
        conn.execute("DELETE FROM xmp_regions WHERE file_id = ?", (fid,))
        conn.executemany(
            "INSERT INTO xmp_regions(file_id, name, x, y, w, h, mine) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(fid, r.name, *r.box, int(r.mine)) for r in found.regions])


def _matches(conn: Connection, mine: bool) -> list[tuple[int, int | None, str]]:
    """(face id, its person, region name) for each photo face a named region covers."""
    regions: dict[int, list] = defaultdict(list)
    for r in conn.execute("SELECT file_id, name, x, y, w, h FROM xmp_regions WHERE mine = ?",
                          (int(mine),)):
        regions[r[0]].append((r[1], tuple(r[2:])))
    if not regions:
        return []
    out = []
    for fid, face_id, person_id, *box in conn.execute(
            "SELECT file_id, id, person_id, x, y, w, h FROM faces WHERE frame_ms = -1 AND "
            f"file_id IN ({', '.join(map(str, regions))})"):
        best = max(((overlap(box, rbox), name) for name, rbox in regions[fid]), default=None)
        if best and best[0] >= SAME_REGION:
            out.append((face_id, person_id, best[1]))
    return out


def restore_names(conn: Connection) -> int:
    """Faces under a region Shoebox wrote get the region's name back: an unnamed person is
    named (or, where someone already has the name, the face joins them); a face without a
    person joins the person of that name, made if needed. Named people are never renamed.
    Returns how many names were given (a person named counts once, whatever their faces)."""
    given = 0
    for face_id, person_id, name in _matches(conn, mine=True):
        current = conn.execute("SELECT name FROM people WHERE id = ?",
                               (person_id,)).fetchone() if person_id else None
        if current is not None and current[0]:
            continue  # the user's naming (or an earlier restore) wins
        named = conn.execute("SELECT id FROM people WHERE name = ? ORDER BY id LIMIT 1",
                             (name,)).fetchone()
        if current is not None and named is None:
            conn.execute("UPDATE people SET name = ?, updated_at = ? WHERE id = ?",
                         (name, time.time(), person_id))
        else:
            target = named[0] if named else conn.execute(
                "INSERT INTO people(name, created_at, updated_at) VALUES (?, ?, ?)",
                (name, time.time(), time.time())).lastrowid
            conn.execute("UPDATE faces SET person_id = ?, assigned_by = 'user' WHERE id = ?",
                         (target, face_id))
        given += 1
    return given


def suggested_names(conn: Connection) -> dict[int, str]:
    """{person id: name} for unnamed people whose faces lie under another program's named
    regions (the most common name among them): for the user to confirm."""
    votes: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for _face, person_id, name in _matches(conn, mine=False):
        if person_id is not None:
            votes[person_id][name] += 1
    if not votes:
        return {}
    unnamed = {r[0] for r in conn.execute(
        f"SELECT id FROM people WHERE name IS NULL AND id IN ({', '.join(map(str, votes))})")}
    return {pid: max(names, key=names.get) for pid, names in votes.items() if pid in unnamed}
