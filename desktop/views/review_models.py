"""The Reorganize review's model/view parts: the units of a plan (one row each, painted with
its folder, counts, dates, place and a strip of thumbnails) and the files of the unit shown.

Models, not item widgets: a plan of 20,000 moves is a list of 20,000 rows that Qt only asks
about as they scroll past. A tick changes the PlanItem in memory at once (the row repaints in
the same keypress); the page writes the decision to the catalog behind it."""

from __future__ import annotations

import os
from collections import OrderedDict

from PySide6.QtCore import (
    QAbstractListModel,
    QAbstractTableModel,
    QByteArray,
    QEvent,
    QMimeData,
    QModelIndex,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionButton,
    QStyleOptionViewItem,
    QTableView,
)

from core.organize import STAYS, Unit, UnitFile
from core.organize.review import relative_folder
from desktop.thumbs import ThumbRequest
from desktop.views.row_table import set_up_row_table

FLAG_BRUSH = QBrush(QColor(230, 160, 40, 70))
# Qt's enums read as module constants: looking one up on Qt costs microseconds, and data()
# is asked for ten roles of every cell painted
DISPLAY, TOOLTIP, CHECK, BACKGROUND, ACCESSIBLE = (
    int(Qt.DisplayRole), int(Qt.ToolTipRole), int(Qt.CheckStateRole), int(Qt.BackgroundRole),
    int(Qt.AccessibleTextRole))
UNIT_ROLE = int(Qt.UserRole) + 1
FILE_ROLE = int(Qt.UserRole) + 2
SUMMARY_ROLE = int(Qt.UserRole) + 3   # unit_summary's line, made once per unit shown
CHECKED, UNCHECKED, PARTLY = Qt.Checked, Qt.Unchecked, Qt.PartiallyChecked
CHECKED_VALUE, PARTLY_VALUE = Qt.Checked.value, Qt.PartiallyChecked.value
ROW_FLAGS = Qt.ItemIsEnabled | Qt.ItemIsSelectable
TICK_FLAGS = ROW_FLAGS | Qt.ItemIsUserCheckable
UNIT_FLAGS = TICK_FLAGS | Qt.ItemIsDropEnabled      # files dropped on a unit go to its folder
FILE_FLAGS = TICK_FLAGS | Qt.ItemIsDragEnabled
DRAG_FLAGS = ROW_FLAGS | Qt.ItemIsDragEnabled   # a file's other cells (made once: Qt asks a
                                                # cell's flags a dozen times a paint)
ITEMS_MIME = "application/x-shoebox-plan-items"    # the plan item ids of the files dragged
STRIP_PX = 56            # a thumbnail of the strip
STRIP_MAX = 12           # at most this many in a unit's strip
PAD = 6
# made once: an enum's | costs ~10 us in Python, and each unit row painted used a dozen
LEFT_MIDDLE = Qt.AlignLeft | Qt.AlignVCenter
NO_CHECK_INDICATOR = ~QStyleOptionViewItem.HasCheckIndicator
BOX_OFF = QStyle.State_Enabled | QStyle.State_Off
BOX_STATES = {CHECKED_VALUE: QStyle.State_Enabled | QStyle.State_On,
              PARTLY_VALUE: QStyle.State_Enabled | QStyle.State_NoChange}
NO_PARENT = QModelIndex()


def _checked(value) -> bool:
    """A CheckStateRole value as views send it (an enum, or its int)."""
    return getattr(value, "value", value) == CHECKED_VALUE


def unit_summary(u: Unit) -> str:
    """'12 photos · 2-9 Apr 2023 · Kyoto, Japan'"""
    return " · ".join(x for x in (u.count_text(), u.span(), u.place) if x)


