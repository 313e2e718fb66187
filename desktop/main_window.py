"""The main window: navigation on the left, pages in the middle, the detail pane on the right,
the search bar on top and the status area at the bottom."""

from __future__ import annotations

import logging
import os

from PySide6.QtCore import QByteArray, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core import __version__
from core.places.geocoder import ATTRIBUTION as PLACES_ATTRIBUTION
from desktop import actions, organize_api
from desktop.diagnostics import copy_diagnostics
from desktop.library_model import FileIdRole, HitRole
from desktop.search_controller import SearchController
from desktop.shortcuts import let_undo_through, sequences
from desktop.status_area import StatusArea
from desktop.style import icon
from desktop.views.collections import CollectionsPage
from desktop.views.cull import CullPage
from desktop.views.detail import DetailPane
from desktop.views.duplicates import DuplicatesPage
from desktop.views.library import LibraryPage
from desktop.views.people import PeoplePage
from desktop.views.problems import ProblemsPage
from desktop.views.reorganize import ReorganizePage
from desktop.views.settings_dialog import SettingsDialog
from desktop.views.welcome import WelcomeDialog
from desktop.workers import describe, run_async

log = logging.getLogger(__name__)

SEARCH_MIN_W = 280  # px: the search box shows a few words at any window size
PAGES = ("library", "people", "collections", "reorganize", "duplicates", "cull", "problems")
# the detail pane's pages; hidden elsewhere (beside People it made a 900 px window grow)
DETAIL_PAGES = ("library", "collections")
PAGE_TITLES = {"library": "Library", "people": "People", "collections": "Collections",
               "reorganize": "Reorganize",
               "duplicates": "Duplicates", "cull": "Cull", "problems": "Problems"}


ABOUT_TEXT = ("Shoebox: an offline organizer for your photos and videos.\n\n"
              f"{PLACES_ATTRIBUTION}\nhttps://www.geonames.org · "
              "https://creativecommons.org/licenses/by/4.0/")


def about_text() -> str:
    """The About box: the version first, then what Shoebox is and its data's attributions."""
    return f"Shoebox {__version__}\n\n{ABOUT_TEXT}"


