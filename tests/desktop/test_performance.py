"""Opening the app on a big catalog shows the first screen of thumbnails quickly (a lighter
version of benchmarks/bench_gui.py: 20,000 items here, 100,000 there)."""

from __future__ import annotations

import os

import pytest

from core.config import Settings


@pytest.mark.timeout(240)
def test_first_screen_of_a_big_catalog_under_two_seconds(tmp_path, paths, catalog, qapp):
    from benchmarks.bench_gui import measure
    from tests.desktop.big_catalog import build

    build(catalog, paths, tmp_path / "library", total=20_000, real=60, size=(400, 300))
    result = measure(qapp, paths, Settings(watch=False))
    assert result["rows"] == 20_000
    assert result["visible"] >= 20
    limit = 2.0 if os.getloadavg()[0] <= (os.cpu_count() or 1) else 4.0
    assert result["first_screen_s"] < limit, result
