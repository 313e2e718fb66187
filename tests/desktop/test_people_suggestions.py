"""People view: a person another program tagged (an XMP face region over their face) shows
the suggested name, and naming offers it to confirm."""

from __future__ import annotations

from PySide6.QtWidgets import QInputDialog

from tests.core.xmp import golden
from tests.core.xmp.helpers import plant_face, scanned
from tests.desktop.test_people_view import _labels, _open_people, _select
from tests.media_factory import write_jpeg


def test_a_suggested_name_is_shown_and_offered(tmp_path, services, make_window, qtbot,
                                               monkeypatch):
    lib = tmp_path / "lib"
    write_jpeg(lib / "a.jpg", size=(80, 60))
    (lib / "a.jpg.xmp").write_text(golden.digikam(), encoding="utf-8")
    ids = scanned(services.catalog, lib)
    plant_face(services.catalog, ids["a.jpg"], (0.6, 0.36, 0.2, 0.3), by="auto")
    win = make_window()
    page = _open_people(win, qtbot)
    assert _labels(page) == ["Ben?\n1 photo"]
    offered = []

    def answer(parent, title, label, text=""):
        offered.append(text)
        return text, True
    monkeypatch.setattr(QInputDialog, "getText", answer)
    _select(page, 0)
    with qtbot.waitSignal(page.loaded, timeout=15000):
        page.name_selected()
    assert offered == ["Ben"]
    assert _labels(page) == ["Ben\n1 photo"]
