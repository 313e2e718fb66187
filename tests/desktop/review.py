"""Driving the Reorganize review as a person does: click a unit, click a tick, answer the
folder dialogs."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import QApplication, QInputDialog


def click_unit(qtbot, page, row: int) -> None:
    """A click on the unit's name (not its tick): the unit's files show."""
    page.units.scrollTo(page.unit_model.index(row))
    rect = page.units.visualRect(page.unit_model.index(row))
    qtbot.mouseClick(page.units.viewport(), Qt.LeftButton, pos=rect.center())
    assert page.units.currentIndex().row() == row
    assert page.file_model.unit is page.unit_model.units[row]


def click_unit_tick(qtbot, page, row: int) -> None:
    page.units.scrollTo(page.unit_model.index(row))
    rect = page.units.visualRect(page.unit_model.index(row))
    box = page.unit_delegate._check_rect(_option(page.units, rect))
    qtbot.mouseClick(page.units.viewport(), Qt.LeftButton, pos=box.center())


def _option(view, rect):
    from PySide6.QtWidgets import QStyleOptionViewItem

    opt = QStyleOptionViewItem()
    view.initViewItemOption(opt)
    opt.rect = rect
    return opt


def click_file_tick(qtbot, page, row: int) -> None:
    view = page.files
    index = page.file_model.index(row, 0)
    view.scrollTo(index)
    rect = view.visualRect(index)
    # the tick is the first thing in the cell, after the margin
    qtbot.mouseClick(view.viewport(), Qt.LeftButton, pos=QPoint(rect.left() + 12,
                                                                 rect.center().y()))


def answer_next_dialog(text: str | None, seen: list | None = None) -> None:
    """Type `text` into the next input dialog and press OK (None: press Cancel)."""

    def answer():
        dlg = QApplication.activeModalWidget()
        if not isinstance(dlg, QInputDialog):
            QTimer.singleShot(20, answer)
            return
        if seen is not None:
            seen.append((dlg.labelText(), dlg.textValue(), dlg.comboBoxItems()))
        if text is None:
            dlg.reject()
        else:
            dlg.setTextValue(text)
            dlg.accept()

    QTimer.singleShot(0, answer)


def double_click(qtbot, widget, pos) -> None:
    """What a person's double-click sends: a click, then the double-click (QTest's alone starts
    with no press, and item views ignore it)."""
    qtbot.mouseClick(widget, Qt.LeftButton, pos=pos)
    qtbot.mouseDClick(widget, Qt.LeftButton, pos=pos)


def drag_files_to_unit(page, rows: list[int], unit_row: int) -> None:
    """Drag the files of these rows from the files list and drop them on a unit: what the
    list puts in the drag (its model's mime data for the selected rows), then the enter, move
    and drop events the units list gets under the mouse."""
    from PySide6.QtCore import QItemSelectionModel, QPointF
    from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent

    files = page.files
    files.clearSelection()
    for r in rows:
        files.selectionModel().select(page.file_model.index(r, 0), QItemSelectionModel.Select
                                      | QItemSelectionModel.Rows)
    data = page.file_model.mimeData(files.selectionModel().selectedIndexes())
    view = page.units
    view.scrollTo(page.unit_model.index(unit_row))
    pos = view.visualRect(page.unit_model.index(unit_row)).center()
    offered = page.file_model.supportedDragActions()   # what the files list lets a drag do
    for event in (QDragEnterEvent(pos, offered, data, Qt.LeftButton, Qt.NoModifier),
                  QDragMoveEvent(pos, offered, data, Qt.LeftButton, Qt.NoModifier),
                  QDropEvent(QPointF(pos), offered, data, Qt.LeftButton, Qt.NoModifier)):
        QApplication.sendEvent(view.viewport(), event)
