"""The GUI's door to collections and reorganization (core.collections, core.organize).

Every function here runs on a worker thread, never the GUI thread: each may write or think
for a while.
"""

from __future__ import annotations

import logging

from core import collections
from core.collections import recluster
from core.collections.store import CollectionError
from core.organize import add_keep_folder, make_plan, name_collections
from core.query import has_collections
from core.tasks import TaskState

log = logging.getLogger(__name__)


def recluster_and_name(services, task: TaskState):
    """Find collections, then name them (LLM when there is one, else the fallback names)."""
    report = recluster(services.catalog, services.registry, services.settings, task)
    task.check()
    name_collections(services.catalog, services.registry, services.settings, task)
    return report


def propose(services, mode: str, task: TaskState, layout: str | None = None,
            template: str | None = None) -> int:
    """A new draft plan. Collections are found and named first when there are none and the
    layout may use them; a plan needs none (events, kinds and dates place every file), so a
    library without image vectors yet is planned all the same. Event titles come from the
    LLM when it is there (core.organize.event_names), else from their places and days."""
    if layout != "date" and not has_collections(services.catalog):
        try:
            recluster_and_name(services, task)
        except CollectionError as e:   # no vectors yet: topics wait, the rest is planned
            log.info("plan without collections: %s", e)
    task.status("working out folders")
    return make_plan(services.catalog, services.settings, mode=mode, layout=layout,
                     template=template, registry=services.registry)


def rename_collection(services, collection_id: int, name: str) -> None:
    collections.rename_collection(services.catalog, collection_id, name=name)


def set_keep_as_is(services, collection_id: int, keep: bool) -> None:
    collections.rename_collection(services.catalog, collection_id, keep_as_is=keep)


def keep_folder(services, folder: str) -> str:
    return add_keep_folder(services.catalog, folder)


def merge_collections(services, collection_ids: list[int]) -> int:
    return collections.merge_collections(services.catalog, collection_ids)


def split_collection(services, collection_id: int, file_ids: list[int], name: str) -> int:
    return collections.split_collection(services.catalog, collection_id, file_ids, name)
