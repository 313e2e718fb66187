"""People: a face mosaic per person, named people first, then the unnamed ones biggest first
(the ones worth naming). Name, merge the selected (undoable), hide and show again (the hidden
ones are listed on request), see all their photos, and take a wrong face out ("Not this
person") from the strip of the selected person's faces. Every edit but naming asks first."""

from __future__ import annotations

import logging

from PySide6.QtCore import (
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from core.people import (
    hide_person,
    merge_people,
    name_person,
    remove_face,
    restore_people,
    snapshot_people,
)
from core.query.display import plural
from core.query.people import FaceInfo, person_faces, person_files
from desktop.views.people_model import (
    GRID,
    ICON,
    PERSON_ROLE,
    PeopleListing,
    PeopleModel,
    crop,
    load_covers,
    load_people,
)
from desktop.views.tiles import button_row, heading, notice, on_screen_rows, tile_view
from desktop.workers import describe, run_async

log = logging.getLogger(__name__)

STRIP = 60          # faces shown for the selected person
COVER_CHUNK = 12    # mosaics read per worker call: they show a few at a time, not all at once


def load_faces(catalog, paths, person_id: int) -> list[tuple[FaceInfo, QImage | None]]:
    return [(f, crop(paths, f)) for f in person_faces(catalog, person_id, STRIP)]


class PeoplePage(QWidget):
    showFiles = Signal(str, object, object)  # title, file ids, collection id (None)
    loaded = Signal()
    facesLoaded = Signal()

    def __init__(self, services, parent=None):
        super().__init__(parent)
        self.services = services
        lay = QVBoxLayout(self)
        self.title = heading("People")
        lay.addWidget(self.title)
        self.notice = notice()
        lay.addWidget(self.notice)
        self.show_hidden = QCheckBox("Show hidden people")
        self.show_hidden.setToolTip("Hidden people are left out of this list and of searches; "
                                    "show them here to bring one back")
        self.show_hidden.toggled.connect(lambda _on: self.refresh())
        lay.addWidget(self.show_hidden)
        self.model = PeopleModel(self)
        self.list = tile_view(icon=ICON, grid=GRID)
        self.list.setModel(self.model)
        self.list.activated.connect(lambda _index: self.show_photos())
        self._reselecting = False   # (the selection made again after a new listing)
        self.list.selectionModel().currentChanged.connect(
            lambda *_: self._reselecting or self._load_faces())
        self.list.selectionModel().selectionChanged.connect(
            lambda *_: self._reselecting or self._update_hide_button())
        # thousands of people: a tile's mosaic (a query and four crops) is read when it is
        # painted, a few tiles per worker call, what was painted last first
        self._cover_queue: list[tuple[int, int]] = []
        self._cover_loading = False
        self._covers_timer = QTimer(self)
        self._covers_timer.setSingleShot(True)
        self._covers_timer.setInterval(60)
        self._covers_timer.timeout.connect(self._load_wanted_covers)
        self.model.coversWanted.connect(
            lambda: self._covers_timer.isActive() or self._covers_timer.start())
        lay.addWidget(self.list, 3)
        row, made = button_row((("See all their photos", self.show_photos),
                                ("Name…", self.name_selected),
                                ("Merge selected…", self.merge_selected),
                                ("Hide…", self.hide_selected),
                                ("Undo merge", self.undo_merge)))
        self.buttons = dict(zip(("photos", "name", "merge", "hide", "undo"), made, strict=True))
        self._merged: tuple[str, object] | None = None   # (what was merged, its snapshot)
        self.buttons["undo"].hide()
        lay.addLayout(row)
        self.faces_title = QLabel("")
        lay.addWidget(self.faces_title)
        self.faces = QListWidget()   # (a person's clearest STRIP faces: a few dozen items)
        self.faces.setViewMode(QListWidget.IconMode)
        self.faces.setIconSize(QSize(64, 64))
        self.faces.setFlow(QListWidget.LeftToRight)
        self.faces.setWrapping(False)
        self.faces.setFixedHeight(96)
        self.faces.setSelectionMode(QListWidget.ExtendedSelection)
        lay.addWidget(self.faces)
        frow, (self.not_btn,) = button_row((("Not this person…", self.not_this_person),))
        self.not_btn.setToolTip("The selected faces leave this person and never come back to them")
        lay.addLayout(frow)

    @property
    def people(self):
        return self.model.people

    # --- reading ---
    def refresh(self) -> None:
        run_async(load_people, self.services.catalog, self.show_hidden.isChecked(),
                  on_done=self._show,
                  on_error=lambda e: self.notice.setText(describe(e)))

    def _show(self, listing: PeopleListing) -> None:
        people = listing.people
        keep, current = self.selected_ids(), self.current_id()
        reset = self.model.set_people(people, listing.row_of)
        self._reselect(keep, current)
        if reset and self.list.currentIndex().isValid():   # (a merge, a person hidden)
            self._scroll_to_current()
        self.title.setText(f"People ({len(people)})" if people else "People")
        loose = listing.loose
        waiting = f"{plural(loose, 'face')} {'is' if loose == 1 else 'are'}"
        if not people:
            self.notice.setText(
                "No people yet. Indexing finds faces on this computer (nothing leaves it); a "
                "person appears once their face is in at least 3 photos. "
                f"{waiting} waiting for more photos of them." if loose else
                "No people yet. Indexing finds faces on this computer (nothing leaves it).")
        elif listing.biggest_unnamed is not None:
            n = listing.unnamed
            self.notice.setText(
                f"{plural(n, 'person', 'people')} {'has' if n == 1 else 'have'} no name yet; "
                f"the one seen most ({plural(listing.biggest_unnamed.file_count, 'photo')}) "
                f"comes first. Select and press Name… — names make them searchable. "
                f"{waiting} in nobody yet.")
        else:
            self.notice.setText(f"Everyone has a name. {waiting} in nobody yet.")
        self._update_hide_button()
        self.loaded.emit()
        self._load_faces()

    def _reselect(self, ids: list[int], current: int | None) -> None:
        """The people selected before the list was read again selected again, by id (their
        rows can have moved), and the current one current again."""
        rows = [r for r in (self.model.row_of.get(i) for i in ids) if r is not None]
        sm = self.list.selectionModel()
        chosen = QItemSelection()
        for r in rows:
            chosen.select(self.model.index(r), self.model.index(r))
        row = self.model.row_of.get(current) if current is not None else None
        self._reselecting = True
        try:
            sm.select(chosen, QItemSelectionModel.ClearAndSelect)
            sm.setCurrentIndex(self.model.index(row) if row is not None else QModelIndex(),
                               QItemSelectionModel.NoUpdate)
        finally:
            self._reselecting = False

    def _scroll_to_current(self, tries: int = 40) -> None:
        """The current person scrolled to once the tiles are laid out that far: the view lays
        them out a batch at a time after a reset, and scrolls no further than it has."""
        index = self.list.currentIndex()
        if not index.isValid():
            return
        self.list.scrollTo(index)
        if tries and not self.list.visualRect(index).intersects(self.list.viewport().rect()):
            QTimer.singleShot(25, lambda: self._scroll_to_current(tries - 1))

    def _load_wanted_covers(self) -> None:
        # what was painted last goes first: a screen scrolled to waits for none scrolled past
        self._cover_queue[:0] = self.model.take_wanted()
        self._next_covers()

    def _next_covers(self) -> None:
        if self._cover_loading or not self._cover_queue:
            return
        chunk = self._cover_queue[:COVER_CHUNK]
        del self._cover_queue[:COVER_CHUNK]
        self._cover_loading = True
        s = self.services
        run_async(load_covers, s.catalog, s.paths, chunk, on_done=self._covers_done,
                  on_error=self._covers_failed)

    def _covers_done(self, covers) -> None:
        self._cover_loading = False
        self.model.set_covers(covers)
        self._next_covers()

    def _covers_failed(self, e: BaseException) -> None:
        log.info("people covers: %s", describe(e))
        self._cover_loading = False
        self._cover_queue.clear()
        self.model.forget_asked()

    def pictured(self) -> bool:
        """Every tile on screen has its mosaic (tests and screenshots wait for it: the mosaics
        come after the tiles, and only for the tiles painted)."""
        rows = self.visible_rows()
        return bool(rows) and all(self.model.covered(r) for r in rows)

    def visible_rows(self) -> list[int]:
        """The rows of the tiles in the list's viewport."""
        return on_screen_rows(self.list)

    def _load_faces(self) -> None:
        pid = self.current_id()
        if pid is None:
            self.faces.clear()
            # (the empty box below said nothing)
            self.faces_title.setText("Select a person to see each of their faces here." if
                                     self.people else "")
            return
        s = self.services
        run_async(load_faces, s.catalog, s.paths, pid,
                  on_done=lambda faces, p=pid: self._show_faces(p, faces),
                  on_error=lambda e: self.faces_title.setText(describe(e)))

    def _show_faces(self, pid: int, faces) -> None:
        if pid != self.current_id():
            return
        self.faces.clear()
        for f, img in faces:
            it = QListWidgetItem("")
            it.setData(Qt.UserRole, f.id)
            it.setToolTip(f.path)
            if img is not None:
                it.setIcon(QIcon(QPixmap.fromImage(img)))
            self.faces.addItem(it)
        p = self._person(pid)
        label = p.label if p is not None else ""
        self.faces_title.setText(f"Faces of {label}: select the wrong ones and press "
                                 f"“Not this person”")
        self.facesLoaded.emit()

    # --- selection ---
    def _person(self, person_id: int | None):
        row = self.model.row_of.get(person_id) if person_id is not None else None
        return None if row is None else self.model.person(row)

    def selected_ids(self) -> list[int]:
        """The selected people, in the list's order."""
        rows = sorted(i.row() for i in self.list.selectionModel().selectedIndexes())
        return [self.model.person(r).id for r in rows]

    def current_id(self) -> int | None:
        index = self.list.currentIndex()
        return index.data(PERSON_ROLE) if index.isValid() else None

    def select(self, person_id: int) -> None:
        """Make a person the current and only selected one, scrolled to."""
        row = self.model.row_of.get(person_id)
        if row is not None:
            self.list.setCurrentIndex(self.model.index(row))
            self._scroll_to_current()

    # --- actions ---
    def _write(self, fn, *args) -> None:
        run_async(fn, self.services.catalog, *args, on_done=lambda _r: self._changed(),
                  on_error=lambda e: QMessageBox.warning(self, "People", describe(e)))

    def _changed(self) -> None:
        self.services.libraryChanged.emit()  # search by name sees the change
        self.refresh()

    def show_photos(self) -> None:
        p = self._person(self.current_id())
        if p is not None:   # a person's files are read when asked for (thousands, at 1M)
            run_async(person_files, self.services.catalog, p.id,
                      on_done=lambda files: self.showFiles.emit(
                          p.label, [fid for fid, _ in files], None),
                      on_error=lambda e: self.notice.setText(describe(e)))

    def name_selected(self) -> None:
        ids = self.selected_ids() or ([self.current_id()] if self.current_id() else [])
        if len(ids) != 1:
            QMessageBox.information(self, "Name", "Select one person to name.")
            return
        # an unnamed person another program tagged: its name is offered, to confirm
        p = self._person(ids[0])
        current = (p.name or p.suggested_name or "") if p is not None else ""
        name, ok = QInputDialog.getText(self, "Name this person", "Name:", text=current)
        if ok:
            self._write(name_person, ids[0], name)

    def _ask(self, title: str, text: str, yes: str) -> bool:
        box = QMessageBox(QMessageBox.Question, title, text, QMessageBox.Cancel, self)
        go = box.addButton(yes, QMessageBox.AcceptRole)
        box.setDefaultButton(QMessageBox.Cancel)
        box.exec()
        return box.clickedButton() is go

    def _labels(self, ids: list[int]) -> str:
        names = [p.label for p in map(self._person, ids) if p is not None]
        return ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")

    def merge_selected(self) -> None:
        ids = self.selected_ids()
        if len(ids) < 2:
            QMessageBox.information(self, "Merge", "Select two or more people who are one.")
            return
        if not self._ask("Merge people", f"Merge {self._labels(ids)} into one person?\n\n"
                         "Their faces become one person's. You can undo this right after.",
                         "Merge"):
            return
        what = self._labels(ids)

        def work(catalog, ids):
            snap = snapshot_people(catalog, ids)
            merge_people(catalog, ids)
            return snap

        run_async(work, self.services.catalog, ids,
                  on_done=lambda snap: self._merged_done(what, snap),
                  on_error=lambda e: QMessageBox.warning(self, "People", describe(e)))

    def _merged_done(self, what: str, snap) -> None:
        self._merged = (what, snap)
        self.buttons["undo"].setToolTip(f"Split {what} apart again")
        self.buttons["undo"].show()
        self._changed()

    def undo_merge(self) -> None:
        if self._merged is None:
            return
        _what, snap = self._merged
        self._merged = None
        self.buttons["undo"].hide()
        self._write(restore_people, snap)

    def _update_hide_button(self) -> None:
        rows = {i.row() for i in self.list.selectionModel().selectedIndexes()}
        unhide = bool(rows) and all(self.model.person(r).hidden for r in rows)
        self.buttons["hide"].setText("Show again" if unhide else "Hide…")

    def hide_selected(self) -> None:
        ids = self.selected_ids()
        if not ids:
            QMessageBox.information(self, "Hide", "Select the people to hide first.")
            return
        hide = not all(p.hidden for p in map(self._person, ids) if p is not None)
        # (showing them again loses nothing: it asks nothing)
        if hide and not self._ask("Hide people", f"Hide {self._labels(ids)}?\n\nThey leave "
                                  "this list and searches, and their new photos keep going to "
                                  "them. Tick “Show hidden people” to bring them back.", "Hide"):
            return

        def work(catalog, ids):   # one write and one list read after it, not one per person
            for pid in ids:
                hide_person(catalog, pid, hide)
        self._write(work, ids)

    def not_this_person(self) -> None:
        faces = [i.data(Qt.UserRole) for i in self.faces.selectedItems()]
        if not faces:
            QMessageBox.information(self, "Not this person",
                                    "Select the faces that are someone else first.")
            return
        if not self._ask("Not this person", f"Take {plural(len(faces), 'face')} out of this "
                         "person?\n\nThey will never be put back into them.", "Take out"):
            return

        def work(catalog, ids):
            for fid in ids:
                remove_face(catalog, fid)
        self._write(work, faces)