class UnitModel(QAbstractListModel):
    """One row per unit; a unit's tick says whether its moves are accepted (partly: some)."""

    toggled = Signal(int, bool)   # row, accept
    dropped = Signal(int, list)   # row, plan item ids dragged onto it

    def __init__(self, parent=None):
        super().__init__(parent)
        self.units: list[Unit] = []
        self.accepted: list[int] = []   # accepted moves per unit
        self.editable = False
        self._summaries: dict[int, str] = {}

    def set_units(self, units: list[Unit], editable: bool) -> None:
        self.beginResetModel()
        self.units, self.editable = units, editable
        self._summaries = {}
        self.accepted = [sum(f.item is not None and f.item.decision == "accept"
                             for f in u.files) for u in units]
        self.endResetModel()

    def same_shape(self, units: list[Unit]) -> bool:
        return [(u.key, len(u.files)) for u in units] == \
            [(u.key, len(u.files)) for u in self.units]

    def replace(self, units: list[Unit], editable: bool) -> None:
        """New data of the same shape (decisions re-read): no reset, the selection stays."""
        self.units, self.editable = units, editable
        self._summaries = {}
        self.recount()

    def recount(self, row: int | None = None) -> None:
        rows = range(len(self.units)) if row is None else [row]
        for r in rows:
            self.accepted[r] = sum(f.item is not None and f.item.decision == "accept"
                                   for f in self.units[r].files)
        if self.units:
            first, last = (0, len(self.units) - 1) if row is None else (row, row)
            self.dataChanged.emit(self.index(first), self.index(last))

    def add(self, row: int, accepted: int) -> None:
        """Moves of a unit accepted (or, negative, skipped) just now: no recount of 20,000."""
        self.accepted[row] += accepted
        self.dataChanged.emit(self.index(row), self.index(row))

    def row_of(self, key: str) -> int | None:
        return next((r for r, u in enumerate(self.units) if u.key == key), None)

    def rowCount(self, parent=NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self.units)

    def summary(self, row: int) -> str:
        """The unit's counts, dates and place (counting the photos and videos of a unit of
        20,000 at every repaint of its row took milliseconds; decisions do not change them)."""
        s = self._summaries.get(row)
        if s is None:
            s = self._summaries[row] = unit_summary(self.units[row])
        return s

    def check_state(self, row: int):
        u = self.units[row]
        if u.key == STAYS:
            return None
        n = self.accepted[row]
        return CHECKED if n == len(u.files) else UNCHECKED if n == 0 else PARTLY

    def data(self, index, role=DISPLAY):
        u = self.units[index.row()]
        if role == DISPLAY:
            return u.folder
        if role == UNIT_ROLE:
            return u
        if role == CHECK:
            return self.check_state(index.row()) if self.editable else None
        if role == TOOLTIP:
            return self._tooltip(u, index.row())
        if role == SUMMARY_ROLE:
            return self.summary(index.row())
        if role == ACCESSIBLE:
            return f"{u.folder}: {self.summary(index.row())}"
        return None

    def _tooltip(self, u: Unit, row: int) -> str:
        if u.key == STAYS:
            return f"{len(u.files)} files stay where they are; each says why"
        lines = [u.key + os.sep, self.summary(row)]
        if u.collections:
            lines.append("from " + ", ".join(f"“{c}”" for c in u.collections))
        if self.editable:
            lines.append(f"{self.accepted[row]} of {len(u.files)} accepted")
        if u.notes:
            lines += ["what the checks changed, and why:", *(f"- {n}" for n in u.notes)]
        lines.append("Space: accept or skip all · double-click: rename the folder")
        return "\n".join(lines)

    def flags(self, index):
        if self.editable and index.isValid() and self.units[index.row()].key != STAYS:
            return UNIT_FLAGS
        return ROW_FLAGS

    def setData(self, index, value, role=Qt.EditRole) -> bool:
        if role != CHECK or self.flags(index) != UNIT_FLAGS:
            return False
        self.toggled.emit(index.row(), _checked(value))
        return True

    def mimeTypes(self) -> list[str]:
        return [ITEMS_MIME]

    def supportedDropActions(self):
        return Qt.MoveAction | Qt.CopyAction

    def canDropMimeData(self, data, action, row, column, parent) -> bool:
        return data.hasFormat(ITEMS_MIME) and parent.isValid() and \
            self.flags(parent) == UNIT_FLAGS

    def dropMimeData(self, data, action, row, column, parent) -> bool:
        if not self.canDropMimeData(data, action, row, column, parent):
            return False
        ids = [int(x) for x in bytes(data.data(ITEMS_MIME)).decode().split(",") if x]
        self.dropped.emit(parent.row(), ids)
        return False   # the files' rows are not removed here: the plan, read again, moves them


