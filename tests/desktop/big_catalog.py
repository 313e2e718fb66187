"""A large catalog for GUI speed checks: a few hundred real photos (newest, so they fill the
first screen) with their thumbnails cached as the pipeline leaves them, plus many more rows
for files that need not exist (they are only ever scrolled past)."""

from __future__ import annotations

import time

from core.media.thumbnails import make_thumbnails
from core.scan.roots import add_root
from core.scan.scanner import scan
from tests.media_factory import write_jpeg


def build(catalog, paths, folder, total: int, real: int = 300, size=(640, 480)) -> float:
    """Returns the seconds it took."""
    t0 = time.perf_counter()
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(real):
        write_jpeg(folder / "recent" / f"IMG_{i:05d}.jpg", size, seed=i,
                   taken=f"2030:01:01 {i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}")
    root = add_root(catalog, folder)
    scan(catalog)
    with catalog.read() as conn:
        for fid, path, h in conn.execute("SELECT id, path, content_hash FROM files"):
            make_thumbnails(paths, path, "photo", h)
    base = time.time() - 86400

    def insert(conn, start, end):
        conn.executemany(
            "INSERT INTO files(root_id, path, folder, name, kind, format, size, mtime_ns, "
            "content_hash, width, height, taken_at, taken_at_source, status, first_seen_at) "
            "VALUES (?, ?, ?, ?, 'photo', 'jpeg', 1000, 0, ?, 640, 480, ?, 'exif', 'present', ?)",
            [(root.id, f"{folder}/old/{i // 1000:03d}/IMG_{i:06d}.jpg",
              f"{folder}/old/{i // 1000:03d}", f"IMG_{i:06d}.jpg", f"{i:032x}",
              base - i * 600, base) for i in range(start, end)])

    n = total - real
    for start in range(0, n, 20000):
        catalog.write(insert, start, min(n, start + 20000))
    return time.perf_counter() - t0
