"""What the pages' tables of rows (Duplicates' groups, Cull's stacks, Reorganize's files)
share: a row is the unit of selection, no grid, and a fixed height for every row, so the view
never asks the model for a row's size. Tables rather than trees or item widgets: a table asks
only about the rows it paints (docs/BENCHMARKS.md, "Cull page at scale")."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

CHECK = int(Qt.CheckStateRole)
CHECKED_VALUE = Qt.Checked.value
ROW_FLAGS = Qt.ItemIsEnabled | Qt.ItemIsSelectable
TICK_FLAGS = ROW_FLAGS | Qt.ItemIsUserCheckable


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


class TickedRows:
    """A table model's `flags` and `setData` for groups' rows (Duplicates' groups, Cull's
    stacks) whose member rows have a tick box in the first column. The model gives
    `locate(row)` -> (group, member; -1 on the group's own row), `tick(group, member, on)`
    and a `ticksChanged` signal."""

    def flags(self, index):
        if index.column() == 0 and self.locate(index.row())[1] >= 0:
            return TICK_FLAGS
        return ROW_FLAGS

    def setData(self, index, value, role=Qt.EditRole) -> bool:
        if role != CHECK or index.column() != 0:
            return False
        g, k = self.locate(index.row())
        if k < 0:
            return False
        self.tick(g, k, getattr(value, "value", value) == CHECKED_VALUE)
        self.dataChanged.emit(index, index, [CHECK])
        self.ticksChanged.emit()
        return True
