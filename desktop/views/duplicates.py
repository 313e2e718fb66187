"""Duplicates: groups of identical (same bytes) or near-identical photos, each with a suggested
keeper. The others can go to the system trash (never a permanent delete), after confirmation."""

from __future__ import annotations

import os

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop import actions
from desktop.thumbs import ThumbRequest
from desktop.workers import describe, run_async


def find_duplicates(catalog, registry, near: bool):
    from core.search import duplicates

    return duplicates(catalog, registry if near else None, near=near)


class DuplicatesPage(QWidget):
    openFile = Signal(int)
    loaded = Signal()

    def __init__(self, services, parent=None):
        super().__init__(parent)
        self.services = services
        self.groups = []
        lay = QVBoxLayout(self)
        top = QHBoxLayout()
        self.title = QLabel("Duplicates")
        self.title.setObjectName("heading")
        top.addWidget(self.title)
        top.addStretch(1)
        self.near = QCheckBox("Include near-duplicates (resized, re-saved)")
        self.near.setChecked(True)
        self.near.toggled.connect(lambda _c: self.refresh())
        top.addWidget(self.near)
        self.refresh_btn = QPushButton("Find again")
        self.refresh_btn.clicked.connect(self.refresh)
        top.addWidget(self.refresh_btn)
        lay.addLayout(top)
        self.notice = QLabel("The suggested keeper of each group is unticked; ticked files can "
                             "be moved to the system trash.")
        self.notice.setObjectName("notice")
        self.notice.setWordWrap(True)
        lay.addWidget(self.notice)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["File", "Size", "Resolution", "Folder"])
        self.tree.setIconSize(QSize(72, 72))
        self.tree.setColumnWidth(0, 320)
        self.tree.itemActivated.connect(self._activated)
        lay.addWidget(self.tree, 1)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        self.trash_btn = QPushButton("Move ticked files to trash…")
        self.trash_btn.clicked.connect(self.trash_checked)
        bottom.addWidget(self.trash_btn)
        lay.addLayout(bottom)
        services.thumbs.ready.connect(self._thumb_ready)
        self._items_by_id: dict[int, QTreeWidgetItem] = {}

    def refresh(self) -> None:
        s = self.services
        self.title.setText("Duplicates (looking…)")
        run_async(find_duplicates, s.catalog, s.registry, self.near.isChecked(),
                  on_done=self._show, on_error=self._failed)

    def _failed(self, e: BaseException) -> None:
        self.title.setText("Duplicates")
        self.notice.setText(describe(e))

    def _show(self, groups) -> None:
        self.groups = groups
        self.tree.clear()
        self._items_by_id.clear()
        wasted = 0
        for g in groups:
            keeper = g.keep
            keeper_name = os.path.basename(next(f.path for f in g.files if f.file_id == keeper))
            what = "identical" if g.kind == "exact" else "similar"
            label = f"{len(g.files)} {what} files  ·  keep: {keeper_name}  ({g.reason})"
            head = QTreeWidgetItem([label, "", "", ""])
            f0 = head.font(0)
            f0.setBold(True)
            head.setFont(0, f0)
            for f in g.files:
                it = QTreeWidgetItem([os.path.basename(f.path), f"{f.size / 1e6:.2f} MB",
                                      f"{f.width}×{f.height}" if f.width else "",
                                      os.path.dirname(f.path)])
                it.setData(0, Qt.UserRole, f.file_id)
                it.setData(1, Qt.UserRole, f.path)
                it.setCheckState(0, Qt.Unchecked if f.file_id == keeper else Qt.Checked)
                if f.file_id == keeper:
                    it.setText(0, it.text(0) + "  ★ keeper")
                else:
                    wasted += f.size
                it.setToolTip(0, f.path)
                pm = self.services.thumbs.get(ThumbRequest(f.file_id, f.path, "photo"))
                if pm is not None:
                    it.setIcon(0, QIcon(pm))
                self._items_by_id[f.file_id] = it
                head.addChild(it)
            self.tree.addTopLevelItem(head)
            head.setFirstColumnSpanned(True)  # only takes once the item is in the tree
            head.setExpanded(True)
        self.title.setText(f"Duplicates ({len(groups)} groups)" if groups else "Duplicates")
        if not groups:
            self.notice.setText("No duplicates found.")
        else:
            self.notice.setText(f"{len(groups)} groups; {wasted / 1e6:.1f} MB could be freed. "
                                "The suggested keeper of each group is unticked.")
        self.loaded.emit()

    def _thumb_ready(self, file_id: int) -> None:
        it = self._items_by_id.get(file_id)
        if it is not None:
            pm = self.services.thumbs.get(ThumbRequest(file_id, it.data(1, Qt.UserRole), "photo"))
            if pm is not None:
                it.setIcon(0, QIcon(pm))

    def checked_paths(self) -> list[str]:
        out = []
        for i in range(self.tree.topLevelItemCount()):
            head = self.tree.topLevelItem(i)
            for j in range(head.childCount()):
                it = head.child(j)
                if it.checkState(0) == Qt.Checked:
                    out.append(it.data(1, Qt.UserRole))
        return out

    def trash_checked(self, ask: bool = True) -> None:
        paths = self.checked_paths()
        # never every copy of a group: one must stay
        for i in range(self.tree.topLevelItemCount()):
            head = self.tree.topLevelItem(i)
            kids = [head.child(j) for j in range(head.childCount())]
            if kids and all(k.checkState(0) == Qt.Checked for k in kids):
                from PySide6.QtWidgets import QMessageBox

                QMessageBox.warning(self, "Keep one", "Every file of a group is ticked: untick "
                                    "the one to keep, so at least one copy stays.")
                return
        actions.confirm_and_trash(self, self.services, paths, after=lambda _m: self.refresh(),
                                  ask=ask)

    def _activated(self, item: QTreeWidgetItem, _col: int) -> None:
        fid = item.data(0, Qt.UserRole)
        if fid is not None:
            self.openFile.emit(int(fid))
