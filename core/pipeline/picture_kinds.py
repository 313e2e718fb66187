"""Is a photo a screenshot, a document (page, receipt, ticket, note) or an ordinary picture?

Decided from evidence that is cheap and already at hand: the file name, its format and
pixel size, whether a camera wrote EXIF, and how much of the picture the text stage found to
be text. Pure functions; the text stage stores the answer (picture_kinds) with its reason.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

KINDS = ("screenshot", "document")

# Names phones and desktops give screenshots (English, German, French, Spanish, Italian,
# Dutch, Japanese, Chinese), and the common "Screen Shot 2019-…" / "Screenshot_2020…" forms.
SCREENSHOT_NAME = re.compile(
    r"screen[\s_-]?shot|screen[\s_-]?capture|bildschirmfoto|capture d.?[ée]cran|"
    r"captura de pantalla|schermata|schermafbeelding|スクリーンショット|截屏|截图|屏幕截图",
    re.IGNORECASE)
SCREEN_FORMATS = ("png", "webp")   # screens are saved lossless; cameras write JPEG/HEIC/RAW
# Longer/shorter side ratios of phone, tablet and monitor screens.
SCREEN_RATIOS = (16 / 9, 16 / 10, 4 / 3, 3 / 2, 19.5 / 9, 20 / 9, 19 / 9, 18 / 9, 21 / 9)

# A document: many lines, or text over a good part of the picture (a street sign has a few
# short lines over a few percent; a receipt or a page has a dozen or more).
DOC_MIN_LINES = 6
DOC_MIN_COVER = 0.08
DOC_MIN_CHARS = 200


@dataclass(frozen=True)
class TextAmount:
    lines: int
    chars: int
    cover: float        # fraction of the picture's area inside line boxes (0..1)


def text_amount(lines: Sequence) -> TextAmount:
    """How much text a list of models.ocr.TextLine holds (boxes are fractions)."""
    cover = sum(_polygon_area(line.box) for line in lines)
    return TextAmount(len(lines), sum(len(line.text) for line in lines), min(1.0, cover))


def looks_like_screenshot_name(name: str) -> bool:
    return bool(SCREENSHOT_NAME.search(name or ""))


def screen_sized(width: int | None, height: int | None) -> bool:
    if not width or not height:
        return False
    long, short = max(width, height), min(width, height)
    if short < 320:
        return False
    ratio = long / short
    return any(abs(ratio - r) < 0.02 for r in SCREEN_RATIOS)


def classify(name: str, fmt: str, width: int | None, height: int | None,
             camera: str | None, text: TextAmount) -> tuple[str | None, str]:
    """(kind or None for an ordinary picture, the evidence in words)."""
    if looks_like_screenshot_name(name):
        return "screenshot", "its file name says screenshot"
    if (not camera and (fmt or "").lower() in SCREEN_FORMATS and screen_sized(width, height)
            and text.lines > 0):
        return "screenshot", (f"a {fmt.upper()} at screen size {width}x{height} with text "
                              f"and no camera data")
    if text.chars >= DOC_MIN_CHARS or (text.lines >= DOC_MIN_LINES and text.cover >= DOC_MIN_COVER):
        return "document", (f"{text.lines} lines of text over {text.cover:.0%} of the picture")
    return None, ""


def _polygon_area(box) -> float:
    pts = list(box)
    if len(pts) < 3:
        return 0.0
    s = 0.0
    for (x1, y1), (x2, y2) in zip(pts, pts[1:] + pts[:1]):
        s += x1 * y2 - x2 * y1
    return abs(s) / 2.0
