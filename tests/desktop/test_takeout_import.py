"""File > Import from Google Photos…: the Takeout is imported in the background, with
progress, and the photos appear in the library."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox

from tests.desktop.forms import detail_form
from tests.takeout_factory import jpeg_bytes, sidecar, write_zip


@pytest.mark.timeout(120)
@pytest.mark.parametrize("write", [False, True], ids=["originals-kept", "write-metadata"])
def test_import_from_google_photos_menu(tmp_path, window, services, qtbot, monkeypatch, write):
    zp = write_zip(tmp_path / "takeout-001.zip", {
        "Photos from 2016/IMG_1.jpg": jpeg_bytes(1),
        "Photos from 2016/IMG_1.jpg.supplemental-metadata.json": sidecar(
            "IMG_1.jpg", 1468318210, description="first day", favorited=True),
        "Holiday/IMG_1.jpg": jpeg_bytes(1),
        "Photos from 2016/IMG_2.jpg": jpeg_bytes(2),
    })
    into = tmp_path / "Library"
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(zp)], ""))
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(into))
    shown, asked = [], []
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: shown.append(a[2]))
    answer = QMessageBox.StandardButton.Yes if write else QMessageBox.StandardButton.No
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[4]) or answer)
    progress = []
    services.background.progress.connect(progress.append)
    window.act_import_takeout.trigger()
    assert services.background.wait_idle(60)
    qtbot.waitUntil(lambda: bool(shown), timeout=10000)
    summary = window.last_import_summary
    assert summary.copied == 2 and summary.duplicates == 1 and summary.albums == 1
    assert "2 copied" in shown[0]
    assert any(p.task == "importing from Google Photos" and p.total == 3 for p in progress)
    qtbot.waitUntil(lambda: window.library.model.rowCount() == 2, timeout=10000)
    assert sorted(p.name for p in into.rglob("*.jpg")) == ["IMG_1.jpg", "IMG_2.jpg"]
    # the dialog asks whether to write the metadata, No being the default
    assert asked == [QMessageBox.StandardButton.No]
    copied = (into / "2016" / "IMG_1.jpg").read_bytes()
    assert summary.metadata_written == int(write) and (copied == jpeg_bytes(1)) is not write
    # the detail pane says where the date came from, and what Google Photos knew
    with services.catalog.read() as conn:
        ids = dict(conn.execute("SELECT name, id FROM files"))
    window.detail.show_file(ids["IMG_1.jpg"])
    qtbot.waitUntil(lambda: detail_form(window.detail).get("Albums") == "Holiday",
                    timeout=10000)
    form = detail_form(window.detail)
    # with the metadata written, the date is the photo's own (EXIF), the same time
    assert form["Taken"].endswith("(from Google Photos)") is not write
    assert form["Taken"].startswith("Tuesday 12 July 2016") and form["Description"] == "first day"
    assert form["Favourite"] == "★"


def test_album_chip_appears_with_albums_and_filters_the_grid(tmp_path, services, win, qtbot):
    from core.importers.takeout import import_takeout

    assert not win.album_chip_action.isVisible()     # no albums: no chip
    zp = write_zip(tmp_path / "t.zip", {
        "Photos from 2016/a.jpg": jpeg_bytes(1), "Photos from 2016/b.jpg": jpeg_bytes(2),
        "Photos from 2016/c.jpg": jpeg_bytes(3),
        "Holiday/a.jpg": jpeg_bytes(1), "Holiday/b.jpg": jpeg_bytes(2), "Cats/b.jpg": jpeg_bytes(2),
    })
    import_takeout(services.catalog, [zp], tmp_path / "Library")
    win.search.refresh_menus()
    menu = win.album_chip.menu()
    qtbot.waitUntil(lambda: any("Holiday" in a.text() for a in menu.actions()), timeout=10000)
    assert win.album_chip_action.isVisible()
    assert [a.text() for a in menu.actions() if a.text()] == [
        "Any album", "Cats  (1)", "Holiday  (2)"]
    holiday = next(a for a in menu.actions() if a.text().startswith("Holiday"))
    with qtbot.waitSignal(win.library.loaded, timeout=10000):
        holiday.trigger()
    assert {r[4] for r in win.library.model.rows()} == {"a.jpg", "b.jpg"}
    assert win.album_chip.text() == "Album: Holiday"
    with qtbot.waitSignal(win.library.loaded, timeout=10000):
        next(a for a in menu.actions() if a.text() == "Any album").trigger()
    assert len(win.library.model.rows()) == 3
