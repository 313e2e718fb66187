"""Settings: watched folders, models per role, device, GPU budget, workers, relevance
threshold, organize mode. Saved with core.config.Settings into the data folder."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core.errors import ShoeboxError
from core.people import delete_all_face_data
from core.query.display import plural
from core.scan.roots import list_roots
from desktop import actions
from desktop.views.tiles import button_row, notice
from desktop.workers import describe, run_async, run_long
from models.role import role_names

ROLE_LABELS = {"clip": "Image and text search (CLIP)", "caption": "Captions",
               "whisper": "Speech to text (Whisper)", "llm": "Names and answers (LLM)",
               "faces": "Faces", "text": "Text in photos (OCR)",
               "sentences": "Speech and text by meaning"}


def role_label(role: str) -> str:
    """Every registered model role gets a row; a role added later reads by its name."""
    return ROLE_LABELS.get(role, role.capitalize())


class SettingsDialog(QDialog):
    rootsShown = Signal()  # the library folders are listed (read in a worker)
    modelsShown = Signal()  # each role says whether it is ready
    folderRemoved = Signal(int)  # how many files left the catalog

    def __init__(self, services, parent=None):
        super().__init__(parent)
        self.services = services
        self.setWindowTitle("Shoebox settings")
        self.resize(620, 460)
        st = services.settings
        tabs = QTabWidget()

        lib = QWidget()
        ll = QVBoxLayout(lib)
        ll.addWidget(QLabel("Library folders"))
        self.roots = QListWidget()
        run_async(list_roots, services.catalog, on_done=self._show_roots,
                  on_error=lambda e: self._show_roots_failed(e))
        ll.addWidget(self.roots)
        row, (_add, self.remove_btn) = button_row((("Add folder…", self._add_folder),
                                                   ("Remove folder…", self.remove_folder)))
        self.remove_btn.setToolTip("Its files leave the catalog; nothing is deleted from disk")
        ll.addLayout(row)
        self.watch = QCheckBox("Watch these folders for changes while Shoebox is open")
        self.watch.setChecked(st.watch)
        ll.addWidget(self.watch)
        self.pending_folders: list[str] = []
        self.pending_removals: list[str] = []
        tabs.addTab(lib, "Folders")

        mod = QWidget()
        ml = QFormLayout(mod)
        self.model_edits: dict[str, QLineEdit] = {}
        self.model_states: dict[str, QLabel] = {}
        for role in role_names():
            label = role_label(role)
            edit = QLineEdit(st.models.get(role, ""))
            edit.setPlaceholderText("default")
            edit.setToolTip("A model id, or a folder holding the model's files")
            browse = QPushButton("Folder…")
            browse.clicked.connect(lambda _c=False, e=edit: self._pick_model_folder(e))
            state = QLabel("checking…")
            state.setObjectName("notice")
            # as wide as its longest word, so the rows' boxes line up whatever each says
            state.setMinimumWidth(max(state.fontMetrics().horizontalAdvance(t) + 4
                                      for t in ("checking…", "not ready", "unknown")))
            h = QHBoxLayout()
            h.addWidget(edit, 1)
            h.addWidget(browse)
            h.addWidget(state)
            ml.addRow(label, h)
            self.model_edits[role] = edit
            self.model_states[role] = state
        run_async(services.registry.status, on_done=self._show_model_states,
                  on_error=lambda e: [w.setText("unknown") or w.setToolTip(describe(e))
                                      for w in self.model_states.values()])
        self.device = QComboBox()
        for d in ("auto", "cuda", "mps", "cpu"):
            self.device.addItem(d)
        self.device.setCurrentText(st.device)
        ml.addRow("Device", self.device)
        self.gpu = QDoubleSpinBox()
        self.gpu.setRange(0.5, 256)
        self.gpu.setSuffix(" GB")
        self.gpu.setValue(st.gpu_budget_gb)
        ml.addRow("GPU memory budget", self.gpu)
        self.workers = QSpinBox()
        self.workers.setRange(1, 64)
        self.workers.setValue(st.workers)
        ml.addRow("Worker threads", self.workers)
        self.low = QCheckBox("Index at low priority")
        self.low.setChecked(st.low_priority)
        ml.addRow("", self.low)
        tabs.addTab(mod, "Models")

        org = QWidget()
        ol = QFormLayout(org)
        self.floor = QDoubleSpinBox()
        self.floor.setRange(0.0, 1.0)
        self.floor.setSingleStep(0.01)
        self.floor.setDecimals(2)
        self.floor.setValue(st.relevance_floor)
        self.floor.setToolTip("Search results scoring below this are hidden; 0 lets Shoebox decide")
        ol.addRow("Search relevance threshold", self.floor)
        self.mode = QComboBox()
        for m in ("move", "copy", "link"):
            self.mode.addItem(m)
        self.mode.setCurrentText(st.organize_mode)
        ol.addRow("Reorganize by", self.mode)
        self.top = QSpinBox()
        self.top.setRange(2, 100)
        self.top.setValue(st.max_top_level_folders)
        ol.addRow("Most top-level folders", self.top)
        self.xmp = QCheckBox("Keep XMP sidecars up to date")
        self.xmp.setChecked(st.xmp_sidecars)
        self.xmp.setToolTip("After indexing, write the people you named, places, events and "
                            "dates into IMG_1.jpg.xmp beside each photo, for digiKam, "
                            "Lightroom and darktable. Photos themselves are never changed.")
        ol.addRow("", self.xmp)
        self.xmp_words = QCheckBox("Also put captions and machine tags in sidecars")
        self.xmp_words.setChecked(st.xmp_machine_words)
        ol.addRow("", self.xmp_words)
        tabs.addTab(org, "Search and organize")

        ppl = QWidget()
        pl = QVBoxLayout(ppl)
        self.faces = QCheckBox("Find faces and group them into people")
        self.faces.setChecked(st.faces)
        pl.addWidget(self.faces)
        about = notice("Faces are found and compared on this computer; the face data (boxes, "
                       "face descriptions, people, names, small face pictures) stays in the "
                       "Shoebox data folder. Turning this off stops finding new faces.")
        pl.addWidget(about)
        self.forget_faces = QPushButton("Delete all face data…")
        self.forget_faces.clicked.connect(self._forget_faces)
        pl.addWidget(self.forget_faces)
        self.faces_notice = QLabel("")
        self.faces_notice.setWordWrap(True)
        pl.addWidget(self.faces_notice)
        pl.addStretch(1)
        tabs.addTab(ppl, "People")

        lay = QVBoxLayout(self)
        lay.addWidget(tabs)
        where = QLabel(f"Stored in {services.paths.settings}")
        where.setObjectName("notice")
        lay.addWidget(where)
        bb = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel)
        bb.accepted.connect(self.save)
        bb.rejected.connect(self.reject)
        lay.addWidget(bb)

    def _show_roots(self, roots) -> None:
        for i, r in enumerate(roots):  # ahead of any folder added meanwhile
            self.roots.insertItem(i, r.path + (f"   ({r.error})" if r.error else ""))
            self.roots.item(i).setData(Qt.UserRole, r.path)
        self.rootsShown.emit()

    def _show_model_states(self, status: dict) -> None:
        """Ready, or why not (the reason in the tooltip), for each role."""
        for role, w in self.model_states.items():
            st = status.get(role) or {}
            ready = st.get("state") in ("ready", "loaded")
            w.setText("ready" if ready else "not ready")
            w.setStyleSheet("" if ready else "color: #c07020;")
            w.setToolTip(st.get("reason") or st.get("model") or "")
        self.modelsShown.emit()

    def remove_folder(self, confirm=None) -> None:
        """Ask, then mark the selected library folder to leave the library when the dialog is
        saved (Cancel keeps it, as it drops a folder marked to be added). Its files then
        leave the catalog (captions, vectors, collections membership); the disk is untouched."""
        item = self.roots.currentItem()
        path = item.data(Qt.UserRole) if item is not None else None
        if not path or path in self.pending_removals:
            return
        confirm = confirm or (lambda text: QMessageBox.question(
            self, "Remove folder", text) == QMessageBox.Yes)
        if not confirm(f"Remove {path} from the library?\n\nIts files leave Shoebox's catalog "
                       "when you press Save; nothing is deleted from your disk. Add the folder "
                       "again to bring them back."):
            return
        self.pending_removals.append(path)
        item.setText(path + "   (will be removed)")

    def _show_roots_failed(self, e: BaseException) -> None:
        self.roots.insertItem(0, f"Could not read the library folders: {describe(e)}")
        self.rootsShown.emit()

    def _add_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add a folder to the library")
        if folder:
            self.pending_folders.append(folder)
            self.roots.addItem(folder + "   (will be added)")

    facesForgotten = Signal(object)  # what was deleted

    def _forget_faces(self) -> None:
        ask = QMessageBox.question(
            self, "Delete all face data",
            "Delete every face, person and name Shoebox knows, and the small face pictures? "
            "Your photos are not touched. This cannot be undone.")
        if ask != QMessageBox.Yes:
            return
        s = self.services
        run_long(delete_all_face_data, s.catalog, s.paths, on_done=self._faces_forgotten,
                 on_error=lambda e: self.faces_notice.setText(describe(e)))

    def _faces_forgotten(self, out: dict) -> None:
        self.faces_notice.setText(f"Deleted {plural(out['faces'], 'face')}, "
                                  f"{plural(out['people'], 'person', 'people')} and "
                                  f"{plural(out['crops'], 'face picture')}.")
        self.services.libraryChanged.emit()
        self.facesForgotten.emit(out)

    def _pick_model_folder(self, edit: QLineEdit) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder with the model's files")
        if folder:
            edit.setText(folder)

    def build(self):
        st = self.services.settings
        models = dict(st.models)
        for role, edit in self.model_edits.items():
            v = edit.text().strip()
            if v:
                models[role] = v
            else:
                models.pop(role, None)
        return dataclasses.replace(
            st, models=models, device=self.device.currentText(), gpu_budget_gb=self.gpu.value(),
            workers=self.workers.value(), low_priority=self.low.isChecked(),
            relevance_floor=self.floor.value(), organize_mode=self.mode.currentText(),
            max_top_level_folders=self.top.value(), watch=self.watch.isChecked(),
            faces=self.faces.isChecked(), xmp_sidecars=self.xmp.isChecked(),
            xmp_machine_words=self.xmp_words.isChecked())

    def save(self) -> None:
        try:
            self.services.save_settings(self.build())
        except ShoeboxError as e:  # settings.json could not be read, nor kept aside
            QMessageBox.warning(self, "Settings not saved", str(e))
            return
        if self.pending_removals:
            actions.remove_folders(self.services, self.pending_removals,
                                   on_done=self.folderRemoved.emit)
        if self.pending_folders:
            actions.add_folders(self.services, self.pending_folders)
        else:
            actions.start_watch(self.services)
        self.accept()
