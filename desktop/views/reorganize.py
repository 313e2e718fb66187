"""Reorganize review, by unit: each destination folder of the plan (an event's folder,
`Screenshots/2023`, a month, a collection's folder) is one row with its photo count, dates,
place and a strip of thumbnails, and the files that stay where they are form one more row, each
with its reason. Accept or skip a whole unit (its tick, or Space), rename its folder, move
files into another unit; the files of the unit in view are ticked one by one. Then move /
copy / link; a dry-run summary; an explicit confirmation; apply with progress and cancel; undo
for each plan in the history list.

Nothing moves until the user confirms. Plans, decisions, moves, the journal and undo are
core.organize's; this page shows them (desktop.views.review_models) and sends the user's
decisions to a worker, one after the other, while the rows change at once."""

from __future__ import annotations

import datetime as dt
import gc
import logging
import os
from collections import Counter, defaultdict, deque

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.cull.culling import undo_any_plan
from core.organize import (
    STAYS,
    apply_plan,
    list_plans,
    make_plan,
    move_to_unit,
    review_units,
    set_item_decision,
    set_items_decision,
    set_unit_decision,
)
from core.organize.plan import LAYOUT_ASKED, LAYOUT_CHOSEN
from core.query.display import plural
from desktop import organize_api
from desktop.elided_label import ElidedLabel
from desktop.shortcuts import sequences
from desktop.thumbs import ThumbRequest
from desktop.views.review_models import (
    FileModel,
    FileView,
    UnitDelegate,
    UnitModel,
    UnitView,
    file_tooltip,
)
from desktop.views.tiles import button_row, heading, notice
from desktop.workers import describe, run_async

log = logging.getLogger(__name__)

AUTO = "auto"   # the library's shape picks: events when most files are dated, else topics
LAYOUTS = ((AUTO, "Automatic", ("By event when most photos and videos have a capture date, "
                                "by topic for an undated pile; the plan says which and why")),
           ("topic", "By topic", "Each collection in its own folder, under a broad topic"),
           ("event", "By event", "Year/YYYY-MM Event, Place"),
           ("date", "By date", "Each photo by its capture date, through the template beside"))
PREVIEW_FOLDERS = 8      # folders listed in the live preview and the confirmation
PREVIEW_DELAY_MS = 400   # typing in the template waits this long before a preview
PREVIEW_LINES = 4        # the preview box's height, in lines (it scrolls; it can be collapsed)
DETAIL_THUMB_PX = 72


def load_plan(catalog, plan_id: int) -> dict:
    """The plan, its items, its units and the library roots (worker thread)."""
    data = review_units(catalog, plan_id)
    data["tally"] = Tally(data["items"])
    return data


def preview_layout(catalog, settings, layout: str, template: str | None) -> dict:
    """What a layout would do, stored nowhere (worker thread): full destination folder ->
    files going there, and how many files move."""
    moves = make_plan(catalog, settings, layout=None if layout == AUTO else layout,
                      template=template or None, store=False)
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


