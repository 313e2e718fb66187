"""What the catalog derived from a file: every row that dies with it (a foreign key to files
with ON DELETE CASCADE: jobs, vectors, captions, faces, text, places, collection and event
membership...), read from the schema so a stage added later is covered without a list here."""

from __future__ import annotations

from core.catalog.chunks import in_chunks
from core.catalog.connection import Connection


def derived_tables(conn: Connection) -> list[tuple[str, str]]:
    """(table, column) pairs whose rows are cascade-deleted with their file."""
    out = []
    for (table,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'files' "
            "AND sql LIKE '%REFERENCES files%'"):
        for fk in conn.execute(f"PRAGMA foreign_key_list('{table}')"):
            if fk["table"] == "files" and fk["on_delete"] == "CASCADE":
                out.append((table, fk["from"]))
    return out


def forget_derived(conn: Connection, file_ids: list[int]) -> None:
    """Drop everything derived from these files (in the caller's write transaction); the files'
    own rows stay. For a file that stopped standing on its own (a RAW whose JPEG twin came)."""
    if not file_ids:
        return
    for table, column in derived_tables(conn):
        for chunk, marks in in_chunks(file_ids):
            conn.execute(f"DELETE FROM {table} WHERE {column} IN ({marks})", chunk)
