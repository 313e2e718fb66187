"""Albums (from a Google Takeout): a file can be in several, unlike collections."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from core.catalog import Catalog, Connection
from core.plain import plain


@dataclass(frozen=True)
class AlbumSummary:
    id: int
    name: str
    files: int          # present files in it
    source: str         # takeout

    def to_dict(self) -> dict:
        return asdict(self)


def list_albums(catalog: Catalog) -> list[AlbumSummary]:
    """Every album with its count of present files, by name."""
    with catalog.read() as conn:
        return album_counts(conn)


def album_counts(conn: Connection) -> list[AlbumSummary]:
    """list_albums on an open connection (the filter menus read it with the rest)."""
    return [AlbumSummary(r[0], r[1], r[2], r[3]) for r in conn.execute(
        "SELECT a.id, a.name, count(f.id), a.source FROM albums a "
        "LEFT JOIN album_files af ON af.album_id = a.id "
        "LEFT JOIN files f ON f.id = af.file_id AND f.status = 'present' "
        "GROUP BY a.id ORDER BY a.name COLLATE NOCASE")]


def album_in_query(conn: Connection, query: str) -> tuple[str | None, str]:
    """An album named in a search query, and the query without its name: "Kyoto trip temple"
    -> ("Kyoto trip", "temple"). Whole words only, case and accents ignored; the longest
    album name found wins (one album: a file may be in several, a filter takes one)."""
    words = query.split()
    if not words:
        return None, query
    folded = [plain(w).strip(".,;:!?\"'()") for w in words]
    names = [r[0] for r in conn.execute(
        "SELECT DISTINCT a.name FROM albums a JOIN album_files af ON af.album_id = a.id")]
    for name in sorted(names, key=lambda n: (-len(n.split()), n)):
        parts = [w for w in (plain(p).strip(".,;:!?\"'()") for p in name.split()) if w]
        for i in range(len(words) - len(parts) + 1):
            if parts and folded[i:i + len(parts)] == parts:
                return name, " ".join(words[:i] + words[i + len(parts):])
    return None, query
