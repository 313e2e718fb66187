"""The library grid: one QAbstractListModel over plain row tuples, a painting delegate, and a
QListView set up to stay fast at 100,000 items (uniform sizes, batched layout, no item widgets).

Rows are read in a worker (core.query.list_library; the row layout is core.query's) and
handed to the model in one reset; a big library's are its ids only, and the model fetches
the pages it shows (desktop.grid_rows). The model asks the
ThumbnailLoader only for rows the view paints, so thumbnails load nearest-visible first.
"""

from __future__ import annotations

import bisect
import datetime as dt
import os
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPalette, QPen
from PySide6.QtWidgets import QAbstractItemView, QListView, QStyle, QStyledItemDelegate

from core.files.kinds import format_of
from core.query import (
    DURATION,
    ERROR,
    FOLDER,
    HASH,
    ID,
    KIND,
    NAME,
    PATH,
    STACK,
    TAKEN_AT,
    clock,
)
from desktop.grid_rows import PagedRows, PlainRows
from desktop.thumbs import ThumbnailLoader, ThumbRequest

BAND_H = 30     # a timeline header's month / event line, px
YEAR_H = 34     # ... and its year line, when the year changes
FileIdRole = Qt.UserRole + 1
PathRole = Qt.UserRole + 2
KindRole = Qt.UserRole + 3
ScoreRole = Qt.UserRole + 4
HitRole = Qt.UserRole + 5       # e.g. {"start_s": 12.0, "text": "..."} for a transcript hit
RowRole = Qt.UserRole + 6


def format_when(ts: float | None) -> str:
    if ts is None:
        return ""
    return dt.datetime.fromtimestamp(ts).strftime("%d %b %Y %H:%M")



_FIELDS = {"caption": "its description", "tags": "its tags", "transcript": "what is said",
           "path": "its file name", "text": "text in it"}


def match_reason(hit: dict | None) -> str:
    """Why a search result is there, in a few words: 'text in it', 'what is said', 'how it
    looks', 'meaning'."""
    hit = hit if isinstance(hit, dict) else {}
    what = _FIELDS.get(hit.get("field") or "", "words")
    return {"vector": "how it looks", "meaning": f"meaning ({what})",
            "both": f"{what} + how it looks", "similar": "how it looks",
            "browse": "filters"}.get(hit.get("matched") or "", what)


