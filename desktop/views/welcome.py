"""First run: pick folders to watch, see which models are ready, download the missing ones
(when this build can) or point a role at a local folder. The app works without any model:
browsing, dates and duplicates by hash need none."""

from __future__ import annotations

import dataclasses
import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QProgressBar,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
)

from desktop import actions
from desktop.downloads import download
from desktop.views.settings_dialog import ROLE_LABELS
from desktop.views.tiles import button_row, heading, notice
from desktop.workers import TaskRunner, describe, run_async

log = logging.getLogger(__name__)

STATE_TEXT = {"ready": "ready", "loaded": "ready (loaded)", "missing": "not installed",
              "unavailable": "unavailable"}


def model_status(registry) -> dict:
    return registry.status()


class WelcomeDialog(QDialog):
    statusShown = Signal(dict)
    downloadFinished = Signal(bool)

    def __init__(self, services, parent=None, first_run: bool = False):
        super().__init__(parent)
        self.services = services
        self.setWindowTitle("Welcome to Shoebox" if first_run else "Folders and models")
        self.resize(680, 520)
        lay = QVBoxLayout(self)
        head = heading("Welcome to Shoebox" if first_run else "Folders and models")
        lay.addWidget(head)
        intro = QLabel("Pick the folders that hold your photos and videos. Shoebox watches them, "
                       "understands what is in them with models that run on this computer, and "
                       "never changes a file without asking. People (faces grouped into the "
                       "persons they show) work offline from the start: the face models come "
                       "with Shoebox.")
        intro.setWordWrap(True)
        lay.addWidget(intro)
        self.folders = QListWidget()
        self.folders.setMaximumHeight(110)
        lay.addWidget(self.folders)
        row, _ = button_row((("Add folder…", self._add_folder),))
        lay.addLayout(row)

        lay.addWidget(QLabel("Models"))
        self.models = QTreeWidget()
        self.models.setHeaderLabels(["What for", "State", "Details"])
        self.models.setRootIsDecorated(False)
        self.models.setColumnWidth(0, 200)
        self.models.setColumnWidth(1, 110)
        lay.addWidget(self.models, 1)
        mrow = QHBoxLayout()
        self.download_btn = QPushButton("Download missing models")
        self.download_btn.clicked.connect(self.download_missing)
        self.folder_btn = QPushButton("Use a model folder…")
        self.folder_btn.clicked.connect(self._use_folder)
        self.progress = QProgressBar()
        self.progress.hide()
        self.cancel_btn = QPushButton("Cancel download")
        self.cancel_btn.clicked.connect(self._cancel_download)
        self.cancel_btn.hide()
        mrow.addWidget(self.download_btn)
        mrow.addWidget(self.folder_btn)
        mrow.addWidget(self.progress, 1)
        mrow.addWidget(self.cancel_btn)
        lay.addLayout(mrow)
        self.notice = notice("")
        lay.addWidget(self.notice)
        bb = QDialogButtonBox()
        self.start_btn = bb.addButton("Start using Shoebox" if first_run else "Close",
                                      QDialogButtonBox.AcceptRole)
        bb.accepted.connect(self._finish)
        lay.addWidget(bb)
        self.new_folders: list[str] = []
        self.status: dict = {}
        self._runner: TaskRunner | None = None
        self.download_error: str | None = None
        self.refresh_models()

    def refresh_models(self) -> None:
        run_async(model_status, self.services.registry, on_done=self._show_models,
                  on_error=lambda e: self.notice.setText(describe(e)))

    def _show_models(self, status: dict) -> None:
        self.status = status
        self.models.clear()
        labels = ROLE_LABELS
        missing = 0
        for role, st in status.items():
            state = st.get("state", "?")
            ok = state in ("ready", "loaded")
            missing += not ok
            detail = st.get("reason") or st.get("model") or ""
            if st.get("size_mb"):
                detail += f"  ({st['size_mb']:,.0f} MB)"
            it = QTreeWidgetItem([labels.get(role, role), STATE_TEXT.get(state, state), detail])
            it.setData(0, Qt.UserRole, role)
            it.setToolTip(2, detail)
            it.setForeground(1, Qt.darkGreen if ok else Qt.darkRed)
            self.models.addTopLevelItem(it)
        self.download_btn.setEnabled(bool(missing))
        if missing:
            sizes = [st.get("size_mb") for r, st in status.items()
                     if st.get("state") not in ("ready", "loaded") and st.get("size_mb")]
            self.download_btn.setToolTip(
                "Fetch the missing models from the Hugging Face hub (needs the internet once)"
                + (f"; about {sum(sizes):,.0f} MB" if sizes else ""))
        if missing:
            self.notice.setText(
                f"{missing} model{'s are' if missing != 1 else ' is'} not ready. Shoebox works "
                "without them (browse, dates, duplicates); search by description, captions and "
                "transcripts start once the models are in place.")
        else:
            self.notice.setText("All models are ready.")
        self.statusShown.emit(status)

    def _add_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add a folder of photos and videos")
        if folder:
            self.add_folder(folder)

    def add_folder(self, folder: str) -> None:
        self.new_folders.append(folder)
        self.folders.addItem(folder)

    def _use_folder(self) -> None:
        it = self.models.currentItem()
        if it is None:
            self.notice.setText("Select a model row first.")
            return
        folder = QFileDialog.getExistingDirectory(self, "Folder with the model's files")
        if folder:
            self.use_model_folder(it.data(0, Qt.UserRole), folder)

    def use_model_folder(self, role: str, folder: str) -> None:
        st = self.services.settings
        models = dict(st.models)
        models[role] = folder
        self.services.save_settings(dataclasses.replace(st, models=models))
        self.refresh_models()

    def download_missing(self) -> None:
        roles = [r for r, st in self.status.items() if st.get("state") == "missing"]
        if not roles:
            return
        services = self.services
        self._runner = TaskRunner("download", lambda task: download(services, roles, task),
                                  self)
        self._runner.progress.connect(self._download_progress)
        self._runner.finished.connect(self._download_done)
        self.progress.show()
        self.cancel_btn.show()
        self.download_btn.setEnabled(False)
        self._runner.start()

    def _cancel_download(self) -> None:
        if self._runner is not None:
            self._runner.cancel()

    def done(self, r: int) -> None:
        if self._runner is not None:  # closing mid-download: stop it, then close
            self._runner.cancel()
            self._runner.wait()
        super().done(r)

    def _download_progress(self, p) -> None:
        if p.total:
            self.progress.setRange(0, p.total)
            self.progress.setValue(p.done)
        else:
            self.progress.setRange(0, 0)
        self.progress.setFormat(p.status or "%p%")

    def _download_done(self) -> None:
        self.progress.hide()
        self.cancel_btn.hide()
        runner, self._runner = self._runner, None
        if runner is not None:
            runner.wait()
            if runner.error:
                self.download_error = runner.error
                self.notice.setText(runner.error)
                self.downloadFinished.emit(False)
                return
            if runner.task.cancelled:
                self.notice.setText("Download cancelled; what was fetched is kept and resumes.")
                self.downloadFinished.emit(False)
                return
        self.services.save_settings(self.services.settings)  # the registry re-resolves
        self.refresh_models()
        self.downloadFinished.emit(True)

    def _finish(self) -> None:
        if self.new_folders:
            actions.add_folders(self.services, self.new_folders)
        self.services.qsettings.setValue("welcomed", True)
        self.accept()
