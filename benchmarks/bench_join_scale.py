"""New photos joining existing collections at library scale (issue 31): the time of
`core.collections.assign_new` after k new photos, on bench_scale's synthetic catalog.

    .venv/bin/python -m benchmarks.bench_join_scale --cache /tmp/eventsinc-bench \\
        [--size 100000] [--newcomers 10,1000]

The catalog of that size under --cache (built by `benchmarks.bench_scale`) is copied once to
<cache>/join-n<size> and reclustered there (the synthetic catalogs have no collections;
~4 min at 100k): this never writes the bench_scale catalog. Each round adds k copies of
random photos' CLIP vectors, jittered (they belong to the collections their originals are
in), times assign_new, and deletes them again.
"""

from __future__ import annotations

import argparse
import os
import shutil
import time
from pathlib import Path

import numpy as np

_NEW = "#join-new"


def _add(conn, model: str, k: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    rows = conn.execute("SELECT e.file_id, e.vector FROM embeddings e WHERE e.model_id = ? "
                        "AND e.frame_ms = -1 ORDER BY random() LIMIT ?", (model, k)).fetchall()
    for fid, blob in rows:
        v = np.frombuffer(blob, "<f4") + rng.normal(scale=0.002, size=len(blob) // 4)
        v = (v / np.linalg.norm(v)).astype("<f4")
        new = conn.execute(
            "INSERT INTO files(root_id, path, folder, name, kind, format, size, mtime_ns, "
            "first_seen_at) SELECT root_id, path || ?, folder, name, kind, format, size, "
            "mtime_ns, first_seen_at FROM files WHERE id = ?", (_NEW, fid)).lastrowid
        conn.execute("INSERT INTO embeddings(file_id, model_id, dim, vector) VALUES (?, ?, ?, ?)",
                     (new, model, len(v), v.tobytes()))


def _drop(conn) -> None:
    conn.execute(f"DELETE FROM files WHERE path LIKE '%{_NEW}'")


def main(argv=None) -> int:
    from benchmarks.bench_scale import catalog_home
    from core.catalog import Catalog
    from core.collections import assign_new, join_model_path, recluster
    from core.config import Paths

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cache", type=Path, required=True)
    ap.add_argument("--size", type=int, default=100_000)
    ap.add_argument("--newcomers", default="10,1000")
    args = ap.parse_args(argv)
    home = args.cache / f"join-n{args.size}"
    if not (home / "catalog.sqlite").exists():
        home.mkdir(parents=True, exist_ok=True)
        shutil.copy(catalog_home(args.cache, args.size) / "catalog.sqlite",
                    home / "catalog.sqlite")
    catalog = Catalog.open(Paths(home))
    try:
        with catalog.read() as conn:
            model = conn.execute("SELECT model_id FROM embeddings LIMIT 1").fetchone()[0]
        if not join_model_path(catalog).is_file():
            t = time.perf_counter()
            rep = recluster(catalog, model_id=model)
            print(f"recluster: {rep.collections} collections in {time.perf_counter() - t:.0f} s")
        catalog.write(_drop)
        assign_new(catalog, model_id=model)        # imports hdbscan, loads the join model
        for k in [int(x) for x in args.newcomers.split(",")]:
            catalog.write(_add, model, k, k)
            t = time.perf_counter()
            joined = assign_new(catalog, model_id=model)
            print(f"{args.size:,} files, {k} new: assign_new {time.perf_counter() - t:.2f} s, "
                  f"{joined} joined (load {os.getloadavg()[0]:.1f})", flush=True)
            catalog.write(_drop)
    finally:
        catalog.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
