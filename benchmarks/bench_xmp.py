"""XMP sidecars (issue 28): what reading them at scan and writing them costs.

    .venv/bin/python -m benchmarks.bench_xmp [--n 1000] [--folders 10]

A synthetic library of N small JPEGs: the first scan and a rescan that finds nothing new,
each with the XMP read (sidecars + embedded XMP/IPTC) and without it; then `metadata write`
for N photos with a named face each, and the rescan that reads those N sidecars back.
"""

from __future__ import annotations

import argparse
import contextlib
import tempfile
import time
from pathlib import Path
from unittest import mock

from PIL import Image

from core.catalog import Catalog
from core.config import Paths
from core.scan.roots import add_root
from core.scan.scanner import scan
from core.xmp import read as xmp_read
from core.xmp.write import write_sidecars


def timed(fn, *args, **kw):
    t0 = time.perf_counter()
    out = fn(*args, **kw)
    return time.perf_counter() - t0, out


def library(root: Path, n: int, folders: int) -> None:
    for i in range(n):
        folder = root / f"f{i % folders:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (320, 240), (i % 256, 80, 160)).save(folder / f"IMG_{i:05d}.jpg",
                                                               quality=80)


def one_run(tmp: Path, n: int, folders: int, read_xmp: bool) -> dict:
    home = tmp / ("with" if read_xmp else "without")
    catalog = Catalog.open(Paths(home))
    add_root(catalog, tmp / "lib")
    patch = mock.patch.object(xmp_read, "refresh", lambda *a, **k: 0) if not read_xmp \
        else contextlib.nullcontext()
    with patch:
        first, _ = timed(scan, catalog)
        again, _ = timed(scan, catalog)
    out = {"first_scan_s": round(first, 2), "rescan_s": round(again, 3)}
    if read_xmp:
        now = time.time()

        def plant(conn):
            pid = conn.execute("INSERT INTO people(name, created_at, updated_at) VALUES "
                               "('Anna', ?, ?)", (now, now)).lastrowid
            conn.execute(
                "INSERT INTO faces(file_id, idx, x, y, w, h, size_px, score, sharpness, "
                "groupable, model_id, descriptor, person_id, assigned_by) SELECT id, 0, .1, .2,"
                " .3, .25, 80, 1, 100, 1, 'm', x'00', ?, 'user' FROM files", (pid,))
        catalog.write(plant)
        write_s, report = timed(write_sidecars, catalog)
        unchanged_s, _ = timed(write_sidecars, catalog)
        read_s, _ = timed(scan, catalog)
        out.update(write_s=round(write_s, 2), written=report.written,
                   write_unchanged_s=round(unchanged_s, 2), rescan_reading_sidecars_s=round(
                       read_s, 2))
    catalog.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--folders", type=int, default=10)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        library(tmp / "lib", args.n, args.folders)
        without = one_run(tmp, args.n, args.folders, read_xmp=False)
        with_xmp = one_run(tmp, args.n, args.folders, read_xmp=True)
    print(f"{args.n} JPEGs in {args.folders} folders")
    print(f"  without XMP reading: {without}")
    print(f"  with XMP reading:    {with_xmp}")


if __name__ == "__main__":
    main()
