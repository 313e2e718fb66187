"""Guard against a PySide6 build that drops references to None (6.12.0 did: every void call
and every None returned from a Python data() took one away, and the app died after a few
thousand paints with "none_dealloc")."""

from __future__ import annotations

import sys

from PySide6.QtCore import QAbstractListModel, Qt
from PySide6.QtGui import QImage, QPainter


class _Model(QAbstractListModel):
    def rowCount(self, parent=None):
        return 3

    def data(self, index, role=Qt.DisplayRole):
        return None


def test_void_calls_and_none_from_data_keep_none_alive(qapp):
    img = QImage(8, 8, QImage.Format_RGB32)
    painter = QPainter(img)
    model = _Model()
    idx = model.index(1)
    before = sys.getrefcount(None)
    for _ in range(2000):
        painter.save()
        painter.restore()
        idx.data(Qt.DisplayRole)
    painter.end()
    assert sys.getrefcount(None) >= before - 50  # some noise; the bug loses ~6000
