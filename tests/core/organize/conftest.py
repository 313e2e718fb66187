"""The small library most organize tests plan: an inbox with a RAW+JPEG+Live Photo group and
sidecars, a phone folder, a loose photo, and two planted collections (test_plan_apply.LAYOUT,
SPEC)."""

from __future__ import annotations

import pytest

from tests.core.organize.helpers import make_files, plant_collections, scan_library


@pytest.fixture
def lib(tmp_path, catalog):
    from tests.core.organize.test_plan_apply import LAYOUT, SPEC

    root = tmp_path / "lib"
    make_files(root, LAYOUT)
    scan_library(catalog, root)
    cols = plant_collections(catalog, root, SPEC)
    return root.resolve(), cols
