"""Layouts people know: where a file (or a collection) goes, relative to its library folder.

- **event**: what happened, from what Shoebox knows (core.organize.units): events as
  `2023/2023-04 Kyoto, Japan` (days) or `2023/2023-06-17 Birthday` (a day), everyday photos
  by month (`2023/2023-05`), `Screenshots/2023`, `Documents/2023`, `Scans`, undated files in a
  collection in its topic folder, the rest in `Unknown date`. Needs no collections, no LLM.
- **topic**: the collection's own folder, the LLM's (or the fallback's) taxonomy,
  e.g. `Animals/Birds`.
- **date**: a template over each file's own capture date, like Immich's storage template or
  digiKam's: `{year}/{month}` (default), `{year}/{year}-{month} {name}`, ...
  Fields: {year} {month} {day} {month_name} {name} {place}.

With no layout asked for, the one the user chose before wins (settings), else the library's
shape decides (`choose_layout`). A layout answers None when it has nothing to go on (no
capture date for a date folder): the files then stay where they are, with the reason said in
the plan.
"""

from __future__ import annotations

import re
import string
from datetime import date, datetime
from functools import lru_cache

from core.errors import ShoeboxError
from core.files.sanitize import sanitize_relpath, sanitize_segment
from core.organize.words import MONTHS

LAYOUTS = ("event", "topic", "date")
DEFAULT_LAYOUT = "event"
DATED_SHARE = 0.7   # a library where this share of the photos has a capture date: events
DEFAULT_DATE_TEMPLATE = "{year}/{month}"
TEMPLATE_FIELDS = ("year", "month", "day", "month_name", "name", "place")

_DATE_WORDS = re.compile(rf"\b\d{{4}}(?:[-_. ]\d{{1,2}})*(?:\s+to\s+\d{{4}}(?:[-_. ]\d{{1,2}})*)?\b|"
                         rf"\b(?:{MONTHS})\b", re.IGNORECASE)


class LayoutError(ShoeboxError):
    pass


def check_layout(layout: str | None) -> str:
    layout = layout or DEFAULT_LAYOUT
    if layout not in LAYOUTS:
        raise LayoutError(f"unknown layout {layout!r}: use one of {', '.join(LAYOUTS)}")
    return layout


def choose_layout(dated: int, total: int, has_collections: bool) -> tuple[str, str]:
    """(layout, why) by the library's shape: a camera roll, where most photos carry a capture
    date, is filed by events, kinds and months; an undated pile (downloads, drawings, scans)
    by what it shows, once there are collections to say it."""
    share = dated / total if total else 0.0
    if share >= DATED_SHARE or not total:
        return "event", (f"{share:.0%} of the photos and videos have a capture date: filed by "
                         "events, kinds and months")
    if has_collections:
        return "topic", (f"only {share:.0%} of the photos and videos have a capture date: "
                         "filed by what they show (collections)")
    return "event", (f"only {share:.0%} of the photos and videos have a capture date, and there "
                     "are no collections yet to file them by what they show (`shoebox "
                     "collections`): by events, kinds and months meanwhile")


def check_template(template: str | None) -> str:
    """A date template, checked: only known fields, and at least one of them."""
    template = (template or DEFAULT_DATE_TEMPLATE).strip()
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
    except ValueError as e:
        raise LayoutError(f"the folder template {template!r} is not valid ({e}); "
                          f"e.g. {DEFAULT_DATE_TEMPLATE}") from None
    unknown = [f for f in fields if f not in TEMPLATE_FIELDS]
    if unknown:
        raise LayoutError(f"the folder template has unknown field(s) {', '.join(unknown)}: use "
                          + ", ".join("{" + f + "}" for f in TEMPLATE_FIELDS))
    if not fields:
        raise LayoutError(f"the folder template {template!r} has no field, so every file would "
                          f"go to one folder; e.g. {DEFAULT_DATE_TEMPLATE}")
    return template


def capture_date(ts: float) -> datetime:
    """The wall-clock time a capture stamp stands for. Stamps are this machine's local time
    (core.files.dates.parse_exif_datetime), as the library's timeline shows them: read in
    UTC, a photo taken at 00:30 on 1 August east of Greenwich went to a July folder."""
    return datetime.fromtimestamp(ts)


def event_title(name: str | None) -> str:
    """A collection's name without its dates: 'Beach 2024-07' -> 'Beach'."""
    text = _DATE_WORDS.sub(" ", name or "")
    return " ".join(text.split()).strip(" -,")


def event_folder(name: str | None, date_from: float | None, place: str | None = None
                 ) -> str | None:
    """`Year/YYYY-MM Event, Place`; None without a capture date."""
    if date_from is None:
        return None
    d = capture_date(date_from)
    title = event_title(name)
    if re.fullmatch(r"collection( \d+)?", title, re.IGNORECASE):
        title = ""  # a placeholder name says nothing: the month (and place) alone
    label = f"{d:%Y-%m} {title}".strip()
    if place and place.casefold() not in label.casefold():
        label += f", {place}"
    return sanitize_relpath(f"{d:%Y}/{sanitize_segment(label)}")


def date_folder(template: str, taken_at: float | None, *, name: str | None = None,
                place: str | None = None) -> str | None:
    """The template filled from one capture date; None without one."""
    if taken_at is None:
        return None
    d = capture_date(taken_at)
    # a name or place the template does not show would only split the cache
    return _day_folder(template, d.date(), name if "{name" in template else None,
                       place if "{place" in template else None)


@lru_cache(maxsize=65536)
def _day_folder(template: str, d: date, name: str | None, place: str | None) -> str:
    # a plan fills the template for every file of the library, from a few thousand days
    values = {"year": f"{d:%Y}", "month": f"{d:%m}", "day": f"{d:%d}",
              "month_name": f"{d:%B}", "name": event_title(name) or "Unnamed",
              "place": place or "Unknown place"}
    parts = [sanitize_segment(p.format(**values)) for p in template.split("/") if p.strip()]
    return sanitize_relpath("/".join(parts))
