"""Cull: stacks of look-alike shots with the best one on top and why, and the shots worth a
look on their own (blurry, very dark, eyes closed), as a review.

Nothing is ticked for the trash until the user opens a stack: then its lesser shots are.
"Keep the best, put the rest in the trash" (one stack or all) and "Move ticked" apply a cull
plan (core.cull.culling): the files go to a holding folder on their own disk (the Shoebox
trash), and "Undo cull" brings them back byte for byte. Only "Empty trash…" sends them to
the system trash, after asking. All reads and writes run on workers through core; "Find
look-alikes" (which may measure every photo of the library) is a background task like a
scan: its progress shows on the page and in the status area, where it can be paused or
cancelled.
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.cull.culling import cull, empty_holding, keep_best, undo_cull
from core.cull.store import find_look_alikes, pick_cover
from core.query.display import plural
from desktop.views.cull_model import (
    FILE_ROLE,
    CullListing,
    CullModel,
    StacksView,
    load_listing,
    load_page,
)
from desktop.views.tiles import button_row, heading, notice
from desktop.workers import describe, format_progress, run_async, run_long

FIND_TASK = "finding look-alikes"   # the background task's name (status area, signals)


def keep_best_of(catalog, stack_ids: list[int] | None):
    """Cull the lesser shots of these stacks (all when None); (None, None) when none."""
    doomed = keep_best(catalog, stack_ids)
    return cull(catalog, list(doomed), doomed) if doomed else (None, None)


class CullPage(QWidget):
    openFile = Signal(int)
    loaded = Signal()      # the review is on screen (tests wait on it)

    def __init__(self, services, parent=None):
        super().__init__(parent)
        self.services = services
        self.last_plan: int | None = None
        self._listing = 0      # the listing asked for last (one that lost the race is dropped)
        lay = QVBoxLayout(self)
        top = QHBoxLayout()
        self.title = heading("Cull")
        top.addWidget(self.title)
        top.addStretch(1)
        self.find_btn = QPushButton("Find look-alikes")
        self.find_btn.setToolTip("Stack photos taken moments apart that show the same scene, "
                                 "and measure every photo's focus and exposure")
        self.find_btn.clicked.connect(self.find)
        top.addWidget(self.find_btn)
        lay.addLayout(top)
        self.notice = notice("Open a stack to tick its lesser shots. Culled files wait in a "
                             "Shoebox trash folder on the same disk until you empty it.")
        lay.addWidget(self.notice)
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress.hide()
        lay.addWidget(self.progress)
        services.background.progress.connect(self._find_progress)
        services.background.failed.connect(
            lambda name, message: name == FIND_TASK and self._find_ended(
                f"Could not find look-alikes: {message}"))
        services.background.cancelled.connect(
            lambda name: name == FIND_TASK and self._find_ended("Finding look-alikes stopped."))
        self.model = CullModel(services.thumbs, self)
        self.model.moreWanted.connect(self._read_more)
        self.tree = StacksView()
        self.tree.setModel(self.model)
        self.tree.setColumnWidth(0, 280)
        self.tree.setColumnWidth(1, 260)
        self.tree.activated.connect(self._activated)
        services.thumbs.readyBatch.connect(self.tree.thumbs_arrived)
        lay.addWidget(self.tree, 1)
        # the review's buttons at the left; undo and empty the trash at the right
        bottom, (self.pick_btn, self.keep_one_btn, self.keep_all_btn, self.ticked_btn) = \
            button_row((("Pick as best", self.pick_current),
                        ("Keep best, trash rest", self.keep_best_current),
                        ("… all stacks", self.keep_best_all),
                        ("Trash ticked", self.cull_ticked)))
        self.undo_btn = QPushButton("Undo cull")
        self.undo_btn.clicked.connect(self.undo_last)
        self.empty_btn = QPushButton("Empty trash…")
        self.empty_btn.clicked.connect(self.empty)
        bottom.addWidget(self.undo_btn)
        bottom.addWidget(self.empty_btn)
        self.keep_one_btn.setToolTip("The stack of the selected shot: keep its best shot, move "
                                     "the rest to the Shoebox trash (undoable)")
        self.keep_all_btn.setToolTip("Keep the best shot of every stack, move the rest to the "
                                     "Shoebox trash (undoable)")
        self.ticked_btn.setToolTip("Move the ticked photos to the Shoebox trash folder on the "
                                   "same disk (undoable)")
        self.undo_btn.setToolTip("Put the last culled photos back, byte for byte")
        self.undo_btn.setEnabled(False)
        self.empty_btn.setToolTip("Send the culled photos waiting in the Shoebox trash to the "
                                  "system trash (asks first; Shoebox cannot undo it)")
        lay.addLayout(bottom)

    # --- reading ---
    def refresh(self, keep: bool = True) -> None:
        """Read the review again. `keep`: the current shot or stack, the stacks open and the
        ticks stay where their stacks are (by id); the stacks read reach the current one."""
        self._listing += 1
        n = self._listing
        ids = self._current_ids() if keep else None
        sid, flagged = (ids[0], ids[2]) if ids is not None else (None, False)
        # (every stack read again, for a place among the flagged photos: seconds, at scale)
        (run_long if flagged else run_async)(
            load_listing, self.services.catalog, sid, flagged,
            on_done=lambda listing: n == self._listing and self._show(listing, keep),
            on_error=lambda e: n == self._listing and self._failed(e))

    def _read_more(self, offset: int) -> None:
        """The list scrolled to its last stack read: the next page, on a worker."""
        n = self._listing

        def done(result) -> None:
            if n == self._listing:
                self.model.add_page(*result)

        def failed(e: BaseException) -> None:
            if n == self._listing:
                self.model.fetch_failed()
                self.notice.setText(describe(e))

        run_async(load_page, self.services.catalog, offset, on_done=done, on_error=failed)

    def find(self) -> None:
        """Stack the library anew and measure every photo, as a background task."""
        catalog = self.services.catalog

        def done(_report) -> None:
            self._find_ended(None)
            self.services.libraryChanged.emit()    # the grid folds the new stacks
            self.refresh(keep=False)               # (new stacks: the old ids mean others)

        self.find_btn.setEnabled(False)
        self.title.setText("Cull (finding look-alikes…)")
        self.progress.setRange(0, 0)               # busy until the first count arrives
        self.progress.setFormat("waiting for other work" if self.services.background.busy
                                else "starting")
        self.progress.show()
        self.services.background.submit(FIND_TASK, lambda task: find_look_alikes(catalog, task),
                                        done)

    def _find_progress(self, p) -> None:
        if p.task != FIND_TASK:
            return
        _head, details = format_progress(p)
        self.progress.setFormat(f"{p.status or 'working'}  ·  {details}" if details
                                else p.status or "working")
        if p.total:
            self.progress.setRange(0, p.total)
            self.progress.setValue(min(p.done, p.total))
        else:
            self.progress.setRange(0, 0)

    def _find_ended(self, message: str | None) -> None:
        self.progress.hide()
        self.find_btn.setEnabled(True)
        self.title.setText("Cull")
        if message:
            self.notice.setText(message)

    def _failed(self, e: BaseException) -> None:
        self.title.setText("Cull")
        self.notice.setText(describe(e))
        self.loaded.emit()

    def _show(self, listing: CullListing, keep: bool = True) -> None:
        if self.find_btn.isEnabled():          # (a find still running keeps its title)
            self.title.setText("Cull")
        model = self.model
        current = self._current_ids() if keep else None
        flagged = model.flagged_group()
        open_ids = ({model.stacks[g].id for g in model.open_groups() if g != flagged},
                    flagged is not None and model.is_open(flagged)) if keep else (set(), False)
        model.set_listing(listing, keep, open_ids)
        if current is not None:
            self._make_current(*current)
        held = listing.held
        self.empty_btn.setText(f"Empty trash ({held})…" if held else "Empty trash…")
        self.empty_btn.setEnabled(bool(held))
        if not listing.total and not listing.flagged:
            self.notice.setText("No look-alike shots or clearly flawed photos found. "
                                "“Find look-alikes” looks again.")
        self.loaded.emit()

    def _current_ids(self) -> tuple[int | None, int | None, bool] | None:
        """(stack id, shot's file id, among the flagged photos) of the current row."""
        index = self.tree.currentIndex()
        if not index.isValid():
            return None
        g, k = self.model.locate(index.row())
        s = self.model.stack(g)
        shots = self.model.shots_of(g)
        return (s.id if s is not None else None, shots[k].file_id if k >= 0 else None,
                g == self.model.flagged_group())

    def _make_current(self, sid: int | None, fid: int | None, flagged: bool) -> None:
        """The row that was current made current again, by id (its row can have moved)."""
        model = self.model
        g = model.flagged_group() if flagged else model.row_of.get(sid)
        if g is None:
            return
        row = model.shot_row(g, fid) if fid is not None else None
        if row is None:                        # (a stack's row, or the shot left it)
            row = model.group_row(g)
        self.tree.selectionModel().setCurrentIndex(
            model.index(row, 0), QItemSelectionModel.ClearAndSelect | QItemSelectionModel.Rows)
        # (scrolled to once the table has its new rows laid out)
        QTimer.singleShot(0, lambda: self.tree.scrollTo(self.tree.currentIndex()))

    # --- the user's eye ---
    def _activated(self, index: QModelIndex) -> None:
        fid = index.siblingAtColumn(0).data(FILE_ROLE)
        if fid is not None:
            self.openFile.emit(int(fid))

    def ticked(self) -> list[int]:
        """The ticked shots' file ids, in the order they were ticked."""
        return list(self.model.ticked)

    def _current_stack(self) -> tuple[int | None, int | None]:
        """(stack id, the current shot's file id or None) of the current row."""
        ids = self._current_ids()
        return (None, None) if ids is None else (ids[0], ids[1])

    # --- writing ---
    def _ask_cull(self, what: str) -> bool:
        """Every cull asks first (it moves files, if only to the Shoebox trash)."""
        answer = QMessageBox.question(
            self, "Move to Shoebox trash",
            f"Move {what} to the Shoebox trash folder on the same disk?\n\n"
            "“Undo cull” puts them back exactly as they were; nothing goes to the system "
            "trash until you empty it.", QMessageBox.Yes | QMessageBox.Cancel,
            QMessageBox.Cancel)
        return answer == QMessageBox.Yes

    def _run(self, fn, *args) -> None:
        def done(result) -> None:
            pid = result[0] if isinstance(result, tuple) else None
            if pid is not None:
                self.last_plan = pid
                self.undo_btn.setEnabled(True)
            self.services.libraryChanged.emit()
            self.refresh()
        run_long(fn, self.services.catalog, *args, on_done=done, on_error=self._failed)

    def pick_current(self) -> None:
        sid, fid = self._current_stack()
        if sid is None or fid is None:
            return
        self._run(lambda catalog: pick_cover(catalog, fid))

    def keep_best_current(self) -> None:
        sid, _ = self._current_stack()
        g = self.model.row_of.get(sid) if sid is not None else None
        stack = self.model.stack(g) if g is not None else None
        if stack is not None and self._ask_cull(
                f"the {plural(len(stack.shots) - 1, 'lesser shot')} of this stack"):
            self._run(keep_best_of, [sid])

    def keep_best_all(self) -> None:
        n = self.model.lesser                  # (counted by the worker, over every stack)
        if n and self._ask_cull(f"the {plural(n, 'lesser shot')} of "
                                f"{plural(self.model.total, 'stack')}"):
            self._run(keep_best_of, None)

    def cull_ticked(self) -> None:
        ids = self.ticked()
        if ids and self._ask_cull(f"{plural(len(ids), 'ticked photo')}"):
            self._run(cull, ids, {i: "ticked in the cull review" for i in ids})

    def undo_last(self) -> None:
        if self.last_plan is None:
            return
        pid, self.last_plan = self.last_plan, None
        self.undo_btn.setEnabled(False)
        self._run(lambda catalog: undo_cull(catalog, pid))

    def empty(self) -> None:
        answer = QMessageBox.question(
            self, "Empty Shoebox trash",
            "Send every culled file to the system trash? Shoebox cannot undo those culls "
            "afterwards (the system trash may still restore them).",
            QMessageBox.Yes | QMessageBox.Cancel, QMessageBox.Cancel)
        if answer != QMessageBox.Yes:
            return
        self.last_plan = None
        self.undo_btn.setEnabled(False)
        self._run(empty_holding)
