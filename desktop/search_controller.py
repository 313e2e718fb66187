"""The search bar's brain: debounced as-you-type search, filter chips, "More like this".

Searches run in a worker; an answer that arrives after a newer query was typed is dropped.
With no words typed, the chips filter the library grid itself (all matching files). The chips
become one core.query.Filters: the grid and the search filter through the same SQL."""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections import Counter

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QAction

from core.query import Filters, filter_choices, rows_by_ids
from core.query.stacks import covers_of
from core.search import search, similar
from desktop.workers import describe, run_async

log = logging.getLogger(__name__)

DEBOUNCE_MS = 250
LIMIT = 200
LIVE_MS = 10000   # while indexing, a typed search is run again this often (new matches)


def _folder_label(folder: str, listed: Counter, counts: dict[str, int]) -> str:
    """A root by its path; a folder below it by its name, indented under its parent.
    `listed`: the menu's folders, each without a trailing separator."""
    # its depth: how many listed folders it lies under, found at each separator of its own
    # path (comparing every pair of 300 folders cost ~60 ms of the GUI thread)
    depth = sum(listed[folder[:i]] for i, ch in enumerate(folder) if ch == os.sep)
    name = os.path.basename(folder.rstrip(os.sep)) if depth else folder
    n = counts.get(folder)
    return "      " * depth + name + (f"  ({n:,})" if n is not None else "")


