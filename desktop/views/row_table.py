"""What the pages' tables of rows (Duplicates' groups, Cull's stacks, Reorganize's files)
share: a row is the unit of selection, no grid, and a fixed height for every row, so the view
never asks the model for a row's size. Tables rather than trees or item widgets: a table asks
only about the rows it paints (docs/BENCHMARKS.md, "Cull page at scale")."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView


def set_up_row_table(view: QTableView, name: str, row_px: int) -> QHeaderView:
    """Rows selected whole, no grid, the row numbers hidden and every row `row_px` high;
    returns the rows' header (a view that sizes some rows itself goes on from it)."""
    view.setObjectName(name)
    view.setShowGrid(False)
    view.setSelectionBehavior(QAbstractItemView.SelectRows)
    rows = view.verticalHeader()
    rows.hide()
    rows.setSectionResizeMode(QHeaderView.Fixed)
    rows.setDefaultSectionSize(row_px)
    return rows
