"""'On this day' on the Library page: earlier years' photos of today, by year, each year
dismissable (stored: it does not come back on this day). Shown only when there are some.

Reads go through core (core.search.memories, core.query.rows_by_ids) on worker threads."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from core.query import rows_by_ids
from core.search.memories import dismiss_memory, memories
from desktop.library_model import GridView, LibraryModel
from desktop.views.tiles import heading
from desktop.workers import describe, run_async

STRIP_CELL = 112


def _load(catalog, day: dt.date):
    found = memories(catalog, day)
    ids = [f.file_id for m in found for f in m.files]
    return found, rows_by_ids(catalog, ids)


class MemoriesStrip(QFrame):
    fileActivated = Signal(int)
    loaded = Signal()        # tests wait on it

    def __init__(self, services, parent=None):
        super().__init__(parent)
        self.services = services
        self.setObjectName("memories")
        self.setFrameShape(QFrame.StyledPanel)
        self.day: dt.date | None = None
        self.memories: list = []
        self.closed_for: dt.date | None = None    # hidden for the rest of this day's session
        self.error: str | None = None
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 6, 8, 6)
        top = QHBoxLayout()
        title = heading("On this day")
        top.addWidget(title)
        # a year's title and its Dismiss button each: twenty years of memories in a row
        # would widen the window past the screen; they scroll sideways instead
        years = QWidget()
        self.years = QHBoxLayout(years)
        self.years.setContentsMargins(0, 0, 0, 0)
        self.years_area = QScrollArea()
        self.years_area.setWidget(years)
        self.years_area.setWidgetResizable(True)
        self.years_area.setFrameShape(QFrame.NoFrame)
        self.years_area.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.years_area.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        top.addWidget(self.years_area, 1)
        self.close_btn = QPushButton("Hide")
        self.close_btn.setToolTip("Hide the memories for today (they are not dismissed)")
        self.close_btn.clicked.connect(self._hide_today)
        top.addWidget(self.close_btn)
        lay.addLayout(top)
        self.model = LibraryModel(services.thumbs, self)
        self.strip = GridView(self, cell=STRIP_CELL)
        self.strip.setWrapping(False)
        self.strip.setHorizontalScrollMode(QListView.ScrollPerPixel)
        self.strip.setFixedHeight(STRIP_CELL + 24)
        self.strip.setIconSize(QSize(STRIP_CELL, STRIP_CELL))
        self.strip.setModel(self.model)
        self.strip.activatedFile.connect(self.fileActivated)
        lay.addWidget(self.strip)
        self.hide()

    def reload(self, day: dt.date | None = None) -> None:
        self.day = day or dt.date.today()
        run_async(_load, self.services.catalog, self.day, on_done=self._show,
                  on_error=self._failed)

    def _failed(self, e: BaseException) -> None:
        self.error = f"Could not read the memories: {describe(e)}"
        self.hide()
        self.loaded.emit()

    def _show(self, data) -> None:
        found, rows = data
        self.error = None
        self.memories = found
        while self.years.count():
            item = self.years.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        for m in found:
            shown = len(m.files)
            label = QLabel(f"{m.title} ({shown})")
            label.setToolTip(", ".join(m.places) if m.places else str(m.year))
            self.years.addWidget(label)
            dismiss = QPushButton(f"Dismiss {m.year}")
            dismiss.setToolTip(f"Do not show the photos of {m.year} on this day again")
            dismiss.clicked.connect(lambda _c=False, y=m.year: self.dismiss(y))
            self.years.addWidget(dismiss)
        self.years.addStretch(1)
        self.model.set_rows(rows)
        self.setVisible(bool(found) and self.closed_for != self.day)
        self.loaded.emit()

    def dismiss(self, year: int) -> None:
        day = self.day or dt.date.today()
        run_async(dismiss_memory, self.services.catalog, year, day,
                  on_done=lambda _r: self.reload(day), on_error=self._failed)

    def _hide_today(self) -> None:
        self.closed_for = self.day
        self.hide()