class MainWindow(QMainWindow):
    pageChanged = Signal(str)

    def __init__(self, services, parent=None):
        super().__init__(parent)
        self.services = services
        self.setWindowTitle("Shoebox")
        self.setWindowIcon(icon("shoebox"))
        self.resize(1280, 820)

        # --- search bar + chips ---
        tb = QToolBar("Search")
        tb.setObjectName("searchBar")
        tb.setMovable(False)
        self.addToolBar(Qt.TopToolBarArea, tb)
        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("search")
        self.search_edit.setPlaceholderText("Describe what you are looking for…   (Ctrl+F)")
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setMinimumWidth(SEARCH_MIN_W)
        self.search_edit.addAction(icon("search"), QLineEdit.LeadingPosition)
        tb.addWidget(self.search_edit)
        to_results = QAction(self.search_edit)
        to_results.setShortcuts(sequences("to_results"))
        to_results.setShortcutContext(Qt.WidgetShortcut)
        to_results.triggered.connect(self.focus_results)
        self.search_edit.addAction(to_results)
        # the chips have a row of their own under the search box, which then has the whole
        # width: beside it, the chips that did not fit hid behind a » whose popup opened over
        # the page title, and the search box shrank to a few words
        self.addToolBarBreak(Qt.TopToolBarArea)
        tb = self.chips_bar = QToolBar("Filters")
        tb.setObjectName("chipsBar")
        tb.setMovable(False)
        self.addToolBar(Qt.TopToolBarArea, tb)
        self.chips: dict[str, QToolButton] = {}
        for key, label in (("photo", "Photos"), ("video", "Videos"),
                           ("screenshot", "Screenshots"), ("document", "Documents"),
                           ("gps", "Has location"), ("year", "This year")):
            b = QToolButton()
            b.setText(label)
            b.setCheckable(True)
            b.setProperty("chip", True)
            b.toggled.connect(lambda _c: self.search.filters_changed())
            tb.addWidget(b)
            self.chips[key] = b
        for one, other in (("screenshot", "document"), ("document", "screenshot")):
            # a picture is one or the other: choosing one drops the other
            self.chips[one].toggled.connect(
                lambda on, other=self.chips[other]: on and other.setChecked(False))
        self.camera_chip = QToolButton()
        self.camera_chip.setText("Camera")
        self.camera_chip.setProperty("chip", True)
        self.camera_chip.setPopupMode(QToolButton.InstantPopup)
        self.camera_chip.setMenu(QMenu(self.camera_chip))
        tb.addWidget(self.camera_chip)
        self.folder_chip = QToolButton()
        self.folder_chip.setText("Folder")
        self.folder_chip.setProperty("chip", True)
        self.folder_chip.setPopupMode(QToolButton.InstantPopup)
        self.folder_chip.setMenu(QMenu(self.folder_chip))
        tb.addWidget(self.folder_chip)
        self.place_chip = QToolButton()
        self.place_chip.setText("Place")
        self.place_chip.setToolTip("Only photos and videos taken in one town or country")
        self.place_chip.setProperty("chip", True)
        self.place_chip.setPopupMode(QToolButton.InstantPopup)
        self.place_chip.setMenu(QMenu(self.place_chip))
        tb.addWidget(self.place_chip)
        self.album_chip = QToolButton()   # shown once the library has albums (a Takeout's)
        self.album_chip.setText("Album")
        self.album_chip.setToolTip("Only the photos and videos of one album (from Google Photos)")
        self.album_chip.setProperty("chip", True)
        self.album_chip.setPopupMode(QToolButton.InstantPopup)
        self.album_chip.setMenu(QMenu(self.album_chip))
        self.album_chip_action = tb.addWidget(self.album_chip)
        self.album_chip_action.setVisible(False)

        # --- pages ---
        self.nav = QListWidget()
        self.nav.setObjectName("nav")
        self.nav.setFixedWidth(170)
        self.nav.setIconSize(self.nav.iconSize() * 1.3)
        for key in PAGES:
            it = QListWidgetItem(icon(key), PAGE_TITLES[key])
            it.setData(Qt.UserRole, key)
            self.nav.addItem(it)
        self.pages = QStackedWidget()
        self.library = LibraryPage(services)
        self.problems = ProblemsPage(services)
        self.page_widgets: dict[str, QWidget] = {"library": self.library,
                                                 "problems": self.problems}
        self.collections = CollectionsPage(services)
        self.reorganize = ReorganizePage(services)
        self.duplicates = DuplicatesPage(services)
        self.cull = CullPage(services)
        self.people = PeoplePage(services)
        self.page_widgets.update(collections=self.collections, reorganize=self.reorganize,
                                 duplicates=self.duplicates, cull=self.cull,
                                 people=self.people)
        for key in PAGES:
            self.pages.addWidget(self.page_widgets[key])
        self.nav.currentRowChanged.connect(self._nav_changed)
        self.nav.itemClicked.connect(lambda it: self._nav_library_clicked()
                                     if it.data(Qt.UserRole) == "library" else None)

        self.detail = DetailPane(services)
        self.detail.hide()
        self.detail_open = False  # the user's choice; shown only on DETAIL_PAGES
        self.splitter = QSplitter(Qt.Horizontal)
        self.splitter.addWidget(self.pages)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)

        central = QWidget()
        h = QHBoxLayout(central)
        h.setContentsMargins(0, 0, 0, 0)
        h.setSpacing(0)
        h.addWidget(self.nav)
        right = QVBoxLayout()
        right.setContentsMargins(0, 0, 0, 0)
        right.addWidget(self.splitter, 1)
        self.status_area = StatusArea(services)
        right.addWidget(self.status_area)
        h.addLayout(right, 1)
        self.setCentralWidget(central)

        self.search = SearchController(self)
        self._build_menus()
        let_undo_through(self.search_edit, self.detail.ask_edit)
        self._wire()
        self.nav.setCurrentRow(0)

    # --- wiring ---
    def _wire(self) -> None:
        s = self.services
        self.library.fileActivated.connect(self.open_detail)
        # (after the page has set its current row for the new rows)
        self.library.model.rowsReplaced.connect(
            lambda: QTimer.singleShot(0, self, self._rows_replaced))   # (dies with the window)
        self.library.currentFileChanged.connect(self._current_changed)
        self.library.addFolderRequested.connect(self.add_folder_dialog)
        self.library.back_btn.clicked.connect(self.search.clear)
        self.problems.openFile.connect(self.open_detail)
        self.status_area.errorsClicked.connect(self.show_problems)
        self.collections.openFile.connect(self.open_detail)
        self.collections.showFiles.connect(self.search.show_ids)
        self.people.showFiles.connect(self.search.show_ids)
        self.detail.personClicked.connect(self._show_person)
        self.duplicates.openFile.connect(self.open_detail)
        self.cull.openFile.connect(self.open_detail)
        self.detail.moreLikeThis.connect(self.search.similar)
        self.detail.closed.connect(self.close_detail)
        s.libraryChanged.connect(self._library_changed)
        self._prio_timer = QTimer(self)
        self._prio_timer.setSingleShot(True)
        self._prio_timer.setInterval(400)
        self._prio_timer.timeout.connect(self._prioritize_visible)
        self.library.grid.verticalScrollBar().valueChanged.connect(
            lambda _v: self._prio_timer.start())
        self.library.loaded.connect(self._prio_timer.start)  # the first screen, too

    def _build_menus(self) -> None:
        mb = self.menuBar()
        m = mb.addMenu("&File")
        self.act_add = m.addAction(icon("folder-add"), "&Add folder…", self.add_folder_dialog)
        self.act_import_takeout = m.addAction("&Import from Google Photos…",
                                              self.import_takeout_dialog)
        self.act_rescan = m.addAction(icon("refresh"), "&Rescan library",
                                      lambda: actions.start_scan(self.services))
        m.addSeparator()
        self.act_settings = m.addAction(icon("settings"), "&Settings…", self.open_settings)
        self.act_settings.setShortcuts(sequences("settings"))
        self.act_welcome = m.addAction("&Models and folders…", lambda: self.open_welcome())
        m.addSeparator()
        m.addAction("&Quit", self.close).setShortcuts(sequences("quit"))

        m = mb.addMenu("&Edit")
        self.act_undo = m.addAction(icon("undo"), "&Undo last reorganization",
                                    self.reorganize.undo_last)
        self.act_undo.setShortcuts(sequences("undo"))
        self.act_trash = m.addAction(icon("trash"), "Move to &trash…", self.trash_selected)
        self.act_trash.setShortcuts(sequences("trash"))
        self.act_trash.setShortcutContext(Qt.WindowShortcut)
        m.addSeparator()
        self.act_open = m.addAction("&Open in system viewer", self.open_external)
        self.act_reveal = m.addAction("&Reveal in file manager", self.reveal)

        m = mb.addMenu("&View")
        self.act_find = m.addAction(icon("search"), "&Search", self.focus_search)
        self.act_find.setShortcuts(sequences("search"))
        self.act_preview = m.addAction("&Preview selected", self.toggle_preview)
        self.act_preview.setShortcuts(sequences("preview"))
        # Space previews in the grid only: in the review and duplicates lists it ticks a row,
        # and in the detail pane it plays or pauses a video
        self.act_preview.setShortcutContext(Qt.WidgetWithChildrenShortcut)
        self.library.grid.addAction(self.act_preview)
        self.act_close_preview = QAction("Close the detail pane", self)
        self.act_close_preview.setShortcuts(sequences("close_detail"))
        self.act_close_preview.setShortcutContext(Qt.WidgetWithChildrenShortcut)
        self.act_close_preview.triggered.connect(self.close_detail)
        self.detail.addAction(self.act_close_preview)
        self.library.grid.addAction(self.act_close_preview)
        self.act_play = m.addAction("Play or &pause the video", self.detail.toggle_play)
        self.act_play.setShortcuts(sequences("play"))
        self.act_space_play = QAction("Play or pause", self)
        self.act_space_play.setShortcuts(sequences("space_play"))
        self.act_space_play.setShortcutContext(Qt.WidgetWithChildrenShortcut)
        self.act_space_play.triggered.connect(self.detail.toggle_play)
        self.detail.addAction(self.act_space_play)
        self.act_next = m.addAction("&Next item", lambda: self.step_item(1))
        self.act_next.setShortcuts(sequences("next"))
        self.act_prev = m.addAction("P&revious item", lambda: self.step_item(-1))
        self.act_prev.setShortcuts(sequences("previous"))
        self.act_ask = m.addAction("&Ask about this item", self.focus_ask)
        self.act_ask.setShortcuts(sequences("ask"))
        for i, key in enumerate(PAGES):
            a = m.addAction(PAGE_TITLES[key], lambda k=key: self.show_page(k))
            a.setShortcut(sequences("pages")[i])

        m = mb.addMenu("&Help")
        self.act_diag = m.addAction("&Copy diagnostics", self.copy_diagnostics)
        m.addAction("&About Shoebox", lambda: QMessageBox.about(self, "About Shoebox",
                                                                about_text()))
        self.grid_menu = QMenu(self)
        for a in (self.act_preview, self.act_open, self.act_reveal):
            self.grid_menu.addAction(a)
        self.grid_menu.addAction("More like this", lambda: self._more_like_current())
        self.act_split = self.grid_menu.addAction("Split selection into a new collection…",
                                                  self.split_selection)
        self.act_keep_folder = self.grid_menu.addAction("Keep this folder as it is",
                                                        self.keep_folder)
        self.grid_menu.aboutToShow.connect(
            lambda: self.act_split.setEnabled(self.library.collection_id is not None))
        self.grid_menu.addSeparator()
        self.grid_menu.addAction(self.act_trash)
        self.library.grid.setContextMenuPolicy(Qt.CustomContextMenu)
        self.library.grid.customContextMenuRequested.connect(
            lambda pos: self.grid_menu.exec(self.library.grid.viewport().mapToGlobal(pos)))

    # --- navigation ---
    def _nav_changed(self, row: int) -> None:
        if row < 0:
            return
        key = PAGES[row]
        self.pages.setCurrentIndex(row)
        # a hidden page's minimum width must not hold the window wide (QStackedWidget takes
        # the largest of all its pages' minimums otherwise)
        for k, w in self.page_widgets.items():
            pol = QSizePolicy.Preferred if k == key else QSizePolicy.Ignored
            w.setSizePolicy(pol, pol)
        if key not in DETAIL_PAGES and self.detail.isVisible():
            self.detail.stop_media()
        self.detail.setVisible(self.detail_open and key in DETAIL_PAGES)
        w = self.page_widgets[key]
        if hasattr(w, "refresh"):
            w.refresh()
        if key == "library":
            self._nav_library_clicked()
        self.pageChanged.emit(key)  # (remembered in save_state, when the window closes)

    def _show_person(self, person_id: int) -> None:
        self.show_page("people")
        self.people.loaded.connect(lambda: self.people.select(person_id),
                                   Qt.SingleShotConnection)

    def _nav_library_clicked(self) -> None:
        """"Library" in the left bar is the whole library, not the collection last shown."""
        if self.library.collection_id is not None:
            self.search.clear()

    def show_problems(self) -> None:
        self.show_page("problems")

    def show_page(self, key: str) -> None:
        self.nav.setCurrentRow(PAGES.index(key))

    def current_page(self) -> str:
        return PAGES[self.pages.currentIndex()]

    def focus_results(self) -> None:
        """Down from the search box: into the grid, on the first result."""
        grid = self.library.grid
        if self.library.model.rowCount() and not grid.currentIndex().isValid():
            grid.setCurrentIndex(self.library.model.index(0))
        grid.setFocus(Qt.ShortcutFocusReason)

    def focus_search(self) -> None:
        self.search_edit.setFocus(Qt.ShortcutFocusReason)
        self.search_edit.selectAll()

    # --- selection / detail ---
    def _current_changed(self, file_id) -> None:
        if self.detail.isVisible() and file_id is not None:
            self.detail.show_file(file_id)

    def open_detail(self, file_id: int, *, at_s: float | None = None) -> None:
        if self.current_page() not in DETAIL_PAGES:  # e.g. a file opened from Problems
            self.show_page("library")
        self.detail_open = True
        if not self.detail.isVisible():
            total = sum(self.splitter.sizes()) or self.width()
            self.detail.show()
            if self.splitter.sizes()[1] < total * 0.3:  # first time: give it room
                self.splitter.setSizes([int(total * 0.6), int(total * 0.4)])
        if at_s is None and self.current_page() == "library":
            hit = self.library.model.data(self.library.model.index_of(file_id), HitRole)
            if isinstance(hit, dict) and hit.get("start_s") is not None:
                at_s = float(hit["start_s"])  # a transcript hit opens the video at the moment
        self.detail.show_file(int(file_id), at_s)

    def step_item(self, step: int) -> None:
        """The next or previous item of the grid; the detail pane follows when it is open."""
        grid, model = self.library.grid, self.library.model
        if self.current_page() != "library" or model.rowCount() == 0:
            return
        row = grid.currentIndex().row()
        row = 0 if row < 0 else max(0, min(model.rowCount() - 1, row + step))
        grid.setCurrentIndex(model.index(row))
        grid.scrollTo(model.index(row))

    def focus_ask(self) -> None:
        """The Ask box of the item shown (opening the pane on the current item if needed)."""
        if not self.detail.isVisible():
            fid = self.library.grid.current_id()
            if fid is None or self.current_page() not in DETAIL_PAGES:
                return
            self.open_detail(fid)
        self.detail.show_ask()

    def toggle_preview(self) -> None:
        if self.search_edit.hasFocus():
            return
        if self.detail.isVisible():
            self.close_detail()
            return
        fid = self.library.grid.current_id()
        if fid is not None:
            self.open_detail(fid)

    def _rows_replaced(self) -> None:
        """The detail pane never shows a file that new search results no longer hold: it
        follows the grid's current file, else the first result; with none it closes."""
        fid = self.detail.file_id
        model = self.library.model
        if (not self.detail.isVisible() or fid is None or self.current_page() != "library"
                or self.library.mode != "search" or model.index_of(fid).isValid()):
            return   # (a library reload may come before the rows that hold it: results only)
        cur = self.library.grid.current_id()
        if cur is None and model.rowCount():
            cur = model.index(0).data(FileIdRole)
        if cur is not None and model.index_of(cur).isValid():
            self.detail.show_file(cur)
        else:
            self.close_detail()

    def close_detail(self) -> None:
        self.detail_open = False
        self.detail.stop_media()
        self.detail.hide()

    def _more_like_current(self) -> None:
        fid = self.library.grid.current_id()
        if fid is not None:
            self.search.similar(fid)

    def selected_ids(self) -> list[int]:
        return self.library.grid.selected_ids() if self.current_page() == "library" else []

    def _selected_paths(self, limit: int | None = None) -> list[str]:
        """The selected files' paths, the first `limit` only when given: a big library's
        row is read with its page, and Reveal needs one of a million selected, not all."""
        model = self.library.model
        selected = self.library.grid.selectionModel().selectedIndexes()[:limit]
        return [model.row_tuple(i.row())[1] for i in selected]

    def open_external(self) -> None:
        for p in self._selected_paths(10):
            QDesktopServices.openUrl(QUrl.fromLocalFile(p))

    def reveal(self) -> None:
        paths = self._selected_paths(1)
        if paths:
            QDesktopServices.openUrl(QUrl.fromLocalFile(os.path.dirname(paths[0])))

    def split_selection(self, name: str | None = None) -> None:
        """Selected files of the shown collection become a collection of their own."""
        cid, ids = self.library.collection_id, self.library.grid.selected_ids()
        if cid is None or not ids:
            return
        if name is None:
            from PySide6.QtWidgets import QInputDialog

            name, ok = QInputDialog.getText(self, "New collection", "Name:")
            if not ok or not name.strip():
                return
        self.collections.split_off(cid, ids, name.strip())

    def keep_folder(self) -> None:
        """The folder of the current file is left as it is by every reorganization."""
        paths = self._selected_paths(1)
        if paths:
            folder = os.path.dirname(paths[0])
            run_async(organize_api.keep_folder, self.services, folder,
                      on_done=lambda p: self.status_area.head.setText(
                          f"{os.path.basename(p)} will be kept as it is"),
                      on_error=lambda e: self.show_error("Keep folder", e))

    def trash_selected(self) -> None:
        if self.current_page() == "duplicates":
            self.duplicates.trash_checked()
            return
        paths = self._selected_paths()
        if not paths:
            return
        actions.confirm_and_trash(self, self.services, paths)

    # --- library actions ---
    def add_folder_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add a folder to the library")
        if folder:
            self.add_folders([folder])

    def add_folders(self, folders: list[str]) -> None:
        """Add folders as library roots, then scan, watch and index them in the background."""
        actions.add_folders(self.services, folders, on_errors=self._add_errors)

    def import_takeout_dialog(self) -> None:
        zips, _ = QFileDialog.getOpenFileNames(
            self, "Choose the Google Takeout zips (all parts)", "", "Takeout zips (*.zip)")
        if not zips:
            return
        into = QFileDialog.getExistingDirectory(self, "Where should the photos go?")
        if not into:
            return
        answer = QMessageBox.question(
            self, "Write dates and places into the photos?",
            "Google Photos keeps each photo's date and place beside it, in a JSON file. Shoebox "
            "reads them either way.\n\nAlso write them into the copied photos' own metadata "
            "(EXIF), so other programs see them too? No keeps the photos exactly as Google "
            "exported them.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No
            | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.No)
        if answer == QMessageBox.StandardButton.Cancel:
            return
        self.import_takeout(zips, into, write_metadata=answer == QMessageBox.StandardButton.Yes)

    def import_takeout(self, paths: list[str], into: str, write_metadata: bool = False) -> None:
        """Copy a Takeout's photos into `into` (by year), add and scan it, in the background;
        the summary is shown when it is done."""
        actions.import_takeout(self.services, paths, into, on_done=self._takeout_done,
                               write_metadata=write_metadata)

    def _takeout_done(self, summary) -> None:
        self.last_import_summary = summary
        text = summary.text()
        lines = text.splitlines()
        if len(lines) > 30:  # the full list is in `shoebox import takeout --json`
            text = "\n".join(lines[:30] + [f"… and {len(lines) - 30} more"])
        QMessageBox.information(self, "Imported from Google Photos", text)

    def _add_errors(self, errors: list[str]) -> None:
        self.last_add_errors = errors
        QMessageBox.warning(self, "Some folders were not added", "\n\n".join(errors))

    def _library_changed(self) -> None:
        if self.library.mode == "library":
            self.library.reload()
        self.search.refresh_menus()

    def _prioritize_visible(self) -> None:
        ids = self.library.grid.visible_ids()
        if ids:
            actions.prioritize(self.services, ids)

    def open_settings(self) -> None:
        SettingsDialog(self.services, self).exec()

    def open_welcome(self, first_run: bool = False) -> None:
        WelcomeDialog(self.services, self, first_run=first_run).exec()

    def copy_diagnostics(self) -> None:
        copy_diagnostics(self.services, self)

    # --- state ---
    def restore_state(self) -> None:
        qs = self.services.qsettings
        geo = qs.value("geometry")
        if isinstance(geo, QByteArray):
            self.restoreGeometry(geo)
        split = qs.value("splitter")
        if isinstance(split, QByteArray):
            self.splitter.restoreState(split)
        last = qs.value("last_view", "library")
        if last in PAGES:
            self.show_page(last)

    def save_state(self) -> None:
        qs = self.services.qsettings
        qs.setValue("geometry", self.saveGeometry())
        qs.setValue("splitter", self.splitter.saveState())
        qs.setValue("last_view", self.current_page())
        qs.sync()

    def closeEvent(self, event) -> None:
        self.save_state()
        self.detail.stop_media()
        super().closeEvent(event)

    def show_error(self, title: str, e: BaseException | str) -> None:
        QMessageBox.warning(self, title, e if isinstance(e, str) else describe(e))
