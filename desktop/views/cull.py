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

import os

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QHBoxLayout,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.cull.culling import cull, empty_holding, held_files, keep_best, undo_cull
from core.cull.review import flagged_shots, list_stacks
from core.cull.store import find_look_alikes, pick_cover
from core.query.display import plural
from desktop.thumbs import ThumbRequest
from desktop.views.tiles import button_row, heading, notice
from desktop.workers import describe, format_progress, run_long

FileRole = Qt.UserRole        # a shot's file id
StackRole = Qt.UserRole + 1   # a stack item's stack id
FIND_TASK = "finding look-alikes"   # the background task's name (status area, signals)


def review(catalog):
    """(stacks, flagged shots, files held)."""
    return list_stacks(catalog), flagged_shots(catalog), len(held_files(catalog))


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
        self.stacks = []
        self.flagged = []
        self.last_plan: int | None = None
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
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Shot", "Why", "Folder"])
        self.tree.setIconSize(QSize(64, 64))
        self.tree.setColumnWidth(0, 280)
        self.tree.setColumnWidth(1, 260)
        self.tree.itemExpanded.connect(self._opened)
        self.tree.itemActivated.connect(self._activated)
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
        services.thumbs.ready.connect(self._show_thumb)
        self._items_by_id: dict[int, QTreeWidgetItem] = {}

    # --- reading ---
    def refresh(self) -> None:
        run_long(review, self.services.catalog, on_done=self._show, on_error=self._failed)

    def find(self) -> None:
        """Stack the library anew and measure every photo, as a background task."""
        catalog = self.services.catalog

        def done(_report) -> None:
            self._find_ended(None)
            self.services.libraryChanged.emit()    # the grid folds the new stacks
            self.refresh()

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

    def _shot_item(self, parent, file_id: int, path: str, name: str, why: str):
        it = QTreeWidgetItem(parent, [name, why, os.path.dirname(path)])
        it.setData(0, FileRole, file_id)
        it.setData(1, FileRole, path)
        it.setFlags(it.flags() | Qt.ItemIsUserCheckable)
        it.setCheckState(0, Qt.Unchecked)
        self._items_by_id[file_id] = it
        # only a picture at hand: the rest are asked for when their stack is opened (asking
        # for every shot of every stack queued thousands, and the loader keeps the newest)
        pm = self.services.thumbs.get_cached(file_id)
        if pm is not None:
            it.setIcon(0, QIcon(pm))
        return it

    def _show(self, result) -> None:
        self.stacks, self.flagged, held = result
        if self.find_btn.isEnabled():          # (a find still running keeps its title)
            self.title.setText("Cull")
        self.tree.clear()
        self._items_by_id.clear()
        for s in self.stacks:
            best = s.shots[0] if s.shots else None
            label = (f"{plural(len(s.shots), 'look-alike shot')} · keep "
                     f"{best.name if best else '?'}")
            head = QTreeWidgetItem(self.tree, [label, s.reason, ""])
            head.setData(0, StackRole, s.id)
            for shot in s.shots:
                if shot.file_id == s.cover_id:
                    why = "your pick" if s.picked else f"best: {s.reason}"
                else:
                    why = ", ".join(shot.flaws) or "a lesser shot"
                self._shot_item(head, shot.file_id, shot.path, shot.name, why)
        if self.flagged:
            head = QTreeWidgetItem(self.tree, [
                f"Worth a look on their own: {plural(len(self.flagged), 'photo')}",
                "never ticked for you", ""])
            for f in self.flagged:
                self._shot_item(head, f.file_id, f.path, f.name, ", ".join(f.reasons))
        self.empty_btn.setText(f"Empty trash ({held})…" if held else "Empty trash…")
        self.empty_btn.setEnabled(bool(held))
        if not self.stacks and not self.flagged:
            self.notice.setText("No look-alike shots or clearly flawed photos found. "
                                "“Find look-alikes” looks again.")
        self.loaded.emit()

    def _show_thumb(self, file_id: int) -> None:
        """A shot's thumbnail on its row: one that arrived, or asked for (a stack opened)."""
        it = self._items_by_id.get(file_id)
        if it is not None:
            pm = self.services.thumbs.get(ThumbRequest(file_id, it.data(1, FileRole), "photo"))
            if pm is not None:
                it.setIcon(0, QIcon(pm))

    # --- the user's eye ---
    def _opened(self, item: QTreeWidgetItem) -> None:
        """A stack the user opened: its shots' thumbnails are asked for, and its lesser shots
        are ticked (the best never)."""
        for i in range(item.childCount()):
            self._show_thumb(item.child(i).data(0, FileRole))
        sid = item.data(0, StackRole)
        stack = next((s for s in self.stacks if s.id == sid), None)
        if stack is None:
            return
        for i in range(item.childCount()):
            child = item.child(i)
            if child.data(0, FileRole) != stack.cover_id:
                child.setCheckState(0, Qt.Checked)

    def _activated(self, item: QTreeWidgetItem, _col: int) -> None:
        fid = item.data(0, FileRole)
        if fid is not None:
            self.openFile.emit(fid)

    def ticked(self) -> list[int]:
        out = []
        for i in range(self.tree.topLevelItemCount()):
            head = self.tree.topLevelItem(i)
            for k in range(head.childCount()):
                c = head.child(k)
                if c.checkState(0) == Qt.Checked:
                    out.append(c.data(0, FileRole))
        return out

    def _current_stack(self):
        it = self.tree.currentItem()
        if it is None:
            return None, None
        head = it if it.parent() is None else it.parent()
        sid = head.data(0, StackRole)
        return sid, (it.data(0, FileRole) if it.parent() is not None else None)

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
        stack = next((s for s in self.stacks if s.id == sid), None)
        if stack is not None and self._ask_cull(
                f"the {plural(len(stack.shots) - 1, 'lesser shot')} of this stack"):
            self._run(keep_best_of, [sid])

    def keep_best_all(self) -> None:
        n = sum(len(s.shots) - 1 for s in self.stacks)
        if n and self._ask_cull(f"the {plural(n, 'lesser shot')} of "
                                f"{plural(len(self.stacks), 'stack')}"):
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
