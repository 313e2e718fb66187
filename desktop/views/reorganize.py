"""Reorganize review: the proposed folder tree beside the current one, with counts; accept,
skip or edit the destination of each collection and file; low-confidence items flagged; move /
copy / link; a dry-run summary; an explicit confirmation; apply with progress and cancel; undo
for each plan in the history list.

Nothing moves until the user confirms. Plans, decisions, moves, the journal and undo are
core.organize's; this page shows them and sends the user's decisions (in workers)."""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections import Counter, defaultdict

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.query import collection_names
from core.scan.roots import list_roots
from desktop import organize_api
from desktop.views.tiles import heading, notice
from desktop.workers import describe, run_async

log = logging.getLogger(__name__)

FLAG_BRUSH = QBrush(QColor(230, 160, 40, 70))
COLLECTION, ITEM, FOLDER, STAYS = 1, 2, 3, 4  # kinds of tree rows (Qt.UserRole + 1)
LAYOUTS = (("topic", "By topic", "Each collection in its own folder, under a broad topic"),
           ("event", "By event", "Year/YYYY-MM Event, Place"),
           ("date", "By date", "Each photo by its capture date, through the template beside"))
PREVIEW_FOLDERS = 8      # folders listed in the live preview and the confirmation
PREVIEW_DELAY_MS = 400   # typing in the template waits this long before a preview


def load_history(catalog) -> list[dict]:
    from core.organize import list_plans

    return list_plans(catalog)


def load_plan(catalog, plan_id: int) -> dict:
    """The plan, its items, collection names and the library roots (worker thread)."""
    from core.organize import get_plan, plan_items

    plan = get_plan(catalog, plan_id)
    items = plan_items(catalog, plan_id)
    return {"plan": plan, "items": items, "names": collection_names(catalog),
            "roots": [r.path for r in list_roots(catalog)]}


def preview_layout(catalog, settings, layout: str, template: str | None) -> dict:
    """What a layout would do, stored nowhere (worker thread): full destination folder ->
    files going there, and how many files move."""
    from core.organize import make_plan

    moves = make_plan(catalog, settings, layout=layout, template=template or None, store=False)
    heads = [m for m in moves if m.role == "file"]
    return {"layout": layout, "moves": len(heads),
            "folders": Counter(os.path.dirname(m.dst) for m in heads)}


def folder_lines(counts: Counter, limit: int = PREVIEW_FOLDERS) -> list[str]:
    """'/full/path/Folder/  (12 files)' for the biggest folders, then how many more."""
    lines = [f"{folder}{os.sep}  ({n} file{'s' if n != 1 else ''})"
             for folder, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]]
    if len(counts) > limit:
        lines.append(f"… and {len(counts) - limit} more folders")
    return lines


def _rel(path: str, roots: list[str]) -> str:
    for r in roots:
        if path == r or path.startswith(r.rstrip(os.sep) + os.sep):
            return os.path.relpath(path, r)
    return path


def summarize(items) -> dict:
    heads = [i for i in items if i.role == "file"]
    acc = [i for i in heads if i.decision == "accept"]
    return {"files": len(acc), "skipped": len(heads) - len(acc),
            "companions": sum(1 for i in items if i.role != "file" and i.decision == "accept"),
            "folders_to": len({os.path.dirname(i.dst) for i in acc}),
            "folders_from": len({os.path.dirname(i.src) for i in acc}),
            "flagged": sum(1 for i in acc if i.flagged)}


