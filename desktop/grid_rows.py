"""Where the library grid's rows come from: a plain list (search results, a library small
enough for timeline bands), or pages fetched by id from a big library's id array.

Both answer the same few questions, so LibraryModel and its delegate need not know which:
`len(src)`, `src[row]` (the row tuple, core.query's layout), `id_at(row)`, `row_of(file_id)`,
`shown_rows(file_ids)`, and `insert` / `remove` of rows for a stack opening in place.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from core.query import ID

PAGE_ROWS = 256     # rows fetched together (one IN query: ~1-3 ms, docs/BENCHMARKS.md)
MAX_PAGES = 24      # pages kept: 6,144 rows, over ten screens at the smallest zoom


def gone_row(file_id: int, why: str = "no longer in the library") -> tuple:
    """A row for an id whose file the catalog no longer lists (moved away since the ids were
    read; the next reload drops it): a tile that says why, not a shifted grid."""
    return (file_id, "", "other", None, "", None, None, "", why, None)


class PlainRows:
    """Every row in a list: search results and libraries up to the bands limit."""

    paged = False

    def __init__(self, rows: list[tuple], row_of: dict[int, int] | None = None):
        self._rows = rows
        self._row_of = row_of if row_of is not None else {r[ID]: i for i, r in enumerate(rows)}

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, row: int) -> tuple:
        return self._rows[row]

    def id_at(self, row: int) -> int:
        return self._rows[row][ID]

    def row_of(self, file_id: int) -> int | None:
        return self._row_of.get(file_id)

    def shown_rows(self, file_ids: Iterable[int]) -> list[int]:
        """The rows of those files (a thumbnail batch)."""
        return [r for r in map(self._row_of.get, file_ids) if r is not None]

    def insert(self, at: int, rows: list[tuple]) -> None:
        self._rows[at:at] = rows
        self._renumber(at)

    def remove(self, at: int, n: int) -> list[int]:
        """Drops `n` rows from `at`; returns their file ids."""
        gone = [r[ID] for r in self._rows[at:at + n]]
        del self._rows[at:at + n]
        for f in gone:
            self._row_of.pop(f, None)
        self._renumber(at)
        return gone

    def _renumber(self, start: int) -> None:
        rows, row_of = self._rows, self._row_of
        for i in range(start, len(rows)):
            row_of[rows[i][ID]] = i

    def all(self) -> list[tuple]:
        return self._rows

    def cached(self) -> int:
        return len(self._rows)


class PagedRows:
    """A big library's rows: the file ids in the grid's order (numpy int64; 8 MB at a million)
    and an LRU cache of at most `pages` pages of `page` row tuples, fetched by id when a row
    of theirs is first asked for (on the GUI thread: one page is one bounded query).
    `fetch(ids)`: their rows (core.query.rows_by_ids); ids it leaves out show as gone."""

    paged = True

    def __init__(self, ids: np.ndarray, fetch: Callable[[list[int]], Sequence[tuple]], *,
                 page: int | None = None, pages: int | None = None):
        self._ids = np.asarray(ids, dtype=np.int64)
        self._fetch = fetch
        self.page, self.pages = page or PAGE_ROWS, max(2, pages or MAX_PAGES)
        self._cache: OrderedDict[int, list[tuple]] = OrderedDict()   # page number -> rows
        self._pos: dict[int, int] = {}     # file id -> row, for the cached rows
        self.fetched = 0                   # pages fetched (tests, the benchmark)

    def __len__(self) -> int:
        return len(self._ids)

    def __getitem__(self, row: int) -> tuple:
        if not 0 <= row < len(self._ids):
            raise IndexError(row)
        p, k = divmod(row, self.page)
        rows = self._cache.get(p)
        if rows is None:
            rows = self._load(p)
        else:
            self._cache.move_to_end(p)
        return rows[k]

    def _load(self, p: int) -> list[tuple]:
        start = p * self.page
        ids = self._ids[start:start + self.page].tolist()
        try:
            got = {r[ID]: r for r in self._fetch(ids)}
        except Exception as e:  # noqa: BLE001 - the grid shows the rows as unreadable, once
            why = f"could not be read: {e}"
            got = {}
        else:
            why = "no longer in the library"
        rows = [got.get(f) or gone_row(f, why) for f in ids]
        self.fetched += 1
        self._cache[p] = rows
        self._pos.update(zip(ids, range(start, start + len(ids))))
        while len(self._cache) > self.pages:
            _old, dropped = self._cache.popitem(last=False)
            for r in dropped:
                self._pos.pop(r[ID], None)
        return rows

    def id_at(self, row: int) -> int:
        return int(self._ids[row])

    def row_of(self, file_id: int) -> int | None:
        """From the cached rows, else one pass over the id array (~1 ms at a million)."""
        row = self._pos.get(file_id)
        if row is not None:
            return row
        hits = np.flatnonzero(self._ids == int(file_id))
        return int(hits[0]) if len(hits) else None

    def shown_rows(self, file_ids: Iterable[int]) -> list[int]:
        """The rows of those files among the cached ones: a thumbnail is asked for a painted
        row, which is cached; a row not cached is fetched, thumbnail and all, when painted."""
        return [r for r in map(self._pos.get, file_ids) if r is not None]

    def insert(self, at: int, rows: list[tuple]) -> None:
        self._ids = np.insert(self._ids, at, np.array([r[ID] for r in rows], np.int64))
        self._clear()

    def remove(self, at: int, n: int) -> list[int]:
        gone = self._ids[at:at + n].tolist()
        self._ids = np.delete(self._ids, np.s_[at:at + n])
        self._clear()
        return gone

    def _clear(self) -> None:
        """Rows moved: every page holds other rows now (the screen's pages refetch)."""
        self._cache.clear()
        self._pos.clear()

    def all(self) -> list[tuple]:
        """Every row, read afresh and not cached (tests; a million rows would be ~1 GB). One
        fetch: rows_by_ids splits its IN query itself (core.catalog.chunks.in_chunks)."""
        ids = self._ids.tolist()
        got = {r[ID]: r for r in self._fetch(ids)}
        return [got.get(f) or gone_row(f) for f in ids]

    def cached(self) -> int:
        """Row tuples held now (at most pages x page)."""
        return sum(len(rows) for rows in self._cache.values())
