"""People: a face mosaic per person, named people first, then the unnamed ones biggest first
(the ones worth naming). Name, merge the selected, hide, see all their photos, and take a
wrong face out ("Not this person") from the strip of the selected person's faces."""

from __future__ import annotations

import logging

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from core.people import hide_person, merge_people, name_person, remove_face
from core.query.people import FaceInfo, PersonSummary, list_people, person_faces, unassigned_faces
from desktop.views.tiles import button_row, heading, mosaic, notice, tile, tile_list
from desktop.workers import describe, run_async

log = logging.getLogger(__name__)

MOSAIC = 4          # faces in a person's tile
STRIP = 60          # faces shown for the selected person


def _crop(paths, face: FaceInfo) -> QImage | None:
    img = QImage(str(face.crop_path(paths)))
    return None if img.isNull() else img


def load_people(catalog, paths) -> tuple[list[tuple[PersonSummary, list[QImage]]], int]:
    """Worker thread: the people and the crops of their clearest faces (QImage, not pixmaps:
    those are made on the GUI thread)."""
    out = []
    for p in list_people(catalog):
        crops = [c for f in person_faces(catalog, p.id, MOSAIC) if (c := _crop(paths, f))]
        out.append((p, crops))
    return out, unassigned_faces(catalog)


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
        lay = QVBoxLayout(self)
        self.title = heading("People")
        lay.addWidget(self.title)
        self.notice = notice()
        lay.addWidget(self.notice)
        self.list = tile_list(icon=QSize(128, 128), grid=QSize(160, 180))
        self.list.itemActivated.connect(lambda _it: self.show_photos())
        self.list.currentItemChanged.connect(lambda *_: self._load_faces())
        lay.addWidget(self.list, 3)
        row, made = button_row((("See all their photos", self.show_photos),
                                ("Name…", self.name_selected),
                                ("Merge selected", self.merge_selected),
                                ("Hide", self.hide_selected)))
        self.buttons = dict(zip(("photos", "name", "merge", "hide"), made, strict=True))
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
        frow, (self.not_btn,) = button_row((("Not this person", self.not_this_person),))
        self.not_btn.setToolTip("The selected faces leave this person and never come back to them")
        lay.addLayout(frow)

    # --- reading ---
    def refresh(self) -> None:
        s = self.services
        run_async(load_people, s.catalog, s.paths, on_done=self._show,
                  on_error=lambda e: self.notice.setText(describe(e)))

    def _show(self, result) -> None:
        people, loose = result
        keep = set(self.selected_ids())
        self.people = [p for p, _ in people]
        self.list.clear()
        for p, crops in people:
            who = f"{p.suggested_name}?" if p.suggested_name else "Who is this?"
            it = tile(self.list, f"{p.label}\n{p.face_count} photos" if p.name else
                      f"{who}\n{p.face_count} photos")
            it.setData(Qt.UserRole, p.id)
            it.setToolTip(f"{p.label}: {p.face_count} faces in {len(p.files)} files")
            it.setIcon(QIcon(mosaic(crops, self.list.iconSize())))
            self.list.addItem(it)
            it.setSelected(p.id in keep)
        self.title.setText(f"People ({len(people)})" if people else "People")
        unnamed = [p for p in self.people if not p.name]
        if not people:
            self.notice.setText(
                "No people yet. Indexing finds faces on this computer (nothing leaves it); a "
                "person appears once their face is in at least 3 photos. "
                f"{loose} faces are waiting for more photos of them." if loose else
                "No people yet. Indexing finds faces on this computer (nothing leaves it).")
        elif unnamed:
            biggest = unnamed[0]
            self.notice.setText(
                f"{len(unnamed)} people have no name yet; the one in the most photos "
                f"({biggest.face_count}) comes first. Select and press Name… — names make "
                f"them searchable. {loose} faces are in nobody yet.")
        else:
            self.notice.setText(f"Everyone has a name. {loose} faces are in nobody yet.")
        self.loaded.emit()
        self._load_faces()

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
        if p is not None:
            self.showFiles.emit(p.label, list(p.file_ids), None)

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

    def merge_selected(self) -> None:
        ids = self.selected_ids()
        if len(ids) < 2:
            QMessageBox.information(self, "Merge", "Select two or more people who are one.")
            return
        self._write(merge_people, ids)

    def hide_selected(self) -> None:
        for pid in self.selected_ids():
            self._write(hide_person, pid)

    def not_this_person(self) -> None:
        faces = [i.data(Qt.UserRole) for i in self.faces.selectedItems()]
        if not faces:
            QMessageBox.information(self, "Not this person",
                                    "Select the faces that are someone else first.")
            return

        def work(catalog, ids):
            for fid in ids:
                remove_face(catalog, fid)
        self._write(work, faces)
