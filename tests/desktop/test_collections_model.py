"""The Collections page over a model: a tile per collection that Qt asks about as it paints,
so the representatives' thumbnails are asked for the tiles on screen only (the page asked for
four of every collection when it was shown), and a tile's mosaic follows its thumbnails."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QListWidget

from core.query.collections import CollectionSummary, FileRef
from tests.desktop.conftest import shown_page, thumbnails_asked
from tests.media_factory import write_jpeg


def _collections(n: int, path: str) -> list[CollectionSummary]:
    return [CollectionSummary(c + 1, f"Trip {c}", None, [], None, False, "test", 10, None, None,
                              [FileRef(4 * c + k, path, "photo", None) for k in range(4)])
            for c in range(n)]


def test_thousands_of_collections_ask_thumbnails_for_the_tiles_on_screen(tmp_path, services,
                                                                         qtbot):
    from desktop.views.collections import CollectionsPage

    picture = str(write_jpeg(tmp_path / "a.jpg", (120, 90), seed=1))
    asked = thumbnails_asked(services)
    page = shown_page(qtbot, CollectionsPage(services))
    with qtbot.waitSignal(page.loaded, timeout=5000):
        page._show(_collections(3000, picture))
    assert page.model.rowCount() == 3000 and not page.findChildren(QListWidget)
    qtbot.waitUntil(lambda: bool(asked), timeout=5000)
    assert len(set(asked)) < 4 * 60                    # the tiles on screen, not 12,000
    assert {f // 4 for f in asked} <= set(range(60))
    # the first tile's picture comes once its thumbnails are in
    qtbot.waitUntil(lambda: page.model.index(0).data(Qt.DecorationRole) is not None,
                    timeout=10000)
    assert page.selected_ids() == []
    page.list.selectAll()
    assert len(page.selected_ids()) == 3000
