"""Bursts made from the real photos the repository carries: shifted crops of one photo, some
blurred, some darker, written as JPEGs with camera and capture time in their EXIF."""

from __future__ import annotations

import time
from pathlib import Path

from PIL import Image, ImageEnhance, ImageFilter

REPO = Path(__file__).resolve().parents[3]
SAMPLE = REPO / "resources" / "sample" / "library"
FACES = REPO / "tests" / "data" / "faces"
CAT = SAMPLE / "Phone" / "2023-06 Home" / "IMG_2301.jpg"            # Chelsea the cat
ROCKET = SAMPLE / "Phone" / "2015-02 Florida" / "IMG_0412.jpg"      # a launch
COFFEE = SAMPLE / "Phone" / "2023-04 Lisbon" / "IMG_2031.jpg"
GRAVEL = SAMPLE / "Phone" / "2023-04 Lisbon" / "IMG_2033.jpg"      # a fine texture
BRICKS = SAMPLE / "Phone" / "2023-04 Lisbon" / "IMG_2032.jpg"
GRASS = SAMPLE / "Phone" / "2023-04 Lisbon" / "IMG_2034.jpg"
PORTRAIT = FACES / "obama_2012_portrait.jpg"
T0 = time.mktime((2024, 5, 4, 10, 0, 0, 0, 0, -1))


def variant(src: Path, dx: int = 0, blur: float = 0.0, light: float = 1.0) -> Image.Image:
    """A 94% crop of `src` moved `dx` px right, blurred by `blur` (Gaussian σ), with its
    brightness times `light`."""
    img = Image.open(src).convert("RGB")
    w, h = img.size
    cw, ch = int(w * 0.94), int(h * 0.94)
    x = min(max(0, (w - cw) // 2 + dx), w - cw)
    out = img.crop((x, (h - ch) // 2, x + cw, (h - ch) // 2 + ch))
    if blur:
        out = out.filter(ImageFilter.GaussianBlur(blur))
    if light != 1.0:
        out = ImageEnhance.Brightness(out).enhance(light)
    return out


def tilted(src: Path, degrees: float = 2.0) -> Image.Image:
    """`src` shot again with the camera turned `degrees`: no black corners, so the middle 88%
    of the turned photo, brought to the size of a variant() (a slightly closer framing)."""
    img = Image.open(src).convert("RGB")
    w, h = img.size
    turned = img.rotate(degrees, resample=Image.Resampling.BICUBIC)
    out = turned.crop((int(w * 0.06), int(h * 0.06), int(w * 0.94), int(h * 0.94)))
    return out.resize((int(w * 0.94), int(h * 0.94)), Image.Resampling.BICUBIC)


def save(img: Image.Image, path: Path, taken: float, camera=("Fuji", "X100")) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    ex = Image.Exif()
    stamp = time.strftime("%Y:%m:%d %H:%M:%S", time.localtime(taken))
    if camera:
        ex[271], ex[272] = camera
    ex[306] = stamp
    ex.get_ifd(0x8769)[36867] = stamp
    img.save(path, "JPEG", quality=92, exif=ex.tobytes())
    return path


def stacked_library(catalog, root: Path) -> Path:
    """Three cat frames (IMG_1 the sharp one) and a coffee minutes later, written under `root`,
    scanned and stacked: the library views show one stack of three and a single."""
    from core.cull.store import restack
    from core.scan.roots import add_root
    from core.scan.scanner import scan

    for i, (dx, blur) in enumerate([(6, 2.0), (0, 0.0), (-5, 1.5)]):
        save(variant(CAT, dx=dx, blur=blur), root / f"IMG_{i}.jpg", T0 + i * 0.3)
    save(variant(COFFEE), root / "IMG_9.jpg", T0 + 400)
    add_root(catalog, root)
    scan(catalog)
    restack(catalog)
    return root
