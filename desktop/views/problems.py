"""The problems list: every file and folder Shoebox could not read or process, and why."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.query import list_problems
from desktop.views.tiles import heading, notice
from desktop.workers import describe, run_async


class ProblemsPage(QWidget):
    openFile = Signal(int)

    def __init__(self, services, parent=None):
        super().__init__(parent)
        self.services = services
        lay = QVBoxLayout(self)
        top = QHBoxLayout()
        self.title = heading("Problems")
        top.addWidget(self.title)
        top.addStretch(1)
        refresh = QPushButton("Refresh")
        refresh.clicked.connect(self.refresh)
        top.addWidget(refresh)
        lay.addLayout(top)
        hint = notice("Files and folders Shoebox could not read or process. Fix or remove them, "
                      "and they leave this list on the next scan.")
        lay.addWidget(hint)
        self.error = QLabel("")  # why the list could not be read, when it could not
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #d04040;")
        self.error.hide()
        lay.addWidget(self.error)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["File or folder", "Stage", "What went wrong"])
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setColumnWidth(0, 380)
        self.tree.setColumnWidth(1, 80)
        self.tree.itemActivated.connect(self._activated)
        lay.addWidget(self.tree, 1)
        self.empty = QLabel("No problems: every file in the library could be read.\n"
                            "Files Shoebox cannot open or index will be listed here, with why.")
        self.empty.setObjectName("notice")
        self.empty.setAlignment(Qt.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.hide()
        lay.addWidget(self.empty, 1)
        services.libraryChanged.connect(self.refresh)
        self.entries = []

    def refresh(self) -> None:
        run_async(list_problems, self.services.catalog, 5000, on_done=self._show,
                  on_error=self._failed)

    def _failed(self, e: BaseException) -> None:
        self.error.setText(f"Could not read the list of problems: {describe(e)}")
        self.error.show()

    def _show(self, entries) -> None:
        self.error.hide()
        self.entries = entries
        self.tree.clear()
        items = []
        for e in entries:
            it = QTreeWidgetItem([e.path, e.stage, e.reason])
            it.setToolTip(0, e.path)
            it.setToolTip(2, e.reason)
            it.setData(0, Qt.UserRole, e.file_id)
            items.append(it)
        self.tree.addTopLevelItems(items)
        self.title.setText(f"Problems ({len(entries):,})" if entries else "Problems")
        self.tree.setVisible(bool(entries))
        self.empty.setVisible(not entries)

    def _activated(self, item: QTreeWidgetItem, _col: int) -> None:
        file_id = item.data(0, Qt.UserRole)
        if file_id is not None:
            self.openFile.emit(int(file_id))
