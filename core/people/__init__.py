"""People: faces grouped into the persons they show, named by the user.

    grouping.py   the method (pure: descriptors in, groups out), tuned in benchmarks/bench_faces.py
    store.py      the machine's grouping in the catalog: update_people, regroup
    edits.py      the user's decisions: name, merge (and its undo), hide, "not this person", split
    names.py      name matching (case and accents aside)
    privacy.py    delete every piece of face data at once
Reads (lists, a file's faces, a person's photos) are in core/query/people.py.
"""

from core.people.edits import (
    PeopleError,
    PeopleSnapshot,
    assign_face,
    hide_person,
    merge_people,
    name_face,
    name_person,
    remove_face,
    restore_people,
    snapshot_people,
    split_faces,
)
from core.people.privacy import delete_all_face_data
from core.people.store import PeopleUpdate, latest_face_model, regroup, update_people

__all__ = [
    "PeopleError", "PeopleSnapshot", "PeopleUpdate", "assign_face", "delete_all_face_data",
    "hide_person", "latest_face_model", "merge_people", "name_face", "name_person", "regroup",
    "remove_face", "restore_people", "snapshot_people", "split_faces", "update_people",
]
