"""The status area at the bottom of the window: what runs now (stage, done/total, rate, ETA),
pause/resume and cancel, and the error count that opens the problems view."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QProgressBar,
    QPushButton,
    QToolButton,
)

from core.query import library_status
from core.query.display import plural
from desktop.elided_label import ElidedLabel
from desktop.style import icon
from desktop.workers import describe, format_progress, run_async

COUNTS_EVERY_MS = 4000   # the counts' poll, at least: they change as the indexer writes
# ... and at most this share of the time spent counting: library_status reads every file
# (0.6 s of CPU, 3-4 s on a busy 2-core machine at a million files), and a poll that ran
# every 4 s regardless overlapped itself and the page-downs it slowed down
COUNTS_COST_SHARE = 0.05


class StatusArea(QFrame):
    errorsClicked = Signal()

    def __init__(self, services, parent=None):
        super().__init__(parent)
        self.setObjectName("statusArea")
        self.services = services
        bg = services.background
        lay = QHBoxLayout(self)
        lay.setContentsMargins(8, 2, 8, 2)
        # every text here is elided: a long stage, path or error must never widen the window
        # (an indexing status once held it at 2,200 px, past the screen)
        self.head = ElidedLabel("Ready", min_chars=10)
        self.head.setObjectName("statusHead")
        self.details = ElidedLabel("", min_chars=4)
        self.details.setObjectName("notice")
        self.bar = QProgressBar()
        self.bar.setMaximumWidth(220)
        self.bar.setTextVisible(False)
        self.bar.setMaximumHeight(10)
        self.bar.hide()
        self.pause_btn = QToolButton()
        self.pause_btn.setIcon(icon("pause"))
        self.pause_btn.setToolTip("Pause background work")
        self.pause_btn.clicked.connect(self._toggle_pause)
        self.cancel_btn = QToolButton()
        self.cancel_btn.setIcon(icon("stop"))
        self.cancel_btn.setToolTip("Stop the current task")
        self.cancel_btn.clicked.connect(bg.cancel_current)
        self.counts = ElidedLabel("", min_chars=4)
        self.counts.setObjectName("notice")
        self.models = ElidedLabel("", min_chars=4)
        self.models.setObjectName("notice")
        self.errors_btn = QPushButton("No problems")
        self.errors_btn.setFlat(True)
        self.errors_btn.setCursor(Qt.PointingHandCursor)
        self.errors_btn.clicked.connect(self.errorsClicked)
        lay.addWidget(self.head, 3)
        lay.addWidget(self.bar)
        lay.addWidget(self.details, 2)
        lay.addWidget(self.models, 1)
        lay.addWidget(self.counts, 1)
        for w in (self.pause_btn, self.cancel_btn, self.errors_btn):
            lay.addWidget(w)
        self.error_count = 0
        self.pending = 0  # files waiting for indexing, from the last count
        bg.progress.connect(self._on_progress)
        bg.state.connect(self._on_state)
        bg.failed.connect(self._on_failed)
        services.errorReported.connect(self._on_failed)
        bg.finished.connect(self._on_finished)
        services.libraryChanged.connect(self.refresh_counts)
        services.modelsChecked.connect(self._show_models)
        self._on_state("idle")
        # Counts change as the indexer writes; a cheap read in a worker every few seconds.
        self._timer = QTimer(self)
        self._timer.setInterval(COUNTS_EVERY_MS)
        self._timer.timeout.connect(self._poll)
        self._counting_since: float | None = None   # a read of the counts is on its way
        self._count_again = False                   # ... and one more was asked meanwhile
        self._timer.start()
        QTimer.singleShot(1000, self.refresh_counts)  # after the first screen has its rows

    def _on_progress(self, p) -> None:
        head, details = format_progress(p)
        self.head.setText(head)
        self.details.setText(details)
        if p.total:
            self.bar.setRange(0, p.total)
            self.bar.setValue(min(p.done, p.total))
        else:
            self.bar.setRange(0, 0)  # busy indicator
        self.bar.show()

    def _on_state(self, state: str) -> None:
        running = state != "idle"
        self.pause_btn.setEnabled(running or self.services.background.paused)
        self.cancel_btn.setEnabled(running)
        paused = self.services.background.paused
        self.pause_btn.setIcon(icon("play" if paused else "pause"))
        self.pause_btn.setToolTip("Resume background work" if paused else "Pause background work")
        if state == "idle":
            self.bar.hide()
            self.details.setText("")
            if not self.head.full_text().startswith("Failed"):
                self.head.setText(self._idle_text())
        elif paused:
            self.head.setText("Paused: " + (self.services.background.current_name or ""))

    def _idle_text(self) -> str:
        """What the status line says when nothing runs: never "Up to date" while files wait."""
        if self.services.background.paused:
            return "Paused"
        if self.pending:
            return f"{self.pending:,} file{'s' * (self.pending != 1)} to index"
        return "Up to date"

    def _toggle_pause(self) -> None:
        bg = self.services.background
        bg.resume() if bg.paused else bg.pause()
        self._on_state("running" if bg.busy else "idle")

    def _on_failed(self, name: str, message: str) -> None:
        self.head.setText(f"Failed: {name}")
        self.details.setText(" ".join(message.split())[:200])
        self.head.setToolTip(message)

    def _on_finished(self, name: str, result) -> None:
        self.head.setText(f"Finished {name}")

    def refresh_counts(self) -> None:
        """Read the counts in a worker; one read at a time (a call meanwhile reads once more
        after it), and the poll slows down as the read gets dearer (COUNTS_COST_SHARE)."""
        if self._counting_since is not None:
            self._count_again = True
            return
        self._counting_since = time.perf_counter()
        run_async(library_status, self.services.catalog, on_done=self._counts_read,
                  on_error=self._counts_failed)

    def _poll(self) -> None:
        if self._counting_since is None:   # a read on its way is as fresh as the poll's
            self.refresh_counts()

    def _counted(self) -> None:
        took = time.perf_counter() - (self._counting_since or time.perf_counter())
        self._counting_since = None
        self._timer.setInterval(max(COUNTS_EVERY_MS, int(took / COUNTS_COST_SHARE * 1000)))
        if self._count_again:
            self._count_again = False
            self.refresh_counts()

    def _counts_read(self, st: dict) -> None:
        self._counted()
        self._show_counts(st)

    def _counts_failed(self, e: BaseException) -> None:
        """The counts say they could not be read (and why), instead of going stale quietly."""
        self._counted()
        self.counts.setText("counts unavailable")
        self.counts.setToolTip(f"Could not read the library's counts: {describe(e)}")

    def _show_models(self, summary) -> None:
        ready, total, why = summary
        self.models_ready = ready
        if total and ready == total:
            self.models.setText("")
            return
        self.models.setText("No models: browsing only" if ready == 0
                            else f"Models: {ready} of {total} ready")
        self.models.setToolTip(
            (why + "\n" if why else "") + "Search by description, captions and transcripts "
            "need the models. Open File ▸ Models and folders… to add them.")

    def _show_counts(self, st: dict) -> None:
        n = st["errors"]["total"]
        self.error_count = n
        self.errors_btn.setText("No problems" if n == 0 else f"{n:,} problem{'s' * (n != 1)}")
        self.errors_btn.setIcon(icon("problems") if n else QIcon())  # no warning sign for none
        f = st["files"]
        self.pending = st["files_pending"]
        # the files waiting are said once, by the status line itself
        self.counts.setText(f"{plural(f['photo'], 'photo')} · {plural(f['video'], 'video')}")
        bg = self.services.background
        if not bg.busy and not self.head.text().startswith("Failed"):
            self.head.setText(self._idle_text())
        self.counts.setToolTip("")
        self.last_status = st
