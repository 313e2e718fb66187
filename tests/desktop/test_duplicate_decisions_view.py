"""The Duplicates view's decisions: "Keep both" / "Not a duplicate" take the group off the
list and are remembered; "Show dismissed" lists them and "Offer again" undoes one."""

from __future__ import annotations

from core.search import duplicates
from tests.core.search import planting as P
from tests.media_factory import write_jpeg


def _plant(services, tmp_path):
    cat = services.catalog
    r = P.root(cat, str(tmp_path))
    ids = {}
    for name, content in (("a.jpg", "A"), ("a copy.jpg", "A"), ("b.jpg", "B"), ("b2.jpg", "B")):
        path = str(write_jpeg(tmp_path / name, (60, 40), seed=ord(content)))
        ids[name] = P.file(cat, r, path, content_hash=content)
    return ids


def test_keep_both_leaves_the_list_and_is_undone_from_show_dismissed(tmp_path, services, qtbot):
    from desktop.views.duplicates import DuplicatesPage

    _plant(services, tmp_path)
    page = DuplicatesPage(services)
    qtbot.addWidget(page)
    page.resize(900, 600)
    page.show()
    with qtbot.waitSignal(page.loaded, timeout=10000):
        page.near.setChecked(False)                      # (finds them again)
    assert len(page.groups) == 2
    assert not page.keep_btn.isEnabled()                 # nothing selected: nothing to decide
    view, model = page.view, page.model
    view.setCurrentIndex(model.index(model.heading_row(0), 0))
    assert page.keep_btn.isEnabled() and page.keep_btn.text() == "Keep all"
    assert not page.not_dup_btn.isEnabled()              # identical bytes are duplicates
    kept = {f.path for f in page.groups[0].files}
    page.keep_btn.click()
    assert len(page.groups) == 1 and {f.path for f in page.groups[0].files} != kept
    assert "not offered again" in page.notice.text()
    assert view.currentIndex().row() == model.heading_row(0)   # the next group is current
    assert len(duplicates(services.catalog, None, near=False)) == 1   # remembered

    with qtbot.waitSignal(page.loaded, timeout=10000):
        page.show_dismissed.setChecked(True)
    assert [g.decision for g in page.groups] == [None, "keep_both"]
    assert "dismissed: you keep both" in model.index(model.heading_row(1), 0).data()
    assert page.checked_paths() == [page.groups[0].files[1].path]   # a kept group: no ticks
    view.setCurrentIndex(model.index(model.heading_row(1), 0))
    assert page.undo_btn.isEnabled() and not page.keep_btn.isEnabled()
    with qtbot.waitSignal(page.loaded, timeout=10000):
        page.undo_btn.click()
    assert [g.decision for g in page.groups] == [None, None]
    assert len(duplicates(services.catalog, None, near=False)) == 2
