"""Where a file's capture date comes from, and the dates read from EXIF stamps and file names.

`DATE_SOURCES` is the one ordered list of sources, best first: the photo's EXIF, then the
video container's creation time, then sidecars (Google Takeout JSON, XMP: the issues that add
them slot in here, between the container and the name), then the file's own name as phones
and apps write it. A file none of them dates is "undated": the scanner still records its
modification time (`NOT_A_DATE`) so the timeline can show something, but that is when the
file was copied, never when it was taken, and nothing counts it as a capture date.

Every query that asks "does this file have a real capture date?" uses `capture_dated_sql`, so
a new source counts everywhere at once (events, plans, memories, collections, answers).
"""

from __future__ import annotations

import re
import time
from datetime import datetime

DATE_SOURCES = ("exif", "container", "takeout", "xmp", "filename")
NOT_A_DATE = "mtime"
SOURCE_WORDS = {"exif": "from the photo's EXIF", "container": "from the video's metadata",
                "takeout": "from the Google Takeout JSON", "xmp": "from its XMP metadata",
                "filename": "from the file name",
                NOT_A_DATE: "the file's date: when it was copied, not taken"}

_QUOTED = ", ".join(f"'{s}'" for s in DATE_SOURCES)


def capture_dated_sql(alias: str = "f") -> str:
    """SQL condition: the file has a capture date from one of DATE_SOURCES."""
    col = f"{alias}.taken_at_source" if alias else "taken_at_source"
    return f"{col} IN ({_QUOTED})"


def is_capture_source(source: str | None) -> bool:
    return source in DATE_SOURCES


# --- EXIF date stamps ------------------------------------------------------------------------

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


# --- dates in file names -------------------------------------------------------------------

_DATE = r"(?P<y>(?:19|20)\d\d)[-_.]?(?P<mo>0[1-9]|1[0-2])[-_.]?(?P<d>0[1-9]|[12]\d|3[01])"
_TIME = (r"(?:[-_ T.]|\sat\s)?(?P<h>[01]\d|2[0-3])[-_.:h]?(?P<mi>[0-5]\d)[-_.:m]?"
         r"(?P<s>[0-5]\d)(?:[-_.]?\d{1,3})?")
# A date and a time anywhere in the name, between non-digits: Screenshot_20230201-120000,
# PXL_20230402_101500123, VID_20230402_101500, 20180812_101010, "Screen Shot 2019-05-01 at
# 10.11.12", signal-2023-04-02-101500.
_STAMP = re.compile(rf"(?<!\d){_DATE}{_TIME}(?!\d)", re.IGNORECASE)
# A date alone, only after a prefix that phones and apps put before one: IMG-20230101-WA0001
# (WhatsApp), Screenshot_2023-02-01, PXL_20230402.
_DAY = re.compile(rf"^(?:img|vid|pxl|pano|mvimg|screenshot|screen shot|signal|photo)[-_ ]?"
                  rf"{_DATE}(?!\d)", re.IGNORECASE)
NOON = 12  # a day without a time: the middle of it, so no time zone moves it to another day


def date_from_name(name: str, *, now: float | None = None) -> float | None:
    """Capture time (Unix seconds, this machine's local time as EXIF dates are read) from a
    file name phones and apps write, or None. Dates in the future or before 1990 are not
    dates."""
    m = _STAMP.search(name) or _DAY.search(name)
    if m is None:
        return None
    g = m.groupdict()
    try:
        dt = datetime(int(g["y"]), int(g["mo"]), int(g["d"]), int(g.get("h") or NOON),
                      int(g.get("mi") or 0), int(g.get("s") or 0))
    except ValueError:  # 31 February
        return None
    stamp = time.mktime(dt.timetuple())
    limit = (now if now is not None else time.time()) + 2 * 86400
    if dt.year < 1990 or stamp > limit:
        return None
    return stamp
