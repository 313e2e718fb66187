"""Collections: the groups Shoebox found, with names, representative thumbnails and sizes;
rename, merge, split off a selection, and mark "keep as is"."""

from __future__ import annotations

import logging

from PySide6.QtCore import QAbstractListModel, QModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QHBoxLayout,
    QInputDialog,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.query import CollectionSummary, collection_members, list_collections
from desktop import organize_api
from desktop.thumbs import ThumbRequest
from desktop.views.tiles import button_row, heading, mosaic, notice, on_screen_rows, tile_view
from desktop.workers import describe, run_async

log = logging.getLogger(__name__)

ICON = QSize(200, 150)
GRID = QSize(230, 210)
NO_PARENT = QModelIndex()


class CollectionModel(QAbstractListModel):
    """A tile per collection. Its picture, a 2x2 mosaic of the representatives, is made when
    the tile is painted (so their thumbnails are asked for the tiles on screen only) and made
    again when one of them arrives."""

    def __init__(self, thumbs, parent=None):
        super().__init__(parent)
        self.thumbs = thumbs
        self.collections: list[CollectionSummary] = []
        self._mosaics: dict[int, QIcon] = {}              # row -> its picture so far
        self._waiting: dict[int, set[int]] = {}           # thumbnail asked -> rows painted
        thumbs.readyBatch.connect(self._on_thumbs)

    def set_collections(self, cols: list[CollectionSummary]) -> None:
        self.beginResetModel()
        self.collections = cols
        self._mosaics = {}
        self._waiting = {}
        self.endResetModel()

    def _on_thumbs(self, file_ids: list[int]) -> None:
        rows = {row for f in file_ids for row in self._waiting.pop(f, ())}
        for row in rows:
            self._mosaics.pop(row, None)
            self.dataChanged.emit(self.index(row), self.index(row), [Qt.DecorationRole])

    def _picture(self, row: int) -> QIcon | None:
        """The representatives as a 2x2 mosaic (or the first alone while the rest load)."""
        icon = self._mosaics.get(row)
        if icon is None:
            ready = []
            for r in self.collections[row].representatives[:4]:
                pm = self.thumbs.get(ThumbRequest(r.id, r.path, r.kind, r.content_hash))
                if pm is None:                      # asked: the tile is made again with it
                    self._waiting.setdefault(r.id, set()).add(row)
                else:
                    ready.append(pm)
            if not ready:
                return None
            icon = self._mosaics[row] = QIcon(mosaic(ready, ICON))
        return icon

    def rowCount(self, parent=NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self.collections)

    def data(self, index, role=Qt.DisplayRole):
        row = index.row()
        if not 0 <= row < len(self.collections):
            return None
        c = self.collections[row]
        if role == Qt.DisplayRole:
            return f"{c.label}\n{c.size} items" + ("  ·  kept as is" if c.keep_as_is else "")
        if role == Qt.DecorationRole:
            return self._picture(row)
        if role == Qt.ToolTipRole:
            return f"{c.label}\n{c.folder_path or ''}\nnamed by {c.named_by or '?'}"
        if role == Qt.UserRole:
            return c.id
        if role == Qt.SizeHintRole:
            # a tile the size of its grid cell: sized by its text alone (the picture comes
            # later), tiles of a wide window overlapped at uneven gaps
            return GRID
        return None


