"""The GUI's door to collections and reorganization (core.cluster, core.organize).

Every function here runs on a worker thread (never the GUI thread): each may write. Where the
organize package offers an operation it is used; collection edits it does not offer are small
single-transaction writes on the catalog's writer, marked named_by='user' so reclustering
keeps the user's word.
"""

from __future__ import annotations

import time

from core.errors import ShoeboxError


class OrganizeUnavailable(ShoeboxError):
    def __init__(self, what: str):
        super().__init__(f"{what} is not available in this build of Shoebox")


def _organize():
    try:
        import core.organize as organize
    except ImportError:
        return None
    return organize


def _op(name: str):
    org = _organize()
    return getattr(org, name, None) if org is not None else None


def recluster(services, task):
    from core.cluster import recluster as run

    return run(services.catalog, services.registry, services.settings, task)


def rename_cluster(services, cluster_id: int, name: str) -> None:
    fn = _op("rename_cluster")
    if fn is not None:
        return fn(services.catalog, cluster_id, name)

    def write(conn):
        conn.execute("UPDATE clusters SET name = ?, named_by = 'user', updated_at = ? "
                     "WHERE id = ?", (name, time.time(), cluster_id))
    services.catalog.write(write)


def set_keep_as_is(services, cluster_id: int, keep: bool) -> None:
    fn = _op("set_keep_as_is")
    if fn is not None:
        return fn(services.catalog, cluster_id, keep)

    def write(conn):
        conn.execute("UPDATE clusters SET keep_as_is = ?, updated_at = ? WHERE id = ?",
                     (int(keep), time.time(), cluster_id))
    services.catalog.write(write)


def merge_clusters(services, cluster_ids: list[int]) -> int:
    fn = _op("merge_clusters")
    if fn is not None:
        return fn(services.catalog, cluster_ids)
    keep, rest = cluster_ids[0], cluster_ids[1:]

    def write(conn):
        q = ",".join("?" * len(rest))
        conn.execute(f"UPDATE cluster_members SET cluster_id = ?, representative = 0 "
                     f"WHERE cluster_id IN ({q})", (keep, *rest))
        conn.execute(f"DELETE FROM clusters WHERE id IN ({q})", rest)
        conn.execute("UPDATE clusters SET named_by = 'user', updated_at = ? WHERE id = ?",
                     (time.time(), keep))
        return keep
    return services.catalog.write(write)


def split_cluster(services, cluster_id: int, file_ids: list[int], name: str) -> int:
    fn = _op("split_cluster")
    if fn is not None:
        return fn(services.catalog, cluster_id, file_ids, name)

    def write(conn):
        now = time.time()
        cur = conn.execute(
            "INSERT INTO clusters(name, named_by, created_at, updated_at) VALUES (?, 'user', ?, ?)",
            (name, now, now))
        new_id = cur.lastrowid
        q = ",".join("?" * len(file_ids))
        conn.execute(f"UPDATE cluster_members SET cluster_id = ?, representative = 0 "
                     f"WHERE cluster_id = ? AND file_id IN ({q})", (new_id, cluster_id, *file_ids))
        return new_id
    return services.catalog.write(write)


def require(name: str):
    fn = _op(name)
    if fn is None:
        raise OrganizeUnavailable(name.replace("_", " "))
    return fn