class LibraryModel(QAbstractListModel):
    """Rows of files; thumbnails come from the loader as they are painted."""

    rowsReplaced = Signal()

    def __init__(self, loader: ThumbnailLoader, parent=None):
        super().__init__(parent)
        self.loader = loader
        # the row source (desktop.grid_rows): the delegate reads `_rows[row]` and `len(_rows)`
        self._rows: PlainRows | PagedRows = PlainRows([])
        self._count = 0   # len(_rows): the view asks rowCount thousands of times a page-down
        self._scores: dict[int, float] = {}
        self._hits: dict[int, Any] = {}
        self.starts: dict[int, str] = {}  # row -> label of the group (month...) it begins
        self.headers: dict = {}  # row -> core.query.Header: a full-width timeline band
        self._band_rows: list[int] = []   # sorted rows where a band begins
        self.open_stacks: dict[int, int] = {}   # cover id -> look-alikes shown after it
        self.in_stack: dict[int, int] = {}      # file id of a shown look-alike -> its cover
        loader.readyBatch.connect(self._on_thumbs)

    # --- data in ---
    def set_rows(self, rows: list[tuple] | PagedRows, scores: dict[int, float] | None = None,
                 hits: dict[int, Any] | None = None, *, row_of: dict[int, int] | None = None,
                 starts: dict[int, str] | None = None, headers: dict | None = None) -> None:
        """Swap in new rows: a list, or a big library's pages (desktop.grid_rows.PagedRows);
        `row_of` and `starts` (group labels) come precomputed from core.query, so the GUI
        thread only swaps references."""
        self.beginResetModel()
        self._rows = rows if isinstance(rows, PagedRows) else PlainRows(rows, row_of)
        self._count = len(self._rows)
        self._scores = scores or {}
        self._hits = hits or {}
        self.starts = starts or {}
        self.headers = headers or {}
        self._band_rows = sorted(self.headers)
        self.open_stacks, self.in_stack = {}, {}
        self.endResetModel()
        self.rowsReplaced.emit()

    # --- stacks of look-alike shots (core.cull): one tile that opens in place ---------------
    def stack_size(self, row: int) -> int | None:
        """How many shots the stack this row covers holds (None: it covers none)."""
        r = self._rows[row]
        return r[STACK] if len(r) > STACK else None

    def open_stack(self, cover_id: int, members: list[tuple]) -> None:
        """Show a stack's other shots right after its tile (`members`: their rows, the cover
        left out). Only the rows after the tile move; timeline bands keep their places."""
        row = self._rows.row_of(cover_id)
        if row is None or cover_id in self.open_stacks:
            return
        members = [m for m in members if m[ID] != cover_id and self._rows.row_of(m[ID]) is None]
        if not members:
            return
        self._shift(row, len(members), lambda: self._rows.insert(row + 1, members))
        self.open_stacks[cover_id] = len(members)
        self.in_stack.update((m[ID], cover_id) for m in members)

    def close_stack(self, cover_id: int) -> None:
        n = self.open_stacks.pop(cover_id, 0)
        row = self._rows.row_of(cover_id)
        if not n or row is None:
            return
        gone: list[int] = []
        self._shift(row, -n, lambda: gone.extend(self._rows.remove(row + 1, n)))
        for f in gone:
            self.in_stack.pop(f, None)

    def _shift(self, row: int, n: int, change) -> None:
        """Insert (n > 0) or remove (n < 0) rows after `row`, moving every row-keyed map."""
        if n > 0:
            self.beginInsertRows(QModelIndex(), row + 1, row + n)
        else:
            self.beginRemoveRows(QModelIndex(), row + 1, row - n)
        change()
        self._count = len(self._rows)
        after = row + 1 if n > 0 else row + 1 - n
        self.starts = {(k + n if k >= after else k): v for k, v in self.starts.items()}
        self.headers = {(k + n if k >= after else k): v for k, v in self.headers.items()}
        self._band_rows = sorted(self.headers)
        if n > 0:
            self.endInsertRows()
        else:
            self.endRemoveRows()

    def band_of(self, row: int) -> tuple[int, int] | None:
        """(first row, end row) of the timeline band holding `row`, or None without bands."""
        if not self._band_rows:
            return None
        k = bisect.bisect_right(self._band_rows, row) - 1
        if k < 0:
            return None
        end = self._band_rows[k + 1] if k + 1 < len(self._band_rows) else len(self._rows)
        return self._band_rows[k], end

    def row_tuple(self, row: int) -> tuple:
        return self._rows[row]

    @property
    def paged(self) -> bool:
        """Whether the rows are a big library's pages (else one list)."""
        return self._rows.paged

    def rows(self) -> list[tuple]:
        """Every row (paged: read afresh, all of them: tests and small lists only)."""
        return self._rows.all()

    def file_id(self, row: int) -> int:
        """The file at `row`, without fetching its page."""
        return self._rows.id_at(row)

    def index_of(self, file_id: int) -> QModelIndex:
        row = self._rows.row_of(file_id)
        return self.index(row) if row is not None else QModelIndex()

    def _on_thumbs(self, file_ids: list[int]) -> None:
        """Thumbnails arrive in batches: one dataChanged over their span, one repaint."""
        rows = self._rows.shown_rows(file_ids)
        if rows:
            self.dataChanged.emit(self.index(min(rows)), self.index(max(rows)),
                                  [Qt.DecorationRole])

    # --- Qt model API ---
    def rowCount(self, parent: QModelIndex | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else self._count

    def data(self, index: QModelIndex, role: int = Qt.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role == FileIdRole:   # selections and the indexer's priority: no page fetched
            return self._rows.id_at(index.row())
        r = self._rows[index.row()]
        if role == Qt.DecorationRole:
            return self.loader.get(ThumbRequest(r[ID], r[PATH], r[KIND], r[HASH]))
        if role == Qt.DisplayRole:
            return r[NAME]
        if role == PathRole:
            return r[PATH]
        if role == KindRole:
            return r[KIND]
        if role == ScoreRole:
            return self._scores.get(r[ID])
        if role == HitRole:
            return self._hits.get(r[ID])
        if role == RowRole:
            return r
        if role == Qt.ToolTipRole:
            lines = [r[NAME], format_when(r[TAKEN_AT]), r[FOLDER]]
            score = self._scores.get(r[ID])
            hit = self._hits.get(r[ID])
            if score is not None:
                lines.append(f"found by {match_reason(hit)}; relevance {score:.2f} of 1 "
                             "(the list is in this order)")
            if isinstance(hit, dict) and hit.get("text"):
                where = f" ({hit['field']})" if hit.get("field") else ""
                if hit.get("start_s") is not None:
                    where = f" at {clock(hit['start_s'])}"
                lines.append(f"matched “{hit['text']}”{where}")
            if r[ERROR]:
                lines.append(f"problem: {r[ERROR]}")
            return "\n".join(x for x in lines if x)
        return None

    # flags(): the base class's (enabled, selectable, no children) is right, and not
    # overriding it saves a Python call per painted cell.


class ThumbDelegate(QStyledItemDelegate):
    """Paints a cell: the thumbnail centred and scaled to fit, a frame when selected, a badge
    for videos and for files with problems. No per-item widgets, no text layout."""

    def __init__(self, cell: int = 168, parent=None):
        super().__init__(parent)
        self.cell = cell
        self._special_key: tuple | None = None
        self._special_map: dict[int, tuple[int, int]] = {}
        self._sizes: dict[tuple[int, int], QSize] = {}

    # --- timeline bands: a header across the grid where a month or an event begins ---------
    # The view lays items out in lines (flow). The last item of a band is made as wide as the
    # rest of its line, so the next band starts a line of its own; the items of a band's first
    # line are made taller, and the first of them paints the header across the whole line.

    def per_line(self) -> int:
        view = self.parent()
        width = view.viewport().width() if view is not None else self.cell
        return max(1, width // self.cell)

    @staticmethod
    def band_height(header) -> int:
        return BAND_H + (YEAR_H if header.year else 0)

    def _special(self, model) -> dict[int, tuple[int, int]]:
        """row -> (header height above it, extra width after it) for the few rows that are
        not a plain cell (a band's first line and its last item), for the current width.
        Built once per rows/width/zoom: the layout asks every item's size, 100,000 times."""
        n = self.per_line()
        key = (id(model.headers), len(model._rows), n, self.cell)
        if self._special_key != key:
            special: dict[int, tuple[int, int]] = {}
            rows = model._band_rows
            for k, first in enumerate(rows):
                end = rows[k + 1] if k + 1 < len(rows) else len(model._rows)
                top = self.band_height(model.headers[first])
                for row in range(first, min(end, first + n)):
                    special[row] = (top, 0)
                last = end - 1
                t, _ = special.get(last, (0, 0))
                special[last] = (t, (n - 1 - (last - first) % n) * self.cell)
            self._special_map, self._special_key = special, key
            self._sizes = {}
        return self._special_map

    def _band_layout(self, model, row: int) -> tuple[int, int]:
        return self._special(model).get(row, (0, 0))

    def sizeHint(self, option, index) -> QSize:
        model = index.model()
        if isinstance(model, LibraryModel) and model.headers:
            v = self._special(model).get(index.row())
            if v is not None:
                size = self._sizes.get(v)
                if size is None:
                    size = self._sizes[v] = QSize(self.cell + v[1], self.cell + v[0])
                return size
        return QSize(self.cell, self.cell)

    def _paint_header(self, painter: QPainter, option, header) -> None:
        pal = option.palette
        view = self.parent()
        width = view.viewport().width() if view is not None else option.rect.width()
        band = QRect(0, option.rect.top(), width, self.band_height(header))
        painter.save()
        painter.fillRect(band, pal.color(QPalette.Window))
        y = band.top()
        font = QFont(painter.font())
        if header.year:
            big = QFont(font)
            big.setPointSizeF(font.pointSizeF() * 1.6)
            big.setBold(True)
            painter.setFont(big)
            painter.setPen(pal.color(QPalette.WindowText))
            painter.drawText(QRect(10, y, width - 20, YEAR_H), Qt.AlignLeft | Qt.AlignVCenter,
                             header.year)
            y += YEAR_H
        bold = QFont(font)
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(pal.color(QPalette.WindowText))
        text = painter.fontMetrics().elidedText(header.text(), Qt.ElideRight, width - 20)
        painter.drawText(QRect(10, y, width - 20, BAND_H), Qt.AlignLeft | Qt.AlignVCenter, text)
        painter.setPen(QPen(pal.color(QPalette.Mid), 1))
        painter.drawLine(10, y + BAND_H - 2, width - 10, y + BAND_H - 2)
        painter.restore()

    def paint(self, painter: QPainter, option, index: QModelIndex) -> None:
        # Straight to the Python model: each index.data() is a C++ round trip, and painting a
        # screen of cells calls this a few hundred times a second while scrolling.
        model = index.model()
        row = index.row()
        if not isinstance(model, LibraryModel) or row >= len(model._rows):
            return
        r = model._rows[row]
        pal = option.palette
        cell_rect = QRect(option.rect)
        if model.headers:
            top, _extra = self._band_layout(model, row)
            if top and row in model.headers:
                self._paint_header(painter, option, model.headers[row])
            cell_rect = QRect(option.rect.left(), option.rect.top() + top, self.cell, self.cell)
        rect: QRect = cell_rect.adjusted(4, 4, -4, -4)
        label = model.starts.get(row) if model.starts and not model.headers else None
        if model.starts and not model.headers:  # every cell keeps a strip on top for its
            strip = painter.fontMetrics().height() + 4  # group's name: no label covers a picture
            label_rect = QRect(rect.left(), rect.top(), rect.width(), strip)
            rect = rect.adjusted(0, strip + 2, 0, 0)
        selected = bool(option.state & QStyle.State_Selected)
        painter.save()
        painter.setRenderHint(QPainter.SmoothPixmapTransform, True)
        loader = model.loader
        pm = loader.get(ThumbRequest(r[ID], r[PATH], r[KIND], r[HASH]))
        pic = rect  # where the picture is drawn: badges sit on it, not below a wide one
        if pm is not None and not pm.isNull():
            size = pm.size().scaled(rect.size(), Qt.KeepAspectRatio)
            target = QRect(QPoint(0, 0), size)
            target.moveCenter(rect.center())
            painter.drawPixmap(target, pm)
            pic = target
        else:
            base = pal.color(QPalette.AlternateBase)
            painter.fillRect(rect, base.darker(110) if pal.color(QPalette.Base).value() > 128
                             else base.lighter(130))
            if loader.failed(r[ID]):
                painter.setPen(pal.color(QPalette.PlaceholderText))
                painter.drawText(rect, Qt.AlignCenter | Qt.TextWordWrap,
                                 f"cannot show\n{r[NAME]}")
        if r[KIND] == "video":
            self._badge(painter, pic, "▶ " + _duration(r[DURATION]), QColor(0, 0, 0, 170))
        elif format_of(r[NAME]) == "raw":  # listed: a camera RAW with no JPEG beside it
            self._badge(painter, pic, "RAW", QColor(0, 0, 0, 170))
        if r[ERROR]:
            self._badge(painter, pic, "!", QColor(200, 40, 40, 220), right=True)
        if len(r) > STACK and r[STACK]:   # a stack's tile: its count; a click opens it
            opened = r[ID] in model.open_stacks
            self._badge(painter, pic, f"{'▾' if opened else '❐'} {r[STACK]}",
                        QColor(30, 90, 200, 220), right=True, top=True)
        elif r[ID] in model.in_stack:     # a look-alike shown under its open stack
            painter.fillRect(QRect(cell_rect.left() + 6, cell_rect.bottom() - 5,
                                   cell_rect.width() - 12, 3), pal.color(QPalette.Highlight))
        score = model._scores.get(r[ID]) if model._scores else None
        if score is not None and option.state & QStyle.State_MouseOver:
            # why it is a result, in words (a bare "0.27" said nothing to anyone)
            self._badge(painter, pic, match_reason(model._hits.get(r[ID])),
                        QColor(30, 90, 200, 200), top=True)
        if label:  # the first item of a month / folder / collection carries its name
            label = painter.fontMetrics().elidedText(label, Qt.ElideRight, rect.width() - 16)
            self._badge(painter, label_rect.adjusted(0, -3, 0, 0), label,
                        QColor(pal.color(QPalette.Highlight)), top=True)
        if selected:
            pen = QPen(pal.color(QPalette.Highlight), 3)
            painter.setPen(pen)
            painter.setBrush(Qt.NoBrush)
            painter.drawRoundedRect(cell_rect.adjusted(2, 2, -2, -2), 4, 4)
        if option.state & QStyle.State_HasFocus:  # the keyboard's cell, in a focused grid
            pen = QPen(pal.color(QPalette.Highlight), 2, Qt.DashLine)
            painter.setPen(pen)
            painter.setBrush(Qt.NoBrush)
            painter.drawRoundedRect(cell_rect.adjusted(0, 0, -1, -1), 5, 5)
        painter.restore()

    @staticmethod
    def _badge(painter: QPainter, rect: QRect, text: str, color: QColor, right=False,
               top=False) -> None:
        font = QFont(painter.font())
        font.setPointSizeF(max(font.pointSizeF() * 0.85, 7))
        painter.setFont(font)
        w = painter.fontMetrics().horizontalAdvance(text) + 10
        h = painter.fontMetrics().height() + 2
        x = rect.right() - w - 3 if right else rect.left() + 3
        y = rect.top() + 3 if top else rect.bottom() - h - 3
        box = QRect(x, y, w, h)
        painter.setPen(Qt.NoPen)
        painter.setBrush(color)
        painter.drawRoundedRect(box, 4, 4)
        painter.setPen(Qt.white)
        painter.drawText(box, Qt.AlignCenter, text)


def _duration(s: float | None) -> str:
    return clock(s) if s else ""


class GridView(QListView):
    """A virtualised thumbnail grid. ListMode with left-to-right wrapping lays rows out in
    segments (cheap at 100k items), which IconMode's free layout does not; it looks the same."""

    activatedFile = Signal(int)
    stackToggled = Signal(int)   # the cover's file id: its count badge was clicked

    def __init__(self, parent=None, cell: int = 168):
        super().__init__(parent)
        self.setViewMode(QListView.ListMode)
        self.setFlow(QListView.LeftToRight)
        self.setWrapping(True)
        self.setResizeMode(QListView.Adjust)
        self.setMovement(QListView.Static)
        self.setUniformItemSizes(True)
        self.setLayoutMode(QListView.Batched)
        self.setBatchSize(2000)
        self.setSpacing(0)
        self.setGridSize(QSize(cell, cell))
        self.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollPerPixel)
        self.verticalScrollBar().setSingleStep(cell // 3)
        self.setMouseTracking(True)
        self.setItemDelegate(ThumbDelegate(cell, self))
        self.setAttribute(Qt.WA_Hover, True)
        self.activated.connect(lambda idx: self.activatedFile.emit(idx.data(FileIdRole)))

    def set_cell(self, cell: int) -> None:
        self.itemDelegate().cell = cell
        self.set_bands(self._bands)

    _bands = False

    @property
    def bands(self) -> bool:
        return self._bands

    def set_bands(self, on: bool) -> None:
        """Timeline bands give items their own sizes: no fixed grid, no uniform sizes (the
        layout asks each item its size, in batches)."""
        self._bands = on
        cell = self.itemDelegate().cell
        self.setUniformItemSizes(not on)
        self.setGridSize(QSize() if on else QSize(cell, cell))
        self.scheduleDelayedItemsLayout()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self._bands and event.size().width() != event.oldSize().width():
            self.scheduleDelayedItemsLayout()   # a band's last item fills a line of a new width

    STACK_HIT = (64, 34)   # px from a tile's top-right corner that open or close its stack

    def mousePressEvent(self, event) -> None:
        idx = self.indexAt(event.position().toPoint())
        model = self.model()
        if idx.isValid() and isinstance(model, LibraryModel) and \
                model.stack_size(idx.row()) and event.button() == Qt.LeftButton and \
                self.stack_badge_rect(idx).contains(event.position().toPoint()):
            self.stackToggled.emit(model.file_id(idx.row()))
            event.accept()
            return
        super().mousePressEvent(event)

    def stack_badge_rect(self, idx: QModelIndex) -> QRect:
        """Where a tile's stack badge is clickable: its picture's top-right corner (a band's
        header sits above the picture; a band's last tile is wider on its right)."""
        rect = self.visualRect(idx)
        cell = self.itemDelegate().cell
        w, h = self.STACK_HIT
        top = rect.bottom() + 1 - cell
        return QRect(rect.left() + cell - w, top, w, h)

    def selected_ids(self) -> list[int]:
        return [i.data(FileIdRole) for i in sorted(self.selectionModel().selectedIndexes(),
                                                    key=lambda i: i.row())]

    def current_id(self) -> int | None:
        idx = self.currentIndex()
        return idx.data(FileIdRole) if idx.isValid() else None

    def visible_ids(self, limit: int = 400) -> list[int]:
        """Ids of items in the viewport, top-left first (for the indexer's priority)."""
        out = []
        vp = self.viewport().rect()
        top = self.indexAt(QPoint(2, 2))
        model = self.model()
        if model is None or not top.isValid():
            return out
        row = top.row()
        while row < model.rowCount() and len(out) < limit:
            idx = model.index(row, 0)
            if not self.visualRect(idx).intersects(vp):
                break
            out.append(idx.data(FileIdRole))
            row += 1
        return out

    def top_row_tuple(self) -> tuple | None:
        idx = self.indexAt(QPoint(8, 8))
        return idx.data(RowRole) if idx.isValid() else None


def reveal_folder(path: str) -> str:
    return os.path.dirname(path)
