"""Whether a latitude and longitude read from a file are a real place on Earth (the scanner
reads them from EXIF and video containers; the places stage and the geocoder use them)."""

from __future__ import annotations

import math

NULL_ISLAND_DEG = 1e-4   # (0, 0) give or take 11 m is a missing fix, not a place


def valid_position(lat: object, lon: object) -> tuple[float, float] | None:
    """(lat, lon) as floats when they are a real position on Earth; None for missing,
    non-numeric, NaN, out-of-range values and for (0, 0), the 'Null Island' that cameras
    write when they had no fix."""
    try:
        la, lo = float(lat), float(lon)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(la) and math.isfinite(lo)):
        return None
    if not (-90.0 <= la <= 90.0 and -180.0 <= lo <= 180.0):
        return None
    if abs(la) < NULL_ISLAND_DEG and abs(lo) < NULL_ISLAND_DEG:
        return None
    return la, lo
