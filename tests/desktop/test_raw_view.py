"""Camera RAW in the window: a RAW+JPEG pair is one tile whose detail pane names the RAW; a
lone RAW is a tile of its own, shown upright from its embedded preview."""

from __future__ import annotations

from core.query import ID, NAME
from core.scan.roots import add_root
from core.scan.scanner import scan
from tests.desktop.forms import detail_form
from tests.media_factory import gradient, write_dng


def test_a_raw_pair_is_one_tile_and_a_lone_raw_shows_its_preview(tmp_path, services, win,
                                                                   qtbot):
    lib = tmp_path / "lib"
    shot = gradient((120, 80), seed=7)
    write_dng(lib / "IMG_1.CR2", picture=shot, taken="2024:03:02 11:00:00")
    shot.save(lib / "IMG_1.JPG", quality=92)
    write_dng(lib / "IMG_2.NEF", picture=gradient((120, 80), seed=8), orientation=6,
              taken="2024:03:02 11:05:00")
    add_root(services.catalog, lib)
    scan(services.catalog)
    with qtbot.waitSignal(win.library.loaded, timeout=10000):
        win.search.run_now()
    model = win.library.model
    tiles = {model.row_tuple(i)[NAME]: model.row_tuple(i)[ID] for i in range(model.rowCount())}
    assert set(tiles) == {"IMG_1.JPG", "IMG_2.NEF"}

    with qtbot.waitSignal(win.detail.loaded, timeout=10000):
        win.open_detail(tiles["IMG_1.JPG"])
    assert detail_form(win.detail)["RAW"] == "IMG_1.CR2"

    with qtbot.waitSignal(win.detail.loaded, timeout=10000):
        win.open_detail(tiles["IMG_2.NEF"])
    form = detail_form(win.detail)
    assert form["Format"] == "Camera RAW" and form["Size"].startswith("80 × 120")
    qtbot.waitUntil(lambda: win.detail._preview_pm is not None, timeout=10000)
    pm = win.detail._preview_pm
    assert pm.height() > pm.width()  # turned upright: the camera was held on its side
