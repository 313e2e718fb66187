"""The best correlation of two small maps over small turns, zooms and shifts of one of them.

A retry of a shot is rarely framed the same: the camera turns a degree or two, steps closer,
moves aside. On a coarse map of a fine texture (gravel, blinds, foliage) a 2° turn alone moves
the corners by half a cell, which is enough to scramble a plain correlation (measured: a
tilted frame of a gravel photo at 0.36 against its clean frame, two different photos at up
to 0.45). So the maps are turned and zoomed against each other over a small grid (TURNS x
ZOOMS, bilinear), and for each, every shift of up to `shift` cells is tried at once (one FFT
correlation, the overlap's sums from integral images). The grid is small on purpose: each
freedom also lets two different photos find a better fit (the same two photos go from 0.45
to 0.50; the tilted gravel from 0.36 to 0.84; benchmarks/bench_cull.py).

A zoom in on one map is a zoom out of the other: zooms in are applied to either, so a warped
map only ever samples inside its source (the corners a turn moves out repeat the border).
"""

from __future__ import annotations

from functools import cache

import numpy as np

TURNS = (-2.0, -1.0, 0.0, 1.0, 2.0)   # degrees
ZOOM = 1.06                           # a step closer or back (the benchmark's tilt is ~7%)


@cache
def _warps(side: int) -> tuple[np.ndarray, np.ndarray]:
    """For each (turn, zoom in): the 4 source cells and bilinear weights of every cell."""
    c = (side - 1) / 2
    dy, dx = (np.mgrid[0:side, 0:side].astype(np.float64) - c)
    idx, wts = [], []
    for zoom in (1.0, ZOOM):
        for turn in TURNS:
            t = np.deg2rad(turn)
            sy = np.clip((np.cos(t) * dy - np.sin(t) * dx) / zoom + c, 0, side - 1)
            sx = np.clip((np.sin(t) * dy + np.cos(t) * dx) / zoom + c, 0, side - 1)
            y0 = np.minimum(np.floor(sy), side - 2).astype(np.intp)
            x0 = np.minimum(np.floor(sx), side - 2).astype(np.intp)
            fy, fx = sy - y0, sx - x0
            top = y0 * side + x0
            idx.append(np.stack([top, top + 1, top + side, top + side + 1], -1).reshape(-1, 4))
            wts.append(np.stack([(1 - fy) * (1 - fx), (1 - fy) * fx, fy * (1 - fx), fy * fx],
                                -1).reshape(-1, 4))
    return np.stack(idx), np.stack(wts).astype(np.float32)


def _box_sums(maps: np.ndarray, shift: int, lead: bool) -> np.ndarray:
    """Sums of each map over the cells it shares with the other map at every shift
    (-shift..shift on both axes); `lead`: the map whose cell p meets the other's p + s."""
    k, side, _ = maps.shape
    ii = np.zeros((k, side + 1, side + 1), np.float64)
    ii[:, 1:, 1:] = maps.cumsum(1).cumsum(2)
    s = np.arange(-shift, shift + 1)
    lo = np.maximum(0, -s) if lead else np.maximum(0, s)
    hi = side - (np.maximum(0, s) if lead else np.maximum(0, -s))
    return (ii[:, hi[:, None], hi[None, :]] - ii[:, lo[:, None], hi[None, :]]
            - ii[:, hi[:, None], lo[None, :]] + ii[:, lo[:, None], lo[None, :]])


def aligned_correlation(a: np.ndarray, b: np.ndarray, shift: int) -> float:
    """The best Pearson correlation of square maps `a` and `b`, one turned, zoomed and
    shifted against the other (see the module docstring); 0 when neither varies."""
    side = a.shape[0]
    idx, wts = _warps(side)
    a = a.astype(np.float32).ravel()
    b = b.astype(np.float32).ravel()
    k = len(TURNS)
    # a against b turned (zoom 1 and in), and a zoomed in against b turned back: 3k pairs
    lead = np.concatenate([np.broadcast_to(a, (2 * k, a.size)),
                           (a[idx[k:]] * wts[k:]).sum(-1)]).reshape(-1, side, side)
    other = np.concatenate([(b[idx] * wts).sum(-1),
                            np.broadcast_to(b, (k, b.size))]).reshape(-1, side, side)
    lead = lead - lead.mean(axis=(1, 2), keepdims=True)     # (better conditioned sums)
    other = other - other.mean(axis=(1, 2), keepdims=True)
    size = (side + shift + 1,) * 2      # zero-padded so no shift of `shift` cells wraps around
    # Σ_p x(p) y(p + s) for every s at once: irfft(conj(X) Y)
    sab = np.fft.irfft2(np.conj(np.fft.rfft2(lead, s=size)) * np.fft.rfft2(other, s=size),
                        s=size)
    keep = np.arange(-shift, shift + 1) % size[0]
    sab = sab[:, keep][:, :, keep]
    s = np.arange(-shift, shift + 1)
    n = np.outer(side - np.abs(s), side - np.abs(s)).astype(np.float64)
    sa, saa = _box_sums(lead, shift, True), _box_sums(lead * lead, shift, True)
    sb, sbb = _box_sums(other, shift, False), _box_sums(other * other, shift, False)
    va, vb = saa - sa * sa / n, sbb - sb * sb / n
    varies = (va > 1e-6 * n) & (vb > 1e-6 * n)           # a flat map correlates with nothing
    r = np.where(varies, (sab - sa * sb / n) / np.sqrt(np.maximum(va * vb, 1e-12)), 0.0)
    return max(0.0, float(r.max()))
