"""The Duplicates page's model/view parts: one table of rows, each group's heading row followed
by a row per file.

A table, not a tree (desktop/views/review_models.py says the same of the Reorganize files): a
QTreeView lays out every row of its model, a call into Python for each, whenever the groups
are found again (10,000 groups took 0.8 s of the GUI thread, 100,000 took 7.5 s), and a
QTreeWidget made an item per file besides. A table asks only about the rows it paints.
Everything that walks the groups (the heading rows, the suggested ticks, the counts) is
done by `prepare` on the worker thread that found them."""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QIcon
from PySide6.QtWidgets import QAbstractItemView, QTableView

from core.query import file_size
from core.search.types import DuplicateFile, DuplicateGroup
from desktop.thumbs import ThumbRequest
from desktop.views.row_table import TickedRows, set_up_row_table

DECIDED = {"keep_both": "you keep both", "not_duplicate": "you said: not a duplicate"}
HEADERS = ("File", "Size", "Resolution", "Folder")
# Qt's enums as module constants: data() is asked for a dozen roles of every cell painted
DISPLAY, DECORATION, TOOLTIP, CHECK, FONT, BACKGROUND, ALIGN = (
    int(Qt.DisplayRole), int(Qt.DecorationRole), int(Qt.ToolTipRole), int(Qt.CheckStateRole),
    int(Qt.FontRole), int(Qt.BackgroundRole), int(Qt.TextAlignmentRole))
FILE_ID_ROLE = int(Qt.UserRole)        # a file row's file id (None on a heading)
HEADING_BRUSH = QBrush(QColor(128, 128, 128, 40))
HEADING_ALIGN = Qt.AlignLeft | Qt.AlignBottom   # (rows are a thumbnail high) above its files
NO_PARENT = QModelIndex()


@dataclass
class Listing:
    """Groups ready to show, made on the worker thread that found them."""
    groups: list[DuplicateGroup]
    starts: np.ndarray                        # each group's heading row; its files follow it
    ticked: dict[int, tuple[DuplicateFile, DuplicateGroup]]   # file id -> ticked for the trash
    row_of: dict[int, int] = field(default_factory=dict)      # file id -> its (first) row
    first_near: int | None = None             # the first group of similar files, if any
    ticked_size: int = 0                      # bytes in the ticked files
    offered: int = 0                          # groups not dismissed
    near_media: Counter = field(default_factory=Counter)     # of offered similar-file groups


def prepare(groups: list[DuplicateGroup]) -> Listing:
    """Worker thread: the rows of `groups` and the copies ticked before the user looks."""
    sizes = np.fromiter((len(g.files) + 1 for g in groups), dtype=np.int64, count=len(groups))
    starts = np.zeros(len(groups), dtype=np.int64)
    np.cumsum(sizes[:-1], out=starts[1:])
    ticked: dict[int, tuple[DuplicateFile, DuplicateGroup]] = {}
    row_of: dict[int, int] = {}
    listing = Listing(groups, starts, ticked, row_of)
    for i, g in enumerate(groups):
        trash = set(g.suggested_trash)
        for k, f in enumerate(g.files):
            row_of.setdefault(f.file_id, int(starts[i]) + 1 + k)
            if f.file_id in trash:
                ticked[f.file_id] = (f, g)
        if listing.first_near is None and g.kind != "exact":
            listing.first_near = i
        count(listing, g, 1)
    listing.ticked_size = sum(f.size or 0 for f, _g in ticked.values())
    return listing


def count(counts, g: DuplicateGroup, sign: int) -> None:
    """Count a group in (or out of) the offered ones and their media (a Listing's counts, or
    the model's as groups leave and come back)."""
    if g.decision is None:
        counts.offered += sign
        if g.kind != "exact":
            counts.near_media[g.media] += sign


def heading(g: DuplicateGroup) -> str:
    """A group's heading row: what it is and which file is suggested to keep."""
    keeper_name = os.path.basename(next(f.path for f in g.files if f.file_id == g.keep))
    what = "videos" if g.media == "video" else "photos"
    if g.decision is not None:
        return (f"{len(g.files)} {'identical files' if g.kind == 'exact' else what}"
                f"  ·  dismissed: {DECIDED.get(g.decision, g.decision)}")
    if g.kind == "exact":
        return f"{len(g.files)} identical files  ·  keep: {keeper_name}  ({g.reason})"
    return (f"{len(g.files)} similar {what} — different files: compare them below; "
            f"nothing is ticked  ·  suggested keeper: {keeper_name} ({g.reason})")


