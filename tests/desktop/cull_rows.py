"""The Cull page's rows as a person reads them (the model's text), and a stack opened as a
person opens it: a click on its row, then the Right key."""

from __future__ import annotations

from PySide6.QtCore import Qt

from desktop.views.cull_model import FILE_ROLE


def top_rows(page) -> list[str]:
    """The first column of each group's row (the stacks read, then the flagged photos)."""
    m = page.model
    return [m.index(m.group_row(g), 0).data() for g in range(m.groups())]


def shot_rows(page, g: int) -> list[dict]:
    """The shots of group `g`, open or not: name, why, file id, ticked (not their pictures:
    asking the model for one asks the thumbnail loader). Read from the rows where open."""
    m = page.model
    if m.is_open(g):
        first = m.group_row(g) + 1
        cells = [(m.index(r, 0), m.index(r, 1))
                 for r in range(first, first + len(m.shots_of(g)))]
        return [{"name": a.data(), "why": b.data(), "file_id": a.data(FILE_ROLE),
                 "ticked": a.data(Qt.CheckStateRole) == Qt.Checked} for a, b in cells]
    return [{"name": f.name, "file_id": f.file_id, "ticked": f.file_id in m.ticked,
             "why": m.why(g, k)} for k, f in enumerate(m.shots_of(g))]


def pictured(page, g: int) -> bool:
    """Every shot of open group `g` shows its picture."""
    m = page.model
    first = m.group_row(g) + 1
    return m.is_open(g) and all(m.index(r, 0).data(Qt.DecorationRole) is not None
                                for r in range(first, first + len(m.shots_of(g))))


def open_stack(qtbot, page, g: int) -> None:
    """Group `g` opened as a person does: a click on its row, then Right."""
    view, m = page.tree, page.model
    index = m.index(m.group_row(g), 1)
    view.scrollTo(index)
    qtbot.mouseClick(view.viewport(), Qt.LeftButton, pos=view.visualRect(index).center())
    assert view.currentIndex().row() == index.row()
    qtbot.keyClick(view, Qt.Key_Right)
    assert m.is_open(g)
