""""Find look-alikes" on the Cull page is a background task with progress: it measured every
photo of the library on a worker with nothing on screen saying how far it was."""

from __future__ import annotations

from core.cull.store import stored_quality
from core.scan.roots import add_root
from core.scan.scanner import scan
from desktop.views.cull import FIND_TASK
from tests.core.cull.helpers import CAT, COFFEE, ROCKET, T0, save, variant
from tests.desktop.cull_rows import open_stack, pictured, shot_rows, top_rows


def _library(tmp_path, services):
    lib = tmp_path / "lib"
    for i, (dx, blur) in enumerate([(6, 2.0), (0, 0.0), (-5, 1.5)]):
        save(variant(CAT, dx=dx, blur=blur), lib / f"IMG_{i}.jpg", T0 + i * 0.3)
    # alone in time: measured only by "Find look-alikes" (for the flawed-photo list)
    save(variant(COFFEE), lib / "IMG_8.jpg", T0 + 4000)
    save(variant(ROCKET, blur=4), lib / "IMG_9.jpg", T0 + 9000)
    add_root(services.catalog, lib)
    scan(services.catalog)


def test_find_look_alikes_shows_its_progress_and_then_the_stacks(tmp_path, services, win,
                                                                 qtbot):
    _library(tmp_path, services)
    page = win.cull
    with qtbot.waitSignal(page.loaded, timeout=20000):
        win.show_page("cull")
    assert top_rows(page) == []                       # nothing stacked yet
    seen = []
    services.background.progress.connect(
        lambda p: p.task == FIND_TASK and seen.append(
            (p.status, p.total, page.progress.isVisible(), page.progress.maximum(),
             page.progress.format())))
    with qtbot.waitSignal(page.loaded, timeout=30000):
        page.find_btn.click()
        assert page.progress.isVisible() and not page.find_btn.isEnabled()
        assert "finding look-alikes" in page.title.text()
    # both steps counted on the page: the three frames taken moments apart, then the rest
    measuring = [s for s in seen if s[0].startswith("measuring")]
    steps = list(dict.fromkeys((m[0], m[1]) for m in measuring))
    assert steps == [("measuring 3 photos", 3), ("measuring 2 photos", 2)], seen
    assert all(m[2] and m[3] == m[1] and m[0] in m[4] for m in measuring), seen
    assert any(s[0] == "stacking look-alike shots" for s in seen), seen
    # done: the bar goes, the button comes back, the stack and the blurry rocket are listed
    assert not page.progress.isVisible() and page.find_btn.isEnabled()
    assert page.title.text() == "Cull"
    assert len(top_rows(page)) == 2
    assert len(shot_rows(page, 0)) == 3
    assert [s["name"] for s in shot_rows(page, 1)] == ["IMG_9.jpg"]
    with services.catalog.read() as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM files")]
        assert len(stored_quality(conn, ids)) == 5


def test_a_cancelled_find_says_so_and_gives_the_button_back(tmp_path, services, win, qtbot):
    _library(tmp_path, services)
    page = win.cull
    with qtbot.waitSignal(page.loaded, timeout=20000):
        win.show_page("cull")
    services.background.pause()                 # hold it, so it can be cancelled mid-way
    page.find_btn.click()
    qtbot.waitUntil(lambda: services.background.current_name == FIND_TASK, timeout=10000)
    assert page.progress.isVisible() and not page.find_btn.isEnabled()
    with qtbot.waitSignal(services.background.cancelled, timeout=10000):
        services.background.cancel_current()
    assert not page.progress.isVisible() and page.find_btn.isEnabled()
    assert page.notice.text() == "Finding look-alikes stopped."


def test_a_stacks_thumbnails_are_asked_for_when_it_is_opened(tmp_path, services, win, qtbot,
                                                            monkeypatch):
    """Every shot of every stack was asked for on each listing, opened or not: at scale the
    loader's queue (newest kept) dropped the ones the user then opened."""
    _library(tmp_path, services)
    page = win.cull
    with qtbot.waitSignal(page.loaded, timeout=20000):
        win.show_page("cull")
    asked = []
    request = services.thumbs.request
    monkeypatch.setattr(services.thumbs, "request", lambda req: (asked.append(req.file_id),
                                                                 request(req)))
    with qtbot.waitSignal(page.loaded, timeout=30000):
        page.find_btn.click()
    assert len(top_rows(page)) == 2
    listed = {s["file_id"] for row in (0, 1) for s in shot_rows(page, row)}
    page.tree.viewport().repaint()
    assert [f for f in asked if f in listed] == []            # nothing shown: none asked
    open_stack(qtbot, page, 0)
    shots = {s["file_id"] for s in shot_rows(page, 0)}
    qtbot.waitUntil(lambda: {f for f in asked if f in listed} == shots, timeout=10000)
    qtbot.waitUntil(lambda: pictured(page, 0), timeout=10000)
