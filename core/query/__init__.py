"""The query layer: every read the CLI and the GUI make of the catalog, in one place.

The desktop holds no SQL; it calls these (on worker threads) and gets plain values back.
Filters are defined once (core/query/filters.py), so browse, search and "more like this"
always agree on which files pass.

    from core.query import Filters, list_library, file_detail, list_collections

    list_library(catalog, Filters(kind="photo"), group="date", limit=None, offset=0)
        -> Listing(rows, group, starts, row_of): row tuples (layout: ID, PATH, KIND, TAKEN_AT,
           NAME, HASH, DURATION, FOLDER, ERROR, STACK), each group's first row -> its label;
           a stack of look-alike shots is one row, its cover (core.cull)
    library_ids(catalog, filters, group)   -> IdListing(ids, group, starts): list_library's
                                              order as a numpy id array (a big library's
                                              paged grid fetches rows by id)
    rows_by_ids(catalog, ids)              -> rows in the given order (search results)
    filter_choices(catalog)                -> FilterChoices(cameras, folders) for the menus
    file_detail(catalog, file_id)          -> FileDetail (facts, caption, tags, transcript,
                                              collection, recorded problems)
    list_collections(catalog)              -> [CollectionSummary] with size, dates and
                                              representatives, largest first
    collection_members(catalog, id)        -> file ids, oldest first
    collection_names(catalog)              -> {id: name}
    has_collections(catalog)               -> bool
    list_problems(catalog, limit)          -> [ProblemEntry] (every file or folder that failed)
    library_status(catalog)                -> counts for the status area and `shoebox status`
    camera_label(make, model), clock(s), file_size(n), month_label(ts)
                                           -> how a camera, a time and a size read (app and CLI)

A new filter (people, places, text) is a Filters field plus one registered clause in
core/query/filters.py; a new view's read is a function in a module of this package.
"""

from core.query.collections import (
    CollectionSummary,
    FileRef,
    collection_members,
    collection_names,
    has_collections,
    list_collections,
)
from core.query.detail import FileDetail, file_detail, showcase_file
from core.query.display import camera_label, clock, file_size, month_label
from core.query.errors import FilterError, QueryError
from core.query.filters import Filters, allowed_ids, clause, where_clause
from core.query.id_listing import IdListing, library_ids
from core.query.library import (
    DURATION,
    ERROR,
    FOLDER,
    GROUPS,
    HASH,
    ID,
    KIND,
    NAME,
    PATH,
    STACK,
    TAKEN_AT,
    FilterChoices,
    Listing,
    filter_choices,
    list_library,
    rows_by_ids,
)
from core.query.status import ProblemEntry, library_status, list_problems

__all__ = [
    "DURATION", "ERROR", "FOLDER", "GROUPS", "HASH", "ID", "KIND", "NAME", "PATH", "STACK", "TAKEN_AT",
    "CollectionSummary", "FileDetail", "FileRef", "FilterChoices", "FilterError", "Filters",
    "IdListing", "Listing", "ProblemEntry", "QueryError", "allowed_ids", "camera_label", "clause",
    "clock", "collection_members", "collection_names", "file_detail", "file_size",
    "filter_choices", "has_collections", "library_ids", "library_status", "list_collections",
    "list_library", "list_problems", "month_label", "rows_by_ids", "showcase_file",
    "where_clause",
]
