"""Proposing a plan from the app needs no collections: a library indexed without CLIP (no
image vectors, so no collections can be found) is still planned by its dates."""

from __future__ import annotations

from core.organize import get_plan, plan_items
from core.scan.roots import add_root
from core.scan.scanner import scan
from core.tasks import TaskState
from desktop.organize_api import propose
from tests.media_factory import write_jpeg


def test_a_plan_is_proposed_without_image_vectors(tmp_path, services):
    lib = tmp_path / "Phone"
    for m in (3, 7):
        write_jpeg(lib / "DCIM" / f"IMG_{m}.jpg", (64, 48), seed=m,
                   taken=f"2023:0{m}:10 12:00:00")
    add_root(services.catalog, lib)
    scan(services.catalog)
    pid = propose(services, "move", TaskState("plan"))
    items = plan_items(services.catalog, pid)
    assert len(items) == 2 and all("/2023/" in i.dst for i in items)
    assert get_plan(services.catalog, pid)["summary"]["layout"] == "event"
