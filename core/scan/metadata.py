"""What the scanner reads from a file besides its bytes: size on screen, when and where it was
taken, with what camera. Photos via Pillow (+ pillow-heif for HEIC), videos via PyAV.

Reading metadata never raises for bad content: it returns what it could, plus a readable
error for the user.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from datetime import datetime

import av
import pillow_heif
from PIL import Image, UnidentifiedImageError

log = logging.getLogger(__name__)
pillow_heif.register_heif_opener()

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
    if kind == "photo":
        info = _photo_info(path)
        if info.error is None and tail is not None:
            info.error = _truncation(fmt, tail)
        return info
    if kind == "video":
        return _video_info(path)
    return MediaInfo()  # RAW: recorded, not decoded


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
    except (OSError, ValueError, SyntaxError) as e:  # Pillow reports corrupt headers this way
        info.error = f"cannot read the image header: {e}"
        return info
    try:
        _apply_exif(info, exif)
    except (KeyError, ValueError, TypeError, ZeroDivisionError, OSError) as e:
        log.debug("bad EXIF in %s: %s", path, e)  # keep what was read; EXIF is optional
    return info


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
    gps = exif.get_ifd(_GPS_IFD)
    if gps:
        lat = _dms(gps.get(2), gps.get(1), "S")
        lon = _dms(gps.get(4), gps.get(3), "W")
        if lat is not None and lon is not None and (lat, lon) != (0.0, 0.0) \
                and -90 <= lat <= 90 and -180 <= lon <= 180:
            info.gps_lat, info.gps_lon = lat, lon


def _clean_text(value: object) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return None
    value = value.replace("\x00", "").strip()
    return value[:100] or None


def parse_exif_datetime(stamp: object, offset: object = None) -> float | None:
    """EXIF 'YYYY:MM:DD HH:MM:SS' (+ optional '+02:00' offset) to Unix seconds. Without an
    offset the camera's clock is taken as this machine's local time."""
    if isinstance(stamp, bytes):
        stamp = stamp.decode("ascii", "ignore")
    if not isinstance(stamp, str):
        return None
    stamp = stamp.strip().replace("\x00", "")
    if not stamp or stamp.startswith("0000"):
        return None
    try:
        dt = datetime.strptime(stamp[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    if isinstance(offset, str) and len(offset) >= 6 and offset[0] in "+-":
        try:
            aware = datetime.fromisoformat(dt.isoformat() + offset.strip()[:6])
            return aware.timestamp()
        except ValueError:
            pass
    return time.mktime(dt.timetuple())


def _dms(value: object, ref: object, negative: str) -> float | None:
    if not isinstance(value, tuple) or len(value) != 3:
        return None
    d, m, s = (float(x) for x in value)
    if any(math.isnan(x) for x in (d, m, s)):
        return None
    deg = d + m / 60 + s / 3600
    if isinstance(ref, bytes):
        ref = ref.decode("ascii", "ignore")
    return -deg if isinstance(ref, str) and ref.strip().upper() == negative else deg


def _video_info(path: str) -> MediaInfo:
    info = MediaInfo()
    try:
        with av.open(path) as container:
            if container.duration is not None:
                info.duration_s = container.duration / av.time_base
            if container.streams.video:
                stream = container.streams.video[0]
                info.width = stream.codec_context.width or None
                info.height = stream.codec_context.height or None
                info.codec = stream.codec_context.name
                if info.duration_s is None and stream.duration and stream.time_base:
                    info.duration_s = float(stream.duration * stream.time_base)
            elif container.streams.audio:
                info.codec = container.streams.audio[0].codec_context.name
            created = container.metadata.get("creation_time")
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
    if info.width is None and info.error is None:
        info.error = "the video has no picture track"
    return info
