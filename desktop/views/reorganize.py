"""Reorganize review: the proposed folder tree beside the current one, with counts; accept,
skip or edit each collection and file; low-confidence items flagged; move / copy / link; a
dry-run summary; an explicit confirmation; apply with progress and cancel; undo per plan.

Nothing moves until the user confirms the summary. The plan itself, the moves, the journal and
undo are core.organize's; this page only shows and edits decisions."""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections import Counter, defaultdict

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox, QHBoxLayout, QInputDialog, QLabel, QMessageBox, QPushButton, QSplitter,
    QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget,
)

from desktop import organize_api
from desktop.workers import describe, run_async

log = logging.getLogger(__name__)

FLAG_BRUSH = QBrush(QColor(230, 160, 40, 60))


def load_plans(catalog) -> list[dict]:
    with catalog.read() as conn:
        return [dict(r) for r in conn.execute(
            "SELECT p.*, (SELECT count(*) FROM plan_items i WHERE i.plan_id = p.id) AS n "
            "FROM plans p ORDER BY p.id DESC LIMIT 200")]


def load_items(catalog, plan_id: int) -> list[dict]:
    with catalog.read() as conn:
        return [dict(r) for r in conn.execute(
            "SELECT i.*, c.name AS cluster_name, r.path AS root FROM plan_items i "
            "JOIN plans p ON p.id = i.plan_id LEFT JOIN roots r ON r.id = p.root_id "
            "LEFT JOIN clusters c ON c.id = i.cluster_id WHERE i.plan_id = ? ORDER BY i.dst",
            (plan_id,))]


def save_decisions(services, plan_id: int, changes: dict[int, tuple[str, str]]) -> None:
    """Write the user's accept/skip/destination edits (organize's function when it has one)."""
    fn = organize_api._op("set_decisions")
    if fn is not None:
        return fn(services.catalog, plan_id, changes)

    def write(conn):
        conn.executemany("UPDATE plan_items SET decision = ?, dst = ? WHERE id = ? AND plan_id = ?",
                         [(d, dst, iid, plan_id) for iid, (d, dst) in changes.items()])
    services.catalog.write(write)


def summarize(items: list[dict], decisions: dict[int, tuple[str, str]]) -> dict:
    """The dry-run summary of what applying would do, from the reviewed decisions."""
    moves = [i for i in items if decisions.get(i["id"], (i["decision"], i["dst"]))[0] == "accept"]
    dst_folders = Counter(os.path.dirname(decisions.get(i["id"], (None, i["dst"]))[1])
                          for i in moves)
    src_folders = {os.path.dirname(i["src"]) for i in moves}
    return {"files": len(moves), "skipped": len(items) - len(moves),
            "folders_new": len(dst_folders), "folders_from": len(src_folders),
            "flagged": sum(1 for i in moves if i["flagged"])}


def _rel(path: str, root: str | None) -> str:
    if root and (path == root or path.startswith(root.rstrip("/") + "/")):
        return os.path.relpath(path, root)
    return path