class CollectionsPage(QWidget):
    openFile = Signal(int)
    showFiles = Signal(str, object, object)  # title, list of file ids, collection id
    loaded = Signal()

    def __init__(self, services, parent=None):
        super().__init__(parent)
        self.services = services
        lay = QVBoxLayout(self)
        top = QHBoxLayout()
        self.title = heading("Collections")
        top.addWidget(self.title)
        top.addStretch(1)
        self.find_btn = QPushButton("Find collections")
        self.find_btn.setToolTip("Group the library by what the photos show, when and where")
        self.find_btn.clicked.connect(self.recluster)
        top.addWidget(self.find_btn)
        lay.addLayout(top)
        self.notice = notice()
        lay.addWidget(self.notice)
        self.model = CollectionModel(services.thumbs, self)
        self.list = tile_view(icon=ICON, grid=GRID)
        self.list.setModel(self.model)
        self.list.activated.connect(self._open)
        lay.addWidget(self.list, 1)
        row, _ = button_row((("Show", self._open_current), ("Rename…", self.rename_selected),
                             ("Merge selected", self.merge_selected),
                             ("Keep as is", self.toggle_keep)))
        lay.addLayout(row)
        # "Finding collections…" must not stay up beside "Failed: collections" in the status
        services.background.failed.connect(self._bg_failed)
        services.background.cancelled.connect(
            lambda name: name == "collections" and self.refresh())

    @property
    def collections(self) -> list[CollectionSummary]:
        return self.model.collections

    def refresh(self) -> None:
        run_async(list_collections, self.services.catalog, on_done=self._show,
                  on_error=lambda e: self.notice.setText(describe(e)))

    def _show(self, cols: list[CollectionSummary]) -> None:
        self.model.set_collections(cols)
        self.title.setText(f"Collections ({len(cols)})" if cols else "Collections")
        if not cols:
            self.notice.setText("No collections yet. Index the library, then press "
                                "“Find collections”.")
        else:
            self.notice.setText("Double-click a collection to see it. Rename, merge, or keep a "
                                "collection's folder as it is when reorganizing.")
        self.loaded.emit()

    def pictured(self) -> bool:
        """Every tile on screen has its picture (the screenshots and the layout test wait for
        it: the pictures come after the tiles, and only for the tiles painted)."""
        rows = on_screen_rows(self.list)
        return bool(rows) and all(self.model.index(r).data(Qt.DecorationRole) is not None
                                  for r in rows)

    def selected_ids(self) -> list[int]:
        return [i.data(Qt.UserRole) for i in self.list.selectionModel().selectedIndexes()]

    def _open_current(self) -> None:
        index = self.list.currentIndex()
        if index.isValid():
            self._open(index)

    def _open(self, index: QModelIndex) -> None:
        cid = index.data(Qt.UserRole)
        name = index.data().split("\n")[0]
        run_async(collection_members, self.services.catalog, cid,
                  on_done=lambda ids: self.showFiles.emit(name, ids, cid),
                  on_error=lambda e: QMessageBox.warning(self, "Collections", describe(e)))

    def recluster(self) -> None:
        s = self.services

        def work(task):
            return organize_api.recluster_and_name(s, task)

        self.notice.setText("Finding collections…")
        s.background.submit("collections", work, lambda _r: self.refresh())

    def _bg_failed(self, name: str, message: str) -> None:
        if name == "collections":
            self.notice.setText(f"Could not find collections: {message}")

    def _write(self, fn, *args) -> None:
        def done(_r):
            self.refresh()

        run_async(fn, self.services, *args, on_done=done,
                  on_error=lambda e: QMessageBox.warning(self, "Collections", describe(e)))

    def rename_selected(self) -> None:
        ids = self.selected_ids()
        if len(ids) != 1:
            return
        current = next(c.name or "" for c in self.collections if c.id == ids[0])
        name, ok = QInputDialog.getText(self, "Rename collection", "Name:", text=current)
        if ok and name.strip():
            self._write(organize_api.rename_collection, ids[0], name.strip())

    def merge_selected(self) -> None:
        ids = self.selected_ids()
        if len(ids) < 2:
            QMessageBox.information(self, "Merge", "Select two or more collections to merge.")
            return
        self._write(organize_api.merge_collections, ids)

    def toggle_keep(self) -> None:
        for cid in self.selected_ids():
            c = next(c for c in self.collections if c.id == cid)
            self._write(organize_api.set_keep_as_is, cid, not c.keep_as_is)

    def split_off(self, collection_id: int, file_ids: list[int], name: str) -> None:
        self._write(organize_api.split_collection, collection_id, file_ids, name)