class FileModel(QAbstractTableModel):
    """The files of one unit: tick (accepted), name, the folder it comes from, why."""

    HEADERS = ("File", "From", "Why")
    toggled = Signal(list, bool)   # rows, accept

    def __init__(self, parent=None):
        super().__init__(parent)
        self.unit: Unit | None = None
        self.files: list[UnitFile] = []
        self.bases: list[str] = []
        self.editable = False
        self._texts: dict[int, tuple[str, str, str]] = {}

    def set_unit(self, unit: Unit | None, bases: list[str], editable: bool) -> None:
        self.beginResetModel()
        self.unit, self.bases, self.editable = unit, bases, editable
        self.files = unit.files if unit is not None else []
        self._texts: dict[int, tuple[str, str, str]] = {}
        self.endResetModel()

    def replace(self, unit: Unit, editable: bool) -> None:
        self.unit, self.files, self.editable = unit, unit.files, editable
        self._texts = {}
        self.changed_rows(range(len(self.files)))

    def changed_rows(self, rows) -> None:
        rows = list(rows)
        if rows:
            self.dataChanged.emit(self.index(min(rows), 0),
                                  self.index(max(rows), len(self.HEADERS) - 1))

    def rowCount(self, parent=NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self.files)

    def columnCount(self, parent=NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section, orientation, role=DISPLAY):
        if orientation == Qt.Horizontal and role == DISPLAY:
            return self.HEADERS[section]
        return None

    def texts(self, row: int) -> tuple[str, str, str]:
        """A row's three texts, made once (a path's relative folder is not cheap, and a cell
        is painted again at every keypress near it)."""
        t = self._texts.get(row)
        if t is None:
            f = self.files[row]
            it = f.item
            name = os.path.basename(it.dst if it is not None else f.path)
            folder = relative_folder(os.path.dirname(it.src if it is not None else f.path),
                                     self.bases) or "."
            why = f"{it.state}: {f.reason}" if it is not None and it.state and \
                not self.editable else f.reason
            t = self._texts[row] = ("⚠ " + name if it is not None and it.flagged else name,
                                    folder, why)
        return t

    def data(self, index, role=DISPLAY):
        if role == DISPLAY:
            return self.texts(index.row())[index.column()]
        if role == CHECK:
            if index.column() or not self.editable:
                return None
            it = self.files[index.row()].item
            return None if it is None else CHECKED if it.decision == "accept" else UNCHECKED
        if role == BACKGROUND:
            it = self.files[index.row()].item
            return FLAG_BRUSH if it is not None and it.flagged else None
        if role == TOOLTIP:
            return file_tooltip(self.files[index.row()])
        if role == FILE_ROLE:
            return self.files[index.row()]
        return None

    def flags(self, index):
        if self.editable and self.files[index.row()].item is not None:
            return FILE_FLAGS if index.column() == 0 else DRAG_FLAGS
        return ROW_FLAGS

    def setData(self, index, value, role=Qt.EditRole) -> bool:
        if role != CHECK or self.flags(index) != FILE_FLAGS:
            return False
        self.toggled.emit([index.row()], _checked(value))
        return True

    def mimeTypes(self) -> list[str]:
        return [ITEMS_MIME]

    def supportedDragActions(self):
        return Qt.MoveAction   # (the default, copy, is refused by the units list)

    def mimeData(self, indexes) -> QMimeData:
        ids = dict.fromkeys(self.files[i.row()].item.id for i in indexes
                            if self.files[i.row()].item is not None)
        data = QMimeData()
        data.setData(ITEMS_MIME, QByteArray(",".join(map(str, ids)).encode()))
        return data