class DuplicatesModel(TickedRows, QAbstractTableModel):
    """The groups' rows. Ticks live here (file id -> file), with the counts the page's notice
    says, kept current as rows are ticked, decided or dismissed: nothing walks every group."""

    ticksChanged = Signal()

    def __init__(self, thumbs, parent=None):
        super().__init__(parent)
        self.thumbs = thumbs
        self.groups: list[DuplicateGroup] = []
        self.starts = np.zeros(0, dtype=np.int64)
        self.ticked: dict[int, tuple[DuplicateFile, DuplicateGroup]] = {}
        self.ticked_size = 0
        self.offered = 0                    # groups not dismissed
        self.near_media: Counter[str] = Counter()   # media of the offered similar-file groups
        self._rows = 0
        self._headings: dict[int, str] = {}  # id(group) -> its heading, made when painted
        self._bold = QFont()
        self._bold.setBold(True)

    # --- what the page asks ---
    def set_listing(self, listing: Listing) -> None:
        self.beginResetModel()
        self.groups = listing.groups
        self.starts = listing.starts
        self.ticked = listing.ticked
        self.ticked_size = listing.ticked_size
        self._headings = {}
        self._rows = int(self.starts[-1]) + len(self.groups[-1].files) + 1 if self.groups else 0
        self.offered = listing.offered
        self.near_media = listing.near_media
        self.endResetModel()

    @property
    def dismissed(self) -> int:
        return len(self.groups) - self.offered

    def near_groups(self) -> tuple[int, set[str]]:
        """How many offered groups are of similar (not identical) files, and their media."""
        return sum(self.near_media.values()), {m for m, n in self.near_media.items() if n > 0}

    def locate(self, row: int) -> tuple[int, int]:
        """(group index, file index) of a row; the file index of a heading is -1."""
        gi = int(self.starts.searchsorted(row, side="right")) - 1
        return gi, row - int(self.starts[gi]) - 1

    def group_at(self, row: int) -> DuplicateGroup | None:
        return self.groups[self.locate(row)[0]] if 0 <= row < self._rows else None

    def heading_row(self, gi: int) -> int:
        return int(self.starts[gi])

    def is_heading(self, row: int) -> bool:
        return self.locate(row)[1] < 0

    def file_at(self, row: int) -> DuplicateFile | None:
        if not 0 <= row < self._rows:
            return None
        gi, k = self.locate(row)
        return self.groups[gi].files[k] if k >= 0 else None

    def ticked_paths(self) -> list[str]:
        return [f.path for f, _g in self.ticked.values()]

    def all_ticked_group(self) -> DuplicateGroup | None:
        """A group whose every file is ticked (one copy must stay), if any."""
        seen: set[int] = set()
        for _f, g in self.ticked.values():
            if id(g) not in seen:
                seen.add(id(g))
                if all(f.file_id in self.ticked for f in g.files):
                    return g
        return None

    def set_ticked(self, f: DuplicateFile, g: DuplicateGroup, on: bool) -> None:
        if on and f.file_id not in self.ticked:
            self.ticked[f.file_id] = (f, g)
            self.ticked_size += f.size or 0
        elif not on and f.file_id in self.ticked:
            del self.ticked[f.file_id]
            self.ticked_size -= f.size or 0

    def remove_group(self, gi: int) -> DuplicateGroup:
        """Take a group's rows out (a decision): the rows of the others stay as they are."""
        g = self.groups[gi]
        first = int(self.starts[gi])
        n = len(g.files) + 1
        self.beginRemoveRows(NO_PARENT, first, first + n - 1)
        del self.groups[gi]
        self.starts = np.delete(self.starts, gi)
        self.starts[gi:] -= n
        self._rows -= n
        count(self, g, -1)
        for f in g.files:
            self.set_ticked(f, g, False)
        self._headings.pop(id(g), None)
        self.endRemoveRows()
        self.ticksChanged.emit()
        return g

    def append_group(self, g: DuplicateGroup) -> None:
        first, n = self._rows, len(g.files) + 1
        self.beginInsertRows(NO_PARENT, first, first + n - 1)
        self.groups.append(g)
        self.starts = np.append(self.starts, first)
        self._rows += n
        count(self, g, 1)
        self.endInsertRows()

    # --- Qt model API ---
    def rowCount(self, parent=NO_PARENT) -> int:
        return 0 if parent.isValid() else self._rows

    def columnCount(self, parent=NO_PARENT) -> int:
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section, orientation, role=DISPLAY):
        if orientation == Qt.Horizontal and role == DISPLAY:
            return HEADERS[section]
        return None

    def data(self, index, role=DISPLAY):
        row, col = index.row(), index.column()
        if not 0 <= row < self._rows:
            return None
        gi, k = self.locate(row)
        g = self.groups[gi]
        if k < 0:                                   # the group's heading
            if role == DISPLAY and col == 0:
                text = self._headings.get(id(g))
                if text is None:
                    text = self._headings[id(g)] = heading(g)
                return text
            if role == FONT:
                return self._bold
            if role == BACKGROUND:
                return HEADING_BRUSH
            if role == ALIGN:
                return HEADING_ALIGN
            return None
        f = g.files[k]
        if role == DISPLAY:
            if col == 0:
                star = "  ★ keeper" if f.file_id == g.keep and g.decision is None else ""
                return os.path.basename(f.path) + star
            if col == 1:
                return file_size(f.size)
            if col == 2:
                return f"{f.width}×{f.height}" if f.width else ""
            return os.path.dirname(f.path)
        if col == 0:
            if role == CHECK:
                return Qt.Checked if f.file_id in self.ticked else Qt.Unchecked
            if role == DECORATION:       # asked for the rows painted: those on screen
                pm = self.thumbs.get(ThumbRequest(f.file_id, f.path, g.media or "photo"))
                return None if pm is None else QIcon(pm)   # (a pixmap is drawn full size)
            if role == TOOLTIP:
                return f.path
        if role == FILE_ID_ROLE:
            return f.file_id
        return None

    def tick(self, gi: int, k: int, on: bool) -> None:
        g = self.groups[gi]
        self.set_ticked(g.files[k], g, on)


