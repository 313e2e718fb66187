"""The Cull page's model/view parts: a table with a row per stack (newest first), the shots of
the stacks the user opened in rows under theirs, then the photos worth a look on their own
under a row of their own.

The page made a QTreeWidgetItem per shot of every stack on the GUI thread: 20,000 stacks
(82,000 shots) stalled it 4.4 s each time the page was shown. A QTreeView over a model is no
cure: it lays out every row read so far, seven calls into Python each, whenever rows come in
(20,000 stacks: half a second a page). A table asks only about the rows it paints (as the
Duplicates and Reorganize pages found). So a worker reads the first page of stacks and the
counts the page says (`load_listing`); the table asks for more as it is scrolled to the end
(`fetchMore`: a page read on a worker, `moreWanted` then `add_page`). Opening a stack inserts
its shots' rows; a shot's thumbnail is asked for when its row is painted. The ticks live here,
by file id: opening a stack ticks its lesser shots, the first time only (an untick stays)."""

from __future__ import annotations

import os
from bisect import bisect_left, bisect_right, insort
from dataclasses import dataclass

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QFont, QIcon
from PySide6.QtWidgets import QAbstractItemView, QTableView

from core.cull.culling import held_files
from core.cull.review import (
    FlaggedShot,
    StackSummary,
    flagged_shots,
    list_stacks,
    stack_counts,
    stack_position,
)
from core.query.display import plural
from desktop.thumbs import ThumbRequest
from desktop.views.row_table import TickedRows, set_up_row_table

PAGE = 200          # stacks read at a time: a few screens
HEADERS = ("Shot", "Why", "Folder")
ICON_PX = 64
SHOT_PX = ICON_PX + 6   # a shot's row: a thumbnail high; a stack's is a line of text
ARROW_PX = 22        # the open/closed arrow at the start of a stack's row: a click there
OPEN, CLOSED = "▾ ", "▸ "
DISPLAY, DECORATION, TOOLTIP, CHECK, FONT = (int(Qt.DisplayRole), int(Qt.DecorationRole),
                                             int(Qt.ToolTipRole), int(Qt.CheckStateRole),
                                             int(Qt.FontRole))
FILE_ROLE = int(Qt.UserRole)         # a shot's file id
STACK_ROLE = int(Qt.UserRole) + 1    # a stack's row: its stack id
NO_PARENT = QModelIndex()


@dataclass(frozen=True)
class CullListing:
    """What the page shows, read on a worker: the first stacks, and counts of them all."""
    stacks: list[StackSummary]       # the first pages (to the kept stack, if asked)
    total: int                       # stacks in all
    lesser: int                      # lesser shots in all stacks
    flagged: list[FlaggedShot]
    held: int                        # files waiting in the Shoebox trash


def load_listing(catalog, keep: int | None = None, to_end: bool = False) -> CullListing:
    """Worker thread: the first page of stacks, as many pages as reach stack `keep`, or every
    stack (`to_end`: the flagged photos, listed after them, are where the user is)."""
    at = stack_position(catalog, keep) if keep is not None else None
    pages = 1 if at is None else at // PAGE + 1
    total, lesser = stack_counts(catalog)
    return CullListing(list_stacks(catalog, None if to_end else pages * PAGE), total, lesser,
                       flagged_shots(catalog), len(held_files(catalog)))


def load_page(catalog, offset: int) -> tuple[int, list[StackSummary]]:
    """Worker thread: the next page of stacks."""
    return offset, list_stacks(catalog, PAGE, offset)


def shot_why(s: StackSummary, shot) -> str:
    if shot.file_id == s.cover_id:
        return "your pick" if s.picked else f"best: {s.reason}"
    return ", ".join(shot.flaws) or "a lesser shot"


def stack_label(s: StackSummary) -> str:
    best = s.shots[0] if s.shots else None
    return f"{plural(len(s.shots), 'look-alike shot')} · keep {best.name if best else '?'}"