def file_tooltip(f: UnitFile) -> str:
    it = f.item
    if it is None:
        return f"{f.path}\nstays: {f.reason}"
    tip = f"from {it.src}\nto {it.dst}"
    if f.companions:
        tip += f"\n+ {f.companions} companion file(s) (sidecars, RAW) move with it"
    if f.reason:
        tip += f"\nwhy: {f.reason}"
    if it.state:
        tip += f"\nstate: {it.state}"
    return tip


class TickingView:
    """Space (or Select) ticks or unticks the current row, and every other selected one with
    it, through the model's `toggled`; a view's own Space only selects."""

    def _space(self, event) -> bool:
        if event.key() not in (Qt.Key_Space, Qt.Key_Select) or event.modifiers() & ~(
                Qt.KeypadModifier):
            return False
        cur = self.currentIndex()
        model = self.model()
        if not cur.isValid():
            return False
        idx = cur.siblingAtColumn(0)
        if not (model.flags(idx) & Qt.ItemIsUserCheckable):
            event.accept()
            return True
        accept = not _checked(model.data(idx, Qt.CheckStateRole))
        rows = sorted({i.row() for i in self.selectionModel().selectedRows()} | {cur.row()})
        if isinstance(model, FileModel):
            model.toggled.emit(rows, accept)
        else:
            model.toggled.emit(cur.row(), accept)
        event.accept()
        return True


class UnitView(TickingView, QListView):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("units")
        self.setUniformItemSizes(True)
        self.setSelectionMode(QAbstractItemView.SingleSelection)
        self.setDragDropMode(QAbstractItemView.DropOnly)   # files dragged from the list beside
        self.setDropIndicatorShown(True)
        self.setVerticalScrollMode(QAbstractItemView.ScrollPerPixel)

    def keyPressEvent(self, event) -> None:
        if not self._space(event):
            super().keyPressEvent(event)

    def dataChanged(self, top_left, bottom_right, roles=()) -> None:
        """A unit's tick or count changed: its row is painted again. QListView's own
        dataChanged lays out every row anew (two calls into Python per unit: ~6,000 at every
        tick of a 20,000-move plan), which rows of one fixed height never need."""
        QAbstractItemView.dataChanged(self, top_left, bottom_right, roles)


class FileView(TickingView, QTableView):
    """A table, not a tree: a tree lays out every row of its model (a call into Python for
    each of 20,000 files) whenever the unit in view changes."""

    def __init__(self, parent=None):
        super().__init__(parent)
        set_up_row_table(self, "files", self.fontMetrics().height() + 6)
        self.setWordWrap(False)
        self.setAlternatingRowColors(True)
        self.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.setDragDropMode(QAbstractItemView.DragOnly)   # onto another unit: its folder
        self.setDefaultDropAction(Qt.MoveAction)

    def keyPressEvent(self, event) -> None:
        if not self._space(event):
            super().keyPressEvent(event)


