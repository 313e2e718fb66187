"""Google Takeout import speed: a generated multi-part Takeout of ~1 MB photos.

    .venv/bin/python -m benchmarks.bench_takeout [--photos 2000] [--mb 1.0] [--batch N]
                                                 [--keep DIR]

Target (issue 29): a 20,000-photo Takeout of 1 MB photos imports (copied out of the zips,
matched with its JSON, added to the library and scanned; indexing not included) at >= 100
photos a second on the 2-core machine. Each photo is one of a few real-sized JPEGs (1600x1200,
a gradient under noise, encoded to about --mb) made distinct by a comment segment of varied
length (so sizes differ as real photos' do), with a JSON sidecar (half of them with a
position, so the time-zone table is used), 1,000 photos a zip part, and one photo in ten also
in an album folder (a duplicate the import must recognise). Making the Takeout is not timed.

--batch N imports the Takeout N photos at a time into the same library (each batch's zips are
made, imported, then deleted), so 20,000 photos need the 20 GB of copies plus one batch of
zips instead of 42 GB at once; the figure is then all photos over the sum of the imports
(each batch's import also rescans the photos of the batches before it, so it is if anything
slower than one import). It stops before a batch that would leave under --min-free-gb free.
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


def base_jpegs(mb: float, count: int = 8) -> list[bytes]:
    """`count` different photo-sized JPEGs of about `mb` MB: a gradient under Gaussian noise
    (noise is what makes a real photo's JPEG big), quality raised until the size is reached."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(29)
    w, h = 1600, 1200
    y, x = np.mgrid[0:h, 0:w]
    out = []
    for k in range(count):
        base = np.stack([(x + 97 * k) % w * 255 / w, y * 255 / h,
                         (x + y) * 127 / (w + h) + 20 * k], -1)
        img = Image.fromarray(np.clip(base + rng.normal(0, 14, (h, w, 3)), 0, 255)
                              .astype(np.uint8))
        for quality in range(80, 100):
            buf = io.BytesIO()
            img.save(buf, "JPEG", quality=quality)
            if buf.tell() >= mb * 1_000_000 * 0.95:
                break
        out.append(buf.getvalue())
    return out


def unique_jpeg(bases: list[bytes], i: int) -> bytes:
    """Photo i: one of the bases with a comment segment naming i, of a length varied by i
    (sizes differ as real photos' do: the importer hashes a size it has seen before writing),
    still a JPEG to any reader."""
    seed = bases[i % len(bases)]
    body = i.to_bytes(8, "big") + bytes(i * 7919 % (SEG - 8))
    return seed[:2] + b"\xff\xfe" + (len(body) + 2).to_bytes(2, "big") + body + seed[2:]


def sidecar(name: str, i: int) -> bytes:
    lat, lon = (35.0 + (i % 100) / 1000, 135.7) if i % 2 else (0.0, 0.0)
    return json.dumps({
        "title": name, "description": f"photo number {i}",
        "photoTakenTime": {"timestamp": str(1262304000 + i * 3600), "formatted": ""},
        "geoData": {"latitude": lat, "longitude": lon, "altitude": 0.0},
        "geoDataExif": {"latitude": 0.0, "longitude": 0.0, "altitude": 0.0},
    }).encode()


def make_takeout(folder: Path, first: int, photos: int, bases: list[bytes]) -> list[Path]:
    """Zip parts of photos first .. first + photos - 1."""
    parts = []
    for p in range(first, first + photos, PER_PART):
        path = folder / f"takeout-20261206T000000Z-{p // PER_PART + 1:03d}.zip"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
            for i in range(p, min(p + PER_PART, first + photos)):
                name = f"IMG_{i:06d}.jpg"
                year = 2010 + i * 3600 // (365 * 86400)
                data = unique_jpeg(bases, i)
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
    ap.add_argument("--batch", type=int, default=None, help="import this many photos at a "
                    "time (their zips made, imported, deleted); default: all at once")
    ap.add_argument("--min-free-gb", type=float, default=15.0,
                    help="stop before a batch that would leave less free disk")
    ap.add_argument("--threads", type=int, default=None, help="copy threads (default: the "
                    "importer's)")
    ap.add_argument("--keep", type=Path, default=None, help="work here and keep it")
    args = ap.parse_args()
    if args.threads:
        takeout_mod.COPY_THREADS = args.threads
    batch = args.batch or args.photos
    tmp = args.keep or Path(tempfile.mkdtemp(prefix="shoebox-bench-takeout-"))
    try:
        src, into, home = tmp / "takeout", tmp / "Library", tmp / "home"
        bases = base_jpegs(args.mb)
        catalog = Catalog.open(Paths(home))
        wall = cpu = made = plain = 0.0
        done, summaries, loads = 0, [], []
        while done < args.photos:
            n = min(batch, args.photos - done)
            need = n * args.mb * 2.2 / 1000  # its zips (10% in albums) and its copies, GB
            if shutil.disk_usage(tmp).free / 1e9 - need < args.min_free_gb:
                print(f"stopping after {done} photos: under {args.min_free_gb} GB would "
                      "be left free")
                break
            src.mkdir(parents=True, exist_ok=True)
            t0 = time.perf_counter()
            parts = make_takeout(src, done, n, bases)
            os.sync()  # a Takeout is on disk before it is imported: its writing is not timed
            made += time.perf_counter() - t0
            loads.append(os.getloadavg()[0])
            cpu0 = resource.getrusage(resource.RUSAGE_SELF)
            t0 = time.perf_counter()
            summaries.append(import_takeout(catalog, parts, into, TaskState("import"),
                                            data_home=home))
            wall += time.perf_counter() - t0
            cpu1 = resource.getrusage(resource.RUSAGE_SELF)
            cpu += (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
            # the disk's own rate in the same minute: a plain copy of the zips (no import)
            t0 = time.perf_counter()
            for part in parts:
                shutil.copyfile(part, tmp / "plain-copy.zip")
                os.sync()
                (tmp / "plain-copy.zip").unlink()
            plain += time.perf_counter() - t0
            shutil.rmtree(src)
            done += n
            print(f"{done} photos imported, {wall:.1f} s so far", flush=True)
        with catalog.read() as conn:
            dated = conn.execute("SELECT count(*) FROM files WHERE taken_at_source = 'takeout'"
                                 ).fetchone()[0]
            present = conn.execute("SELECT count(*) FROM files WHERE status = 'present'"
                                   ).fetchone()[0]
        catalog.close()
        result = {
            "photos": done, "mb_each": args.mb, "batches": len(summaries),
            "media_entries": sum(s.media for s in summaries),
            "copied": sum(s.copied for s in summaries),
            "duplicates": sum(s.duplicates for s in summaries),
            "unmatched": sum(len(s.unmatched) for s in summaries),
            "files_in_library": present, "dated_by_takeout": dated,
            "library_gb": round(sum(f.stat().st_size for f in into.rglob("*.jpg")) / 1e9, 2),
            "make_s": round(made, 1), "import_s": round(wall, 2),
            "photos_per_s": round(done / wall, 1) if wall else None, "cpu_s": round(cpu, 1),
            "plain_copy_s": round(plain, 2),
            "plain_copy_photos_per_s": round(done / plain, 1) if plain else None,
            "threads": takeout_mod.COPY_THREADS, "load_at_batches": loads,
            "load_after": os.getloadavg()[0],
        }
        print(json.dumps(result, indent=2))
    finally:
        if args.keep is None:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