class Tally:
    """The summary's counts, kept up to date as decisions change (counting 20,000 moves again
    at every keypress took 100 ms and more), and each move's companions. Made in the worker
    that reads the plan."""

    def __init__(self, items) -> None:
        self.heads = self.accepted = self.companions = self.flagged = 0
        self.to: Counter = Counter()     # accepted moves per destination folder
        self.frm: Counter = Counter()    # ... per folder they leave
        self.folders_to = self.folders_from = 0
        self.dirs: dict[int, tuple[str, str]] = {}   # head id -> (its folder to, from)
        self.companions_of: dict[int, list] = defaultdict(list)
        for i in items:
            if i.role == "file":
                self.heads += 1
                self.dirs[i.id] = (os.path.dirname(i.dst), os.path.dirname(i.src))
            else:
                self.companions_of[i.group_item_id].append(i)
                self.companions += i.decision == "accept"
        self._count_heads([i for i in items if i.role == "file" and i.decision == "accept"], 1)

    def _count_heads(self, heads: list, sign: int) -> None:
        # counted in bulk (Counter counts in C): ticking a unit of 20,000 stays one keypress
        self.accepted += sign * len(heads)
        self.flagged += sign * sum(1 for h in heads if h.flagged)
        dirs = self.dirs
        for k, counter, attr in ((0, self.to, "folders_to"), (1, self.frm, "folders_from")):
            for folder, n in Counter(dirs[h.id][k] for h in heads).items():
                before = counter[folder]
                counter[folder] = after = before + sign * n
                if (before == 0) != (after == 0):
                    setattr(self, attr, getattr(self, attr) + (1 if before == 0 else -1))

    def decide(self, heads, decision: str) -> int:
        """Accept or skip moves (group heads), their companions with them; returns the change
        in accepted moves."""
        sign = 1 if decision == "accept" else -1
        changed = [h for h in heads if h.decision != decision]
        for h in changed:
            h.decision = decision
        self._count_heads(changed, sign)
        companions_of = self.companions_of   # (a group's members always follow its head)
        for h in changed if companions_of else ():
            for c in companions_of.get(h.id, ()):
                if c.decision != decision:
                    c.decision = decision
                    self.companions += sign
        return sign * len(changed)

    def summary(self) -> dict:
        return {"files": self.accepted, "skipped": self.heads - self.accepted,
                "companions": self.companions, "folders_to": self.folders_to,
                "folders_from": self.folders_from, "flagged": self.flagged}


def keep_out_of_collections() -> None:
    """The plan just read (20,000 moves are ~70,000 objects: items, files, units) lives until
    the next one: out of the garbage collector's view from now on. Otherwise each full
    collection walks it all, 30-80 ms holding the GIL, started by whichever thread allocates,
    in the middle of a keypress. Freed as usual by reference counts when replaced (the plan's
    objects hold no cycles); the garbage of before is collected first, not frozen."""
    gc.collect()
    gc.freeze()


def _picked(summary: dict) -> bool:
    """The plan's layout was picked by the library's shape (Automatic), not asked for."""
    return bool(summary.get("layout_reason")) and summary["layout_reason"] not in (
        LAYOUT_ASKED, LAYOUT_CHOSEN)


