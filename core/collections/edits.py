"""The user's own changes to collections: names and folders, merges, splits and moves. Each
makes the collections it touches the user's (named_by='user'), so a recluster keeps them."""

from __future__ import annotations

import time

from core.catalog import Catalog, Connection
from core.catalog.chunks import in_chunks
from core.collections.store import CollectionError, refresh_stats
from core.files.sanitize import sanitize_relpath
from core.plain import typed_name


def rename_collection(catalog: Catalog, collection_id: int, *, name: str | None = None,
                      folder_path: str | None = None, keep_as_is: bool | None = None) -> None:
    """The user's own name/folder for a collection; it survives reclusters (named_by='user')."""
    def write(conn: Connection) -> None:
        if conn.execute("SELECT 1 FROM clusters WHERE id = ?", (collection_id,)).fetchone() is None:
            raise CollectionError(f"there is no collection {collection_id} (see `shoebox collections`)")
        if name is not None:
            conn.execute("UPDATE clusters SET name = ?, named_by = 'user', updated_at = ? "
                         "WHERE id = ?", (typed_name(name, CollectionError), time.time(),
                                           collection_id))
        if folder_path is not None:
            conn.execute("UPDATE clusters SET folder_path = ?, named_by = 'user', updated_at = ? "
                         "WHERE id = ?", (sanitize_relpath(folder_path), time.time(), collection_id))
        if keep_as_is is not None:
            conn.execute("UPDATE clusters SET keep_as_is = ? WHERE id = ?",
                         (int(keep_as_is), collection_id))

    catalog.write(write)


def merge_collections(catalog: Catalog, collection_ids: list[int]) -> int:
    """Merge collections into the first one (a user edit: it survives reclusters)."""
    if len(collection_ids) < 2:
        raise CollectionError("choose at least two collections to merge")
    keep, rest = collection_ids[0], list(collection_ids[1:])

    def write(conn: Connection) -> int:
        q = ",".join("?" * len(rest))
        found = conn.execute(f"SELECT count(*) FROM clusters WHERE id IN (?,{q})",
                             (keep, *rest)).fetchone()[0]
        if found != len(set(collection_ids)):
            raise CollectionError("a collection to merge no longer exists; reload and try again")
        conn.execute(f"UPDATE cluster_members SET cluster_id = ?, representative = 0, "
                     f"source = 'user' WHERE cluster_id IN ({q})", (keep, *rest))
        conn.execute(f"DELETE FROM clusters WHERE id IN ({q})", rest)
        conn.execute("UPDATE clusters SET named_by = 'user' WHERE id = ?", (keep,))
        refresh_stats(conn, keep)
        return keep

    return catalog.write(write)


def move_to_collection(catalog: Catalog, file_ids: list[int], collection_id: int | None) -> None:
    """Put files in a collection (None: in none) by hand; the collections touched become the
    user's (named_by='user') so a recluster keeps them."""
    catalog.write(_move_members, file_ids, collection_id)


def split_collection(catalog: Catalog, collection_id: int, file_ids: list[int], name: str) -> int:
    """Split files off a collection into a new one named by the user; returns its id."""
    if not file_ids:
        raise CollectionError("choose the items to split off first")

    def write(conn: Connection) -> int:
        row = conn.execute("SELECT model_id FROM clusters WHERE id = ?", (collection_id,)).fetchone()
        if row is None:
            raise CollectionError(f"there is no collection {collection_id}")
        now = time.time()
        new_id = conn.execute(
            "INSERT INTO clusters(name, named_by, model_id, created_at, updated_at) "
            "VALUES (?, 'user', ?, ?, ?)", (typed_name(name, CollectionError), row[0], now,
                                            now)).lastrowid
        _move_members(conn, file_ids, new_id)
        return new_id

    return catalog.write(write)


def _move_members(conn: Connection, file_ids: list[int], collection_id: int | None) -> None:
    if collection_id is not None and conn.execute("SELECT 1 FROM clusters WHERE id = ?",
                                               (collection_id,)).fetchone() is None:
        raise CollectionError(f"there is no collection {collection_id}")
    touched: set[int] = set()
    for chunk, marks in in_chunks(file_ids):
        touched |= {r[0] for r in conn.execute(
            f"SELECT cluster_id FROM cluster_members WHERE file_id IN ({marks})", chunk)}
        conn.execute(f"DELETE FROM cluster_members WHERE file_id IN ({marks})", chunk)
    if collection_id is not None:
        conn.executemany("INSERT INTO cluster_members(cluster_id, file_id, probability, "
                         "source) VALUES (?, ?, 1.0, 'user')",
                         [(collection_id, f) for f in file_ids])
        touched.add(collection_id)
    for cid in touched:
        conn.execute("UPDATE clusters SET named_by = 'user' WHERE id = ?", (cid,))
        refresh_stats(conn, cid)
