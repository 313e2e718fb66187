"""The People page's model/view parts: a tile per person that Qt asks about as it paints (the
page made a QListWidgetItem per person on the GUI thread: 2,520 people at 1M stalled it 0.3 s).

Everything that walks the people (the list, its counts for the notice) is read by `load_people`
on a worker thread. A tile's mosaic of faces is asked for when the tile is painted: the rows
painted without one are collected (`take_wanted`), their crops read and made into one picture
on a worker (`load_covers`), and the tile painted again when it arrives."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from PySide6.QtCore import QAbstractListModel, QModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QPixmap

from core.query.display import plural
from core.query.people import FaceInfo, PersonSummary, list_people, person_faces, unassigned_faces
from desktop.views.tiles import mosaic_image

ICON = QSize(128, 128)
GRID = QSize(160, 180)
MOSAIC = 4           # faces in a person's tile
MOSAIC_AMONG = 1000  # the clearest of a person's first this many faces make their mosaic
COVERS_KEPT = 600    # mosaics held (64 KB each); one scrolled out of them is read again
NO_PARENT = QModelIndex()
DISPLAY, DECORATION, TOOLTIP, SIZE = (int(Qt.DisplayRole), int(Qt.DecorationRole),
                                      int(Qt.ToolTipRole), int(Qt.SizeHintRole))
PERSON_ROLE = int(Qt.UserRole)   # a row's person id


@dataclass(frozen=True)
class PeopleListing:
    """The people to show, read on a worker thread, with what the notice says of them."""
    people: list[PersonSummary]
    unnamed: int                      # people without a name
    biggest_unnamed: PersonSummary | None   # the first of them (seen most)
    loose: int                        # faces in nobody
    row_of: dict[int, int] | None = None    # person id -> row (made here, not on the GUI)


def load_people(catalog, include_hidden: bool = False) -> PeopleListing:
    """Worker thread: the people, named ones first, and the counts the notice gives."""
    people = list_people(catalog, include_hidden=include_hidden)
    unnamed = [p for p in people if not p.name]
    return PeopleListing(people, len(unnamed), unnamed[0] if unnamed else None,
                         unassigned_faces(catalog), {p.id: i for i, p in enumerate(people)})


def crop(paths, face: FaceInfo) -> QImage | None:
    img = QImage(str(face.crop_path(paths)))
    return None if img.isNull() else img


def load_covers(catalog, paths, wanted: list[tuple[int, int]]
                ) -> list[tuple[int, int, QImage]]:
    """Worker thread: (person id, face count, mosaic of their clearest faces) for each of
    `wanted` (person id, face count). A QImage: QPixmaps are made on the GUI thread."""
    return [(pid, n, mosaic_image([c for f in person_faces(catalog, pid, MOSAIC, MOSAIC_AMONG)
                                   if (c := crop(paths, f))], ICON))
            for pid, n in wanted]


def tile_text(p: PersonSummary) -> str:
    # photos, not faces: a merged person can have two faces in one photo
    count = plural(p.file_count, "photo")
    who = p.name or (f"{p.suggested_name}?" if p.suggested_name else "Who is this?")
    return f"{who}\n{count}" + ("\n(hidden)" if p.hidden else "")


class PeopleModel(QAbstractListModel):
    """A tile per person. `coversWanted` says that tiles were painted without their mosaic;
    the page reads them (`take_wanted`) and hands them back (`set_covers`). Mosaics are kept
    across listings while the person's face count is the same (a merge or a face taken out
    changes it, and the mosaic is read again)."""

    coversWanted = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.people: list[PersonSummary] = []
        self.row_of: dict[int, int] = {}                  # person id -> row
        # person id -> (face count, picture): the last COVERS_KEPT made
        self._covers: OrderedDict[int, tuple[int, QIcon]] = OrderedDict()
        self._wanted: dict[int, int] = {}                 # painted without: id -> face count
        self._asked: set[int] = set()                     # handed to the page, not back yet

    def set_people(self, people: list[PersonSummary], row_of: dict[int, int] | None = None
                   ) -> bool:
        """A new listing. As many people as before (the page shown again, a name given): the
        rows change in place, so the view keeps its place (a reset lays the tiles out again,
        a batch at a time, from the top). Says whether the model was reset."""
        same = len(people) == len(self.people)
        if not same:
            self.beginResetModel()
        self.people = people
        self.row_of = row_of if row_of is not None else {p.id: i for i, p in enumerate(people)}
        self._wanted = {}
        if not same:
            self.endResetModel()
        elif people:
            self.dataChanged.emit(self.index(0), self.index(len(people) - 1))
        return not same

    def person(self, row: int) -> PersonSummary:
        return self.people[row]

    # --- covers ---
    def take_wanted(self) -> list[tuple[int, int]]:
        """(person id, face count) of the tiles painted without their mosaic since last asked,
        in the order they were painted."""
        out = list(self._wanted.items())
        self._asked.update(pid for pid, _n in out)
        self._wanted = {}
        return out

    def set_covers(self, covers: list[tuple[int, int, QImage]]) -> None:
        for pid, n, img in covers:
            self._asked.discard(pid)
            self._covers[pid] = (n, QIcon(QPixmap.fromImage(img)))
            self._covers.move_to_end(pid)
            row = self.row_of.get(pid)
            if row is not None:
                self.dataChanged.emit(self.index(row), self.index(row), [Qt.DecorationRole])
        while len(self._covers) > COVERS_KEPT:
            self._covers.popitem(last=False)

    def forget_asked(self) -> None:
        """The covers asked for will not come (a read failed): ask again when painted."""
        self._asked.clear()

    def _cover(self, p: PersonSummary) -> QIcon | None:
        held = self._covers.get(p.id)
        if held is not None and held[0] == p.face_count:
            self._covers.move_to_end(p.id)
            return held[1]
        if p.id not in self._asked and p.id not in self._wanted:
            self._wanted[p.id] = p.face_count
            self.coversWanted.emit()
        return held[1] if held is not None else None   # the old one until the new is in

    def covered(self, row: int) -> bool:
        p = self.people[row]
        held = self._covers.get(p.id)
        return held is not None and held[0] == p.face_count

    # --- Qt ---
    def rowCount(self, parent=NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self.people)

    def data(self, index, role=DISPLAY):
        row = index.row()
        if not 0 <= row < len(self.people):
            return None
        p = self.people[row]
        if role == DISPLAY:
            return tile_text(p)
        if role == DECORATION:
            return self._cover(p)
        if role == PERSON_ROLE:
            return p.id
        if role == TOOLTIP:
            return (f"{p.label}: {plural(p.face_count, 'face')} in "
                    f"{plural(p.file_count, 'file')}")
        if role == SIZE:
            # a tile the size of its grid cell (sized by its text alone, tiles of a wide
            # window overlapped at uneven gaps)
            return GRID
        return None
