"""Google Takeout import speed: a generated multi-part Takeout of ~1 MB photos.

    .venv/bin/python -m benchmarks.bench_takeout [--photos 2000] [--mb 1.0] [--keep DIR]

Target (issue 29): a 20,000-photo Takeout of 1 MB photos imports (copied out of the zips,
matched with its JSON, added to the library and scanned; indexing not included) at >= 100
photos a second on the 2-core machine. Each photo is a real small JPEG padded to the size with
comment segments (so the scan reads it as a JPEG), with a JSON sidecar (half of them with a
position, so the time-zone table is used), 1,000 photos a zip part, and one photo in ten also
in an album folder (a duplicate the import must recognise). Making the Takeout is not timed.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import shutil
import tempfile
import time
import zipfile
from pathlib import Path

from core.catalog import Catalog
from core.config import Paths
from core.importers import takeout as takeout_mod
from core.importers.takeout import import_takeout
from core.tasks import TaskState

PER_PART = 1000
SEG = 65533 - 2  # bytes of payload in one JPEG COM segment


def padded_jpeg(seed_jpeg: bytes, pad: bytes, i: int) -> bytes:
    """A JPEG whose size is about len(pad), unique by i, still a JPEG to any reader. Sizes
    differ as real photos' do (the importer hashes a size it has seen before writing)."""
    segments = []
    body = i.to_bytes(8, "big") + pad[:len(pad) - i % 100_000]
    for k in range(0, len(body), SEG):
        chunk = body[k:k + SEG]
        segments.append(b"\xff\xfe" + (len(chunk) + 2).to_bytes(2, "big") + chunk)
    return seed_jpeg[:2] + b"".join(segments) + seed_jpeg[2:]


def sidecar(name: str, i: int) -> bytes:
    lat, lon = (35.0 + (i % 100) / 1000, 135.7) if i % 2 else (0.0, 0.0)
    return json.dumps({
        "title": name, "description": f"photo number {i}",
        "photoTakenTime": {"timestamp": str(1262304000 + i * 3600), "formatted": ""},
        "geoData": {"latitude": lat, "longitude": lon, "altitude": 0.0},
        "geoDataExif": {"latitude": 0.0, "longitude": 0.0, "altitude": 0.0},
    }).encode()


def make_takeout(folder: Path, photos: int, mb: float) -> list[Path]:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 90, 60)).save(buf, "JPEG", quality=80)
    seed = buf.getvalue()
    pad = os.urandom(int(mb * 1_000_000))
    parts = []
    for p in range(0, photos, PER_PART):
        path = folder / f"takeout-20261206T000000Z-{p // PER_PART + 1:03d}.zip"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
            for i in range(p, min(p + PER_PART, photos)):
                name = f"IMG_{i:06d}.jpg"
                year = 2010 + i * 3600 // (365 * 86400)
                data = padded_jpeg(seed, pad, i)
                zf.writestr(f"Takeout/Google Photos/Photos from {year}/{name}", data)
                zf.writestr(f"Takeout/Google Photos/Photos from {year}/{name}"
                            ".supplemental-metadata.json", sidecar(name, i))
                if i % 10 == 0:
                    zf.writestr(f"Takeout/Google Photos/Trip/{name}", data)
                    zf.writestr(f"Takeout/Google Photos/Trip/{name}.json", sidecar(name, i))
        parts.append(path)
    return parts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--photos", type=int, default=2000)
    ap.add_argument("--mb", type=float, default=1.0)
    ap.add_argument("--threads", type=int, default=None, help="copy threads (default: the "
                    "importer's)")
    ap.add_argument("--keep", type=Path, default=None, help="work here and keep it")
    args = ap.parse_args()
    if args.threads:
        takeout_mod.COPY_THREADS = args.threads
    tmp = args.keep or Path(tempfile.mkdtemp(prefix="shoebox-bench-takeout-"))
    try:
        src, into, home = tmp / "takeout", tmp / "Library", tmp / "home"
        src.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        parts = make_takeout(src, args.photos, args.mb)
        os.sync()  # a Takeout is on disk before it is imported: its writing is not timed
        made = time.perf_counter() - t0
        catalog = Catalog.open(Paths(home))
        cpu0 = resource.getrusage(resource.RUSAGE_SELF)
        t0 = time.perf_counter()
        summary = import_takeout(catalog, parts, into, TaskState("import"), data_home=home)
        wall = time.perf_counter() - t0
        cpu1 = resource.getrusage(resource.RUSAGE_SELF)
        cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
        with catalog.read() as conn:
            dated = conn.execute("SELECT count(*) FROM files WHERE taken_at_source = 'takeout'"
                                 ).fetchone()[0]
        catalog.close()
        # the disk's own rate in the same minute: a plain copy of the zips (no import at all)
        t0 = time.perf_counter()
        for part in parts:
            shutil.copyfile(part, tmp / "plain-copy.zip")
            os.sync()
            (tmp / "plain-copy.zip").unlink()
        plain = time.perf_counter() - t0
        result = {
            "photos": args.photos, "mb_each": args.mb, "parts": len(parts),
            "media_entries": summary.media, "copied": summary.copied,
            "duplicates": summary.duplicates, "unmatched": len(summary.unmatched),
            "dated_by_takeout": dated, "make_s": round(made, 1), "import_s": round(wall, 2),
            "photos_per_s": round(args.photos / wall, 1), "cpu_s": round(cpu, 1),
            "plain_copy_s": round(plain, 2),
            "plain_copy_photos_per_s": round(args.photos / plain, 1),
            "threads": takeout_mod.COPY_THREADS, "load": os.getloadavg()[0],
        }
        print(json.dumps(result, indent=2))
    finally:
        if args.keep is None:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
