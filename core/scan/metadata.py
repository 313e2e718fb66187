"""What the scanner reads from a file besides its bytes: size on screen, when and where it was
taken, with what camera. Photos via Pillow (+ pillow-heif for HEIC), camera RAW via LibRaw
(rawpy) and the EXIF block of its TIFF structure or embedded preview, videos via PyAV.

Reading metadata never raises for bad content: it returns what it could, plus a readable
error for the user.
"""

from __future__ import annotations

import io
import logging
import math
import re
import struct
from dataclasses import dataclass
from datetime import datetime

import av
from PIL import Image, UnidentifiedImageError

from core.files.dates import parse_exif_datetime
from core.files.positions import valid_position
from core.media.images import RAW_FLIP_TO_EXIF, libraw_problem, register_heif
from core.media.video import VideoError, picture_stream

log = logging.getLogger(__name__)
register_heif()  # HEIC photos open through PIL below

_EXIF_IFD, _GPS_IFD = 0x8769, 0x8825
_ORIENTATION, _MAKE, _MODEL, _DATETIME = 274, 271, 272, 306
_DATETIME_ORIGINAL, _DATETIME_DIGITIZED, _OFFSET_ORIGINAL = 36867, 36868, 36881


@dataclass
class MediaInfo:
    width: int | None = None
    height: int | None = None
    orientation: int | None = None
    duration_s: float | None = None
    codec: str | None = None
    taken_at: float | None = None
    taken_at_source: str | None = None
    gps_lat: float | None = None
    gps_lon: float | None = None
    camera_make: str | None = None
    camera_model: str | None = None
    error: str | None = None


def read_info(path: str, kind: str, fmt: str, tail: bytes | None = None) -> MediaInfo:
    try:
        return _read_info(path, kind, fmt, tail)
    except Exception as e:  # a parser's surprise on one file must not stop a scan
        log.warning("reading %s failed unexpectedly", path, exc_info=True)
        return MediaInfo(error=f"cannot read this file's details ({type(e).__name__}: {e})")


def _read_info(path: str, kind: str, fmt: str, tail: bytes | None) -> MediaInfo:
    if fmt == "raw":
        return _raw_info(path)
    if kind == "photo":
        info = _photo_info(path)
        if info.error is None and tail is not None:
            info.error = _truncation(fmt, tail)
        return info
    if kind == "video":
        return _video_info(path)
    return MediaInfo()


def _truncation(fmt: str, tail: bytes) -> str | None:
    """Cheap end-of-file checks on bytes the hasher already read."""
    if fmt == "jpeg" and b"\xff\xd9" not in tail:
        return "truncated JPEG: the file ends before the image does (an interrupted copy?)"
    if fmt == "png" and b"IEND" not in tail:
        return "truncated PNG: the file ends before the image does (an interrupted copy?)"
    return None


def _photo_info(path: str) -> MediaInfo:
    info = MediaInfo()
    try:
        with Image.open(path) as im:
            info.width, info.height = im.size
            exif = im.getexif()
    except UnidentifiedImageError:
        info.error = "not a readable image: the content does not match any image format"
        return info
    except Image.DecompressionBombError as e:  # a damaged header, or a gigapixel panorama
        info.error = f"the image is too large to decode safely ({e})"
        return info
    except (OSError, ValueError, SyntaxError) as e:  # Pillow reports corrupt headers this way
        info.error = f"cannot read the image header: {e}"
        return info
    try:
        _apply_exif(info, exif)
    except (KeyError, ValueError, TypeError, ZeroDivisionError, OSError) as e:
        log.debug("bad EXIF in %s: %s", path, e)  # keep what was read; EXIF is optional
    return info


RAW_EXIF_HEAD = 1 << 20  # TIFF-based RAWs keep IFD0 and the EXIF block near the start