class ReorganizePage(QWidget):
    planShown = Signal(int)
    applied = Signal(int, object)   # plan id, result
    undone = Signal(int, object)
    failed = Signal(str)

    def __init__(self, services, parent=None):
        super().__init__(parent)
        self.services = services
        self.plan: dict | None = None
        self.items: list[dict] = []
        self.decisions: dict[int, tuple[str, str]] = {}  # item id -> (decision, dst)
        self.confirm = self._confirm_dialog  # tests replace it to answer the dialog
        lay = QVBoxLayout(self)
        top = QHBoxLayout()
        self.title = QLabel("Reorganize")
        self.title.setObjectName("heading")
        top.addWidget(self.title)
        top.addStretch(1)
        top.addWidget(QLabel("Mode"))
        self.mode = QComboBox()
        for m, label in (("move", "Move files"), ("copy", "Copy files"), ("link", "Link files")):
            self.mode.addItem(label, m)
        idx = self.mode.findData(services.settings.organize_mode)
        self.mode.setCurrentIndex(max(idx, 0))
        top.addWidget(self.mode)
        self.propose_btn = QPushButton("Propose a new layout")
        self.propose_btn.clicked.connect(self.propose)
        top.addWidget(self.propose_btn)
        lay.addLayout(top)
        self.summary = QLabel("Shoebox proposes folders from your collections; review them here "
                              "before anything moves.")
        self.summary.setObjectName("notice")
        self.summary.setWordWrap(True)
        lay.addWidget(self.summary)

        split = QSplitter(Qt.Horizontal)
        self.current_tree = QTreeWidget()
        self.current_tree.setHeaderLabels(["Now", "Files"])
        self.current_tree.setColumnWidth(0, 300)
        self.proposed_tree = QTreeWidget()
        self.proposed_tree.setHeaderLabels(["Proposed", "Files", "Confidence"])
        self.proposed_tree.setColumnWidth(0, 380)
        self.proposed_tree.itemChanged.connect(self._item_changed)
        self.proposed_tree.itemDoubleClicked.connect(self._edit_destination)
        split.addWidget(self.current_tree)
        split.addWidget(self.proposed_tree)
        split.setStretchFactor(1, 2)
        lay.addWidget(split, 3)

        row = QHBoxLayout()
        self.accept_all = QPushButton("Accept all")
        self.accept_all.clicked.connect(lambda: self._set_all("accept"))
        self.skip_flagged = QPushButton("Skip flagged")
        self.skip_flagged.clicked.connect(self._skip_flagged)
        self.edit_btn = QPushButton("Edit destination…")
        self.edit_btn.clicked.connect(lambda: self._edit_destination(
            self.proposed_tree.currentItem(), 0))
        self.apply_btn = QPushButton("Review and apply…")
        self.apply_btn.clicked.connect(self.apply)
        self.cancel_btn = QPushButton("Cancel")
        self.cancel_btn.clicked.connect(services.background.cancel_current)
        self.cancel_btn.setEnabled(False)
        for b in (self.accept_all, self.skip_flagged, self.edit_btn):
            row.addWidget(b)
        row.addStretch(1)
        row.addWidget(self.cancel_btn)
        row.addWidget(self.apply_btn)
        lay.addLayout(row)

        hist = QLabel("History")
        hist.setObjectName("heading")
        lay.addWidget(hist)
        self.history = QTreeWidget()
        self.history.setHeaderLabels(["Plan", "State", "Files", "Mode", "Created", "Applied"])
        self.history.setRootIsDecorated(False)
        self.history.setMaximumHeight(150)
        self.history.itemActivated.connect(
            lambda it, _c: self.show_plan(it.data(0, Qt.UserRole)))
        lay.addWidget(self.history, 1)
        hrow = QHBoxLayout()
        hrow.addStretch(1)
        self.undo_btn = QPushButton("Undo selected plan…")
        self.undo_btn.clicked.connect(self.undo_selected)
        hrow.addWidget(self.undo_btn)
        lay.addLayout(hrow)
        services.background.failed.connect(self._bg_failed)
        services.background.state.connect(lambda _s: self._set_buttons())
        self._set_buttons()

    # --- loading ---
    def refresh(self) -> None:
        run_async(load_plans, self.services.catalog, on_done=self._show_history,
                  on_error=lambda e: self.summary.setText(describe(e)))

    def _show_history(self, plans: list[dict]) -> None:
        self.plans = plans
        self.history.clear()
        for p in plans:
            when = lambda t: dt.datetime.fromtimestamp(t).strftime("%d %b %H:%M") if t else ""
            it = QTreeWidgetItem([f"#{p['id']}", p["state"], str(p["n"]), p["mode"],
                                  when(p["created_at"]), when(p["applied_at"])])
            it.setData(0, Qt.UserRole, p["id"])
            self.history.addTopLevelItem(it)
        if self.plan is None:
            draft = next((p for p in plans if p["state"] == "draft"), None)
            if draft:
                self.show_plan(draft["id"])

    def show_plan(self, plan_id: int) -> None:
        def work(catalog):
            plan = next((p for p in load_plans(catalog) if p["id"] == plan_id), None)
            return plan, load_items(catalog, plan_id)

        run_async(work, self.services.catalog, on_done=self._show_plan,
                  on_error=lambda e: self.summary.setText(describe(e)))

    def _show_plan(self, data) -> None:
        plan, items = data
        if plan is None:
            return
        self.plan, self.items = plan, items
        self.decisions = {i["id"]: (i["decision"], i["dst"]) for i in items}
        idx = self.mode.findData(plan["mode"])
        if idx >= 0:
            self.mode.setCurrentIndex(idx)
        self._fill_trees()
        self._update_summary()
        self._set_buttons()
        self.planShown.emit(plan["id"])

    def _fill_trees(self) -> None:
        root = self.items[0]["root"] if self.items else None
        self.current_tree.clear()
        by_src = Counter(_rel(os.path.dirname(i["src"]), root) for i in self.items)
        for folder, n in sorted(by_src.items()):
            self.current_tree.addTopLevelItem(QTreeWidgetItem([folder or ".", str(n)]))
        self.proposed_tree.blockSignals(True)
        self.proposed_tree.clear()
        groups: dict[str, list[dict]] = defaultdict(list)
        for i in self.items:
            groups[_rel(os.path.dirname(self.decisions[i["id"]][1]), root)].append(i)
        editable = self.plan is not None and self.plan["state"] == "draft"
        for folder, items in sorted(groups.items()):
            head = QTreeWidgetItem([folder, str(len(items)), ""])
            head.setFlags(head.flags() | (Qt.ItemIsUserCheckable | Qt.ItemIsAutoTristate
                                          if editable else Qt.NoItemFlags))
            f = head.font(0)
            f.setBold(True)
            head.setFont(0, f)
            names = {i["cluster_name"] for i in items if i["cluster_name"]}
            if names:
                head.setToolTip(0, "collection: " + ", ".join(sorted(names)))
            for i in items:
                dec, dst = self.decisions[i["id"]]
                conf = "" if i["confidence"] is None else f"{i['confidence']:.2f}"
                it = QTreeWidgetItem([os.path.basename(dst), "", conf])
                it.setData(0, Qt.UserRole, i["id"])
                it.setToolTip(0, f"from {i['src']}\nto {dst}" + (
                    f"\nwhy: {i['reason']}" if i["reason"] else ""))
                if editable:
                    it.setFlags(it.flags() | Qt.ItemIsUserCheckable)
                    it.setCheckState(0, Qt.Checked if dec == "accept" else Qt.Unchecked)
                if i["flagged"]:
                    it.setText(0, "⚠ " + it.text(0))
                    for c in range(3):
                        it.setBackground(c, FLAG_BRUSH)
                head.addChild(it)
            self.proposed_tree.addTopLevelItem(head)
            head.setExpanded(len(items) <= 30)
        self.proposed_tree.blockSignals(False)

    def _update_summary(self) -> None:
        if self.plan is None:
            return
        s = summarize(self.items, self.decisions)
        mode = self.mode.currentData()
        self.title.setText(f"Reorganize — plan #{self.plan['id']} ({self.plan['state']})")
        self.summary.setText(
            f"Dry run: {s['files']} files would be {mode}{'d' if mode != 'copy' else ''} "
            f"from {s['folders_from']} folders into {s['folders_new']} folders; "
            f"{s['skipped']} skipped; {s['flagged']} accepted files are low-confidence (⚠).")

    def _set_buttons(self) -> None:
        draft = self.plan is not None and self.plan["state"] == "draft"
        busy = self.services.background.busy
        for b in (self.accept_all, self.skip_flagged, self.edit_btn, self.apply_btn):
            b.setEnabled(draft and not busy)
        self.propose_btn.setEnabled(not busy)

    # --- editing ---
    def _item_changed(self, item: QTreeWidgetItem, col: int) -> None:
        iid = item.data(0, Qt.UserRole)
        if iid is None or col != 0:
            return
        dec, dst = self.decisions[iid]
        self.decisions[iid] = ("accept" if item.checkState(0) == Qt.Checked else "skip", dst)
        self._update_summary()

    def set_decision(self, item_id: int, decision: str, dst: str | None = None) -> None:
        _, old = self.decisions[item_id]
        self.decisions[item_id] = (decision, dst or old)
        self._fill_trees()
        self._update_summary()

    def _set_all(self, decision: str) -> None:
        for iid, (_d, dst) in list(self.decisions.items()):
            self.decisions[iid] = (decision, dst)
        self._fill_trees()
        self._update_summary()

    def _skip_flagged(self) -> None:
        for i in self.items:
            if i["flagged"]:
                self.decisions[i["id"]] = ("skip", self.decisions[i["id"]][1])
        self._fill_trees()
        self._update_summary()

    def _edit_destination(self, item: QTreeWidgetItem | None, _col: int) -> None:
        if item is None or self.plan is None or self.plan["state"] != "draft":
            return
        iid = item.data(0, Qt.UserRole)
        root = self.items[0]["root"] if self.items else None
        if iid is None:  # a folder: move every file in it
            old = item.text(0)
            new, ok = QInputDialog.getText(self, "Edit destination", "Folder:", text=old)
            if not ok or not new.strip() or new == old:
                return
            for j in range(item.childCount()):
                cid = item.child(j).data(0, Qt.UserRole)
                dec, dst = self.decisions[cid]
                base = os.path.join(root, new.strip()) if root else new.strip()
                self.decisions[cid] = (dec, os.path.join(base, os.path.basename(dst)))
        else:
            dec, dst = self.decisions[iid]
            new, ok = QInputDialog.getText(self, "Edit destination", "Destination:",
                                           text=_rel(dst, root))
            if not ok or not new.strip():
                return
            new = new.strip()
            self.decisions[iid] = (dec, os.path.join(root, new) if root and not
                                   os.path.isabs(new) else new)
        self._fill_trees()
        self._update_summary()

    # --- actions ---
    def propose(self) -> None:
        s = self.services
        mode = self.mode.currentData()

        def work(task):
            make_plan = organize_api.require("make_plan")
            return make_plan(s.catalog, s.registry, s.settings, task=task, mode=mode)

        self.summary.setText("Working out a new layout…")
        self.plan = None
        s.background.submit("plan", work, self._planned, dedupe=True)

    def _planned(self, result) -> None:
        plan_id = getattr(result, "id", None) or getattr(result, "plan_id", None) or result
        if isinstance(plan_id, int):
            self.show_plan(plan_id)
        self.refresh()

    def _bg_failed(self, name: str, message: str) -> None:
        if name in ("plan", "apply", "undo"):
            self.summary.setText(message)
            self.cancel_btn.setEnabled(False)
            self._set_buttons()
            self.failed.emit(message)

    def _confirm_dialog(self, text: str) -> bool:
        box = QMessageBox(QMessageBox.Question, "Apply reorganization", text,
                          QMessageBox.Cancel, self)
        go = box.addButton("Apply", QMessageBox.AcceptRole)
        box.setDefaultButton(QMessageBox.Cancel)
        box.exec()
        return box.clickedButton() is go

    def apply(self) -> None:
        if self.plan is None or self.plan["state"] != "draft":
            return
        s = summarize(self.items, self.decisions)
        mode = self.mode.currentData()
        text = (f"{mode.capitalize()} {s['files']} files into {s['folders_new']} folders?\n\n"
                f"{s['skipped']} files are skipped and stay where they are. "
                f"{s['flagged']} accepted files are low-confidence.\n\nEvery move is written to "
                f"the journal first and can be undone from the history list.")
        if s["files"] == 0 or not self.confirm(text):
            return
        plan_id, decisions, svc = self.plan["id"], dict(self.decisions), self.services

        def work(task):
            save_decisions(svc, plan_id, decisions)
            apply_plan = organize_api.require("apply_plan")
            return apply_plan(svc.catalog, plan_id, mode=mode, task=task)

        self.cancel_btn.setEnabled(True)
        svc.background.submit("apply", work, lambda r: self._after("apply", plan_id, r),
                              dedupe=False)
        self._set_buttons()

    def _after(self, what: str, plan_id: int, result) -> None:
        self.cancel_btn.setEnabled(False)
        self.plan = None
        self.show_plan(plan_id)
        self.refresh()
        from desktop import actions

        actions.start_scan(self.services)
        (self.applied if what == "apply" else self.undone).emit(plan_id, result)

    def undo_selected(self) -> None:
        it = self.history.currentItem()
        if it is None:
            return
        self.undo(it.data(0, Qt.UserRole))

    def undo_last(self) -> None:
        """Ctrl+Z: undo the most recently applied plan (after asking)."""
        plans = getattr(self, "plans", None)
        if plans is None:
            plans = load_plans(self.services.catalog)
        last = next((p for p in plans if p["state"] == "applied"), None)
        if last is None:
            QMessageBox.information(self, "Undo", "There is no applied reorganization to undo.")
            return
        self.undo(last["id"])

    def undo(self, plan_id: int, ask: bool = True) -> None:
        if ask and QMessageBox.question(
                self, "Undo reorganization",
                f"Put the files of plan #{plan_id} back where they were?\n\nFiles changed since "
                f"are left alone and reported.", QMessageBox.Yes | QMessageBox.Cancel,
                QMessageBox.Cancel) != QMessageBox.Yes:
            return
        svc = self.services

        def work(task):
            undo_plan = organize_api.require("undo_plan")
            return undo_plan(svc.catalog, plan_id, task=task)

        svc.background.submit("undo", work, lambda r: self._after("undo", plan_id, r),
                              dedupe=False)