class SearchController(QObject):
    searching = Signal(str)  # a search has started; the page says so (the query)

    def __init__(self, window):
        super().__init__(window)
        self.w = window
        self.services = window.services
        self.camera: str | None = None
        self.folder: str | None = None
        self.place: str | None = None
        self.album: str | None = None
        self._generation = 0
        self.last_results = None
        self.last_error: str | None = None
        self._camera_labels: dict[str, str] = {}
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.run_now)
        window.search_edit.textChanged.connect(lambda _t: self._timer.start())
        window.search_edit.returnPressed.connect(self.run_now)
        # a search typed while indexing runs again as the index grows and when it ends, so
        # "0 results" does not stay on screen once the files that match are indexed
        self._shown_query: str | None = None
        bg = self.services.background
        bg.finished.connect(lambda name, _r: name == "index" and self._refresh_results())
        self._live = QTimer(self)
        self._live.setInterval(LIVE_MS)
        self._live.timeout.connect(
            lambda: bg.current_name == "index" and self._refresh_results())
        self._live.start()
        QTimer.singleShot(1200, self.refresh_menus)

    # --- filters ---
    def filters(self) -> Filters:
        """The chips as filters (the same for the grid and for a search)."""
        chips = self.w.chips
        kind = None
        if chips["photo"].isChecked() != chips["video"].isChecked():
            kind = "photo" if chips["photo"].isChecked() else "video"
        for picture in ("screenshot", "document"):   # narrower than photo: it wins
            if chips[picture].isChecked():
                kind = picture
        date_from = None
        if chips["year"].isChecked():
            date_from = dt.datetime(dt.date.today().year, 1, 1).timestamp()
        return Filters(kind=kind, has_gps=True if chips["gps"].isChecked() else None,
                       date_from=date_from, camera=self.camera, folder=self.folder,
                       place=self.place, album=self.album)

    def filters_changed(self) -> None:
        self.run_now()

    def refresh_menus(self) -> None:
        """Fill the Camera and Folder chip menus from the catalog (read in a worker)."""
        run_async(filter_choices, self.services.catalog, on_done=self._fill_menus,
                  on_error=self._menus_failed)

    def _menus_failed(self, e: BaseException) -> None:
        """The menus say they could not be filled (and why) instead of staying silently empty."""
        log.warning("filter menus: %s", describe(e))
        for chip in (self.w.camera_chip, self.w.folder_chip, self.w.place_chip,
                     self.w.album_chip):
            menu = chip.menu()
            menu.clear()
            act = QAction(f"Could not read the choices: {describe(e)}", menu)
            act.setEnabled(False)
            menu.addAction(act)
            retry = QAction("Try again", menu)
            retry.triggered.connect(self.refresh_menus)
            menu.addAction(retry)

    def _fill_menus(self, choices) -> None:
        self._camera_labels = dict(choices.camera_labels)
        for chip, values, attr in ((self.w.camera_chip, choices.cameras, "camera"),
                                   (self.w.folder_chip, choices.folders, "folder")):
            menu = chip.menu()
            menu.clear()
            label = "Camera" if attr == "camera" else "Folder"
            any_act = QAction(f"Any {label.lower()}", menu)
            any_act.triggered.connect(lambda _c=False, a=attr, c=chip, lb=label:
                                      self._set_choice(a, None, c, lb))
            menu.addAction(any_act)
            menu.addSeparator()
            listed = Counter(v.rstrip(os.sep) for v in values)
            for v in values:
                act = QAction(choices.camera_labels.get(v, v) if attr == "camera" else
                              _folder_label(v, listed, choices.folder_counts), menu)
                act.triggered.connect(lambda _c=False, a=attr, v=v, c=chip, lb=label:
                                      self._set_choice(a, v, c, lb))
                menu.addAction(act)

        self._fill_places(choices.places)
        self._fill_albums(choices.albums)

    def _fill_albums(self, albums) -> None:
        """The album chip, once there are albums: each with its count; a file can be in
        several."""
        menu = self.w.album_chip.menu()
        menu.clear()
        self.w.album_chip_action.setVisible(bool(albums) or self.album is not None)
        any_act = QAction("Any album", menu)
        any_act.triggered.connect(lambda _c=False: self._set_album(None))
        menu.addAction(any_act)
        menu.addSeparator()
        for a in albums:
            act = QAction(f"{a.name}  ({a.files:,})", menu)
            act.triggered.connect(lambda _c=False, name=a.name: self._set_album(name))
            menu.addAction(act)

    def _set_album(self, name: str | None) -> None:
        self.album = name
        self.w.album_chip.setText(f"Album: {name}" if name else "Album")
        self.run_now()

    def _fill_places(self, places) -> None:
        """The place chip: the library's places with their counts, most photos first."""
        chip = self.w.place_chip
        menu = chip.menu()
        menu.clear()
        any_act = QAction("Anywhere", menu)
        any_act.triggered.connect(lambda _c=False: self._set_place(None, None))
        menu.addAction(any_act)
        menu.addSeparator()
        if not places:
            none = QAction("No places yet: photos need GPS, and indexing names them", menu)
            none.setEnabled(False)
            menu.addAction(none)
        countries: dict[str, int] = {}
        for p in places:
            if p.country:
                countries[p.country] = countries.get(p.country, 0) + p.count
        for p in places:
            value, text = p.place or p.region or p.country, p.label()
            act = QAction(f"{text}  ({p.count:,})", menu)
            act.triggered.connect(lambda _c=False, v=value, t=text: self._set_place(v, t))
            menu.addAction(act)
        if len(countries) > 1:
            menu.addSeparator()
            for country, n in sorted(countries.items(), key=lambda kv: -kv[1]):
                act = QAction(f"{country}  ({n:,})", menu)
                act.triggered.connect(lambda _c=False, v=country: self._set_place(v, v))
                menu.addAction(act)

    def _set_place(self, value: str | None, text: str | None) -> None:
        self.place = value
        self.w.place_chip.setText(f"Place: {text}" if value else "Place")
        self.run_now()

    def _set_choice(self, attr: str, value, chip, label: str) -> None:
        setattr(self, attr, value)
        shown = (self._camera_labels.get(value, value) if attr == "camera" else
                 (value.rstrip("/").rsplit("/", 1)[-1] if value else None))
        chip.setText(f"{label}: {shown}" if value else label)
        self.run_now()

    # --- running ---
    def _refresh_results(self) -> None:
        """Run the shown typed search again, quietly, unless the user has moved on."""
        if (self.w.library.mode == "search" and self._shown_query is not None
                and self._shown_query == self.w.search_edit.text().strip()
                and not self._timer.isActive()):
            self.run_now(quiet=True)

    def run_now(self, *, quiet: bool = False) -> None:
        self._timer.stop()
        query = self.w.search_edit.text().strip()
        self._shown_query = None
        self._generation += 1
        gen = self._generation
        page = self.w.library
        if self.w.current_page() != "library" and query:
            self.w.show_page("library")
        if not query:
            if page.mode == "search":
                page.mode = "library"
                page.back_btn.hide()
                page.group.setEnabled(True)
            page.set_filters(self.filters())
            return
        if not quiet:
            page.show_searching(f"“{query}”")
            self.searching.emit(query)
        s = self.services
        filters = self.filters()

        def work():
            res = search(s.catalog, s.registry, s.settings, query, filters, LIMIT)
            # a stack of look-alike shots is found once, as its best shot (core.cull)
            rows = rows_by_ids(s.catalog, covers_of(s.catalog, [h.file_id for h in res]))
            return res, rows

        run_async(work, on_done=lambda r: self._show(gen, f"“{query}”", r, query),
                  on_error=lambda e: self._failed(gen, f"“{query}”", e))

    def similar(self, file_id: int) -> None:
        self._shown_query = None
        self._generation += 1
        gen = self._generation
        self.w.show_page("library")
        s = self.services

        def work():
            res = similar(s.catalog, s.registry, file_id, limit=LIMIT)
            rows = rows_by_ids(s.catalog, [file_id] + [h.file_id for h in res])
            return res, rows

        run_async(work, on_done=lambda r: self._show(gen, "More like this", r),
                  on_error=lambda e: self._failed(gen, "More like this", e))

    def show_ids(self, title: str, ids: list[int], collection_id: int | None = None) -> None:
        """Show a given set of files (a collection) in the grid."""
        self._generation += 1
        gen = self._generation
        self.w.show_page("library")

        def shown(rows) -> None:
            self._show(gen, title, ([], rows))
            self.w.library.collection_id = collection_id  # lets the user split a selection off

        run_async(rows_by_ids, self.services.catalog, ids, on_done=shown,
                  on_error=lambda e: self._failed(gen, title, e))

    def _show(self, gen: int, title: str, result, query: str | None = None) -> None:
        if gen != self._generation:
            return  # the user typed on: a newer search is on its way
        self._shown_query = query
        res, rows = result
        self.last_results = res
        self.last_error = None
        self.w.library.collection_id = None
        scores = {h.file_id: h.score for h in res}
        hits = {h.file_id: {"start_s": h.time_s, "text": h.snippet, "field": h.field,
                            "frame_ms": h.frame_ms, "matched": h.matched} for h in res}
        notices = list(getattr(res, "notices", []) or [])
        self.w.library.show_results(title, rows, scores, hits, notices)

    def _failed(self, gen: int, title: str, e: BaseException) -> None:
        if gen != self._generation:
            return
        self.last_error = describe(e)
        self.w.library.show_results(title, [], {}, {}, [self.last_error])

    def clear(self) -> None:
        self.w.search_edit.blockSignals(True)
        self.w.search_edit.clear()
        self.w.search_edit.blockSignals(False)
        self._generation += 1
        self.w.library.back_to_library()