class CullModel(TickedRows, QAbstractTableModel):
    """Groups (the stacks read so far, then the flagged photos once every stack is in), each
    a row, with the rows of its shots under it while it is open. `moreWanted(offset)`: the
    view scrolled to the last stack read; the page reads the next page and hands it to
    `add_page`."""

    moreWanted = Signal(int)
    ticksChanged = Signal()

    def __init__(self, thumbs, parent=None):
        super().__init__(parent)
        self.thumbs = thumbs
        self.stacks: list[StackSummary] = []
        self.flagged: list[FlaggedShot] = []
        self.total = 0
        self.lesser = 0
        self.row_of: dict[int, int] = {}       # stack id -> its group (index in stacks)
        self.ticked: dict[int, None] = {}      # file ids, in the order ticked
        self.opened: set[int] = set()          # stacks whose lesser shots were ticked
        self._open: list[int] = []             # the groups open, in order
        self._open_rows: list[int] = []        # the row of each
        self._rows = 0
        self._fetching = False
        self._flagged_listed = False           # the flagged photos' row is in (at the end)
        self._bold = QFont()
        self._bold.setBold(True)

    # --- listings ---
    def set_listing(self, listing: CullListing, keep: bool = True,
                    open_ids: tuple[set[int], bool] = (set(), False)) -> None:
        """A new listing. `keep`: the ticks of shots still lesser shots of stacks opened
        before (or still flagged) stay, and those stacks count as opened. `open_ids`: (the
        stacks to show open, whether the flagged photos are open)."""
        self.beginResetModel()
        self.stacks = list(listing.stacks)
        self.flagged = listing.flagged
        self.total, self.lesser = listing.total, listing.lesser
        self.row_of = {s.id: i for i, s in enumerate(self.stacks)}
        self._fetching = False
        self._flagged_listed = bool(self.flagged) and self.complete()
        if keep:
            self.opened &= self.row_of.keys()
            kept = {sh.file_id for sid in self.opened for s in (self.stacks[self.row_of[sid]],)
                    for sh in s.shots if sh.file_id != s.cover_id}
            kept |= {f.file_id for f in self.flagged}
            self.ticked = {f: None for f in self.ticked if f in kept}
        else:
            self.opened, self.ticked = set(), {}
        stacks, flagged = open_ids
        self._open = sorted(self.row_of[i] for i in stacks if i in self.row_of)
        if flagged and self.flagged_group() is not None:
            self._open.append(len(self.stacks))
        self._count()
        self.endResetModel()
        self.ticksChanged.emit()

    def _count(self) -> None:
        """The rows of the open groups, and the rows in all."""
        extra = 0
        self._open_rows = []
        for g in self._open:
            self._open_rows.append(g + extra)
            extra += len(self.shots_of(g))
        self._rows = self.groups() + extra

    def complete(self) -> bool:
        return len(self.stacks) >= self.total

    def groups(self) -> int:
        return len(self.stacks) + (self.flagged_group() is not None)

    def flagged_group(self) -> int | None:
        """The group of the flagged photos (listed once every stack is in), if any."""
        return len(self.stacks) if self._flagged_listed else None

    def canFetchMore(self, parent=NO_PARENT) -> bool:
        return not parent.isValid() and not self._fetching and not self.complete()

    def fetchMore(self, parent=NO_PARENT) -> None:
        if self.canFetchMore(parent):
            self._fetching = True
            self.moreWanted.emit(len(self.stacks))

    def fetch_failed(self) -> None:
        self._fetching = False

    def add_page(self, offset: int, stacks: list[StackSummary]) -> None:
        """A page read: its rows added at the end (one read for a listing since replaced is
        dropped)."""
        if offset != len(self.stacks) or not self._fetching:
            return
        self._fetching = False
        stacks = [s for s in stacks if s.id not in self.row_of]   # (the stacks moved)
        if not stacks:
            self.total = len(self.stacks)          # none left: the list ends here
        else:                                      # (no group after the stacks is open yet)
            first = self._rows
            self.beginInsertRows(NO_PARENT, first, first + len(stacks) - 1)
            for i, s in enumerate(stacks, len(self.stacks)):
                self.row_of[s.id] = i
            self.stacks.extend(stacks)
            self._rows += len(stacks)
            self.endInsertRows()
        if self.flagged and self.complete():
            self.beginInsertRows(NO_PARENT, self._rows, self._rows)
            self._flagged_listed = True
            self._rows += 1
            self.endInsertRows()

    # --- rows ---
    def locate(self, row: int) -> tuple[int, int]:
        """(group, shot) of a row; the shot of a group's own row is -1."""
        j = bisect_right(self._open_rows, row) - 1
        if j < 0:
            return row, -1
        start, g = self._open_rows[j], self._open[j]
        n = len(self.shots_of(g))
        if row <= start + n:
            return g, row - start - 1
        return row - (start - g + n), -1

    def group_row(self, g: int) -> int:
        j = bisect_left(self._open, g)
        if j == 0:
            return g
        before = self._open[j - 1]
        return g + self._open_rows[j - 1] - before + len(self.shots_of(before))

    def shots_of(self, g: int) -> list:
        if g < len(self.stacks):
            return self.stacks[g].shots
        return self.flagged if g == self.flagged_group() else []

    def why(self, g: int, k: int) -> str:
        """What a shot's row says of it: why it is the best, or what it lacks."""
        shot = self.shots_of(g)[k]
        return shot_why(self.stacks[g], shot) if g < len(self.stacks) else \
            ", ".join(shot.reasons)

    def stack(self, g: int) -> StackSummary | None:
        return self.stacks[g] if 0 <= g < len(self.stacks) else None

    def is_open(self, g: int) -> bool:
        j = bisect_left(self._open, g)
        return j < len(self._open) and self._open[j] == g

    def open_groups(self) -> list[int]:
        return list(self._open)

    def shot_rows(self) -> list[tuple[int, int]]:
        """(first, last) rows of the shots of each open group (a thumbnail high)."""
        return [(r + 1, r + len(self.shots_of(g))) for g, r in zip(self._open, self._open_rows)
                if self.shots_of(g)]

    def set_open(self, g: int, on: bool) -> None:
        """Show a group's shots under it, or hide them. A stack opened for the first time
        has its lesser shots ticked (the best never)."""
        n = len(self.shots_of(g))
        if not n or on == self.is_open(g):
            return
        row = self.group_row(g)
        if on:
            self.beginInsertRows(NO_PARENT, row + 1, row + n)
            insort(self._open, g)
            self._count()
            self.endInsertRows()
            self._tick_lesser(g, row)
        else:
            self.beginRemoveRows(NO_PARENT, row + 1, row + n)
            self._open.remove(g)
            self._count()
            self.endRemoveRows()
        self.dataChanged.emit(self.index(row, 0), self.index(row, 0), [DISPLAY])

    def _tick_lesser(self, g: int, row: int) -> None:
        s = self.stack(g)
        if s is None or s.id in self.opened:
            return
        self.opened.add(s.id)
        for sh in s.shots:
            if sh.file_id != s.cover_id:
                self.ticked[sh.file_id] = None
        self.dataChanged.emit(self.index(row + 1, 0), self.index(row + len(s.shots), 0),
                              [CHECK])
        self.ticksChanged.emit()

    def shot_row(self, g: int, file_id: int) -> int | None:
        """The row of a shot of an open group."""
        if not self.is_open(g):
            return None
        k = next((k for k, f in enumerate(self.shots_of(g)) if f.file_id == file_id), None)
        return None if k is None else self.group_row(g) + 1 + k

    # --- Qt model API ---
    def rowCount(self, parent=NO_PARENT) -> int:
        return self._rows if not parent.isValid() else 0

    def columnCount(self, parent=NO_PARENT) -> int:
        return len(HEADERS) if not parent.isValid() else 0

    def headerData(self, section, orientation, role=DISPLAY):
        horizontal = orientation == Qt.Horizontal
        return HEADERS[section] if horizontal and role == DISPLAY else None

    def data(self, index, role=DISPLAY):
        row, col = index.row(), index.column()
        if row < 0 or row >= self._rows:
            return None
        g, k = self.locate(row)
        if k < 0:                                   # a group's row
            arrow = OPEN if self.is_open(g) else CLOSED
            if g < len(self.stacks):
                s = self.stacks[g]
                if role == DISPLAY:
                    return arrow + stack_label(s) if col == 0 else s.reason if col == 1 \
                        else ""
                return s.id if role == STACK_ROLE else None
            if role == DISPLAY:
                return (f"{arrow}Worth a look on their own: "
                        f"{plural(len(self.flagged), 'photo')}" if col == 0
                        else "never ticked for you" if col == 1 else "")
            return self._bold if role == FONT else None
        shot = self.shots_of(g)[k]
        if role == DISPLAY:
            if col == 0:
                return shot.name
            if col == 2:
                return os.path.dirname(shot.path)
            return self.why(g, k)
        if role == FILE_ROLE:
            return shot.file_id
        if col == 0:
            if role == CHECK:
                return Qt.Checked if shot.file_id in self.ticked else Qt.Unchecked
            if role == DECORATION:       # asked for the rows painted: a stack opened
                pm = self.thumbs.get(ThumbRequest(shot.file_id, shot.path, "photo"))
                return None if pm is None else QIcon(pm)
        if role == TOOLTIP:
            return shot.path
        return None

    def tick(self, g: int, k: int, on: bool) -> None:
        fid = self.shots_of(g)[k].file_id
        if on:
            self.ticked[fid] = None
        else:
            self.ticked.pop(fid, None)


