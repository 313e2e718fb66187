"""Organize: collections -> names -> plan -> review -> apply -> undo. Public API for the GUI/CLI.

    from core.collections import recluster, assign_new, rename_collection
    from core.query import list_collections, collection_names       # the reads
    from core.organize import (name_collections, make_plan, plan_items, set_item_decision,
                               set_collection_decision, apply_plan, undo_plan, recover,
                               list_plans, get_plan, add_keep_folder)

    recover(catalog)                                   # on start-up, before anything else
    recluster(catalog, registry, settings, task)       # full recluster (a user action)
    assign_new(catalog, registry)                      # after indexing: newcomers join collections
    name_collections(catalog, registry, settings, task, rename=False)
    pid = make_plan(catalog, settings, root_id=None, target=None, mode=None,
                    layout=None | 'event' | 'topic' | 'date', template=None,
                    registry=None, use_llm=True)   # units: organize.units; rules: organize.rules
    moves = make_plan(..., store=False)                # a live preview: stores nothing
    plan_items(catalog, pid)                           # the moves, with decision/flagged/state
    set_item_decision(catalog, pid, item_id, "skip" | "accept", folder=None)
    set_items_decision(catalog, pid, item_ids, "skip" | "accept", folder=None)   # one write
    set_collection_decision(catalog, pid, cluster_id, "skip" | "accept", folder=None)
    set_unit_decision(catalog, pid, unit_folder, "skip" | "accept", folder=None)  # rename
    move_to_unit(catalog, pid, item_ids, unit_folder)  # files into another unit's folder
    review_units(catalog, pid)                         # the moves by destination folder, + stays
    rename_event(catalog, member_file_ids, "Ski week")  # the user's title: kept from then on
    apply_plan(catalog, pid, mode=None, task, dry_run=False)   # -> OpReport
    undo_plan(catalog, pid, task, item_ids=None)       # -> OpReport (left_alone says what stayed)

Long calls take a core.tasks.TaskState (progress, pause, cancel). Errors are ShoeboxError
subclasses (PlanError, OrganizeBusy, CollectionError) with messages meant for the user.
"""

from core.organize.apply import (
    OpReport,
    OrganizeBusy,
    RecoveryReport,
    apply_plan,
    recover,
    undo_plan,
)
from core.organize.event_names import rename_event
from core.organize.naming import CollectionName, name_collections, reharmonize
from core.organize.plan import (
    PlanError,
    PlanItem,
    add_keep_folder,
    compute_moves,
    get_plan,
    list_plans,
    make_plan,
    move_to_unit,
    plan_items,
    plan_tree,
    set_collection_decision,
    set_item_decision,
    set_items_decision,
    set_unit_decision,
)
from core.organize.review import STAYS, Unit, UnitFile, review_units

__all__ = [
    "STAYS",
    "CollectionName",
    "OpReport",
    "OrganizeBusy",
    "PlanError",
    "PlanItem",
    "RecoveryReport",
    "Unit",
    "UnitFile",
    "add_keep_folder",
    "apply_plan",
    "compute_moves",
    "get_plan",
    "list_plans",
    "make_plan",
    "move_to_unit",
    "name_collections",
    "plan_items",
    "plan_tree",
    "recover",
    "reharmonize",
    "rename_event",
    "review_units",
    "set_collection_decision",
    "set_item_decision",
    "set_items_decision",
    "set_unit_decision",
    "undo_plan",
]
