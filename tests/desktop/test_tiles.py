"""The tile pages' mosaic: four pictures in a 2x2 grid, fewer as the first alone, each cropped
from its middle (QImage from the people's face crops, QPixmap from the thumbnail cache)."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap

from desktop.views.tiles import mosaic


def _picture(w: int, h: int, colour, edge=None) -> QImage:
    """A plain picture; with `edge`, its outer fifth on each side in that colour."""
    img = QImage(w, h, QImage.Format_RGB32)
    img.fill(QColor(edge or colour))
    if edge:
        p = QPainter(img)
        p.fillRect(w // 5, h // 5, w - 2 * (w // 5), h - 2 * (h // 5), QColor(colour))
        p.end()
    return img


def test_four_pictures_fill_the_four_cells(qapp):
    colours = [Qt.red, Qt.green, Qt.blue, Qt.yellow]
    pics = [_picture(40, 40, c) for c in colours] + [_picture(40, 40, Qt.black)]
    out = mosaic(pics, QSize(100, 80)).toImage()
    corners = [(10, 10), (60, 10), (10, 50), (60, 50)]
    assert [out.pixelColor(x, y) for x, y in corners] == [QColor(c) for c in colours]


def test_fewer_than_four_show_the_first_cropped_from_its_middle(qapp):
    # a wide picture whose left and right fifths are black: cropped to a square tile from
    # its middle, no black shows at the tile's edges
    wide = QPixmap.fromImage(_picture(300, 100, Qt.red, edge=Qt.black))
    out = mosaic([wide, QPixmap.fromImage(_picture(10, 10, Qt.blue))], QSize(64, 64)).toImage()
    assert out.pixelColor(1, 32) == QColor(Qt.red) and out.pixelColor(62, 32) == QColor(Qt.red)
    assert out.pixelColor(32, 32) == QColor(Qt.red)


def test_no_pictures_is_an_empty_tile(qapp):
    out = mosaic([], QSize(32, 32)).toImage()
    assert out.pixelColor(16, 16).alpha() == 0

