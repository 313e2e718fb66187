"""A phone's camera roll with its truth, built from scratch (no files needed beside the repo).

One flat `DCIM/Camera` folder, as copied off a phone (every file's mtime is the copy day):
- three trips abroad with GPS in most photos: Iceland (Reykjavík, then Vík), Kyoto, Lisbon;
- a day out in another town of the home country (Bruges, ~100 km from home);
- a birthday at home: many photos in one afternoon, with faces (the faces stage's rows for a
  person the user named are planted: the pixels here are textures, not faces);
- everyday photos at home, a few a week over a year and a half;
- Android screenshots (PNG, dated by their names only), two of them taken during a trip;
- old scans without EXIF.

Photos are real JPEGs (textures from numpy, each event its own palette) with EXIF dates and
GPS written in, named as a phone names them (PXL_YYYYMMDD_HHMMSSmmm.jpg).

`build(dest, scale)` writes the files and returns the truth: relative path -> `Truth`.
"""

from __future__ import annotations

import os
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from pathlib import Path

import numpy as np
from PIL import Image

CAMERA = "DCIM/Camera"
HOME = (50.8798, 4.7005)                      # Leuven, Belgium
COPY_DAY = datetime(2024, 3, 2, 20, 15)       # every file's mtime: the day they were copied
PERSON = "Anna"


@dataclass(frozen=True)
class Truth:
    group: str            # the event's name, 'everyday', 'screenshots', 'scans'
    folder: str           # where it belongs: exact for kinds and months; for events the year
    year: int | None
    places: tuple[str, ...] = ()    # words one of which an event's folder must carry
    away: bool = False


# (name, start, days, photos, [(lat, lon, place words), ...] by day, share with GPS)
TRIPS = [
    ("Iceland", datetime(2022, 8, 10, 9), 6, 24,
     [(64.1417, -21.9266)] * 3 + [(63.4186, -19.0060)] * 3, ("Iceland", "Reykjavík", "Vík")),
    ("Kyoto", datetime(2023, 4, 3, 8), 4, 20, [(35.0116, 135.7681)] * 4, ("Kyoto", "Japan")),
    ("Lisbon", datetime(2023, 10, 12, 10), 3, 16, [(38.7223, -9.1393)] * 3,
     ("Lisbon", "Lisboa", "Portugal")),
]
DAY_OUT = ("Bruges", datetime(2023, 6, 3, 10), 10, (51.2093, 3.2247), ("Bruges", "Brugge"))
BIRTHDAY = ("Birthday", datetime(2023, 6, 17, 14), 14)
EVERYDAY = (datetime(2022, 9, 1), datetime(2024, 1, 31))


def texture(seed: int, palette: int, size=(320, 240)) -> Image.Image:
    """A photo-like picture: smooth light over a few blobs of the event's colours, and grain."""
    rng = np.random.default_rng(seed)
    prng = np.random.default_rng(palette)
    w, h = size
    base = prng.uniform(40, 215, 3)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    xs, ys = (x / w)[..., None], (y / h)[..., None]
    img = np.zeros((h, w, 3), np.float32) + base
    img += xs * prng.uniform(-60, 60, 3) + ys * prng.uniform(-60, 60, 3)
    for _ in range(6):
        cx, cy, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(15, 80)
        blob = np.exp(-(((x - cx) ** 2 + (y - cy) ** 2) / (2 * r * r)))[..., None]
        img += blob * rng.uniform(-90, 90, 3)
    img += rng.normal(0, 6, img.shape)
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), "RGB")


def _dms(value: float):
    d = int(value)
    m = int((value - d) * 60)
    s = round(((value - d) * 60 - m) * 60, 4)
    return (Fraction(d), Fraction(m), Fraction(s).limit_denominator(10000))


def write_photo(path: Path, image: Image.Image, taken: datetime | None,
                gps: tuple[float, float] | None, camera: bool = True) -> None:
    exif = Image.Exif()
    if camera:
        exif[271], exif[272] = "Google", "Pixel 7"
    if taken is not None:
        stamp = taken.strftime("%Y:%m:%d %H:%M:%S")
        exif[306] = stamp
        exif.get_ifd(0x8769)[36867] = stamp
    if gps is not None:
        lat, lon = gps
        g = exif.get_ifd(0x8825)
        g[1], g[2] = ("N" if lat >= 0 else "S"), _dms(abs(lat))
        g[3], g[4] = ("E" if lon >= 0 else "W"), _dms(abs(lon))
    image.save(path, "JPEG", quality=85, exif=exif.tobytes())


