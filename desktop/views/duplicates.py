"""Duplicates: groups of identical (same bytes) or near-identical photos, each with a suggested
keeper. Only the extra copies of identical files are ticked for the trash before the user looks;
near-duplicates are different files that look alike: never ticked, and shown side by side (the
compare strip under the list) so the user chooses. Ticked files go to the system trash (never a
permanent delete), after confirmation."""

from __future__ import annotations

import os

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.query import file_size
from core.query.display import plural
from desktop import actions
from desktop.thumbs import ThumbRequest
from desktop.views.tiles import heading, notice
from desktop.workers import describe, run_long

COMPARE_PX = 220  # each photo in the side-by-side comparison


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
        self.title = heading("Duplicates")
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
        self.notice = notice("Identical copies beyond the keeper are ticked; similar photos are "
                             "never ticked — compare them below and tick what you want gone.")
        lay.addWidget(self.notice)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["File", "Size", "Resolution", "Folder"])
        self.tree.setIconSize(QSize(72, 72))
        self.tree.setColumnWidth(0, 320)
        self.tree.itemActivated.connect(self._activated)
        self.tree.itemChanged.connect(lambda _it, col: col == 0 and self._update_notice())
        self.tree.currentItemChanged.connect(lambda cur, _prev: self._compare(cur))
        lay.addWidget(self.tree, 2)
        self.compare_box = QWidget()
        self.compare_row = QHBoxLayout(self.compare_box)
        self.compare_scroll = QScrollArea()
        self.compare_scroll.setWidgetResizable(True)
        self.compare_scroll.setWidget(self.compare_box)
        lay.addWidget(self.compare_scroll, 1)
        self._compared: list[tuple[int, str, QLabel]] = []  # file id, path, picture label
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        self.trash_btn = QPushButton("Move ticked files to trash…")
        self.trash_btn.clicked.connect(self.trash_checked)
        bottom.addWidget(self.trash_btn)
        lay.addLayout(bottom)
        services.thumbs.ready.connect(self._thumb_ready)
        self._items_by_id: dict[int, QTreeWidgetItem] = {}
        # thousands of groups: a row's thumbnail is asked for when the row is on screen
        self._icons_timer = QTimer(self)
        self._icons_timer.setSingleShot(True)
        self._icons_timer.setInterval(50)
        self._icons_timer.timeout.connect(self._visible_icons)
        self.tree.verticalScrollBar().valueChanged.connect(lambda _v: self._icons_timer.start())

    def refresh(self) -> None:
        s = self.services
        self.title.setText("Duplicates (looking…)")
        run_long(find_duplicates, s.catalog, s.registry, self.near.isChecked(),
                 on_done=self._show, on_error=self._failed)

    def _failed(self, e: BaseException) -> None:
        self.title.setText("Duplicates")
        self.notice.setText(describe(e))

    def _show(self, groups) -> None:
        # a refresh (coming back to the page, a trash, "Find again") keeps the row the user
        # was on and where the list was scrolled: it jumped to the top
        cur = self.tree.currentItem()
        keep_fid = cur.data(0, Qt.UserRole) if cur is not None else None
        keep_scroll = self.tree.verticalScrollBar().value()
        self.groups = groups
        self.tree.blockSignals(True)
        self.tree.clear()
        self._items_by_id.clear()
        heads = []
        for g in groups:
            keeper = g.keep
            keeper_name = os.path.basename(next(f.path for f in g.files if f.file_id == keeper))
            trash = set(g.suggested_trash)
            if g.kind == "exact":
                label = f"{len(g.files)} identical files  ·  keep: {keeper_name}  ({g.reason})"
            else:
                label = (f"{len(g.files)} similar photos — different files: compare them below; "
                         f"nothing is ticked  ·  suggested keeper: {keeper_name} ({g.reason})")
            head = QTreeWidgetItem([label, "", "", ""])
            f0 = head.font(0)
            f0.setBold(True)
            head.setFont(0, f0)
            for f in g.files:
                it = QTreeWidgetItem([os.path.basename(f.path), file_size(f.size),
                                      f"{f.width}×{f.height}" if f.width else "",
                                      os.path.dirname(f.path)])
                it.setData(0, Qt.UserRole, f.file_id)
                it.setData(1, Qt.UserRole, f.path)
                it.setData(2, Qt.UserRole, f.size)
                it.setCheckState(0, Qt.Checked if f.file_id in trash else Qt.Unchecked)
                if f.file_id == keeper:
                    it.setText(0, it.text(0) + "  ★ keeper")
                it.setToolTip(0, f.path)
                self._items_by_id[f.file_id] = it
                head.addChild(it)
            heads.append(head)
        # all at once: each head added, spanned and expanded on its own re-laid the whole
        # tree out (thousands of groups took minutes)
        self.tree.addTopLevelItems(heads)
        self.tree.expandAll()
        for head in heads:
            head.setFirstColumnSpanned(True)  # only takes once the item is in the tree
        if keep_fid in self._items_by_id:
            self.tree.setCurrentItem(self._items_by_id[keep_fid])
        self.tree.blockSignals(False)
        self.tree.verticalScrollBar().setValue(keep_scroll)
        self.title.setText(f"Duplicates ({plural(len(groups), 'group')})" if groups
                           else "Duplicates")
        self._icons_timer.start()
        self._update_notice()
        if self.tree.currentItem() is not None:
            self._compare(self.tree.currentItem())
        else:
            first_near = next((i for i, g in enumerate(groups) if g.kind != "exact"), None)
            self._compare(self.tree.topLevelItem(first_near) if first_near is not None else None)
        self.loaded.emit()

    def visible_file_items(self) -> list[QTreeWidgetItem]:
        """The file rows in the tree's viewport."""
        out = []
        height = self.tree.viewport().height()
        it = self.tree.itemAt(2, 2)
        while it is not None and self.tree.visualItemRect(it).top() < height:
            if it.parent() is not None:
                out.append(it)
            it = self.tree.itemBelow(it)
        return out

    def _visible_icons(self) -> None:
        for it in self.visible_file_items():
            if it.icon(0).isNull():
                pm = self.services.thumbs.get(ThumbRequest(it.data(0, Qt.UserRole),
                                                           it.data(1, Qt.UserRole), "photo"))
                if pm is not None:
                    it.setIcon(0, QIcon(pm))

    def _update_notice(self) -> None:
        """What the ticks add up to, kept current as the user ticks (Space) or unticks."""
        groups = self.groups or []
        if not groups:
            self.notice.setText("No duplicates found.")
            return
        ticked = [head.child(j) for head in map(self.tree.topLevelItem,
                                                range(self.tree.topLevelItemCount()))
                  for j in range(head.childCount()) if head.child(j).checkState(0) == Qt.Checked]
        size = sum(it.data(2, Qt.UserRole) or 0 for it in ticked)
        near = sum(1 for g in groups if g.kind != "exact")
        self.notice.setText(
            f"{len(groups)} group{'s' * (len(groups) != 1)}; {file_size(size)} in the "
            f"{len(ticked)} ticked "
            f"cop{'y' if len(ticked) == 1 else 'ies'}. "
            + (f"{plural(near, 'group')} of similar photos {'is' if near == 1 else 'are'} not "
               "ticked: select one to compare its "
               "photos side by side." if near else ""))

    def _group_of(self, item: QTreeWidgetItem | None):
        if item is None:
            return None
        head = item.parent() or item
        i = self.tree.indexOfTopLevelItem(head)
        return self.groups[i] if 0 <= i < len(self.groups) else None

    def _compare(self, item: QTreeWidgetItem | None) -> None:
        """The selected group's photos side by side, large, with what tells them apart."""
        while self.compare_row.count():
            w = self.compare_row.takeAt(0).widget()
            if w is not None:
                w.deleteLater()
        self._compared = []
        g = self._group_of(item)
        if g is None:
            self.compare_row.addWidget(QLabel("Select a group to compare its photos."))
            return
        for f in g.files:
            cell = QWidget()
            col = QVBoxLayout(cell)
            pic = QLabel()
            pic.setFixedSize(COMPARE_PX, COMPARE_PX)
            pic.setAlignment(Qt.AlignCenter)
            col.addWidget(pic)
            info = QLabel(f"{os.path.basename(f.path)}{'  ★ keeper' if f.file_id == g.keep else ''}"
                          f"\n{f.width}×{f.height}, {file_size(f.size)}\n{os.path.dirname(f.path)}")
            info.setWordWrap(True)
            info.setMaximumWidth(COMPARE_PX)
            info.setToolTip(f.path)
            col.addWidget(info)
            self.compare_row.addWidget(cell)
            self._compared.append((f.file_id, f.path, pic))
            self._show_picture(f.file_id, f.path, pic)
        self.compare_row.addStretch(1)

    def _show_picture(self, file_id: int, path: str, label: QLabel) -> None:
        pm = self.services.thumbs.get(ThumbRequest(file_id, path, "photo"))
        if pm is not None:
            label.setPixmap(pm.scaled(COMPARE_PX, COMPARE_PX, Qt.KeepAspectRatio,
                                      Qt.SmoothTransformation))

    def _thumb_ready(self, file_id: int) -> None:
        for fid, path, label in self._compared:
            if fid == file_id:
                self._show_picture(fid, path, label)
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

    def trash_checked(self) -> None:
        """Ask, then trash the ticked files (the button and the Del key alike)."""
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
        actions.confirm_and_trash(self, self.services, paths, after=lambda _m: self.refresh())

    def _activated(self, item: QTreeWidgetItem, _col: int) -> None:
        fid = item.data(0, Qt.UserRole)
        if fid is not None:
            self.openFile.emit(int(fid))