class ReorganizePage(QWidget):
    planShown = Signal(int)
    historyShown = Signal()
    applied = Signal(int, object)   # plan id, OpReport
    undone = Signal(int, object)
    failed = Signal(str)
    previewShown = Signal()

    def __init__(self, services, parent=None):
        super().__init__(parent)
        self.services = services
        self.data: dict | None = None
        self._running_plan: int | None = None  # the plan an apply/undo in the background works on
        self.plans: list[dict] | None = None
        self.last_dry_run = None
        self._showing: int | None = None
        self.confirm = self._confirm_dialog  # tests answer the confirmation through this
        lay = QVBoxLayout(self)
        top = QHBoxLayout()
        self.title = heading("Reorganize")
        top.addWidget(self.title)
        top.addStretch(1)
        lay.addLayout(top)
        top = QHBoxLayout()  # the controls on their own row: the page fits a 900 px window
        top.addStretch(1)
        top.addWidget(QLabel("Mode"))
        self.mode = QComboBox()
        for m, label in (("move", "Move files"), ("copy", "Copy files"), ("link", "Link files")):
            self.mode.addItem(label, m)
        self.mode.setCurrentIndex(max(self.mode.findData(services.settings.organize_mode), 0))
        top.addWidget(self.mode)
        top.addWidget(QLabel("Layout"))
        self.layout_box = QComboBox()
        for i, (key, label, tip) in enumerate(LAYOUTS):
            self.layout_box.addItem(label, key)
            self.layout_box.setItemData(i, tip, Qt.ToolTipRole)
        self.layout_box.setCurrentIndex(max(self.layout_box.findData(
            services.settings.organize_layout), 0))
        top.addWidget(self.layout_box)
        self.template = QLineEdit(services.settings.organize_date_template)
        self.template.setToolTip("Folders of the date layout, from each photo's capture date: "
                                 "{year} {month} {day} {month_name} {name} {place}")
        self.template.setMaximumWidth(120)
        top.addWidget(self.template)
        self.propose_btn = QPushButton("Propose a new layout")
        self.propose_btn.clicked.connect(self.propose)
        top.addWidget(self.propose_btn)
        lay.addLayout(top)
        self.preview = notice("")
        self.preview.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.preview.hide()  # until there is a preview (an empty row read as a gap)
        lay.addWidget(self.preview)
        self.last_preview: dict | None = None
        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(PREVIEW_DELAY_MS)
        self._preview_timer.timeout.connect(self.update_preview)
        self.layout_box.currentIndexChanged.connect(lambda _i: self._layout_changed())
        self.template.textChanged.connect(lambda _t: self._preview_timer.start())
        self.template.setEnabled(self.layout_box.currentData() == "date")
        self.summary = notice("Shoebox proposes folders from your collections. Review them here; "
                              "nothing moves until you confirm.")
        lay.addWidget(self.summary)

        split = QSplitter(Qt.Horizontal)
        self.current_tree = QTreeWidget()
        self.current_tree.setHeaderLabels(["Now", "Files"])
        self._fit_columns(self.current_tree)
        self.current_tree.setRootIsDecorated(False)
        self.proposed_tree = QTreeWidget()
        self.proposed_tree.setObjectName("proposed")
        self.proposed_tree.setHeaderLabels(["Proposed", "Files", "Confidence", "Why",
                                            "Full destination"])
        self._fit_columns(self.proposed_tree)
        self.proposed_tree.itemChanged.connect(self._item_changed)
        self.proposed_tree.itemDoubleClicked.connect(lambda it, _c: self.edit_destination(it))
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
        self.edit_btn.clicked.connect(lambda: self.edit_destination(
            self.proposed_tree.currentItem()))
        self.apply_btn = QPushButton("Review and apply…")
        self.apply_btn.setDefault(True)
        self.apply_btn.clicked.connect(self.apply)
        self.cancel_btn = QPushButton("Cancel")
        self.cancel_btn.setToolTip("Stop applying; what was moved stays journaled and undoable")
        self.cancel_btn.clicked.connect(services.background.cancel_current)
        self.cancel_btn.setEnabled(False)
        for b in (self.accept_all, self.skip_flagged, self.edit_btn):
            row.addWidget(b)
        row.addStretch(1)
        row.addWidget(self.cancel_btn)
        row.addWidget(self.apply_btn)
        lay.addLayout(row)

        hist = heading("History")
        lay.addWidget(hist)
        self.history = QTreeWidget()
        self.history.setHeaderLabels(["Plan", "State", "Files", "Mode", "Created", "Applied"])
        self.history.setRootIsDecorated(False)
        self.history.setMaximumHeight(150)
        self.history.itemActivated.connect(lambda it, _c: self.show_plan(it.data(0, Qt.UserRole)))
        lay.addWidget(self.history, 1)
        hrow = QHBoxLayout()
        hrow.addStretch(1)
        self.undo_btn = QPushButton("Undo selected plan…")
        self.undo_btn.clicked.connect(self.undo_selected)
        hrow.addWidget(self.undo_btn)
        lay.addLayout(hrow)
        services.background.failed.connect(self._bg_failed)
        services.background.cancelled.connect(self._bg_cancelled)
        services.background.state.connect(self._set_buttons)
        self._set_buttons()

    @staticmethod
    def _fit_columns(tree: QTreeWidget) -> None:
        """The name column takes the room; the counts stay visible at the right."""
        header = tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.Stretch)
        for c in range(1, tree.columnCount()):
            header.setSectionResizeMode(c, QHeaderView.ResizeToContents)

    # --- loading ---
    @property
    def plan(self) -> dict | None:
        return self.data["plan"] if self.data else None

    @property
    def items(self) -> list:
        return self.data["items"] if self.data else []

    def refresh(self) -> None:
        run_async(load_history, self.services.catalog, on_done=self._show_history,
                  on_error=lambda e: self.summary.setText(describe(e)))

    def _show_history(self, plans: list[dict]) -> None:
        self.plans = plans
        self.history.clear()

        def when(t):
            return dt.datetime.fromtimestamp(t).strftime("%d %b %H:%M") if t else ""

        for p in plans:
            n = (p.get("summary") or {}).get("moves", "")
            it = QTreeWidgetItem([f"#{p['id']}", p["state"], str(n), p["mode"],
                                  when(p["created_at"]), when(p["applied_at"])])
            it.setData(0, Qt.UserRole, p["id"])
            self.history.addTopLevelItem(it)
        if self.data is None and self._showing is None:
            draft = next((p for p in plans if p["state"] == "draft"), None)
            if draft:
                self.show_plan(draft["id"])
        self.historyShown.emit()

    def show_plan(self, plan_id: int) -> None:
        self._showing = plan_id
        run_async(load_plan, self.services.catalog, plan_id, on_done=self._show_plan,
                  on_error=self._load_failed)

    def _load_failed(self, e: BaseException) -> None:
        self._showing = None
        self.summary.setText(describe(e))

    def _show_plan(self, data: dict) -> None:
        if self._showing is not None and data["plan"]["id"] != self._showing:
            return  # the user asked for another plan meanwhile
        self._showing = None
        self.data = data
        idx = self.mode.findData(data["plan"]["mode"])
        if idx >= 0:
            self.mode.setCurrentIndex(idx)
        # the layout shown is the plan's (a date plan said "By topic" beside its date folders);
        # no preview for it: the plan below is what it does
        summary = data["plan"].get("summary") or {}
        idx = self.layout_box.findData(summary.get("layout"))
        if idx >= 0:
            for w in (self.layout_box, self.template):
                w.blockSignals(True)
            self.layout_box.setCurrentIndex(idx)
            if summary.get("template"):
                self.template.setText(summary["template"])
            for w in (self.layout_box, self.template):
                w.blockSignals(False)
            self.template.setEnabled(self.layout_box.currentData() == "date")
        self._fill_trees()
        self._update_summary()
        self._set_buttons()
        self.planShown.emit(data["plan"]["id"])

    def _fill_trees(self) -> None:
        roots, names, items = self.data["roots"], self.data["names"], self.items
        heads = [i for i in items if i.role == "file"]
        companions = Counter(i.group_item_id for i in items if i.role != "file")
        summary = self.plan.get("summary") or {}
        notes = summary.get("notes") or {}
        by_date = summary.get("layout") == "date"
        self.current_tree.clear()
        by_src = Counter(_rel(os.path.dirname(i.src), roots) for i in heads)
        for folder, n in sorted(by_src.items()):
            row = QTreeWidgetItem([folder or ".", str(n)])
            row.setToolTip(0, next(os.path.dirname(i.src) for i in heads
                                   if _rel(os.path.dirname(i.src), roots) == folder))
            self.current_tree.addTopLevelItem(row)
        editable = self.plan["state"] == "draft"
        self.proposed_tree.blockSignals(True)
        # the tree is re-read after each decision: the row ticked with Space stays the current
        # one, and the view stays where it was (a keyboard user lost their place every time)
        was = self._row_key(self.proposed_tree.currentItem())
        scrolled = self.proposed_tree.verticalScrollBar().value()
        self.proposed_tree.clear()
        # a row per collection (each has its own folder); by date, a row per destination folder
        groups: dict = defaultdict(list)
        for i in heads:
            groups[os.path.dirname(i.dst) if by_date else i.collection_id].append(i)
        for key, group in sorted(groups.items(), key=lambda kv: (-len(kv[1]), str(kv[0]))):
            full = Counter(os.path.dirname(i.dst) for i in group)
            folder = _rel(full.most_common(1)[0][0], roots)
            cid = None if by_date else key
            name = names.get(cid) or ("" if by_date else "Unsorted")
            why = notes.get(str(cid), []) if cid is not None else []
            head = QTreeWidgetItem([f"{folder}   ({name})" if name else folder, str(len(group)),
                                    "", (why[0] + (f"  (+{len(why) - 1} more)" if len(why) > 1
                                                   else "")) if why else "",
                                    "\n".join(sorted(full)) if len(full) <= 3 else
                                    f"{full.most_common(1)[0][0]} (+{len(full) - 1} more)"])
            head.setData(0, Qt.UserRole, cid if not by_date else [i.id for i in group])
            head.setData(0, Qt.UserRole + 1, FOLDER if by_date else COLLECTION)
            bold = head.font(0)
            bold.setBold(True)
            head.setFont(0, bold)
            tip = (f"collection “{name}”\n" if name else "") + "to " + "\n   ".join(
                f"{d}{os.sep}  ({n} files)" for d, n in sorted(full.items()))
            if why:
                tip += "\nwhat the checks changed, and why:\n- " + "\n- ".join(why)
            tip += "\ndouble-click to change the folder"
            for c in (0, 3, 4):
                head.setToolTip(c, tip)
            if editable:
                head.setFlags(head.flags() | Qt.ItemIsUserCheckable)
                acc = sum(i.decision == "accept" for i in group)
                head.setCheckState(0, Qt.Checked if acc == len(group) else
                                   Qt.Unchecked if acc == 0 else Qt.PartiallyChecked)
            for i in group:
                conf = "" if i.confidence is None else f"{i.confidence:.2f}"
                label = os.path.basename(i.dst)
                if _rel(os.path.dirname(i.dst), roots) != folder:
                    label = _rel(i.dst, roots)
                it = QTreeWidgetItem([label, "", conf, i.reason if i.flagged else "", i.dst])
                it.setData(0, Qt.UserRole, i.id)
                it.setData(0, Qt.UserRole + 1, ITEM)
                extra = companions.get(i.id, 0)
                tip = f"from {i.src}\nto {i.dst}"
                if extra:
                    tip += f"\n+ {extra} companion file(s) (sidecars, RAW) move with it"
                if i.reason:
                    tip += f"\nwhy: {i.reason}"
                if i.state:
                    tip += f"\nstate: {i.state}"
                for c in (0, 3, 4):
                    it.setToolTip(c, tip)
                if editable:
                    it.setFlags(it.flags() | Qt.ItemIsUserCheckable)
                    it.setCheckState(0, Qt.Checked if i.decision == "accept" else Qt.Unchecked)
                elif i.state:
                    it.setText(1, i.state)
                if i.flagged:
                    it.setText(0, "⚠ " + it.text(0))
                    for c in range(5):
                        it.setBackground(c, FLAG_BRUSH)
                head.addChild(it)
            self.proposed_tree.addTopLevelItem(head)
            head.setExpanded(len(group) <= 40)
        # collections that stay where they are, and why (no churn, nothing known, no date)
        for cid_text, why in sorted(notes.items()):
            if by_date or int(cid_text) in groups:
                continue
            name = names.get(int(cid_text)) or f"Collection {cid_text}"
            row = QTreeWidgetItem([f"stays where it is   ({name})", "0", "", why[-1], ""])
            row.setData(0, Qt.UserRole + 1, STAYS)
            for c in (0, 3):
                row.setToolTip(c, f"collection “{name}” is not moved:\n- " + "\n- ".join(why))
            self.proposed_tree.addTopLevelItem(row)
        if was is not None:
            again = next((it for it in self._all_rows() if self._row_key(it) == was), None)
            if again is not None:
                self.proposed_tree.setCurrentItem(again)
        self.proposed_tree.verticalScrollBar().setValue(scrolled)
        self.proposed_tree.blockSignals(False)

    @staticmethod
    def _row_key(item: QTreeWidgetItem | None):
        if item is None:
            return None
        return item.data(0, Qt.UserRole + 1), repr(item.data(0, Qt.UserRole)), item.text(0)

    def _all_rows(self):
        for i in range(self.proposed_tree.topLevelItemCount()):
            head = self.proposed_tree.topLevelItem(i)
            yield head
            for j in range(head.childCount()):
                yield head.child(j)

    def _update_summary(self) -> None:
        p = self.plan
        if p is None:
            return
        s = summarize(self.items)
        mode = self.mode.currentData()
        verb = {"move": "moved", "copy": "copied", "link": "linked"}[mode]
        self.title.setText(f"Reorganize — plan #{p['id']} ({p['state']})")
        text = (f"{s['files']} files would be {verb} from {s['folders_from']} folders into "
                f"{s['folders_to']} folders ({s['companions']} companion files go with them); "
                f"{s['skipped']} skipped; {s['flagged']} accepted files are low-confidence (⚠).")
        if not self.items:
            text = ("Nothing to move: every file is where this layout puts it, or nothing is "
                    "known that would place it (each collection below says why).")
        if p["state"] != "draft":
            rep = p.get("report") or {}
            text = f"This plan is {p['state']}."
            if rep:
                text += (f" {rep.get('done', 0)} done, {len(rep.get('left_alone', []))} left "
                         f"alone, {len(rep.get('failed', []))} failed.")
        self.summary.setText(text)

    def _set_buttons(self, *_state: str) -> None:
        draft = self.plan is not None and self.plan["state"] == "draft"
        busy = self.services.background.busy
        for b in (self.accept_all, self.skip_flagged, self.edit_btn, self.apply_btn):
            b.setEnabled(draft and not busy)
        self.propose_btn.setEnabled(not busy)
        self.mode.setEnabled(not busy)

    # --- decisions (each one is a small write, in a worker; then the plan is re-read) ---
    def _decide(self, fn, *args, **kwargs) -> None:
        pid = self.plan["id"]

        def work(catalog):
            fn(catalog, pid, *args, **kwargs)

        run_async(work, self.services.catalog, on_done=lambda _r: self.show_plan(pid),
                  on_error=lambda e: self._show_error("Could not change the plan", e, pid))

    def _show_error(self, title: str, e: BaseException, pid: int | None = None) -> None:
        QMessageBox.warning(self, title, describe(e))
        if pid is not None:
            self.show_plan(pid)

    def set_item(self, item_id: int, decision: str | None = None, folder: str | None = None):
        from core.organize import set_item_decision

        self._decide(set_item_decision, item_id, decision, folder=folder)

    def set_collection(self, collection_id: int, decision: str | None = None,
                       folder: str | None = None) -> None:
        from core.organize import set_collection_decision

        self._decide(set_collection_decision, collection_id, decision, folder=folder)

    def _item_changed(self, item: QTreeWidgetItem, col: int) -> None:
        if col != 0 or self.plan is None:
            return
        decision = "skip" if item.checkState(0) == Qt.Unchecked else "accept"
        if item.data(0, Qt.UserRole + 1) == ITEM:
            self.set_item(item.data(0, Qt.UserRole), decision)
        elif item.data(0, Qt.UserRole + 1) == FOLDER:
            self._bulk(list(item.data(0, Qt.UserRole)), decision)
        elif item.data(0, Qt.UserRole) is not None:
            self.set_collection(item.data(0, Qt.UserRole), decision)

    def _bulk(self, ids: list[int], decision: str | None, folder: str | None = None) -> None:
        from core.organize import set_item_decision

        def many(catalog, pid):
            for iid in ids:
                set_item_decision(catalog, pid, iid, decision, folder=folder)

        self._decide(many)

    def _set_all(self, decision: str) -> None:
        self._bulk([i.id for i in self.items if i.role == "file"], decision)

    def _skip_flagged(self) -> None:
        self._bulk([i.id for i in self.items if i.role == "file" and i.flagged], "skip")

    def edit_destination(self, item: QTreeWidgetItem | None) -> None:
        if item is None or self.plan is None or self.plan["state"] != "draft" or \
                item.data(0, Qt.UserRole + 1) == STAYS:
            return
        roots = self.data["roots"]
        if item.data(0, Qt.UserRole + 1) == ITEM:
            it = next(i for i in self.items if i.id == item.data(0, Qt.UserRole))
            old = _rel(os.path.dirname(it.dst), roots)
            new, ok = QInputDialog.getText(self, "Edit destination",
                                           "Folder (inside the library folder):", text=old)
            if ok and new.strip() and new.strip() != old:
                self.set_item(it.id, folder=new.strip())
        elif item.data(0, Qt.UserRole + 1) == FOLDER:
            old = item.text(0)
            new, ok = QInputDialog.getText(self, "Edit destination",
                                           "Folder for these files:", text=old)
            if ok and new.strip() and new.strip() != old:
                self._bulk(list(item.data(0, Qt.UserRole)), None, folder=new.strip())
        else:
            old = item.text(0).split("   (")[0]
            new, ok = QInputDialog.getText(self, "Edit destination",
                                           "Folder for this collection:", text=old)
            if ok and new.strip() and new.strip() != old:
                self.set_collection(item.data(0, Qt.UserRole), folder=new.strip())

    # --- plan, apply, undo ---
    def _layout_changed(self) -> None:
        self.template.setEnabled(self.layout_box.currentData() == "date")
        self._preview_timer.start()

    def update_preview(self) -> None:
        """The live preview of the chosen layout: the full folders it would fill (a worker)."""
        layout, template = self.layout_box.currentData(), self.template.text().strip()
        self.preview.setText("Previewing…")
        self.preview.show()
        run_async(preview_layout, self.services.catalog, self.services.settings, layout,
                  template if layout == "date" else None,
                  on_done=self._show_preview,
                  on_error=lambda e: self._show_preview({"layout": layout, "error": describe(e)}))

    def _show_preview(self, res: dict) -> None:
        if res["layout"] != self.layout_box.currentData():
            return  # the user chose another layout meanwhile
        self.last_preview = res
        if "error" in res:
            self.preview.setText(f"Preview: {res['error']}")
        elif not res["moves"]:
            self.preview.setText("Preview: nothing would move — every file is where this layout "
                                 "puts it, or nothing is known that would place it.")
        else:
            self.preview.setText(f"Preview: {res['moves']} files into {len(res['folders'])} "
                                 "folders:\n" + "\n".join(folder_lines(res["folders"])))
        self.previewShown.emit()

    def propose(self) -> None:
        s = self.services
        mode = self.mode.currentData()
        layout = self.layout_box.currentData()
        template = self.template.text().strip() if layout == "date" else None
        self.summary.setText("Working out a new layout…")
        s.background.submit("plan", lambda task: organize_api.propose(s, mode, task, layout,
                                                                      template),
                            self._planned)

    def _planned(self, plan_id) -> None:
        self.data = None
        self.show_plan(int(plan_id))
        self.refresh()

    def _bg_cancelled(self, name: str) -> None:
        """A cancelled apply/undo stops between files: show where the plan stands now."""
        if name in ("apply", "undo") and self._running_plan is not None:
            self._after(name, self._running_plan, None)

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
        """Dry run first (in a worker), then the summary for an explicit yes, then apply."""
        if self.plan is None or self.plan["state"] != "draft":
            return
        from core.organize import apply_plan

        pid, mode = self.plan["id"], self.mode.currentData()
        self.summary.setText("Checking what applying would do (dry run)…")
        run_async(lambda: apply_plan(self.services.catalog, pid, mode, dry_run=True),
                  on_done=lambda rep: self._confirm_and_apply(pid, mode, rep),
                  on_error=lambda e: self._show_error("Dry run failed", e, pid))

    def _confirm_and_apply(self, pid: int, mode: str, dry) -> None:
        self.last_dry_run = dry
        self._update_summary()
        ops = Counter(o.get("op", "?") for o in dry.operations)
        s = summarize(self.items)
        to = Counter(os.path.dirname(i.dst) for i in self.items
                     if i.role == "file" and i.decision == "accept")
        lines = [f"{mode.capitalize()} {s['files']} files into {s['folders_to']} folders?", "",
                 *folder_lines(to), ""]
        lines.append("Dry run: " + ", ".join(f"{n} {op}" for op, n in sorted(ops.items()))
                     if ops else "Dry run: nothing to do.")
        if dry.left_alone:
            lines.append(f"{len(dry.left_alone)} files would be left alone (changed or in "
                         "the way).")
        lines.append("")
        lines.append(f"{s['skipped']} skipped files stay where they are; {s['flagged']} "
                     "accepted files are low-confidence.")
        lines.append("Every move is journaled first and can be undone from the history list.")
        if not dry.operations or not self.confirm("\n".join(lines)):
            self.summary.setText(self.summary.text() + "  (not applied)")
            return
        from core.organize import apply_plan

        svc = self.services
        self.cancel_btn.setEnabled(True)
        self._running_plan = pid
        svc.background.submit(
            "apply", lambda task: apply_plan(svc.catalog, pid, mode, task),
            lambda rep: self._after("apply", pid, rep), dedupe=False)
        self._set_buttons()

    def _after(self, what: str, plan_id: int, report) -> None:
        self.cancel_btn.setEnabled(False)
        self.data = None
        self.show_plan(plan_id)
        self.refresh()
        self.services.thumbs.clear_pending()
        if report is not None and (report.failed or report.left_alone):
            msgs = [f"{d.get('path')}: {d.get('reason') or d.get('error')}"
                    for d in (report.failed + report.left_alone)[:15]]
            QMessageBox.information(self, f"{what.capitalize()} finished with notes",
                                    "\n".join(msgs))
        self.services.libraryChanged.emit()
        if report is not None:  # None: cancelled part-way
            (self.applied if what == "apply" else self.undone).emit(plan_id, report)

    def undo_selected(self) -> None:
        it = self.history.currentItem()
        if it is not None:
            self.undo(it.data(0, Qt.UserRole))

    def undo_last(self) -> None:
        """Ctrl+Z: undo the most recently applied plan (after asking)."""
        run_async(load_history, self.services.catalog, on_done=self._undo_latest,
                  on_error=lambda e: self._show_error("Undo", e))

    def _undo_latest(self, plans: list[dict]) -> None:
        self._show_history(plans)
        last = next((p for p in plans if p["state"] == "applied"), None)
        if last is None:
            QMessageBox.information(self, "Undo", "There is no applied reorganization to undo.")
            return
        self.undo(last["id"])

    def undo(self, plan_id: int, ask: bool = True) -> None:
        if ask and QMessageBox.question(
                self, "Undo reorganization",
                f"Put the files of plan #{plan_id} back where they were?\n\nFiles changed since "
                "are left alone and reported.", QMessageBox.Yes | QMessageBox.Cancel,
                QMessageBox.Cancel) != QMessageBox.Yes:
            return
        from core.organize import undo_plan

        svc = self.services
        self._running_plan = plan_id
        self.cancel_btn.setEnabled(True)
        svc.background.submit("undo", lambda task: undo_plan(svc.catalog, plan_id, task),
                              lambda rep: self._after("undo", plan_id, rep), dedupe=False)
