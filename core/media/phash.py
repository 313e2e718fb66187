"""Perceptual hashes: a 64-bit fingerprint of how a picture looks, which re-saves, resizes and
recompression barely change. Duplicates, video look-alikes and culling compare them."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageOps


def _dct_matrix(n: int) -> np.ndarray:
    k = np.arange(n)[:, None]
    i = np.arange(n)[None, :]
    m = np.cos(np.pi * (2 * i + 1) * k / (2 * n)) * np.sqrt(2.0 / n)
    m[0] /= np.sqrt(2.0)
    return m


_DCT32 = _dct_matrix(32)


def phash_image(img: Image.Image) -> int:
    """64-bit pHash: 32x32 grey, 2-D DCT, the 8x8 lowest frequencies against their median."""
    grey = ImageOps.exif_transpose(img).convert("L").resize((32, 32), Image.Resampling.LANCZOS)
    a = np.asarray(grey, dtype=np.float64)
    low = (_DCT32 @ a @ _DCT32.T)[:8, :8].reshape(-1)
    bits = low > np.median(low[1:])          # the DC term would swamp the median
    value = 0
    for b in bits:
        value = (value << 1) | int(b)
    return value


def phash_file(path: str) -> int:
    with Image.open(path) as img:
        img.draft("RGB", (128, 128))          # JPEG: decode at a fraction of full size
        return phash_image(img)


def hamming(a: int, b: int) -> int:
    return ((a ^ b) & 0xFFFFFFFFFFFFFFFF).bit_count()


def to_signed(v: int) -> int:
    """The hash as SQLite stores it (a signed 64-bit integer)."""
    return v - (1 << 64) if v >= 1 << 63 else v
