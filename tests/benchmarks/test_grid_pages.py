"""benchmarks.bench_grid_pages on a small scale catalog: it reads the listing both ways, read
only, and reports the same number of rows for both."""

from __future__ import annotations

import json

from benchmarks import bench_grid_pages
from benchmarks.scale_catalog import build


def test_the_grid_pages_benchmark_reads_a_catalog_without_writing_it(tmp_path, capsys):
    build(tmp_path, 600, 2, "test/clip", "test/text", progress=lambda _m: None, clip_dim=16,
          text_dim=16)
    db = tmp_path / "catalog.sqlite"
    before = db.stat().st_mtime_ns, db.stat().st_size
    assert bench_grid_pages.main([str(db), "--pages", "5", "--page-rows", "50"]) == 0
    out = json.loads(capsys.readouterr().out.split("\n", 1)[1])
    assert out["files"] == out["rows"] == 600 and out["group_starts"] > 1
    assert out["page_fetch_ms"]["rows"] == 50 and len(out["whole_s"]) == 2
    assert (db.stat().st_mtime_ns, db.stat().st_size) == before
