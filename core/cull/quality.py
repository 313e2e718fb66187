"""What a photo's pixels say about it as a shot: sharpness where it matters, exposure, and a
small signature of the scene for telling look-alikes apart when no CLIP vector is there.

Everything is measured on one decode scaled to a fixed size (MEASURE_SIDE on the short side),
so shots of one scene compare fairly whatever their resolution. Pure numpy on an upright RGB
image: no catalog, no model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter

from core.cull.align import aligned_correlation
from core.media.phash import phash_image

MEASURE_SIDE = 768        # short side the measures are taken at
CENTRE = 0.5              # without faces, the centre region this share of each side wide
CLIP_HIGH = 250 / 255     # a channel at or above: blown out
CLIP_LOW = 5 / 255        # luma at or below: crushed
SIG_SIDE = 32             # scene signature: edge map side
SIG_SHIFT = 3             # ... compared over shifts of up to this many cells (~10%)
COLOUR_MIN_OVERLAP = 0.25 # colours this far apart are never one scene
SIG_BINS = 6              # ... and chromaticity histogram bins per axis


@dataclass(frozen=True)
class FaceBox:
    """A face as fractions of the upright picture (the faces table's x, y, w, h)."""

    x: float
    y: float
    w: float
    h: float


@dataclass(frozen=True)
class Quality:
    sharpness: float          # higher is sharper (see sharpness())
    focus: str                # 'faces' or 'centre': where sharpness was measured
    faces: int
    clipped_high: float       # share of pixels blown out (in any channel)
    clipped_low: float        # share of pixels crushed to black
    brightness: float         # mean luma, 0-1
    phash: int                # 64-bit pHash (core.media.phash), unsigned
    signature: bytes          # scene_signature()
    eyes_closed: int | None = None   # faces with both eyes shut; None: not measured


def luma(img: Image.Image) -> np.ndarray:
    a = np.asarray(img.convert("RGB"), dtype=np.float32) / 255.0
    return a[..., 0] * 0.299 + a[..., 1] * 0.587 + a[..., 2] * 0.114


def for_measuring(img: Image.Image) -> Image.Image:
    """The image at MEASURE_SIDE on its short side (smaller ones as they are)."""
    short = min(img.size)
    if short <= MEASURE_SIDE:
        return img
    f = MEASURE_SIDE / short
    return img.resize((max(1, round(img.width * f)), max(1, round(img.height * f))),
                      Image.Resampling.BOX)


def _laplacian(g: np.ndarray) -> np.ndarray:
    return (g[1:-1, :-2] + g[1:-1, 2:] + g[:-2, 1:-1] + g[2:, 1:-1] - 4 * g[1:-1, 1:-1])


def sharpness(g: np.ndarray) -> float:
    """Variance of the Laplacian of a grey region stretched to its own 1st-99th percentile
    range: a darker or lighter frame of the same scene measures (nearly) the same, so
    exposure and focus are judged apart."""
    if g.shape[0] < 8 or g.shape[1] < 8:
        return 0.0
    lo, hi = np.percentile(g, (1, 99))
    if hi - lo < 0.02:          # a flat region has no focus to measure
        return 0.0
    stretched = np.clip((g - lo) / (hi - lo), 0, 1)
    return float(_laplacian(stretched).var() * 1000.0)


def _region(g: np.ndarray, x: float, y: float, w: float, h: float) -> np.ndarray:
    H, W = g.shape
    x0, y0 = max(0, int(x * W)), max(0, int(y * H))
    x1, y1 = min(W, int(np.ceil((x + w) * W))), min(H, int(np.ceil((y + h) * H)))
    return g[y0:y1, x0:x1]


def _ranks(a: np.ndarray) -> np.ndarray:
    """Each value's rank, scaled to 0-255: a darker, lighter or clipped frame keeps the
    order of its values where their sizes change."""
    r = np.empty(a.size, np.float32)
    r[np.argsort(a.ravel(), kind="stable")] = np.arange(a.size, dtype=np.float32)
    return np.round(r / max(a.size - 1, 1) * 255).reshape(a.shape).astype(np.uint8)


def scene_signature(img: Image.Image) -> bytes:
    """Where the picture's edges are (a SIG_SIDE² map of smoothed gradient strength, as
    ranks), and a histogram of its colours without their brightness (chromaticity).

    The edge map, not the picture itself: measured on real photos made into bursts
    (benchmarks/bench_cull.py), it keeps a blurred, tilted, shifted or re-exposed frame of a
    scene well above any other scene, where grey thumbnails put two photos of one room
    above a tilted frame of a wall's texture."""
    rgb = img.convert("RGB")
    grey = rgb.convert("L").resize((4 * SIG_SIDE, 4 * SIG_SIDE), Image.Resampling.BOX)
    g = np.asarray(grey.filter(ImageFilter.GaussianBlur(1.5)), np.float32)
    gx = np.diff(g, axis=1)[:-1, :]
    gy = np.diff(g, axis=0)[:, :-1]
    edges = Image.fromarray(np.sqrt(gx * gx + gy * gy)).resize((SIG_SIDE, SIG_SIDE),
                                                               Image.Resampling.BOX)
    edge_map = _ranks(np.asarray(edges, np.float32))
    c = np.asarray(rgb.resize((64, 64), Image.Resampling.BOX), np.float32)
    total = c.sum(axis=2)
    lit = total > 12                      # near-black pixels have no colour to speak of
    rg = c[lit][:, :2] / total[lit][:, None]
    q = np.clip((rg * SIG_BINS * 1.5).astype(int), 0, SIG_BINS - 1)  # r, g < 2/3 mostly
    hist = np.bincount(q[:, 0] * SIG_BINS + q[:, 1], minlength=SIG_BINS ** 2)
    hist = hist.astype(np.float32) / max(int(lit.sum()), 1)
    return edge_map.tobytes() + np.clip(hist * 255, 0, 255).astype(np.uint8).tobytes()


def signature_similarity(a: bytes, b: bytes) -> float:
    """0-1: the best correlation of the two edge maps with one turned up to 2°, zoomed up to
    6% and shifted up to SIG_SHIFT cells (a tilted, reframed retry: core.cull.align); 0 when
    their colours hardly overlap."""
    n = SIG_SIDE * SIG_SIDE
    if len(a) != len(b) or len(a) < n:
        return 0.0
    ha = np.frombuffer(a[n:], np.uint8).astype(np.float32)
    hb = np.frombuffer(b[n:], np.uint8).astype(np.float32)
    overlap = float(np.minimum(ha / max(ha.sum(), 1), hb / max(hb.sum(), 1)).sum())
    if overlap < COLOUR_MIN_OVERLAP:
        return 0.0
    ea = np.frombuffer(a[:n], np.uint8).reshape(SIG_SIDE, SIG_SIDE)
    eb = np.frombuffer(b[:n], np.uint8).reshape(SIG_SIDE, SIG_SIDE)
    return aligned_correlation(ea, eb, SIG_SHIFT)


def measure(img: Image.Image, faces: list[FaceBox] = ()) -> Quality:
    """Measure an upright RGB image. With faces, sharpness is their mean (each face box
    measured alone: a sharp background never makes blurred faces look sharp)."""
    img = for_measuring(img.convert("RGB"))
    rgb = np.asarray(img, dtype=np.uint8)
    g = luma(img)
    values = [sharpness(_region(g, f.x, f.y, f.w, f.h)) for f in faces]
    values = [v for v in values if v > 0]
    if values:
        sharp, focus = float(np.mean(values)), "faces"
    else:
        m = (1 - CENTRE) / 2
        sharp, focus = sharpness(_region(g, m, m, CENTRE, CENTRE)), "centre"
    # blown out: any channel at its top (a sky gone white, or a red gone flat and orange)
    blown = float((rgb.max(axis=2) >= CLIP_HIGH * 255).mean())
    return Quality(sharp, focus, len(faces), blown, float((g <= CLIP_LOW).mean()),
                   float(g.mean()), phash_image(img), scene_signature(img))