class PreviewBox(QPlainTextEdit):
    """The live preview: a few lines of full folder paths that scroll sideways rather than
    widen the window."""

    def __init__(self):
        super().__init__()
        self.setObjectName("preview")
        self.setReadOnly(True)
        self.setLineWrapMode(QPlainTextEdit.NoWrap)
        self.setFixedHeight(int(self.fontMetrics().lineSpacing() * PREVIEW_LINES
                                + 2 * self.document().documentMargin()
                                + 2 * self.frameWidth() + 8))

    def text(self) -> str:
        return self.toPlainText()

    def setText(self, text: str) -> None:
        self.setPlainText(text)


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
        self._writes: deque = deque()   # decisions waiting for the catalog, in order
        self._writing = False
        self._tally = Tally([])
        self._full_reread = False   # a write changed folders: re-read the whole plan after it
        self.confirm = self._confirm_dialog  # tests answer the confirmation through this
        lay = QVBoxLayout(self)
        top = QHBoxLayout()
        self.title = heading("Reorganize")
        top.addWidget(self.title)
        top.addStretch(1)
        lay.addLayout(top)
        top = QHBoxLayout()  # the controls on their own row: the page fits a 900 px window
        self.preview_btn = QToolButton()
        self.preview_btn.setText("Preview")
        self.preview_btn.setToolTip("Show or hide the folders the chosen layout would fill")
        self.preview_btn.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
        self.preview_btn.setCheckable(True)
        self.preview_btn.setChecked(True)
        self.preview_btn.setArrowType(Qt.DownArrow)
        self.preview_btn.toggled.connect(self._preview_toggled)
        self.preview_btn.hide()   # until there is a preview
        top.addWidget(self.preview_btn)
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
        st = services.settings   # a layout the user chose beats the automatic one
        self.layout_box.setCurrentIndex(max(self.layout_box.findData(
            st.organize_layout if st.organize_layout_chosen else AUTO), 0))
        top.addWidget(self.layout_box)
        self.template = QLineEdit(services.settings.organize_date_template)
        self.template.setToolTip("Folders of the date layout, from each photo's capture date: "
                                 "{year} {month} {day} {month_name} {name} {place}")
        self.template.setMaximumWidth(120)
        top.addWidget(self.template)
        self.propose_btn = QPushButton("Propose a plan")
        self.propose_btn.clicked.connect(self.propose)
        top.addWidget(self.propose_btn)
        lay.addLayout(top)
        self.preview = PreviewBox()
        self.preview.hide()  # until there is a preview (an empty row read as a gap)
        lay.addWidget(self.preview)
        self.last_preview: dict | None = None
        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(PREVIEW_DELAY_MS)
        self._preview_timer.timeout.connect(self.update_preview)
        self.layout_box.currentIndexChanged.connect(lambda _i: self._layout_changed())
        self.template.textChanged.connect(lambda _t: self._preview_timer.start())
        self.template.editingFinished.connect(self._remember_template)
        self.template.setEnabled(self.layout_box.currentData() == "date")
        self.summary = notice("Shoebox proposes folders by what it knows of your photos. Review "
                              "them here; nothing moves until you confirm.")
        lay.addWidget(self.summary)

        # the units beside the files of the unit in view
        self.unit_model = UnitModel(self)
        self.unit_model.toggled.connect(self.toggle_unit)
        self.unit_model.dropped.connect(self.drop_files)
        self.units = UnitView()
        self.units.setModel(self.unit_model)
        self.unit_delegate = UnitDelegate(services.thumbs, self.units)
        self.units.setItemDelegate(self.unit_delegate)
        self.units.selectionModel().currentRowChanged.connect(
            lambda cur, _prev: self._show_unit(cur.row()))
        self.units.doubleClicked.connect(lambda _i: self.rename_unit())
        self.units.setMinimumWidth(260)
        services.thumbs.readyBatch.connect(self._thumbs_arrived)
        self.file_model = FileModel(self)
        self.file_model.toggled.connect(self.toggle_files)
        self.files = FileView()
        self.files.setModel(self.file_model)
        header = self.files.horizontalHeader()   # "Why" takes the room left: no sideways
        header.setStretchLastSection(True)       # scrolling in a narrow window
        header.setSectionResizeMode(QHeaderView.Interactive)
        header.resizeSection(0, 170)
        header.resizeSection(1, 100)
        self.files.selectionModel().currentRowChanged.connect(
            lambda cur, _prev: self._show_file(cur.row()))
        self.files.doubleClicked.connect(lambda _i: self.move_files())
        self.unit_title = ElidedLabel(mode=Qt.ElideMiddle)
        self.unit_title.setObjectName("unitTitle")
        self.file_thumb = QLabel()
        self.file_thumb.setFixedSize(DETAIL_THUMB_PX, DETAIL_THUMB_PX)
        self.file_thumb.setAlignment(Qt.AlignCenter)
        self.file_from = ElidedLabel(mode=Qt.ElideMiddle)
        self.file_to = ElidedLabel(mode=Qt.ElideMiddle)   # the full destination, always in view
        self.file_to.setObjectName("fullDestination")
        self.file_why = ElidedLabel()
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.unit_title)
        rl.addWidget(self.files, 1)
        detail = QHBoxLayout()
        detail.addWidget(self.file_thumb)
        lines = QVBoxLayout()
        for w in (self.file_from, self.file_to, self.file_why):
            lines.addWidget(w)
        detail.addLayout(lines, 1)
        rl.addLayout(detail)
        split = QSplitter(Qt.Horizontal)
        split.addWidget(self.units)
        split.addWidget(right)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        split.setChildrenCollapsible(False)

        row, (self.accept_all, self.skip_flagged, self.rename_btn, self.move_btn) = button_row((
            ("Accept all", lambda: self._set_all("accept")), ("Skip flagged", self._skip_flagged),
            ("Rename folder…", self.rename_unit), ("Move to…", self.move_files)))
        self.rename_btn.setToolTip("Give the selected unit's folder another name or place")
        self.move_btn.setToolTip("Send the selected files to another unit's folder, or to a "
                                 "folder you name")
        self.apply_btn = QPushButton("Review and apply…")
        self.apply_btn.setDefault(True)
        self.apply_btn.clicked.connect(self.apply)
        self.cancel_btn = QPushButton("Cancel")
        self.cancel_btn.setToolTip("Stop applying; what was moved stays journaled and undoable")
        self.cancel_btn.clicked.connect(services.background.cancel_current)
        self.cancel_btn.setEnabled(False)
        row.addWidget(self.cancel_btn)  # after the row's stretch: on the right
        row.addWidget(self.apply_btn)
        review = QWidget()
        rv = QVBoxLayout(review)
        rv.setContentsMargins(0, 0, 0, 0)
        rv.addWidget(split, 1)
        rv.addLayout(row)

        hist_box = QWidget()
        hl = QVBoxLayout(hist_box)
        hl.setContentsMargins(0, 0, 0, 0)
        hrow = QHBoxLayout()
        hrow.addWidget(heading("History"))
        hrow.addStretch(1)
        self.undo_btn = QPushButton("Undo selected plan…")
        self.undo_btn.clicked.connect(self.undo_selected)
        hrow.addWidget(self.undo_btn)
        hl.addLayout(hrow)
        self.history = QTreeWidget()
        self.history.setHeaderLabels(["Plan", "State", "Files", "Mode", "Created", "Applied"])
        self.history.setRootIsDecorated(False)
        self.history.itemActivated.connect(lambda it, _c: self.show_plan(it.data(0, Qt.UserRole)))
        hl.addWidget(self.history, 1)
        # the review takes the height; the history is below a handle that can shrink it
        vsplit = QSplitter(Qt.Vertical)
        vsplit.addWidget(review)
        vsplit.addWidget(hist_box)
        vsplit.setStretchFactor(0, 4)
        vsplit.setStretchFactor(1, 0)
        vsplit.setSizes([400, 90])
        lay.addWidget(vsplit, 1)
        # F2: the units list renames the unit's folder; the files list sends files elsewhere
        for view, slot, text in ((self.units, self.rename_unit, "Rename folder"),
                                 (self.files, self.move_files, "Move to another folder")):
            act = QAction(text, view)
            act.setShortcuts(sequences("change_folder"))
            act.setShortcutContext(Qt.WidgetShortcut)
            act.triggered.connect(lambda _checked=False, f=slot: f())
            view.addAction(act)
        services.background.failed.connect(self._bg_failed)
        services.background.cancelled.connect(self._bg_cancelled)
        services.background.state.connect(self._set_buttons)
        self._set_buttons()

    # --- loading ---
    @property
    def plan(self) -> dict | None:
        return self.data["plan"] if self.data else None

    @property
    def items(self) -> list:
        return self.data["items"] if self.data else []

    @property
    def editable(self) -> bool:
        return self.plan is not None and self.plan["state"] == "draft"

    def refresh(self) -> None:
        run_async(list_plans, self.services.catalog, on_done=self._show_history,
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
        # the latest plan, whatever became of it: after a restart an older draft was shown
        # (with "Review and apply…" on) instead of the plan just applied
        if self.data is None and self._showing is None and plans:
            self.show_plan(plans[0]["id"])
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
        if self._writes or self._writing:
            return  # decisions still on their way: the re-read after them shows the plan
        self._showing = None
        same_plan = self.plan is not None and self.plan["id"] == data["plan"]["id"]
        self.data = data
        self._tally = data["tally"]
        keep_out_of_collections()
        idx = self.mode.findData(data["plan"]["mode"])
        if idx >= 0:
            self.mode.setCurrentIndex(idx)
        # the layout shown is the plan's (a date plan said "By topic" beside its date folders);
        # no preview for it: the plan below is what it does
        summary = data["plan"].get("summary") or {}
        idx = self.layout_box.findData(summary.get("layout"))
        if idx >= 0 and not (self.layout_box.currentData() == AUTO and _picked(summary)):
            for w in (self.layout_box, self.template):
                w.blockSignals(True)
            self.layout_box.setCurrentIndex(idx)
            if summary.get("template"):
                self.template.setText(summary["template"])
            for w in (self.layout_box, self.template):
                w.blockSignals(False)
            self.template.setEnabled(self.layout_box.currentData() == "date")
        self._fill(keep_place=same_plan)
        self._update_summary()
        self._set_buttons()
        self.planShown.emit(data["plan"]["id"])

    def _fill(self, keep_place: bool) -> None:
        """Show the units. The same plan re-read after a decision keeps the unit, the file and
        the scroll position the keyboard was at (it lost its place at every tick)."""
        units, editable = self.data["units"], self.editable
        unit_row = self.units.currentIndex().row()
        key = self.unit_model.units[unit_row].key if 0 <= unit_row < len(
            self.unit_model.units) else None
        cur = self.files.currentIndex()
        file_row = cur.row()
        file_col = max(cur.column(), 0)
        scroll = self.files.verticalScrollBar().value()
        if keep_place and self.unit_model.same_shape(units):
            self.unit_model.replace(units, editable)
            r = self.unit_model.row_of(key) if key is not None else None
            if r is not None and len(units[r].files) == len(self.file_model.files):
                self.file_model.replace(units[r], editable)
                return
            self._show_unit(r if r is not None else 0)
            return
        files = self.file_model.files
        follow = [f.item.id for f in ([files[file_row]] if 0 <= file_row < len(files) else [])
                  + files[:1] if f.item is not None]
        self.unit_model.set_units(units, editable)
        r = self.unit_model.row_of(key) if keep_place and key is not None else None
        if r is None and keep_place and follow:   # a renamed unit: follow its files
            r = next((n for n, u in enumerate(units) for f in u.files
                      if f.item is not None and f.item.id in follow), None)
        r = r if r is not None else (0 if units else -1)
        if r >= 0:
            self.units.setCurrentIndex(self.unit_model.index(r))   # fills the files
            self.units.scrollTo(self.unit_model.index(r))
        else:
            self._show_unit(-1)
        if not keep_place:
            return
        now = self.file_model.files
        at = next((n for n, f in enumerate(now) if follow and f.item is not None
                   and f.item.id == follow[0]), None)
        if at is None and self.file_model.unit is not None and \
                self.file_model.unit.key == key and 0 <= file_row < len(now):
            at = file_row
        if at is not None:
            self.files.setCurrentIndex(self.file_model.index(at, file_col))
            self.files.verticalScrollBar().setValue(scroll)
            self.files.scrollTo(self.file_model.index(at, file_col))

    def _show_unit(self, row: int) -> None:
        units = self.unit_model.units
        u = units[row] if 0 <= row < len(units) else None
        bases = [self.plan["target"]] if self.plan and self.plan["target"] else \
            (self.data["roots"] if self.data else [])
        self.file_model.set_unit(u, bases, self.editable)
        if u is None:
            self.unit_title.setText("")
        elif u.key == STAYS:
            self.unit_title.setText(f"{plural(len(u.files), 'file')} stay where they are")
        else:
            self.unit_title.setText(f"Into {u.key}{os.sep}")
        if self.file_model.rowCount():
            self.files.setCurrentIndex(self.file_model.index(0, 0))
        else:
            self._show_file(-1)
        self._set_buttons()

    def _show_file(self, row: int) -> None:
        files = self.file_model.files
        f = files[row] if 0 <= row < len(files) else None
        if f is None:
            for w in (self.file_from, self.file_to, self.file_why):
                w.setText("")
            self.file_thumb.clear()
            return
        it = f.item
        self.file_from.setText(f"From  {it.src if it is not None else f.path}")
        self.file_to.setText(f"To  {it.dst}" if it is not None else "Stays where it is")
        self.file_why.setText(f"Why  {f.reason}" if f.reason else "")
        self.file_thumb.setToolTip(file_tooltip(f))
        self._file_thumb(f)

    def _file_thumb(self, f) -> None:
        self._thumb_for = f.file_id
        pm = self.services.thumbs.get(ThumbRequest(f.file_id, f.path, f.kind, f.content_hash)) \
            if f.file_id is not None else None
        if pm is None:
            self.file_thumb.clear()
        else:
            self.file_thumb.setPixmap(pm.scaled(DETAIL_THUMB_PX, DETAIL_THUMB_PX,
                                                Qt.KeepAspectRatio, Qt.SmoothTransformation))

    def _thumbs_arrived(self, ids: list) -> None:
        if not self.isVisible():
            return
        self.units.viewport().update()
        cur = self.files.currentIndex()
        if cur.isValid() and getattr(self, "_thumb_for", None) in ids:
            self._file_thumb(self.file_model.files[cur.row()])

    def _update_summary(self) -> None:
        p = self.plan
        if p is None:
            return
        s = self._tally.summary()
        mode = self.mode.currentData()
        verb = {"move": "moved", "copy": "copied", "link": "linked"}[mode]
        self.title.setText(f"Reorganize — plan #{p['id']} ({p['state']})")
        plan_summary = p.get("summary") or {}
        text = (f"{plural(s['files'], 'file')} would be {verb} from "
                f"{plural(s['folders_from'], 'folder')} into {plural(s['folders_to'], 'folder')}"
                f" ({s['companions']} companion files go with them); {s['skipped']} skipped")
        text += (f"; {s['flagged']} accepted files are unsure (⚠)." if s["flagged"] else ".")
        if not self.items:
            text = ("Nothing to move: every file is where this layout puts it, or nothing is "
                    "known that would place it (“Left where they are” says why for each).")
        elif not s["files"]:
            text += " Tick a folder or a file to move it."
        if self.layout_box.currentData() == AUTO and _picked(plan_summary):
            # which layout the library's shape picked, and why
            text += (f" Filed by {plan_summary.get('layout')}: "
                     f"{plan_summary['layout_reason']}.")
        if p["state"] != "draft":
            rep = p.get("report") or {}
            text = f"This plan is {p['state']}."
            if rep:
                text += (f" {rep.get('done', 0)} done, {len(rep.get('left_alone', []))} left "
                         f"alone, {len(rep.get('failed', []))} failed.")
        self.summary.setText(text)

    def _organizing(self) -> bool:
        """A plan is being made, applied or undone (indexing does not stop the review)."""
        bg = self.services.background
        return bg.busy and bg.current_name in ("plan", "apply", "undo")

    def _set_buttons(self, *_state: str) -> None:
        busy = self.services.background.busy
        draft = self.editable and not self._organizing()
        unit = self._current_unit()
        moving = unit is not None and unit.key != STAYS
        for b in (self.accept_all, self.skip_flagged):
            b.setEnabled(draft and bool(self.items))
        self.rename_btn.setEnabled(draft and moving)
        self.move_btn.setEnabled(draft and moving)
        # nothing accepted, nothing to apply (a dry run of 0 operations was offered)
        self.apply_btn.setEnabled(draft and not busy and self._tally.accepted > 0)
        self.propose_btn.setEnabled(not busy)
        self.mode.setEnabled(not busy)

    def _current_unit(self):
        r = self.units.currentIndex().row()
        units = self.unit_model.units
        return units[r] if 0 <= r < len(units) else None

    # --- decisions: the rows change at once; the catalog follows, one write after another ---
    def _write(self, fn, *args, **kwargs) -> None:
        pid = self.plan["id"]
        self._writes.append((pid, fn, args, kwargs))
        if not self._writing:
            self._next_write()

    def _next_write(self) -> None:
        if not self._writes:
            self._writing = False
            shown = self.plan["id"] if self.plan is not None else None
            wanted = self._showing if self._showing is not None else shown
            if wanted is None:
                return
            if self._full_reread or wanted != shown:
                # new folders (the units change), or another plan asked for meanwhile
                self._full_reread = False
                self.show_plan(wanted)
            else:   # decisions only: the rows showed them already (a failed write re-reads)
                self.planShown.emit(shown)
            return
        self._writing = True
        pid, fn, args, kwargs = self._writes.popleft()

        def work(catalog):
            fn(catalog, pid, *args, **kwargs)

        run_async(work, self.services.catalog, on_done=lambda _r: self._next_write(),
                  on_error=lambda e: self._write_failed(e, pid))

    def _write_failed(self, e: BaseException, pid: int) -> None:
        self._writes.clear()
        self._full_reread = False
        self._writing = False
        self._show_error("Could not change the plan", e, pid)

    def _decide(self, fn, *args, **kwargs) -> None:
        """A decision the rows cannot show before the catalog has it (a new folder)."""
        self._full_reread = True
        self._write(fn, *args, **kwargs)

    def _show_error(self, title: str, e: BaseException, pid: int | None = None) -> None:
        QMessageBox.warning(self, title, describe(e))
        if pid is not None:
            self.show_plan(pid)

    def _decisions_shown(self) -> None:
        self._update_summary()
        self._set_buttons()

    def toggle_unit(self, row: int, accept: bool) -> None:
        """Accept or skip every move of a unit (its tick, or Space on it)."""
        u = self.unit_model.units[row]
        if not self.editable or u.key == STAYS or self._organizing():
            return
        decision = "accept" if accept else "skip"
        self.unit_model.add(row, self._tally.decide([f.item for f in u.files], decision))
        if self.file_model.unit is u:
            self.file_model.changed_rows(range(len(u.files)))
        self._decisions_shown()
        self._write(set_unit_decision, u.key, decision)

    def toggle_files(self, rows: list[int], accept: bool) -> None:
        """Accept or skip files of the unit in view (their ticks, or Space on the selection)."""
        files = [self.file_model.files[r] for r in rows]
        ids = [f.item.id for f in files if f.item is not None]
        if not self.editable or not ids or self._organizing():
            return
        decision = "accept" if accept else "skip"
        delta = self._tally.decide([f.item for f in files if f.item is not None], decision)
        self.file_model.changed_rows(rows)
        r = self.unit_model.row_of(self.file_model.unit.key)
        if r is not None:
            self.unit_model.add(r, delta)
        self._decisions_shown()
        self._write(set_items_decision, ids, decision)

    def set_item(self, item_id: int, decision: str | None = None, folder: str | None = None):
        self._decide(set_item_decision, item_id, decision, folder=folder)

    def _set_all(self, decision: str) -> None:
        for u in self.unit_model.units:
            if u.key == STAYS:
                continue
            self._tally.decide([f.item for f in u.files], decision)
            self._write(set_unit_decision, u.key, decision)
        self.unit_model.recount()
        self.file_model.changed_rows(range(len(self.file_model.files)))
        self._decisions_shown()

    def _skip_flagged(self) -> None:
        flagged = [i for i in self.items if i.role == "file" and i.flagged]
        self._tally.decide(flagged, "skip")
        if flagged:
            self.unit_model.recount()
            self.file_model.changed_rows(range(len(self.file_model.files)))
            self._decisions_shown()
            self._write(set_items_decision, [i.id for i in flagged], "skip")

    def drop_files(self, row: int, item_ids: list) -> None:
        """Files dragged from the list onto another unit go to that unit's folder."""
        target = self.unit_model.units[row]
        if not self.editable or self._organizing() or target.key == STAYS or \
                target is self.file_model.unit or not item_ids:
            return
        self._decide(move_to_unit, item_ids, target.key)

    def rename_unit(self) -> None:
        """Give the current unit's folder another name (or place), inside its library folder."""
        u = self._current_unit()
        if u is None or u.key == STAYS or not self.editable or self._organizing():
            return
        new, ok = QInputDialog.getText(self, "Rename folder",
                                       ("Folder for this file" if len(u.files) == 1 else
                                        f"Folder for these {len(u.files)} files") +
                                       " (inside the library folder):", text=u.folder)
        new = new.strip().strip("/" + os.sep)
        if ok and new and new != u.folder:
            self._decide(set_unit_decision, u.key, folder=new)

    def move_files(self) -> None:
        """Send the selected files (each with its group) into another unit's folder, or into a
        folder the user names."""
        u = self._current_unit()
        if u is None or u.key == STAYS or not self.editable or self._organizing():
            return
        rows = sorted({i.row() for i in self.files.selectionModel().selectedRows()} |
                      ({self.files.currentIndex().row()} if self.files.currentIndex().isValid()
                       else set()))
        files = [self.file_model.files[r] for r in rows if self.file_model.files[r].item]
        if not files:
            return
        others = [x for x in self.unit_model.units if x.key not in (STAYS, u.key)]
        what = (os.path.basename(files[0].item.dst) if len(files) == 1
                else plural(len(files), "file"))
        new, ok = QInputDialog.getItem(self, "Move to another folder",
                                       f"Move {what} into (a folder of this plan, or a new "
                                       "one inside the library folder):",
                                       [x.folder for x in others], 0, True)
        new = new.strip().strip("/" + os.sep)
        if not ok or not new or new == u.folder:
            return
        ids = [f.item.id for f in files]
        target = next((x for x in others if x.folder == new), None)
        if target is not None:
            self._decide(move_to_unit, ids, target.key)
        else:
            self._decide(set_items_decision, ids, folder=new)

    # --- plan, apply, undo ---
    def _layout_changed(self) -> None:
        """The user chose a layout: remembered (the next start and `shoebox plan` use it)."""
        self.template.setEnabled(self.layout_box.currentData() == "date")
        key = self.layout_box.currentData()
        if key == AUTO:
            self._remember(organize_layout_chosen=False)
        else:
            self._remember(organize_layout=key, organize_layout_chosen=True)
        self._preview_timer.start()

    def _remember_template(self) -> None:
        text = self.template.text().strip()
        if text and self.layout_box.currentData() == "date":
            self._remember(organize_date_template=text)

    def _remember(self, **changes) -> None:
        st = self.services.settings
        if all(getattr(st, k) == v for k, v in changes.items()):
            return
        for k, v in changes.items():
            setattr(st, k, v)
        try:
            st.save(self.services.paths)
        except OSError as e:   # a read-only data folder: the choice holds for this session
            log.warning("could not save the layout choice: %s", e)

    def _preview_toggled(self, shown: bool) -> None:
        self.preview_btn.setArrowType(Qt.DownArrow if shown else Qt.RightArrow)
        self.preview.setVisible(shown)

    def update_preview(self) -> None:
        """The live preview of the chosen layout: the full folders it would fill (a worker)."""
        layout, template = self.layout_box.currentData(), self.template.text().strip()
        self.preview.setText("Previewing…")
        self.preview_btn.show()
        self.preview_btn.setChecked(True)   # a new preview is news (folded again by a plan)
        self.preview.show()
        run_async(preview_layout, self.services.catalog, self.services.settings, layout,
                  template if layout == "date" else None,
                  on_done=self._show_preview,
                  on_error=lambda e: self._show_preview({"layout": layout, "error": describe(e)}))

    def _show_preview(self, res: dict) -> None:
        if res["layout"] != self.layout_box.currentData():
            return  # the user chose another layout meanwhile
        self.last_preview = res
        # a sentence wraps; a list of folders scrolls sideways (a path cut in two misleads)
        self.preview.setLineWrapMode(QPlainTextEdit.NoWrap if res.get("moves") else
                                     QPlainTextEdit.WidgetWidth)
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
        self._remember_template()
        self.summary.setText("Working out a plan…")
        s.background.submit("plan", lambda task: organize_api.propose(
                                s, mode, task, None if layout == AUTO else layout, template),
                            self._planned)

    def _planned(self, plan_id) -> None:
        self.preview_btn.setChecked(False)   # the plan below shows it now, with room to spare
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
        pid, mode = self.plan["id"], self.mode.currentData()
        self.summary.setText("Checking what applying would do (dry run)…")
        run_async(lambda: apply_plan(self.services.catalog, pid, mode, dry_run=True),
                  on_done=lambda rep: self._confirm_and_apply(pid, mode, rep),
                  on_error=lambda e: self._show_error("Dry run failed", e, pid))

    def _confirm_and_apply(self, pid: int, mode: str, dry) -> None:
        self.last_dry_run = dry
        self._update_summary()
        ops = Counter(o.get("op", "?") for o in dry.operations)
        s = self._tally.summary()
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
        run_async(list_plans, self.services.catalog, on_done=self._undo_latest,
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
        svc = self.services
        self._running_plan = plan_id
        self.cancel_btn.setEnabled(True)
        svc.background.submit("undo", lambda task: undo_any_plan(svc.catalog, plan_id, task),
                              lambda rep: self._after("undo", plan_id, rep), dedupe=False)
