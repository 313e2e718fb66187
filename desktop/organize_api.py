"""The GUI's door to collections and reorganization (core.cluster, core.organize).

Every function here runs on a worker thread, never the GUI thread: each may write or think
for a while.
"""

from __future__ import annotations

from core.query import has_collections
from core.tasks import TaskState


def recluster_and_name(services, task: TaskState):
    """Find collections, then name them (LLM when there is one, else the fallback names)."""
    from core.cluster import recluster
    from core.organize import name_collections

    report = recluster(services.catalog, services.registry, services.settings, task)
    task.check()
    name_collections(services.catalog, services.registry, services.settings, task)
    return report


def propose(services, mode: str, task: TaskState, layout: str | None = None,
            template: str | None = None) -> int:
    """A new draft plan (finding and naming collections first when there are none; the date
    layout needs none)."""
    from core.organize import make_plan

    if layout != "date" and not has_collections(services.catalog):
        recluster_and_name(services, task)
    task.status("working out folders")
    return make_plan(services.catalog, services.settings, mode=mode, layout=layout,
                     template=template)


def rename_cluster(services, cluster_id: int, name: str) -> None:
    from core.cluster import rename_collection

    rename_collection(services.catalog, cluster_id, name=name)


def set_keep_as_is(services, cluster_id: int, keep: bool) -> None:
    from core.cluster import rename_collection

    rename_collection(services.catalog, cluster_id, keep_as_is=keep)


def keep_folder(services, folder: str) -> str:
    from core.organize import add_keep_folder

    return add_keep_folder(services.catalog, folder)


def merge_clusters(services, cluster_ids: list[int]) -> int:
    from core.cluster import merge_collections

    return merge_collections(services.catalog, cluster_ids)


def split_cluster(services, cluster_id: int, file_ids: list[int], name: str) -> int:
    from core.cluster import split_collection

    return split_collection(services.catalog, cluster_id, file_ids, name)
