"""One grid cell painted by the library's delegate into an image, as the screen would show it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QStyle, QStyleOptionViewItem


def paint_cell(grid, row: int, *, focused: bool = False) -> QImage:
    delegate = grid.itemDelegate()
    img = QImage(delegate.cell, delegate.cell, QImage.Format_RGB32)
    img.fill(Qt.white)
    opt = QStyleOptionViewItem()
    opt.rect = img.rect()
    opt.palette = grid.palette()
    opt.state = QStyle.State_Enabled | (QStyle.State_HasFocus if focused else QStyle.State_None)
    p = QPainter(img)
    delegate.paint(p, opt, grid.model().index(row))
    p.end()
    return img