def _raw_info(path: str) -> MediaInfo:
    """Size and orientation as LibRaw reads them; the rest from the EXIF of the file's TIFF
    structure (CR2, NEF, ARW, DNG, PEF...) or, where it has none (CR3, RAF...), of the JPEG
    preview the camera embedded."""
    import rawpy

    info = MediaInfo()
    try:
        with rawpy.imread(path) as raw:
            info.width, info.height = raw.sizes.width, raw.sizes.height
            info.orientation = RAW_FLIP_TO_EXIF.get(raw.sizes.flip, 1)
            with open(path, "rb") as f:
                exif = _tiff_exif(f.read(RAW_EXIF_HEAD))
            if not exif:
                exif = _preview_exif(raw)
    except rawpy.LibRawError as e:
        info.error = libraw_problem(e)
        return info
    except OSError as e:
        info.error = f"cannot read the file: {e}"
        return info
    orientation = info.orientation
    try:
        _apply_exif(info, exif)
    except (KeyError, ValueError, TypeError, ZeroDivisionError, OSError, SyntaxError) as e:
        log.debug("bad EXIF in %s: %s", path, e)
    info.orientation = orientation  # LibRaw's reading of the maker's notes beats IFD0's tag
    return info


def _tiff_exif(head: bytes) -> Image.Exif:
    exif = Image.Exif()
    try:
        exif.load(head)
        exif.get_ifd(_EXIF_IFD)  # an offset past the head fails here, not later
    except (SyntaxError, ValueError, KeyError, TypeError, OSError, struct.error):
        return Image.Exif()
    return exif


def _preview_exif(raw) -> Image.Exif:
    import rawpy

    try:
        thumb = raw.extract_thumb()
        if thumb.format == rawpy.ThumbFormat.JPEG:
            with Image.open(io.BytesIO(thumb.data)) as im:
                return im.getexif()
    except (rawpy.LibRawError, UnidentifiedImageError, Image.DecompressionBombError, OSError,
            SyntaxError, ValueError):
        pass
    return Image.Exif()


def _apply_exif(info: MediaInfo, exif: Image.Exif) -> None:
    if not exif:
        return
    o = exif.get(_ORIENTATION)
    if isinstance(o, int) and 1 <= o <= 8:
        info.orientation = o
    info.camera_make = _clean_text(exif.get(_MAKE))
    info.camera_model = _clean_text(exif.get(_MODEL))
    sub = exif.get_ifd(_EXIF_IFD)
    stamp = sub.get(_DATETIME_ORIGINAL) or sub.get(_DATETIME_DIGITIZED) or exif.get(_DATETIME)
    taken = parse_exif_datetime(stamp, sub.get(_OFFSET_ORIGINAL))
    if taken is not None:
        info.taken_at, info.taken_at_source = taken, "exif"
    try:
        gps = exif.get_ifd(_GPS_IFD)
    except (KeyError, ValueError, TypeError, OSError, SyntaxError) as e:  # a broken GPS block
        log.debug("unreadable EXIF GPS block: %s", e)
        return
    info.gps_lat, info.gps_lon = exif_position(gps)


def exif_position(gps) -> tuple[float | None, float | None]:
    """(lat, lon) from an EXIF GPS IFD, or (None, None) when it holds no real position:
    missing or malformed values, minutes or seconds of 60 or more, a void fix
    (GPSStatus 'V'), off the globe, or (0, 0) — 'Null Island', what cameras write without a
    fix. Never raises for what a file holds."""
    if not gps:
        return None, None
    try:
        status = gps.get(9)
        if isinstance(status, bytes):
            status = status.decode("ascii", "ignore")
        if isinstance(status, str) and status.strip().upper().startswith("V"):
            return None, None
        lat = _dms(gps.get(2), gps.get(1), "S")
        lon = _dms(gps.get(4), gps.get(3), "W")
    except (TypeError, ValueError, ZeroDivisionError, OverflowError, AttributeError):
        return None, None
    pos = valid_position(lat, lon) if lat is not None and lon is not None else None
    return pos if pos is not None else (None, None)


def _clean_text(value: object) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return None
    value = value.replace("\x00", "").strip()
    return value[:100] or None


