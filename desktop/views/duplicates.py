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

from PySide6.QtCore import QModelIndex, QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from core.errors import ShoeboxError
from core.query import file_size
from core.query.display import plural
from desktop import actions
from desktop.thumbs import ThumbRequest
from desktop.views.duplicates_model import (
    DECIDED,
    FILE_ID_ROLE,
    DuplicatesModel,
    GroupsView,
    Listing,
    prepare,
)
from desktop.views.tiles import button_row, heading, notice
from desktop.workers import describe, run_long

COMPARE_PX = 220  # each photo in the side-by-side comparison
ROW_ICON_PX = 64  # a file row's thumbnail


def find_duplicates(catalog, registry, near: bool, dismissed: bool) -> Listing:
    """Worker thread: the groups, and their rows made ready to show."""
    # when first used: core.search.dupes adds 43-70 ms before the first window (-X importtime)
    from core.search import duplicates

    return prepare(duplicates(catalog, registry if near else None, near=near,
                              dismissed=dismissed))


class DuplicatesPage(QWidget):
    openFile = Signal(int)
    loaded = Signal()

    def __init__(self, services, parent=None):
        super().__init__(parent)
        self.services = services
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
        # thousands of groups: a model that Qt asks about the rows it paints (a row's
        # thumbnail is asked for when the row is painted, so only for rows on screen)
        self.model = DuplicatesModel(services.thumbs, self)
        self.model.ticksChanged.connect(self._update_notice)
        self.view = GroupsView(ROW_ICON_PX)
        self.view.setModel(self.model)
        self.view.setColumnWidth(0, 320)
        self.view.activated.connect(self._activated)
        self.view.selectionModel().currentRowChanged.connect(
            lambda cur, _prev: self._selected(cur.row()))
        lay.addWidget(self.view, 2)
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
        services.thumbs.readyBatch.connect(self._thumbs_arrived)

    @property
    def groups(self):
        """The groups listed (offered first, then any dismissed ones)."""
        return self.model.groups

    def refresh(self) -> None:
        s = self.services
        self.title.setText("Duplicates (looking…)")
        run_long(find_duplicates, s.catalog, s.registry, self.near.isChecked(),
                 self.show_dismissed.isChecked(), on_done=self._show, on_error=self._failed)

    def _failed(self, e: BaseException) -> None:
        self.title.setText("Duplicates")
        self.notice.setText(describe(e))

    def _show(self, listing: Listing) -> None:
        # a refresh (coming back to the page, a trash, "Find again") keeps the row the user
        # was on and where the list was scrolled: it jumped to the top
        keep_fid = self.view.currentIndex().siblingAtColumn(0).data(FILE_ID_ROLE)
        bar = self.view.verticalScrollBar()
        keep_scroll = bar.value()
        with QSignalBlocker(self.view.selectionModel()):
            self.model.set_listing(listing)
            row = listing.row_of.get(keep_fid) if keep_fid is not None else None
            if row is not None:
                self.view.setCurrentIndex(self.model.index(row, 0))
        self.view.doItemsLayout()          # the scroll range of the new rows, now
        bar.setValue(keep_scroll)
        self._update_title()
        self._update_notice()
        self._update_buttons()
        if row is not None:
            self._compare(self.model.group_at(row))
        elif listing.first_near is not None:
            self._compare(self.model.groups[listing.first_near])
        else:
            self._compare(None)
        self.loaded.emit()

    def _update_title(self) -> None:
        offered = self.model.offered
        self.title.setText(f"Duplicates ({plural(offered, 'group')})" if offered
                           else "Duplicates")

    def visible_file_ids(self) -> list[int]:
        """The files of the rows in the view's viewport."""
        view = self.view
        first = view.rowAt(0)
        if first < 0:
            return []
        last = view.rowAt(view.viewport().height() - 1)
        last = self.model.rowCount() - 1 if last < 0 else last
        return [f.file_id for r in range(first, last + 1)
                if (f := self.model.file_at(r)) is not None]

    def _update_notice(self) -> None:
        """What the ticks add up to, kept current as the user ticks (Space) or unticks."""
        m = self.model
        also = f" {plural(m.dismissed, 'dismissed group')} at the end." if m.dismissed else ""
        if not m.offered:
            self.notice.setText("No duplicates found." + also)
            return
        ticked = len(m.ticked)
        near, media = m.near_groups()
        what = "photos and videos" if len(media) > 1 else f"{next(iter(media), 'photo')}s"
        self.notice.setText(
            f"{m.offered} group{'s' * (m.offered != 1)}; {file_size(m.ticked_size)} in the "
            f"{ticked} ticked "
            f"cop{'y' if ticked == 1 else 'ies'}. "
            + (f"{plural(near, 'group')} of similar {what} {'is' if near == 1 else 'are'} not "
               f"ticked: select one to compare them side by side." if near else "") + also)

    def _selected(self, row: int) -> None:
        self._compare(self.model.group_at(row))
        self._update_buttons()

    def current_group(self):
        return self.model.group_at(self.view.currentIndex().row())

    def _update_buttons(self) -> None:
        """What the selected group allows: a decision, or undoing one."""
        g = self.current_group()
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
        """Remember the selected group's decision; its rows leave the list (or, with "Show
        dismissed", move to the dismissed ones at the end): no other row is touched."""
        from core.search.dupe_decisions import remember

        row = self.view.currentIndex().row()
        g = self.model.group_at(row)
        if g is None or g.decision is not None:
            return
        try:
            batch = remember(self.services.catalog, g, decision)
        except ShoeboxError as e:   # the files changed meanwhile: say so, lose nothing
            self.notice.setText(describe(e))
            return
        gi = self.model.locate(row)[0]
        self.view.setCurrentIndex(QModelIndex())
        self.model.remove_group(gi)
        if self.show_dismissed.isChecked():
            g.decision, g.batch = decision, batch
            self.model.append_group(g)
        if self.model.groups:      # the group after the decided one is current
            next_gi = min(gi, len(self.model.groups) - 1)
            self.view.setCurrentIndex(self.model.index(self.model.heading_row(next_gi), 0))
        self._update_title()
        self._update_buttons()
        name = os.path.basename(g.files[0].path)
        self.notice.setText(f"{name} and {plural(len(g.files) - 1, 'other')}: "
                            f"{DECIDED[decision]}; not offered again. "
                            "Undo it from \u201cShow dismissed\u201d.")

    def offer_again(self) -> None:
        """Undo the selected dismissed group's decision: it is offered again."""
        from core.search.dupe_decisions import forget

        g = self.current_group()
        if g is None or g.decision is None or g.batch is None:
            return
        forget(self.services.catalog, g.batch)
        self.refresh()

    def _compare(self, g) -> None:
        """The selected group's photos side by side, large, with what tells them apart."""
        while self.compare_row.count():
            w = self.compare_row.takeAt(0).widget()
            if w is not None:
                w.deleteLater()
        self._compared = []
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

    def _thumbs_arrived(self, _file_ids: list[int]) -> None:
        """The rows on screen repaint with the thumbnails that arrived (one repaint a batch)."""
        self.view.viewport().update()

    def _thumb_ready(self, file_id: int) -> None:
        for fid, path, label in self._compared:
            if fid == file_id:
                self._show_picture(fid, path, label)

    def checked_paths(self) -> list[str]:
        return self.model.ticked_paths()

    def trash_checked(self) -> None:
        """Ask, then trash the ticked files (the button and the Del key alike)."""
        paths = self.checked_paths()
        # never every copy of a group: one must stay
        if self.model.all_ticked_group() is not None:
            from PySide6.QtWidgets import QMessageBox

            QMessageBox.warning(self, "Keep one", "Every file of a group is ticked: untick "
                                "the one to keep, so at least one copy stays.")
            return
        actions.confirm_and_trash(self, self.services, paths, after=lambda _m: self.refresh())

    def _activated(self, index: QModelIndex) -> None:
        fid = index.siblingAtColumn(0).data(FILE_ID_ROLE)
        if fid is not None:
            self.openFile.emit(int(fid))