class GroupsView(QTableView):
    """The groups' table: rows of one height (a thumbnail's), a heading across its row, Space
    ticks or unticks the current file whatever column the cursor is in."""

    def __init__(self, icon_px: int, parent=None):
        super().__init__(parent)
        set_up_row_table(self, "duplicate-groups", icon_px + 6)
        self.setWordWrap(True)
        self.setSelectionMode(QAbstractItemView.SingleSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollPerPixel)
        self.setIconSize(QSize(icon_px, icon_px))
        self.horizontalHeader().setStretchLastSection(True)

    def reset(self) -> None:
        super().reset()
        self.clearSpans()                  # the rows of the groups found before

    def paintEvent(self, event) -> None:
        # a heading spans its row once it is about to be painted: spanning every heading
        # up front is a call per group, each time the groups are found
        model = self.model()
        top = self.rowAt(event.rect().top()) if model is not None else -1
        if top >= 0:                        # (-1: the area below the last row)
            bottom = self.rowAt(event.rect().bottom())
            last = model.rowCount() - 1 if bottom < 0 else bottom
            for row in range(top, last + 1):
                if model.is_heading(row) and self.columnSpan(row, 0) == 1:
                    self.setSpan(row, 0, 1, len(HEADERS))
        super().paintEvent(event)

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key_Space, Qt.Key_Select) and not event.modifiers() & ~(
                Qt.KeypadModifier):
            idx = self.currentIndex().siblingAtColumn(0)
            if idx.isValid() and self.model().flags(idx) & Qt.ItemIsUserCheckable:
                on = self.model().data(idx, CHECK) != Qt.Checked
                self.model().setData(idx, Qt.Checked if on else Qt.Unchecked, CHECK)
            event.accept()
            return
        super().keyPressEvent(event)