def _jitter(rng: random.Random, pos: tuple[float, float], km: float = 1.5):
    return (pos[0] + rng.uniform(-km, km) / 111, pos[1] + rng.uniform(-km, km) / 70)


def _pxl(t: datetime, n: int) -> str:
    return f"PXL_{t:%Y%m%d_%H%M%S}{n % 1000:03d}.jpg"


def build(dest: Path, scale: float = 1.0, seed: int = 0) -> dict[str, Truth]:
    """Write the camera roll under dest; returns relative path -> Truth. `scale` shrinks every
    group (at least 3 photos each; 1.0: ~190 files)."""
    rng = random.Random(seed)
    folder = dest / CAMERA
    folder.mkdir(parents=True, exist_ok=True)
    truth: dict[str, Truth] = {}
    busy_days: set = set()
    n = 0

    def count(k: int) -> int:
        return max(3, round(k * scale))

    def add(t: datetime, image: Image.Image, gps, tr: Truth, name: str | None = None) -> None:
        nonlocal n
        n += 1
        rel = f"{CAMERA}/{name or _pxl(t, n)}"
        write_photo(dest / rel, image, t, gps)
        truth[rel] = tr

    for i, (name, start, days, k, spots, words) in enumerate(TRIPS):
        k = count(k)
        for j in range(k):
            day = j * days // k
            t = start + timedelta(days=day, hours=rng.uniform(0, 9), minutes=j)
            busy_days.add(t.date())
            gps = _jitter(rng, spots[day]) if rng.random() < 0.85 or j == 0 else None
            add(t, texture(1000 * i + j, 10 + i), gps,
                Truth(name, "", start.year, words, away=True))
    name, start, k, spot, words = DAY_OUT
    for j in range(count(k)):
        t = start + timedelta(hours=j * 6 / count(k))
        busy_days.add(t.date())
        add(t, texture(5000 + j, 20), _jitter(rng, spot, 1.0),
            Truth(name, "", start.year, words, away=True))
    name, start, k = BIRTHDAY
    for j in range(count(k)):
        t = start + timedelta(minutes=j * 200 / count(k))
        busy_days.add(t.date())
        add(t, texture(6000 + j, 30), _jitter(rng, HOME, 0.05),
            Truth(name, "", start.year))
    # everyday: now and then, one or two photos, away from the days above
    day = EVERYDAY[0]
    while day < EVERYDAY[1]:
        day += timedelta(days=rng.randint(3, 12) if scale >= 1 else rng.randint(10, 30))
        if day.date() in busy_days or day >= EVERYDAY[1]:
            continue
        for j in range(rng.choice((1, 1, 2))):
            t = day.replace(hour=rng.randint(8, 20), minute=rng.randint(0, 59))
            gps = _jitter(rng, HOME, 3) if rng.random() < 0.7 else None
            add(t, texture(7000 + n, 40 + n % 5), gps,
                Truth("everyday", f"{t:%Y}/{t:%Y-%m}", t.year))
    # screenshots: PNG at a phone's screen size, dated by their name only; two during Kyoto
    shots = [datetime(2022, 11, 5, 21, 3, 9), datetime(2023, 1, 20, 8, 30),
             TRIPS[1][1] + timedelta(days=1, hours=3), TRIPS[1][1] + timedelta(days=2, hours=5),
             datetime(2023, 7, 1, 22, 0), datetime(2023, 9, 9, 13, 14, 15),
             datetime(2023, 12, 24, 18, 0), datetime(2024, 1, 2, 7, 45)]
    for j, t in enumerate(shots[:max(3, round(len(shots) * scale))]):
        rel = f"{CAMERA}/Screenshot_{t:%Y%m%d-%H%M%S}.png"
        texture(8000 + j, 50, size=(270, 585)).save(dest / rel, "PNG")
        truth[rel] = Truth("screenshots", f"Screenshots/{t:%Y}", t.year)
    # old scans: no EXIF at all
    for j in range(count(5)):
        rel = f"{CAMERA}/scan{j + 1:04d}.jpg"
        texture(9000 + j, 60 + j, size=(300, 420)).convert("L").convert("RGB").save(
            dest / rel, "JPEG", quality=80)
        truth[rel] = Truth("scans", "Scans", None)
    copied = time.mktime(COPY_DAY.timetuple())
    for rel in truth:
        os.utime(dest / rel, (copied, copied))
    return truth
