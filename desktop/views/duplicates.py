"""Duplicates: groups of identical (same bytes) or near-identical photos and videos, each with a
suggested keeper. Only the extra copies of identical files are ticked for the trash before the
user looks; near-duplicates are different files that look alike: never ticked, and shown side by
side (the compare strip under the list) so the user chooses. Ticked files go to the system trash
(never a permanent delete), after confirmation.

"Keep both" and "Not a duplicate" are remembered by content (core/search/dupe_decisions.py):
the group is not offered again, also after a rescan or a move. Neither deletes anything and
both are undone from "Show dismissed", so they do not ask first."""

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

from core.errors import ShoeboxError
from core.query import file_size
from core.query.display import plural
from desktop import actions
from desktop.thumbs import ThumbRequest
from desktop.views.tiles import button_row, heading, notice
from desktop.workers import describe, run_long

COMPARE_PX = 220  # each photo in the side-by-side comparison


DECIDED = {"keep_both": "you keep both", "not_duplicate": "you said: not a duplicate"}


def find_duplicates(catalog, registry, near: bool, dismissed: bool):
    # when first used: core.search.dupes adds 43-70 ms before the first window (-X importtime)
    from core.search import duplicates

    return duplicates(catalog, registry if near else None, near=near, dismissed=dismissed)


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
        self.show_dismissed = QCheckBox("Show dismissed")
        self.show_dismissed.setToolTip("Groups you kept or called no duplicate: select one "
                                       "and press \u201cOffer again\u201d to undo")
        self.show_dismissed.toggled.connect(lambda _c: self.refresh())
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
        self.tree.currentItemChanged.connect(lambda cur, _prev: self._selected(cur))
        lay.addWidget(self.tree, 2)
        self.compare_box = QWidget()
        self.compare_row = QHBoxLayout(self.compare_box)
        self.compare_scroll = QScrollArea()
        self.compare_scroll.setWidgetResizable(True)
        self.compare_scroll.setWidget(self.compare_box)
        lay.addWidget(self.compare_scroll, 1)
        self._compared: list[tuple[int, str, QLabel]] = []  # file id, path, picture label
        self._compared_media = "photo"
        decide, (self.keep_btn, self.not_dup_btn, self.undo_btn) = button_row([
            ("Keep both", self.keep_both),
            ("Not a duplicate", self.not_duplicate),
            ("Offer again", self.offer_again),
        ])
        self.keep_btn.setToolTip("Both stay; this group is not offered again (undo: Show "
                                 "dismissed)")
        self.not_dup_btn.setToolTip("These are different pictures; not offered again (undo: "
                                    "Show dismissed)")
        # beside its "Offer again", on a row of their own: at 720 px neither the top row nor
        # the trash button's has room
        decide.insertWidget(2, self.show_dismissed)
        lay.addLayout(decide)
        self.trash_btn = QPushButton("Move ticked files to trash…")
        self.trash_btn.clicked.connect(self.trash_checked)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
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
                 self.show_dismissed.isChecked(), on_done=self._show, on_error=self._failed)

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
            what = "videos" if g.media == "video" else "photos"
            if g.decision is not None:
                label = (f"{len(g.files)} {'identical files' if g.kind == 'exact' else what}"
                         f"  ·  dismissed: {DECIDED.get(g.decision, g.decision)}")
            elif g.kind == "exact":
                label = f"{len(g.files)} identical files  ·  keep: {keeper_name}  ({g.reason})"
            else:
                label = (f"{len(g.files)} similar {what} — different files: compare them below; "
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
                it.setData(3, Qt.UserRole, g.media)
                it.setCheckState(0, Qt.Checked if f.file_id in trash else Qt.Unchecked)
                if f.file_id == keeper and g.decision is None:
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
        offered = sum(1 for g in groups if g.decision is None)
        self.title.setText(f"Duplicates ({plural(offered, 'group')})" if offered
                           else "Duplicates")
        self._icons_timer.start()
        self._update_notice()
        self._update_buttons()
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
                pm = self.services.thumbs.get(ThumbRequest(
                    it.data(0, Qt.UserRole), it.data(1, Qt.UserRole),
                    it.data(3, Qt.UserRole) or "photo"))   # a video group's media is "video"
                if pm is not None:
                    it.setIcon(0, QIcon(pm))

    def _update_notice(self) -> None:
        """What the ticks add up to, kept current as the user ticks (Space) or unticks."""
        dismissed = sum(1 for g in self.groups or [] if g.decision is not None)
        also = f" {plural(dismissed, 'dismissed group')} at the end." if dismissed else ""
        groups = [g for g in self.groups or [] if g.decision is None]
        if not groups:
            self.notice.setText("No duplicates found." + also)
            return
        ticked = [head.child(j) for head in map(self.tree.topLevelItem,
                                                range(self.tree.topLevelItemCount()))
                  for j in range(head.childCount()) if head.child(j).checkState(0) == Qt.Checked]
        size = sum(it.data(2, Qt.UserRole) or 0 for it in ticked)
        near = sum(1 for g in groups if g.kind != "exact")
        media = {g.media for g in groups if g.kind != "exact"}
        what = "photos and videos" if len(media) > 1 else f"{next(iter(media), 'photo')}s"
        self.notice.setText(
            f"{len(groups)} group{'s' * (len(groups) != 1)}; {file_size(size)} in the "
            f"{len(ticked)} ticked "
            f"cop{'y' if len(ticked) == 1 else 'ies'}. "
            + (f"{plural(near, 'group')} of similar {what} {'is' if near == 1 else 'are'} not "
               f"ticked: select one to compare them side by side." if near else "") + also)

    def _selected(self, item: QTreeWidgetItem | None) -> None:
        self._compare(item)
        self._update_buttons()

    def _update_buttons(self) -> None:
        """What the selected group allows: a decision, or undoing one."""
        g = self._group_of(self.tree.currentItem())
        open_ = g is not None and g.decision is None
        self.keep_btn.setText("Keep all" if open_ and (g.kind == "exact" or len(g.files) > 2)
                              else "Keep both")
        self.keep_btn.setEnabled(open_)
        self.not_dup_btn.setEnabled(open_ and g.kind != "exact")
        self.undo_btn.setEnabled(g is not None and g.decision is not None)

    def keep_both(self) -> None:
        self._decide("keep_both")

    def not_duplicate(self) -> None:
        self._decide("not_duplicate")

    def _decide(self, decision: str) -> None:
        """Remember the selected group's decision; it leaves the list (or, with "Show
        dismissed", moves to the dismissed ones at the end)."""
        from core.search.dupe_decisions import remember

        g = self._group_of(self.tree.currentItem())
        if g is None or g.decision is not None:
            return
        try:
            batch = remember(self.services.catalog, g, decision)
        except ShoeboxError as e:   # the files changed meanwhile: say so, lose nothing
            self.notice.setText(describe(e))
            return
        i = self.groups.index(g)
        rest = [x for x in self.groups if x is not g]
        if self.show_dismissed.isChecked():
            g.decision, g.batch = decision, batch
            rest.append(g)
        self._show_next(rest, i)
        name = os.path.basename(g.files[0].path)
        self.notice.setText(f"{name} and {plural(len(g.files) - 1, 'other')}: "
                            f"{DECIDED[decision]}; not offered again. "
                            "Undo it from \u201cShow dismissed\u201d.")

    def offer_again(self) -> None:
        """Undo the selected dismissed group's decision: it is offered again."""
        from core.search.dupe_decisions import forget

        g = self._group_of(self.tree.currentItem())
        if g is None or g.decision is None or g.batch is None:
            return
        forget(self.services.catalog, g.batch)
        self.refresh()

    def _show_next(self, groups, i: int) -> None:
        """Show the groups with the i-th group's head current (the one after a decided one)."""
        self.tree.setCurrentItem(None)
        self._show(groups)
        if groups:
            self.tree.setCurrentItem(self.tree.topLevelItem(min(i, len(groups) - 1)))

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
        self._compared_media = g.media
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
        pm = self.services.thumbs.get(ThumbRequest(file_id, path, self._compared_media))
        if pm is not None:
            label.setPixmap(pm.scaled(COMPARE_PX, COMPARE_PX, Qt.KeepAspectRatio,
                                      Qt.SmoothTransformation))

    def _thumb_ready(self, file_id: int) -> None:
        for fid, path, label in self._compared:
            if fid == file_id:
                self._show_picture(fid, path, label)
        it = self._items_by_id.get(file_id)
        if it is not None:
            pm = self.services.thumbs.get(ThumbRequest(file_id, it.data(1, Qt.UserRole),
                                                       it.data(3, Qt.UserRole) or "photo"))
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
