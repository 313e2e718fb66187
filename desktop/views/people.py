"""People: a face mosaic per person, named people first, then the unnamed ones biggest first
(the ones worth naming). Name, merge the selected (undoable), hide and show again (the hidden
ones are listed on request), see all their photos, and take a wrong face out ("Not this
person") from the strip of the selected person's faces. Every edit but naming asks first."""

from __future__ import annotations

import logging

from PySide6.QtCore import QPoint, QSize, Qt, QTimer, Signal
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
from core.query.people import (
    FaceInfo,
    PersonSummary,
    list_people,
    person_faces,
    person_files,
    unassigned_faces,
)
from desktop.views.tiles import button_row, heading, mosaic, notice, tile, tile_list
from desktop.workers import describe, run_async

log = logging.getLogger(__name__)

MOSAIC = 4          # faces in a person's tile
STRIP = 60          # faces shown for the selected person
FIRST_COVERS = 48   # people whose mosaics come with the list; the rest as they are scrolled to


def _crop(paths, face: FaceInfo) -> QImage | None:
    img = QImage(str(face.crop_path(paths)))
    return None if img.isNull() else img


def load_covers(catalog, paths, person_ids) -> dict[int, list[QImage]]:
    """Worker thread: the crops of each person's clearest faces (QImage, not pixmaps: those
    are made on the GUI thread)."""
    return {pid: [c for f in person_faces(catalog, pid, MOSAIC) if (c := _crop(paths, f))]
            for pid in person_ids}


def load_people(catalog, paths, include_hidden: bool = False, first: int = FIRST_COVERS
                ) -> tuple[list[PersonSummary], dict[int, list[QImage]], int]:
    """Worker thread: the people, the covers of the `first` of them (a first screen of
    tiles; the others' come as they scroll into view), and the faces in nobody."""
    people = list_people(catalog, include_hidden=include_hidden)
    return (people, load_covers(catalog, paths, [p.id for p in people[:first]]),
            unassigned_faces(catalog))


def load_faces(catalog, paths, person_id: int) -> list[tuple[FaceInfo, QImage | None]]:
    return [(f, _crop(paths, f)) for f in person_faces(catalog, person_id, STRIP)]


