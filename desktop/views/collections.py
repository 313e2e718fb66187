"""Collections: the groups Shoebox found, with names, representative thumbnails and sizes;
rename, merge, split off a selection, and mark "keep as is"."""

from __future__ import annotations

import logging

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QHBoxLayout,
    QInputDialog,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.query import CollectionSummary, collection_members, list_collections
from desktop import organize_api
from desktop.thumbs import ThumbRequest
from desktop.views.tiles import button_row, heading, mosaic, notice, tile, tile_list
from desktop.workers import describe, run_async

log = logging.getLogger(__name__)


class CollectionsPage(QWidget):
    openFile = Signal(int)
    showFiles = Signal(str, object, object)  # title, list of file ids, collection id
    loaded = Signal()

    def __init__(self, services, parent=None):
        super().__init__(parent)
        self.services = services
        self.collections: list[CollectionSummary] = []
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
        self.list = tile_list(icon=QSize(200, 150), grid=QSize(230, 210))
        self.list.itemActivated.connect(self._open)
        lay.addWidget(self.list, 1)
        row, _ = button_row((("Show", self._open_current), ("Rename…", self.rename_selected),
                             ("Merge selected", self.merge_selected),
                             ("Keep as is", self.toggle_keep)))
        lay.addLayout(row)
        services.thumbs.ready.connect(self._thumb_ready)
        # "Finding collections…" must not stay up beside "Failed: collections" in the status
        services.background.failed.connect(self._bg_failed)
        services.background.cancelled.connect(
            lambda name: name == "collections" and self.refresh())
        self._rep_items: dict[int, QListWidgetItem] = {}
        self._reps: dict[int, list[ThumbRequest]] = {}  # collection id -> its representatives

    def refresh(self) -> None:
        run_async(list_collections, self.services.catalog, on_done=self._show,
                  on_error=lambda e: self.notice.setText(describe(e)))

    def _show(self, cols: list[CollectionSummary]) -> None:
        self.collections = cols
        self.list.clear()
        self._rep_items.clear()
        self._reps.clear()
        for c in cols:
            label = f"{c.label}\n{c.size} items" + ("  ·  kept as is" if c.keep_as_is else "")
            it = tile(self.list, label)
            it.setData(Qt.UserRole, c.id)
            it.setToolTip(f"{c.label}\n{c.folder_path or ''}\nnamed by {c.named_by or '?'}")
            for ref in c.representatives:
                self._rep_items[ref.id] = it
            self._reps[c.id] = [ThumbRequest(r.id, r.path, r.kind, r.content_hash)
                                for r in c.representatives]
            self._set_icon(it)
            self.list.addItem(it)
        self.title.setText(f"Collections ({len(cols)})" if cols else "Collections")
        if not cols:
            self.notice.setText("No collections yet. Index the library, then press "
                                "“Find collections”.")
        else:
            self.notice.setText("Double-click a collection to see it. Rename, merge, or keep a "
                                "collection's folder as it is when reorganizing.")
        self.loaded.emit()

    def _thumb_ready(self, file_id: int) -> None:
        it = self._rep_items.get(file_id)
        if it is not None:
            self._set_icon(it)

    def _set_icon(self, it: QListWidgetItem) -> None:
        """The representatives as a 2x2 mosaic (or the first alone while the rest load)."""
        reps = self._reps.get(it.data(Qt.UserRole), [])
        ready = [p for r in reps[:4] if (p := self.services.thumbs.get(r)) is not None]
        if ready:
            it.setIcon(QIcon(mosaic(ready, self.list.iconSize())))

    def selected_ids(self) -> list[int]:
        return [i.data(Qt.UserRole) for i in self.list.selectedItems()]

    def _open_current(self) -> None:
        it = self.list.currentItem()
        if it is not None:
            self._open(it)

    def _open(self, item: QListWidgetItem) -> None:
        cid = item.data(Qt.UserRole)
        name = item.text().split("\n")[0]
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
