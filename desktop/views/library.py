"""The library page: the thumbnail grid with its grouping, a timeline label that follows the
scroll position, and the search-results header (with notices and a way back)."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSlider,
    QStackedLayout,
    QVBoxLayout,
    QWidget,
)

from core.query import (
    FOLDER,
    TAKEN_AT,
    Filters,
    IdListing,
    Listing,
    library_ids,
    list_library,
    month_label,
    rows_by_ids,
)
from core.query.library import UNDATED, count_library
from core.query.stacks import stack_rows
from desktop.elided_label import ElidedLabel
from desktop.grid_rows import PagedRows
from desktop.library_model import GridView, LibraryModel
from desktop.style import icon
from desktop.views.memories import MemoriesStrip
from desktop.workers import describe, run_async

# up to this many files the grid holds every row, with timeline bands; past it, the file ids
# only, and the rows of the pages shown (desktop.grid_rows.PagedRows)
BANDS_MAX_ROWS = 20_000
FIRST_PAGE = 600   # a big library's rows read first (a first screen at any zoom); ids follow
IDS_DELAY_MS = 1000


class LibraryPage(QWidget):
    fileActivated = Signal(int)
    currentFileChanged = Signal(object)  # file id or None
    addFolderRequested = Signal()
    loaded = Signal()  # rows are in the model (tests and the benchmark wait on it)
    stackOpened = Signal(int)   # a stack's cover (file id), once its other shots are shown

    def __init__(self, services, parent=None):
        super().__init__(parent)
        self.services = services
        self.model = LibraryModel(services.thumbs, self)
        self.mode = "library"  # or "search"
        self.collection_id: int | None = None  # the collection shown, when one is
        self.filters = Filters()
        self.load_error: str | None = None  # why the last read failed, shown in the notice
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        # two rows, so a narrow window (900 px with the detail pane open) still shows the whole
        # title: the title and its count, then the way back and the view controls
        head = QHBoxLayout()
        head.setContentsMargins(8, 4, 8, 0)
        self.title = ElidedLabel("All photos and videos")
        self.title.setObjectName("heading")
        # the title takes the room its text needs first; the count and notices get the rest
        # (they end in "…", the whole of them in the tooltip)
        self.title.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Preferred)
        head.addWidget(self.title)
        self.notice = ElidedLabel("")
        self.notice.setObjectName("notice")
        head.addWidget(self.notice, 1)
        lay.addLayout(head)
        bar = QHBoxLayout()
        bar.setContentsMargins(8, 0, 8, 0)
        self.back_btn = QPushButton("Back to library")
        self.back_btn.hide()
        bar.addWidget(self.back_btn)
        bar.addStretch(1)
        group_label = QLabel("Group by")
        bar.addWidget(group_label)
        self.group = QComboBox()
        self.group.addItem("Date", "date")
        self.group.addItem("Folder", "folder")
        self.group.addItem("Collection", "collection")
        self.group.addItem("Name", "name")
        self.group.setAccessibleName("Group by")
        group_label.setBuddy(self.group)
        self.group.currentIndexChanged.connect(lambda _i: self.reload())
        bar.addWidget(self.group)
        self.zoom = QSlider(Qt.Horizontal)
        self.zoom.setRange(96, 320)
        self.zoom.setValue(168)
        self.zoom.setMinimumWidth(80)
        self.zoom.setMaximumWidth(140)
        self.zoom.setToolTip("Thumbnail size")
        self.zoom.setAccessibleName("Thumbnail size")
        self.zoom.valueChanged.connect(lambda v: self.grid.set_cell(v))
        bar.addWidget(self.zoom)
        lay.addLayout(bar)
        self.memories = MemoriesStrip(services, self)
        self.memories.fileActivated.connect(self.fileActivated)
        lay.addWidget(self.memories)

        self.stack = QStackedLayout()
        self.grid = GridView(self)
        self.grid.setObjectName("grid")
        self.grid.setModel(self.model)
        self.grid.activatedFile.connect(self.fileActivated)
        self.grid.stackToggled.connect(self.toggle_stack)
        self.grid.selectionModel().currentChanged.connect(
            lambda cur, _prev: self.currentFileChanged.emit(self.grid.current_id()))
        grid_holder = QWidget()
        gl = QVBoxLayout(grid_holder)
        gl.setContentsMargins(0, 0, 0, 0)
        gl.addWidget(self.grid)
        self.timeline = QLabel("", self.grid.viewport())
        self.timeline.setObjectName("timeline")
        self.timeline.hide()
        self.stack.addWidget(grid_holder)
        self.empty = QWidget()
        el = QVBoxLayout(self.empty)
        el.addStretch(1)
        self.empty_label = QLabel("Your library is empty.\nAdd a folder of photos and videos "
                                  "to start.")
        self.empty_label.setAlignment(Qt.AlignCenter)
        self.empty_label.setObjectName("notice")
        el.addWidget(self.empty_label)
        add = QPushButton(icon("folder-add"), "Add a folder…")
        add.clicked.connect(self.addFolderRequested)
        self.empty_add = add
        el.addWidget(add, 0, Qt.AlignCenter)
        el.addStretch(1)
        self.stack.addWidget(self.empty)
        self.no_results = QLabel("")  # a search or filter that found nothing says what to try
        self.no_results.setObjectName("notice")
        self.no_results.setAlignment(Qt.AlignCenter)
        self.no_results.setWordWrap(True)
        self.stack.addWidget(self.no_results)
        lay.addLayout(self.stack, 1)

        self.grid.verticalScrollBar().valueChanged.connect(self._scrolled)
        self._timeline_timer = QTimer(self)
        self._timeline_timer.setSingleShot(True)
        self._timeline_timer.setInterval(1200)
        self._timeline_timer.timeout.connect(self.timeline.hide)
        self._generation = 0
        self._to_top = False
        self.rows_loaded = False
        self._paged_as: tuple | None = None   # (filters, group) of the paged rows shown

    # --- stacks of look-alike shots: a tile that opens in place ---
    def toggle_stack(self, cover_id: int) -> None:
        """Open a stack's tile in place (its other shots follow it), or close it again."""
        if cover_id in self.model.open_stacks:
            self.model.close_stack(cover_id)
            return

        def shown(rows) -> None:
            self.model.open_stack(cover_id, rows)
            self.stackOpened.emit(cover_id)
        run_async(stack_rows, self.services.catalog, cover_id, on_done=shown,
                  on_error=lambda e: self.notice.setText(describe(e)))

    # --- library mode ---
    def reload(self) -> None:
        """Re-read the rows (in a worker); the model swaps them in when they arrive."""
        self._generation += 1
        gen = self._generation
        if self.mode != "library":
            return
        self.memories.reload()
        catalog, filters, group = self.services.catalog, self.filters, self.group.currentData()
        # the same big library again (files came or went): its rows stay shown until the new
        # ids replace them, and the current file and scroll position are kept
        again = self.model.paged and self._paged_as == (filters, group)

        def read_first() -> tuple[Listing | IdListing, bool]:
            if count_library(catalog, filters) <= BANDS_MAX_ROWS:
                return list_library(catalog, filters, group), False
            if again:
                return library_ids(catalog, filters, group), False
            # a big library: its first rows at once (~10 ms by the date order's index at a
            # million files), then its ids (~3 s there); the grid fetches the pages it shows
            return list_library(catalog, filters, group, limit=FIRST_PAGE, headers=False), True

        def first_page(result: tuple[Listing | IdListing, bool]) -> None:
            data, partial = result
            self._apply_rows(gen, data, partial=partial)
            if not partial or gen != self._generation:
                return
            # after the first screen's thumbnails: the ids' read holds the GIL in bursts
            QTimer.singleShot(IDS_DELAY_MS, lambda: gen == self._generation and run_async(
                library_ids, catalog, filters, group,
                on_done=lambda ids: self._apply_rows(gen, ids),
                on_error=lambda e: self._load_failed(gen, e)))

        run_async(read_first, on_done=first_page, on_error=lambda e: self._load_failed(gen, e))

    def set_filters(self, filters: Filters) -> None:
        if filters != self.filters:
            self._to_top = True  # other files now: start at the top, not the old position
        self.filters = filters
        self.reload()

    def _apply_rows(self, gen: int, data: Listing | IdListing, partial: bool = False) -> None:
        """partial: a big library's first page; `loaded` is emitted once its ids are in."""
        if gen != self._generation or self.mode != "library":
            return  # a newer reload (or a search) superseded this one
        keep = self.grid.current_id()
        top = self.grid.verticalScrollBar().value()
        if isinstance(data, IdListing):
            catalog = self.services.catalog
            rows = PagedRows(data.ids, lambda ids: rows_by_ids(catalog, ids))
            self.grid.set_bands(False)
            self.model.set_rows(rows, starts=data.starts)
            self._paged_as = (self.filters, data.group)
        else:
            rows = data.rows
            # timeline bands give every item its own size, which the view's layout asks one
            # by one: past BANDS_MAX_ROWS the grid stays uniform, with month badges (bench_gui)
            headers = data.headers if len(rows) <= BANDS_MAX_ROWS and not partial else {}
            self.grid.set_bands(bool(headers))
            self.model.set_rows(rows, row_of=data.row_of, starts=data.starts, headers=headers)
        filtered = not self.filters.is_empty()
        self.title.setText("Filtered library" if filtered else "All photos and videos")
        self.load_error = None
        self.notice.setText(f"{len(rows):,} items" if not partial else "reading the library…")
        self.notice.setToolTip("")
        if not rows and filtered:
            self._show_nothing_found("No file passes these filters.\n"
                                     "Turn a filter chip off to see more of the library.")
        else:
            self.stack.setCurrentIndex(0 if rows else 1)
        if self._to_top:
            self._to_top = False
            self.grid.scrollToTop()
        else:
            # (looked up once: in a big library's new ids it is a pass over all of them)
            at = self.model.index_of(keep) if keep is not None else None
            if at is not None and at.isValid():
                self.grid.setCurrentIndex(at)
            self.grid.verticalScrollBar().setValue(top)
        if partial:
            return
        self.rows_loaded = True
        self.loaded.emit()

    def _load_failed(self, gen: int, e: BaseException) -> None:
        """The rows shown stay; the notice says the library could not be read, and why."""
        if gen != self._generation or self.mode != "library":
            return
        self.load_error = f"Could not read the library: {describe(e)}"
        self.notice.setText(self.load_error)
        self.notice.setToolTip(self.load_error)
        self.loaded.emit()

    # --- search mode ---
    def show_results(self, title: str, rows: list[tuple], scores: dict, hits: dict,
                     notices: list[str]) -> None:
        self.mode = "search"
        self.memories.hide()
        self.grid.set_bands(False)
        self._generation += 1
        self.model.set_rows(rows, scores, hits)
        self.stack.setCurrentIndex(0)
        if not rows:
            self._show_nothing_found(
                f"Nothing found for {title}.\nTry other words, describe what the photo shows, "
                "or turn the filter chips off." + ("\n\n" + "\n".join(notices) if notices else ""))
        self.title.setText(title)
        text = f"{len(rows):,} result{'s' * (len(rows) != 1)}"
        if notices:
            text += "  ·  " + "  ".join(notices)
        self.notice.setText(text)
        self.notice.setToolTip("\n".join(notices))
        self.notices = list(notices)
        self.back_btn.show()
        self.group.setEnabled(False)
        if rows:
            self.grid.scrollToTop()
        self.loaded.emit()

    def show_searching(self, title: str) -> None:
        """Said at once, as the user types: the first search loads its models (seconds), and a
        page that showed nothing meanwhile looked as if search needed Enter."""
        self.title.setText(title)
        self.notice.setText("Searching…")
        self.notice.setToolTip("")
        self.back_btn.show()

    def _show_nothing_found(self, text: str) -> None:
        self.no_results.setText(text)
        self.stack.setCurrentWidget(self.no_results)

    def back_to_library(self) -> None:
        self.mode = "library"
        self.collection_id = None
        self.back_btn.hide()
        self.group.setEnabled(True)
        self.notice.setToolTip("")
        self.reload()

    def _scrolled(self, _v: int) -> None:
        r = self.grid.top_row_tuple()
        if r is None or self.grid.bands:
            # with timeline bands the headers themselves say the year and month: the label
            # was a box painted over them whenever the arrow keys scrolled the grid
            self.timeline.hide()
            return
        order = self.group.currentData()
        if order == "date":
            text = month_label(r[TAKEN_AT]) if r[TAKEN_AT] else UNDATED
        elif order == "folder":
            text = r[FOLDER]
        else:
            return
        self.timeline.setText(text)
        self.timeline.adjustSize()
        self.timeline.move(self.grid.viewport().width() - self.timeline.width() - 16, 8)
        self.timeline.show()
        self.timeline.raise_()
        self._timeline_timer.start()