class PeoplePage(QWidget):
    showFiles = Signal(str, object, object)  # title, file ids, collection id (None)
    loaded = Signal()
    facesLoaded = Signal()

    def __init__(self, services, parent=None):
        super().__init__(parent)
        self.services = services
        self.people: list[PersonSummary] = []
        self._rows: dict[int, int] = {}      # person id -> row
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
        self.list = tile_list(icon=QSize(128, 128), grid=QSize(160, 180))
        self.list.itemActivated.connect(lambda _it: self.show_photos())
        self.list.currentItemChanged.connect(lambda *_: self._load_faces())
        self.list.itemSelectionChanged.connect(self._update_hide_button)
        # thousands of people: a tile's mosaic (a query and four crops) is made when it shows
        self._covered: set[int] = set()      # people whose covers are loaded or on their way
        self._covers_timer = QTimer(self)
        self._covers_timer.setSingleShot(True)
        self._covers_timer.setInterval(60)
        self._covers_timer.timeout.connect(self._load_visible_covers)
        self.list.verticalScrollBar().valueChanged.connect(lambda _v: self._covers_timer.start())
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
        self.faces = QListWidget()
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

    # --- reading ---
    def refresh(self) -> None:
        s = self.services
        run_async(load_people, s.catalog, s.paths, self.show_hidden.isChecked(),
                  on_done=self._show,
                  on_error=lambda e: self.notice.setText(describe(e)))

    def _show(self, result) -> None:
        people, covers, loose = result
        keep = set(self.selected_ids())
        self.people = people
        self._covered = set(covers)
        self._rows = {p.id: i for i, p in enumerate(people)}
        self.list.clear()
        for p in people:
            # photos, not faces: a merged person can have two faces in one photo
            count = plural(p.file_count, "photo")
            who = f"{p.suggested_name}?" if p.suggested_name else "Who is this?"
            it = tile(self.list, (f"{p.label}\n{count}" if p.name else f"{who}\n{count}")
                      + ("\n(hidden)" if p.hidden else ""))
            it.setData(Qt.UserRole, p.id)
            it.setToolTip(f"{p.label}: {plural(p.face_count, 'face')} in "
                          f"{plural(p.file_count, 'file')}")
            self.list.addItem(it)
            it.setSelected(p.id in keep)
        self._show_covers(covers)
        self.title.setText(f"People ({len(people)})" if people else "People")
        unnamed = [p for p in self.people if not p.name]
        waiting = f"{plural(loose, 'face')} {'is' if loose == 1 else 'are'}"
        if not people:
            self.notice.setText(
                "No people yet. Indexing finds faces on this computer (nothing leaves it); a "
                "person appears once their face is in at least 3 photos. "
                f"{waiting} waiting for more photos of them." if loose else
                "No people yet. Indexing finds faces on this computer (nothing leaves it).")
        elif unnamed:
            biggest = unnamed[0]
            self.notice.setText(
                f"{plural(len(unnamed), 'person', 'people')} "
                f"{'has' if len(unnamed) == 1 else 'have'} no name yet; the one seen most "
                f"({plural(biggest.file_count, 'photo')}) comes first. Select and press Name… — names "
                f"make them searchable. {waiting} in nobody yet.")
        else:
            self.notice.setText(f"Everyone has a name. {waiting} in nobody yet.")
        self._update_hide_button()
        self.loaded.emit()
        self._load_faces()
        self._covers_timer.start()

    def _show_covers(self, covers: dict[int, list[QImage]]) -> None:
        for pid, crops in covers.items():
            row = self._rows.get(pid)
            it = self.list.item(row) if row is not None else None
            if it is not None and it.data(Qt.UserRole) == pid:
                it.setIcon(QIcon(mosaic(crops, self.list.iconSize())))

    def visible_rows(self) -> range:
        """The rows of the tiles in the list's viewport, and a row of tiles beyond."""
        view = self.list.viewport().rect()
        grid = self.list.gridSize()
        first = max(0, self.list.indexAt(view.topLeft() + QPoint(2, 2)).row())
        per_row = max(1, view.width() // max(1, grid.width()))
        rows = view.height() // max(1, grid.height()) + 2
        return range(first, min(self.list.count(), first + per_row * rows))

    def _load_visible_covers(self) -> None:
        want = [self.people[r].id for r in self.visible_rows()
                if r < len(self.people) and self.people[r].id not in self._covered]
        if not want:
            return
        self._covered.update(want)
        s = self.services
        run_async(load_covers, s.catalog, s.paths, want, on_done=self._show_covers,
                  on_error=lambda e: log.info("people covers: %s", describe(e)))

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
        label = next((p.label for p in self.people if p.id == pid), "")
        self.faces_title.setText(f"Faces of {label}: select the wrong ones and press "
                                 f"“Not this person”")
        self.facesLoaded.emit()

    # --- selection ---
    def selected_ids(self) -> list[int]:
        return [i.data(Qt.UserRole) for i in self.list.selectedItems()]

    def current_id(self) -> int | None:
        it = self.list.currentItem()
        return None if it is None else it.data(Qt.UserRole)

    def select(self, person_id: int) -> None:
        for i in range(self.list.count()):
            it = self.list.item(i)
            if it.data(Qt.UserRole) == person_id:
                self.list.setCurrentItem(it)
                return

    # --- actions ---
    def _write(self, fn, *args) -> None:
        run_async(fn, self.services.catalog, *args, on_done=lambda _r: self._changed(),
                  on_error=lambda e: QMessageBox.warning(self, "People", describe(e)))

    def _changed(self) -> None:
        self.services.libraryChanged.emit()  # search by name sees the change
        self.refresh()

    def show_photos(self) -> None:
        pid = self.current_id()
        p = next((p for p in self.people if p.id == pid), None)
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
        current = next((p.name or p.suggested_name or "" for p in self.people
                        if p.id == ids[0]), "")
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
        names = [p.label for p in self.people if p.id in ids]
        return ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")

    def merge_selected(self) -> None:
        ids = self.selected_ids()
        if len(ids) < 2:
            QMessageBox.information(self, "Merge", "Select two or more people who are one.")
            return
        ids.sort(key=lambda i: next(n for n, p in enumerate(self.people) if p.id == i))
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
        chosen = [p for p in self.people if p.id in set(self.selected_ids())]
        unhide = bool(chosen) and all(p.hidden for p in chosen)
        self.buttons["hide"].setText("Show again" if unhide else "Hide…")

    def hide_selected(self) -> None:
        ids = self.selected_ids()
        if not ids:
            QMessageBox.information(self, "Hide", "Select the people to hide first.")
            return
        if all(p.hidden for p in self.people if p.id in ids):  # bringing them back: harmless
            for pid in ids:
                self._write(hide_person, pid, False)
            return
        if not self._ask("Hide people", f"Hide {self._labels(ids)}?\n\nThey leave this list "
                         "and searches, and their new photos keep going to them. Tick “Show "
                         "hidden people” to bring them back.", "Hide"):
            return
        for pid in ids:
            self._write(hide_person, pid)

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
