"""How facts read when a person sees them: camera names and clock times, the same in the
app and the CLI.

    camera_label("Canon", "Canon EOS 5D Mark III")      -> "Canon EOS 5D Mark III"
    camera_label("NIKON CORPORATION", "NIKON D2X")     -> "Nikon D2X"
    camera_label("Apple", "iPhone 12")                 -> "Apple iPhone 12"
    clock(29.6)                                        -> "0:29"   (like a player's counter)
    file_size(2_413_000)                               -> "2.41 MB"
    month_label(ts)                                    -> "March 2023" (local time)
    plural(1, "photo"), plural(3, "person", "people")  -> "1 photo", "3 people"
"""

from __future__ import annotations

import datetime as dt
import math
import re

# what makers put after their name in EXIF "Make": "NIKON CORPORATION", "OLYMPUS IMAGING
# CORP.", "EASTMAN KODAK COMPANY", "SAMSUNG TECHWIN CO., LTD.", "Hewlett-Packard Inc."
_SUFFIX = re.compile(
    r"[\s,.]+(corporation|corp|company|co|ltd|inc|imaging|optical|digital|techwin|"
    r"electronics|electric|camera|gmbh|ag|s\.?a)\b\.?", re.IGNORECASE)
_OWNER_PREFIX = re.compile(r"^(eastman)\s+", re.IGNORECASE)  # "Eastman Kodak" is "Kodak"


def _brand(make: str) -> str:
    brand = make.strip()
    while True:
        m = _SUFFIX.search(brand)
        if m is None:
            break
        brand = brand[:m.start()].strip(" ,.")
    return _OWNER_PREFIX.sub("", brand).strip() or make.strip()


def _word_case(word: str) -> str:
    """SHOUTED brand words read as names ("NIKON" -> "Nikon"); initialisms stay ("HTC")."""
    return word.capitalize() if word.isupper() and word.isalpha() and len(word) > 3 else word


def camera_label(make: str | None, model: str | None) -> str:
    """One readable camera name: the maker once, then the model ("" when neither is known)."""
    make = " ".join((make or "").split())
    model = " ".join((model or "").split())
    if not make:
        return model
    if not model:
        return " ".join(_word_case(w) for w in _brand(make).split())
    brand_words = _brand(make).split()
    first = model.split()[0].lower()
    if first in {w.lower() for w in brand_words} or model.lower().startswith(make.lower()):
        words = model.split()
        return " ".join([_word_case(words[0])] + words[1:])
    return " ".join(_word_case(w) for w in brand_words) + " " + model


def clock(seconds: float | None) -> str:
    """m:ss (h:mm:ss from an hour on), whole seconds counted down like a player's counter, so a
    29.6 s video is 0:29 on its tile, in the detail pane and at its end."""
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        return ""
    s = int(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def file_size(n: int | None) -> str:
    """Bytes as a person reads them, to three figures: "830 KB", "2.41 MB", "24.1 MB", "1.20 GB"
    (two copies of a photo re-saved differ in the second decimal)."""
    if n is None or n < 0:
        return ""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if n >= scale:
            v = n / scale
            return f"{v:.{0 if v >= 100 else 1 if v >= 10 else 2}f} {unit}"
    return f"{n} bytes"


def month_label(ts: float) -> str:
    """The month a capture stamp falls in, as the timeline heads it: 'March 2023' (local time,
    as stamps are stored)."""
    return dt.datetime.fromtimestamp(ts).strftime("%B %Y")


def plural(n: int, one: str, many: str | None = None) -> str:
    """A count with its noun: '1 photo', '2 photos', '1 person', '5 people'."""
    return f"{n:,} {one if n == 1 else (many or one + 's')}"
