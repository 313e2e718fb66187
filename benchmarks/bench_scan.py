"""Scan speed: first scan and no-change rescan of a generated tree of small photos.

    .venv/bin/python -m benchmarks.bench_scan [--files 10000] [--keep DIR]

Target (issue 2): the no-change rescan of 10,000 files takes under 2 s on a 2-core machine.
The tree is made of tiny JPEGs (EXIF read and hashing are per file, so size barely matters)
spread over nested folders the way a camera-roll library is.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from core.catalog import Catalog
from core.config import Paths
from core.scan.roots import add_root
from core.scan.scanner import scan
from core.tasks import TaskState


def make_tree(root: Path, n: int) -> None:
    from PIL import Image

    buf = Path(root, ".seed.jpg")
    Image.new("RGB", (32, 24), (120, 90, 60)).save(buf, quality=80)
    seed = buf.read_bytes()
    buf.unlink()
    for i in range(n):
        folder = root / f"{2000 + i % 20}" / f"{i % 12 + 1:02d}" / f"event{i % 7}"
        folder.mkdir(parents=True, exist_ok=True)
        # the index in a JPEG comment keeps every file's bytes (and so its hash) distinct
        (folder / f"IMG_{i:06d}.jpg").write_bytes(seed[:2] + b"\xff\xfe\x00\x08" + i.to_bytes(6, "big") + seed[2:])


def timed(fn, *args, **kw):
    t0 = time.perf_counter()
    out = fn(*args, **kw)
    return time.perf_counter() - t0, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=10_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="shoebox-bench-scan-") as tmp:
        library, home = Path(tmp, "library"), Path(tmp, "home")
        library.mkdir()
        t_make, _ = timed(make_tree, library, args.files)
        catalog = Catalog.open(Paths(home))
        add_root(catalog, library)
        t_first, first = timed(scan, catalog, TaskState("scan"))
        t_again, again = timed(scan, catalog, TaskState("scan"))
        # touch 1% of the files (same bytes, new mtime): the rescan re-reads only those
        touched = sorted(library.rglob("*.jpg"))[:: 100]
        for p in touched:
            os.utime(p, ns=(time.time_ns(), time.time_ns()))
        t_touch, _ = timed(scan, catalog, TaskState("scan"))
        catalog.close()
        db = Paths(home).catalog
        size = sum(f.stat().st_size for f in home.iterdir() if f.name.startswith(db.name))
    print(f"files: {args.files} (tree made in {t_make:.1f} s)")
    print(f"first scan:            {t_first:6.2f} s  ({args.files / t_first:,.0f} files/s, new={first.new})")
    print(f"no-change rescan:      {t_again:6.2f} s  (nothing changed: {again.nothing_changed})  target < 2 s")
    print(f"rescan, 1% touched:    {t_touch:6.2f} s  ({len(touched)} files re-read)")
    print(f"catalog size:          {size / 1e6:6.1f} MB")


if __name__ == "__main__":
    main()
