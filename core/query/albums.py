"""Albums (from a Google Takeout): a file can be in several, unlike collections."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from core.catalog import Catalog


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
        return [AlbumSummary(r[0], r[1], r[2], r[3]) for r in conn.execute(
            "SELECT a.id, a.name, count(f.id), a.source FROM albums a "
            "LEFT JOIN album_files af ON af.album_id = a.id "
            "LEFT JOIN files f ON f.id = af.file_id AND f.status = 'present' "
            "GROUP BY a.id ORDER BY a.name COLLATE NOCASE")]
