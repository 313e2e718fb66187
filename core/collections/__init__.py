"""Collections: the library grouped by what it looks like, then by when and where.

    grouping.py  the numbers: PCA + HDBSCAN, events by time and place, centres, representatives
    store.py     the catalog: full recluster, new files joining (and the table names)
    edits.py     the user's changes: rename, merge, split, move files in or out

Listing them is a read, in the query layer: core.query.list_collections.
"""

from core.collections.edits import (
    merge_collections,
    move_to_collection,
    rename_collection,
    split_collection,
)
from core.collections.grouping import MIN_CLUSTER_SIZE, cluster_vectors
from core.collections.store import (
    CollectionError,
    ReclusterReport,
    assign_new,
    join_model_path,
    load_vectors,
    recluster,
)

__all__ = [
    "MIN_CLUSTER_SIZE",
    "CollectionError",
    "ReclusterReport",
    "assign_new",
    "cluster_vectors",
    "join_model_path",
    "load_vectors",
    "merge_collections",
    "move_to_collection",
    "recluster",
    "rename_collection",
    "split_collection",
]