def _dms(value: object, ref: object, negative: str) -> float | None:
    """Degrees from EXIF's (degrees, minutes, seconds) rationals and N/S or E/W reference."""
    if not isinstance(value, tuple) or len(value) != 3:
        return None
    d, m, s = (float(x) for x in value)
    if not all(math.isfinite(x) and x >= 0 for x in (d, m, s)) or m >= 60 or s >= 60:
        return None
    deg = d + m / 60 + s / 3600
    if isinstance(ref, bytes):
        ref = ref.decode("ascii", "ignore")
    return -deg if isinstance(ref, str) and ref.strip().upper() == negative else deg


# ISO 6709 as phones write it in QuickTime/MP4 metadata: '+35.0116+135.7681+012.345/',
# degrees, or degrees and minutes (±DDMM.MM), or degrees, minutes and seconds (±DDMMSS.S).
_ISO6709 = re.compile(r"^\s*([+-]\d+(?:\.\d*)?)([+-]\d+(?:\.\d*)?)([+-]\d+(?:\.\d*)?)?")
_LOCATION_KEYS = ("com.apple.quicktime.location.ISO6709", "location", "location-eng")


def parse_iso6709(text: object) -> tuple[float, float] | None:
    """(lat, lon) from an ISO 6709 string, or None when it is not one (or not on Earth)."""
    if isinstance(text, bytes):
        text = text.decode("ascii", "ignore")
    if not isinstance(text, str):
        return None
    m = _ISO6709.match(text)
    if not m:
        return None
    lat, lon = _iso_part(m.group(1), 2), _iso_part(m.group(2), 3)
    if lat is None or lon is None:
        return None
    return valid_position(lat, lon)


def _iso_part(text: str, deg_digits: int) -> float | None:
    sign = -1.0 if text[0] == "-" else 1.0
    whole, _, frac = text[1:].partition(".")
    n = len(whole)
    try:
        if n <= deg_digits:                       # ±DD.DDDD
            return sign * float(text[1:])
        if n == deg_digits + 2:                   # ±DDMM.MM
            d, m = float(whole[:deg_digits]), float(whole[deg_digits:] + "." + (frac or "0"))
            return sign * (d + m / 60) if m < 60 else None
        if n == deg_digits + 4:                   # ±DDMMSS.S
            d, m = float(whole[:deg_digits]), float(whole[deg_digits:deg_digits + 2])
            sec = float(whole[deg_digits + 2:] + "." + (frac or "0"))
            return sign * (d + m / 60 + sec / 3600) if m < 60 and sec < 60 else None
    except ValueError:
        return None
    return None


def _video_info(path: str) -> MediaInfo:
    info = MediaInfo()
    try:
        with av.open(path, metadata_errors="ignore") as container:
            if container.duration is not None:
                info.duration_s = container.duration / av.time_base
            if container.streams.video:
                try:
                    stream = picture_stream(container)
                except VideoError as e:  # a codec FFmpeg does not know
                    info.error = str(e)
                    return info
                info.width = stream.codec_context.width or None
                info.height = stream.codec_context.height or None
                info.codec = stream.codec_context.name
                if info.duration_s is None and stream.duration and stream.time_base:
                    info.duration_s = float(stream.duration * stream.time_base)
            elif container.streams.audio:
                info.codec = container.streams.audio[0].codec_context.name
            tags = dict(container.metadata)
            created = tags.get("creation_time")
    except av.FFmpegError as e:
        info.error = f"not a readable video: {e}"
        return info
    except (OSError, ValueError) as e:
        info.error = f"cannot read the video: {e}"
        return info
    if created:
        try:
            stamp = datetime.fromisoformat(created).timestamp()  # 3.11 reads a trailing Z
        except ValueError:
            stamp = None
        if stamp is not None and stamp > 86_400:  # cameras that never set it write 1970 or 1904
            info.taken_at, info.taken_at_source = stamp, "container"
    for key in _LOCATION_KEYS:
        pos = parse_iso6709(tags.get(key))
        if pos is not None:
            info.gps_lat, info.gps_lon = pos
            break
    if info.width is None and info.error is None:
        info.error = "the video has no picture track"
    return info