class StacksView(QTableView):
    """The stacks' table, kept like a tree: a click on a stack's arrow, a double click on its
    row, or Right and Left open and close it; Left on a shot goes to its stack; Home and End
    go to the first and last row. Space ticks or unticks the current shot whatever column
    the cursor is in."""

    def __init__(self, parent=None):
        super().__init__(parent)
        rows = set_up_row_table(self, "cull-stacks", self.fontMetrics().height() + 6)
        rows.setMinimumSectionSize(1)
        self.setWordWrap(False)
        self.setSelectionMode(QAbstractItemView.SingleSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollPerPixel)
        self.setIconSize(QSize(ICON_PX, ICON_PX))
        columns = self.horizontalHeader()
        columns.setStretchLastSection(True)
        columns.setDefaultAlignment(Qt.AlignLeft | Qt.AlignVCenter)

    def setModel(self, model) -> None:
        super().setModel(model)
        # a shot's row is a thumbnail high; the header sizes only the rows of open groups
        model.modelReset.connect(self._rows_reset)
        model.rowsInserted.connect(self._rows_inserted)

    def _rows_reset(self) -> None:
        self._size_shot_rows(0, self.model().rowCount() - 1)

    def _rows_inserted(self, _parent, first: int, last: int) -> None:
        self._size_shot_rows(first, last)

    def _size_shot_rows(self, first: int, last: int) -> None:
        header = self.verticalHeader()
        for a, b in self.model().shot_rows():
            for r in range(max(a, first), min(b, last) + 1):
                header.resizeSection(r, SHOT_PX)

    def thumbs_arrived(self, _file_ids: list[int]) -> None:
        """The rows on screen repaint with the thumbnails that arrived (one repaint a batch)."""
        self.viewport().update()

    def toggle(self, g: int, on: bool | None = None) -> None:
        model = self.model()
        model.set_open(g, not model.is_open(g) if on is None else on)

    def _group_at(self, index) -> int | None:
        if not index.isValid():
            return None
        g, k = self.model().locate(index.row())
        return g if k < 0 else None

    def mousePressEvent(self, event) -> None:
        index = self.indexAt(event.position().toPoint())
        g = self._group_at(index)
        if g is not None and index.column() == 0 and \
                event.position().x() - self.visualRect(index).left() < ARROW_PX:
            self.setCurrentIndex(index)
            self.toggle(g)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseDoubleClickEvent(self, event) -> None:
        g = self._group_at(self.indexAt(event.position().toPoint()))
        if g is not None:
            self.toggle(g)
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    def moveCursor(self, action, modifiers):
        # Home and End go to the first and last row, as in a tree (a table's go to the
        # first and last column of the row)
        if action in (QAbstractItemView.MoveHome, QAbstractItemView.MoveEnd):
            modifiers |= Qt.ControlModifier
        return super().moveCursor(action, modifiers)

    def keyPressEvent(self, event) -> None:
        key, mods = event.key(), event.modifiers() & ~Qt.KeypadModifier
        index = self.currentIndex()
        model = self.model()
        if index.isValid() and not mods and key in (Qt.Key_Right, Qt.Key_Left, Qt.Key_Space,
                                                     Qt.Key_Select):
            g, k = model.locate(index.row())
            if key == Qt.Key_Right and k < 0:
                self.toggle(g, True)
            elif key == Qt.Key_Left:
                if k < 0:
                    self.toggle(g, False)
                else:
                    self.setCurrentIndex(model.index(model.group_row(g), 0))
            elif k >= 0 and key in (Qt.Key_Space, Qt.Key_Select):
                cell = index.siblingAtColumn(0)
                on = model.data(cell, CHECK) != Qt.Checked
                model.setData(cell, Qt.Checked if on else Qt.Unchecked, CHECK)
            event.accept()
            return
        super().keyPressEvent(event)
