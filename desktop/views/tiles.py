"""Parts the pages share: a heading with a notice under it (every page), and for the tile
pages (Collections, People) a grid of tiles, a row of buttons, and a 2x2 mosaic for a tile's
picture. The styles are in resources/styles/shoebox.qss (QLabel#heading, #notice)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtGui import QImage, QPainter, QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListView,
    QPushButton,
)


def heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("heading")
    return label


def notice(text: str = "") -> QLabel:
    """The line under a heading that says what the page shows or what to do next."""
    label = QLabel(text)
    label.setObjectName("notice")
    label.setWordWrap(True)
    return label


def tile_view(icon: QSize, grid: QSize) -> QListView:
    """Tiles over a model that flow with the width, picture above a wrapped label; several can
    be selected (the model's rows give their size hint: the grid's)."""
    view = QListView()
    view.setViewMode(QListView.IconMode)
    view.setIconSize(icon)
    view.setGridSize(grid)
    view.setResizeMode(QListView.Adjust)
    view.setMovement(QListView.Static)
    view.setWordWrap(True)
    view.setSelectionMode(QListView.ExtendedSelection)
    view.setUniformItemSizes(True)   # (one size for all: no size asked of every row)
    # laid out a few hundred tiles at a time between events: the layout asks the model's
    # row count (a call into Python) several times per tile, 10,000 tiles stalled 0.2-0.5 s
    view.setLayoutMode(QListView.Batched)
    view.setBatchSize(300)
    return view


def on_screen_rows(view: QListView) -> list[int]:
    """The rows of a tile view's tiles in its viewport: from the top one, stopping below the
    viewport (not a pass over every tile: a call into Python each, thousands of them)."""
    model, port = view.model(), view.viewport().rect()
    first = max(0, view.indexAt(port.topLeft() + QPoint(view.gridSize().width() // 2, 2)).row())
    out = []
    for r in range(first, model.rowCount()):
        rect = view.visualRect(model.index(r))
        if rect.top() > port.bottom():
            break
        if rect.intersects(port):
            out.append(r)
    return out


def button_row(buttons: Iterable[tuple[str, Callable[[], object]]]
               ) -> tuple[QHBoxLayout, list[QPushButton]]:
    """Buttons left-aligned in a row, each wired to its slot (called with no argument: a
    `clicked(checked)` never lands in a slot's parameter)."""
    row = QHBoxLayout()
    made = []
    for text, slot in buttons:
        b = QPushButton(text)
        b.clicked.connect(lambda _checked=False, f=slot: f())
        row.addWidget(b)
        made.append(b)
    row.addStretch(1)
    return row, made


def mosaic(pictures: list[QImage | QPixmap], size: QSize) -> QPixmap:
    """Four pictures in a 2x2 grid, or the first alone when there are fewer; each is cropped
    from its middle to its cell's shape (a mosaic of squeezed pictures reads badly)."""
    pm = QPixmap(size)
    _paint_mosaic(pm, pictures, size)
    return pm


def mosaic_image(pictures: list[QImage], size: QSize) -> QImage:
    """The same mosaic as a QImage: it can be made on a worker thread (a QPixmap cannot)."""
    img = QImage(size, QImage.Format_ARGB32_Premultiplied)
    _paint_mosaic(img, pictures, size)
    return img


def _paint_mosaic(canvas: QImage | QPixmap, pictures: list[QImage | QPixmap],
                  size: QSize) -> None:
    canvas.fill(Qt.transparent)
    if not pictures:
        return
    if len(pictures) < 4:
        cells = [QRect(0, 0, size.width(), size.height())]
    else:
        w, h = size.width() // 2, size.height() // 2
        cells = [QRect((i % 2) * w, (i // 2) * h, w - 1, h - 1) for i in range(4)]
    painter = QPainter(canvas)
    for cell, pic in zip(cells, pictures, strict=False):
        src = pic.rect()
        if src.isEmpty():
            continue
        scale = max(cell.width() / src.width(), cell.height() / src.height())
        cw, ch = int(cell.width() / scale), int(cell.height() / scale)
        middle = QRect((src.width() - cw) // 2, (src.height() - ch) // 2, cw, ch)
        if isinstance(pic, QImage):
            painter.drawImage(cell, pic, middle)
        else:
            painter.drawPixmap(cell, pic, middle)
    painter.end()