class UnitDelegate(QStyledItemDelegate):
    """A unit row: tick, folder (bold), '12 photos · 2-9 Apr 2023 · Kyoto, Japan', and a strip
    of its first photos' thumbnails from the app's thumbnail loader (asked for only as rows are
    painted; scaled once, then kept)."""

    def __init__(self, thumbs, parent=None):
        super().__init__(parent)
        self.thumbs = thumbs
        self._small: OrderedDict[int, QPixmap] = OrderedDict()

    def sizeHint(self, option, index) -> QSize:
        fm = option.fontMetrics
        return QSize(240, 2 * fm.height() + STRIP_PX + 3 * PAD)

    def _check_rect(self, option) -> QRect:
        style = option.widget.style() if option.widget else QApplication.style()
        size = style.pixelMetric(QStyle.PM_IndicatorWidth, option, option.widget)
        r = option.rect
        return QRect(r.left() + PAD, r.top() + PAD + (option.fontMetrics.height() - size) // 2,
                     size, size)

    def _thumb(self, f: UnitFile) -> QPixmap | None:
        if f.file_id is None:
            return None
        pm = self._small.get(f.file_id)
        if pm is not None:
            return pm
        big = self.thumbs.get(ThumbRequest(f.file_id, f.path, f.kind, f.content_hash))
        if big is None:
            return None
        pm = big.scaled(QSize(STRIP_PX, STRIP_PX), Qt.KeepAspectRatioByExpanding,
                        Qt.SmoothTransformation)
        if pm.width() > STRIP_PX or pm.height() > STRIP_PX:   # centre square
            pm = pm.copy((pm.width() - STRIP_PX) // 2, (pm.height() - STRIP_PX) // 2,
                         STRIP_PX, STRIP_PX)
        self._small[f.file_id] = pm
        while len(self._small) > 2000:
            self._small.popitem(last=False)
        return pm

    def paint(self, painter: QPainter, option, index) -> None:
        u: Unit = index.data(UNIT_ROLE)
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        widget = option.widget
        style = widget.style() if widget else QApplication.style()
        opt.text = ""
        opt.features &= NO_CHECK_INDICATOR
        style.drawControl(QStyle.CE_ItemViewItem, opt, painter, widget)  # background, focus
        painter.save()
        selected = bool(option.state & QStyle.State_Selected)
        pal = option.palette
        text_role = QPalette.HighlightedText if selected else QPalette.Text
        fm = option.fontMetrics
        r = option.rect.adjusted(PAD, PAD, -PAD, -PAD)
        x = r.left()
        state = index.data(CHECK)
        if state is not None:
            box = QStyleOptionButton()
            box.rect = self._check_rect(option)
            box.state = BOX_STATES.get(getattr(state, "value", state), BOX_OFF)
            style.drawPrimitive(QStyle.PE_IndicatorCheckBox, box, painter, widget)
            x = box.rect.right() + PAD
        bold = painter.font()
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(pal.color(text_role))
        line = QRect(x, r.top(), r.right() - x, fm.height())
        title = u.folder if u.key != STAYS else "Left where they are"
        painter.drawText(line, LEFT_MIDDLE,
                         painter.fontMetrics().elidedText(title, Qt.ElideMiddle, line.width()))
        painter.setFont(option.font)
        if not selected:
            painter.setPen(pal.color(QPalette.PlaceholderText))
        line = QRect(x, r.top() + fm.height(), r.right() - x, fm.height())
        sub = index.data(SUMMARY_ROLE) if u.key != STAYS else \
            f"{len(u.files)} file{'s' if len(u.files) != 1 else ''}, each with its reason"
        painter.drawText(line, LEFT_MIDDLE,
                         fm.elidedText(sub, Qt.ElideRight, line.width()))
        top = r.top() + 2 * fm.height() + PAD
        fit = max(0, min(STRIP_MAX, (r.right() - x + 4) // (STRIP_PX + 4)))
        empty = pal.color(QPalette.AlternateBase)
        for i, f in enumerate(u.files[:fit]):
            cell = QRect(x + i * (STRIP_PX + 4), top, STRIP_PX, STRIP_PX)
            pm = self._thumb(f)
            if pm is None:
                painter.fillRect(cell, empty)
            else:
                painter.drawPixmap(cell.left() + (STRIP_PX - pm.width()) // 2,
                                   cell.top() + (STRIP_PX - pm.height()) // 2, pm)
        painter.restore()

    def editorEvent(self, event, model, option, index) -> bool:
        """A click on the tick ticks (and a double-click there does not rename)."""
        if event.type() in (QEvent.MouseButtonPress, QEvent.MouseButtonRelease,
                            QEvent.MouseButtonDblClick) and \
                index.data(Qt.CheckStateRole) is not None and \
                self._check_rect(option).adjusted(-3, -3, 3, 3).contains(
                    event.position().toPoint()):
            if event.type() == QEvent.MouseButtonRelease and event.button() == Qt.LeftButton:
                model.setData(index, Qt.Unchecked if _checked(index.data(Qt.CheckStateRole))
                              else Qt.Checked, Qt.CheckStateRole)
            return True
        return super().editorEvent(event, model, option, index)
