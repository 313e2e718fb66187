"""What a Google Takeout's JSON said, applied to the files with those bytes.

The importer (core.importers.takeout) records it by content hash in `takeout_items` and
`takeout_albums`; this puts it on the file rows: the capture date (source 'takeout': it beats
the file name, never real EXIF or a video's own date), the position when the file has none,
the favourite flag, the description (searchable) and the albums; a motion photo's movie
becomes its photo's companion (kind 'other'). The scanner calls it again
for the files it re-reads, so a moved file keeps its Takeout date.
"""

from __future__ import annotations

from core.catalog import Connection
from core.catalog.chunks import in_chunks
from core.catalog.derived import forget_derived

_OWN_DATE = "('exif', 'container')"  # dates a file carries itself: a sidecar never beats them


def has_takeout(conn: Connection) -> bool:
    return conn.execute("SELECT 1 FROM takeout_items LIMIT 1").fetchone() is not None


def apply_takeout(conn: Connection, hashes: list[str] | None = None) -> None:
    """Apply the recorded Takeout facts to the present files with these contents (all when
    None). Runs in the writer's transaction."""
    if hashes is None:
        _apply(conn, "1", ())
        return
    hashes = [h for h in hashes if h]
    for chunk, marks in in_chunks(hashes):
        _apply(conn, f"t.content_hash IN ({marks})", tuple(chunk))


def _apply(conn: Connection, where: str, params: tuple) -> None:
    join = f"t.content_hash = files.content_hash AND files.status = 'present' AND {where}"
    conn.execute(
        f"UPDATE files SET taken_at = t.taken_at, taken_at_source = 'takeout' "
        f"FROM takeout_items AS t WHERE {join} AND t.taken_at IS NOT NULL "
        f"AND (files.taken_at_source IS NULL OR files.taken_at_source NOT IN {_OWN_DATE})", params)
    conn.execute(
        f"UPDATE files SET gps_lat = t.gps_lat, gps_lon = t.gps_lon FROM takeout_items AS t "
        f"WHERE {join} AND files.gps_lat IS NULL AND t.gps_lat IS NOT NULL", params)
    conn.execute(
        f"UPDATE files SET favorite = 1 FROM takeout_items AS t "
        f"WHERE {join} AND t.favorite = 1 AND files.favorite = 0", params)
    fjoin = join.replace("files.", "f.")
    # a motion photo's movie stands with its photo, as a RAW with its JPEG (kind 'other')
    movies = [r[0] for r in conn.execute(
        f"SELECT f.id FROM takeout_items AS t JOIN files AS f ON {fjoin} "
        f"WHERE t.companion = 1 AND f.kind = 'video'", params)]
    conn.executemany("UPDATE files SET kind = 'other' WHERE id = ?", [(i,) for i in movies])
    forget_derived(conn, movies)
    conn.execute(
        f"INSERT INTO descriptions(file_id, text, source) SELECT f.id, t.description, 'takeout' "
        f"FROM takeout_items AS t JOIN files AS f ON {fjoin} "
        f"WHERE t.description IS NOT NULL AND t.description != '' "
        f"ON CONFLICT(file_id) DO NOTHING", params)
    conn.execute(
        f"INSERT OR IGNORE INTO albums(name, source) SELECT DISTINCT t.album, 'takeout' "
        f"FROM takeout_albums AS t JOIN files AS f ON {fjoin}", params)
    conn.execute(
        f"INSERT OR IGNORE INTO album_files(album_id, file_id) SELECT a.id, f.id "
        f"FROM takeout_albums AS t JOIN albums AS a ON a.name = t.album "
        f"JOIN files AS f ON {fjoin}", params)
