"""Every keyboard shortcut of the main window, in one table: the window binds its actions from
here, and the Keyboard section of docs/GUIDE.md lists each row (tests/desktop/test_shortcuts.py checks
both ways). Keys are Qt's portable text: Ctrl is Cmd on macOS."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QLineEdit


@dataclass(frozen=True)
class Shortcut:
    keys: tuple[str, ...]
    does: str
    where: str
    bound: bool = True   # False: a key the widget itself handles (listed for the guide only)


SHORTCUTS: dict[str, Shortcut] = {
    "search": Shortcut(("Ctrl+F",), "Search; results appear as you type", "anywhere"),
    "to_results": Shortcut(("Down",), "From the search box into the results, on the first one",
                           "search box"),
    "open": Shortcut(("Return",), "Open the current item in the detail pane", "the grid",
                     bound=False),
    "preview": Shortcut(("Space",), "Open or close the detail pane on the current item",
                        "the grid"),
    "close_detail": Shortcut(("Esc",), "Close the detail pane", "the grid, the detail pane"),
    "next": Shortcut(("Alt+Right",), "Next item (the detail pane follows)", "Library"),
    "previous": Shortcut(("Alt+Left",), "Previous item", "Library"),
    "play": Shortcut(("K", "Toggle Media Play/Pause"), "Play or pause the video", "anywhere"),
    "space_play": Shortcut(("Space",), "Play or pause the video", "the detail pane"),
    "ask": Shortcut(("Ctrl+K",), "Ask about the item shown (opens the pane if needed)",
                    "Library, Collections"),
    "tick": Shortcut(("Space",), "Tick or untick the row: accept or skip a whole folder, or "
                     "the selected files, in the review; keep or trash a copy in Duplicates",
                     "Reorganize and Duplicates lists",
                     bound=False),
    "change_folder": Shortcut(("F2",), "Rename the selected folder, or send the selected files "
                              "to another folder", "the Reorganize review"),
    "trash": Shortcut(("Del",), "Move the selected items to the trash (asks first); in "
                      "Duplicates, the ticked copies", "Library, Duplicates"),
    "undo": Shortcut(("Ctrl+Z",), "Undo the last reorganization (asks first)", "anywhere"),
    "pages": Shortcut(("Ctrl+1", "Ctrl+2", "Ctrl+3", "Ctrl+4", "Ctrl+5", "Ctrl+6",
                       "Ctrl+7"),
                      "Library, People, Collections, Reorganize, Duplicates, Cull, Problems",
                      "anywhere"),
    "settings": Shortcut(("Ctrl+,",), "Settings", "anywhere"),
    "quit": Shortcut(("Ctrl+Q",), "Quit", "anywhere"),
}


def sequences(name: str) -> list[QKeySequence]:
    """The key sequences of one row of the table, to give to a QAction."""
    return [QKeySequence(k) for k in SHORTCUTS[name].keys]


class UndoPassThrough(QObject):
    """A text box takes Ctrl+Z for itself even with nothing to undo, so the window's "undo
    the last reorganization" never fired from the search box, which has the focus at start.
    With this filter on a box, Ctrl+Z undoes the typing while there is typing to undo, and
    reaches the window otherwise."""

    def eventFilter(self, obj, event) -> bool:
        if (event.type() == QEvent.ShortcutOverride and isinstance(obj, QLineEdit)
                and event.matches(QKeySequence.Undo) and not obj.isUndoAvailable()):
            event.ignore()       # not the box's: the shortcut map gives it to the window
            return True
        return False


def let_undo_through(*boxes: QLineEdit) -> None:
    for box in boxes:
        f = UndoPassThrough(box)   # owned by the box
        box.installEventFilter(f)
