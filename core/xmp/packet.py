"""The one place that talks to the XMP library: pyexiv2 (exiv2 inside its wheels).

pyexiv2 sees XMP as flat keys ('Xmp.mwg-rs.Regions/mwg-rs:RegionList[1]/mwg-rs:Name'). A
merge changes only the keys Shoebox owns and leaves every other key as exiv2 read it. What
Shoebox owns is written down in the sidecar itself, in its own namespace: the keywords and
hierarchy entries it added (`shoebox:Keywords`, `shoebox:Hierarchy`), the fields it set
(`shoebox:Fields`), and `shoebox:Made` on each face region it wrote. So a rename replaces
Shoebox's old keyword, and another program's keyword, field or region is never touched.

MWG areas (`stArea`) give a region's centre and size as fractions of the picture as shown
(EXIF orientation applied); Shoebox's boxes are top-left corner and size of the same upright
picture, so only the corner moves.
"""

from __future__ import annotations

import logging
import os
import re
import stat
from dataclasses import dataclass, field

import pyexiv2

from core.files.dates import parse_exif_datetime

log = logging.getLogger(__name__)

NS = "http://ns.shoebox-photos.org/xmp/1.0/"
pyexiv2.set_log_level(4)  # exiv2's own warnings go nowhere; failures still raise
pyexiv2.registerNs(NS, "shoebox")

REGIONS = "Xmp.mwg-rs.Regions/mwg-rs:RegionList"
_REGION_KEY = re.compile(re.escape(REGIONS) + r"\[(\d+)\](.*)$")
DIMENSIONS = "Xmp.mwg-rs.Regions/mwg-rs:AppliedToDimensions"
SUBJECT, HIERARCHY, DESCRIPTION = "Xmp.dc.subject", "Xmp.lr.hierarchicalSubject", \
    "Xmp.dc.description"
MY_KEYWORDS, MY_HIERARCHY, MY_FIELDS = "Xmp.shoebox.Keywords", "Xmp.shoebox.Hierarchy", \
    "Xmp.shoebox.Fields"
MADE = "/shoebox:Made"
# where a sidecar keeps the capture date, best first (MWG: exif:DateTimeOriginal, then
# photoshop:DateCreated, which Shoebox writes, then xmp:CreateDate)
DATE_FIELDS = ("Xmp.exif.DateTimeOriginal", "Xmp.photoshop.DateCreated", "Xmp.xmp.CreateDate")
_XMP_DATE = re.compile(r"^(\d{4}-\d\d-\d\d)(?:T(\d\d:\d\d(?::\d\d)?)(?:\.\d+)?)?"
                       r"(Z|[+-]\d\d:\d\d)?$")
SAME_REGION = 0.5  # IoU at which two regions (or a region and a face) are one face
EMPTY = b'<?xml version="1.0" encoding="UTF-8"?>\n<x:xmpmeta xmlns:x="adobe:ns:meta/">\n</x:xmpmeta>\n'
DEFAULT_LANG = 'lang="x-default"'


class XmpError(Exception):
    """A sidecar or file whose XMP cannot be read or written (the message says why)."""


@dataclass(frozen=True)
class Region:
    name: str
    box: tuple[float, float, float, float]  # x, y, w, h: top-left corner, fractions, upright
    mine: bool = False


@dataclass
class Ours:
    """What Shoebox puts in one sidecar."""

    regions: list[Region] = field(default_factory=list)
    shown_size: tuple[int, int] | None = None   # the picture as shown, in pixels
    keywords: list[str] = field(default_factory=list)
    hierarchy: list[str] = field(default_factory=list)
    fields: dict[str, object] = field(default_factory=dict)  # key -> str, or {lang: text}


@dataclass
class Found:
    """What a sidecar or a file's embedded metadata says."""

    keywords: list[str] = field(default_factory=list)
    hierarchy: list[str] = field(default_factory=list)
    description: str | None = None
    rating: int | None = None
    regions: list[Region] = field(default_factory=list)
    taken_at: float | None = None     # a capture date (Unix seconds), read as EXIF dates are

    def add(self, other: Found) -> None:
        """Fill in from another source (a sidecar first, then the file's own metadata)."""
        for mine, theirs in ((self.keywords, other.keywords), (self.hierarchy, other.hierarchy)):
            mine.extend(k for k in theirs if k not in mine)
        self.description = self.description or other.description
        self.rating = self.rating if self.rating is not None else other.rating
        self.regions = self.regions or other.regions
        self.taken_at = self.taken_at if self.taken_at is not None else other.taken_at


def _list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, dict):
        return list(value.values())
    return [str(v) for v in value if str(v)]


def _text(value) -> str | None:
    if isinstance(value, dict):
        value = value.get(DEFAULT_LANG) or next(iter(value.values()), None)
    return value.strip() or None if isinstance(value, str) else None


def _groups(xmp: dict) -> dict[int, dict[str, object]]:
    """The region list as {index: {'' or '/sub/key': value}}, in the file's order."""
    out: dict[int, dict[str, object]] = {}
    for key, value in xmp.items():
        m = _REGION_KEY.match(key)
        if m:
            out.setdefault(int(m.group(1)), {})[m.group(2)] = value
    return dict(sorted(out.items()))


def _region(group: dict[str, object]) -> Region | None:
    name = _text(group.get("/mwg-rs:Name"))
    kind = group.get("/mwg-rs:Type") or "Face"
    area = {k: group.get(f"/mwg-rs:Area/stArea:{k}") for k in ("x", "y", "w", "h", "unit")}
    if not name or kind != "Face" or (area["unit"] or "normalized") != "normalized":
        return None
    try:
        x, y, w, h = (float(area[k]) for k in ("x", "y", "w", "h"))
    except (TypeError, ValueError):
        return None
    if not (0 < w <= 1 and 0 < h <= 1):
        return None
    return Region(name, (x - w / 2, y - h / 2, w, h), mine=MADE in group)


def parse(xmp: dict) -> Found:
    rating = None
    try:
        rating = int(float(xmp["Xmp.xmp.Rating"])) if "Xmp.xmp.Rating" in xmp else None
    except (TypeError, ValueError):
        pass
    if rating is not None and not -1 <= rating <= 5:
        rating = None
    regions = [r for g in _groups(xmp).values() if (r := _region(g)) is not None]
    # a date Shoebox wrote came from the file's name or container: read there, not here
    owned = _list(xmp.get(MY_FIELDS))
    taken = next((t for key in DATE_FIELDS if key not in owned
                  and (t := xmp_date(xmp.get(key))) is not None), None)
    return Found(_list(xmp.get(SUBJECT)), _list(xmp.get(HIERARCHY)),
                 _text(xmp.get(DESCRIPTION)), rating, regions, taken)


def xmp_date(value) -> float | None:
    """An XMP date ('2023-04-02T10:15:00', '...+02:00', '2023-04-02') as Unix seconds, read
    as EXIF dates are (core.files.dates.parse_exif_datetime); None when it is not one."""
    if not isinstance(value, str):
        return None
    m = _XMP_DATE.match(value.strip())
    if m is None:
        return None
    day, clock, offset = m.group(1), m.group(2) or "12:00:00", m.group(3)
    clock = clock if len(clock) == 8 else clock + ":00"
    offset = "+00:00" if offset == "Z" else offset
    return parse_exif_datetime(f"{day.replace('-', ':')} {clock}", offset)


def read_sidecar(path: str) -> Found:
    with open(path, "rb") as f:
        data = f.read()
    return parse(_xmp_of(data, path))


def read_embedded(path: str) -> Found:
    """The XMP (and IPTC keywords and caption) inside a photo file."""
    xmp, iptc = _read(path, iptc=True)
    found = parse(xmp)
    found.add(Found(keywords=_list(iptc.get("Iptc.Application2.Keywords")),
                    description=_text(iptc.get("Iptc.Application2.Caption"))))
    return found


def _read(path: str, iptc: bool) -> tuple[dict, dict]:
    """A photo's XMP and IPTC. exiv2 opens files by narrow (ANSI) path on Windows, where a
    name outside the code page cannot be opened: such a file is handed over as bytes."""
    try:
        if os.name == "nt" and not path.isascii():
            with open(path, "rb") as f:
                img = pyexiv2.ImageData(f.read())
        else:
            img = pyexiv2.Image(path)
        try:
            return img.read_xmp(), (_iptc(img) if iptc else {})
        finally:
            img.close()
    except (RuntimeError, UnicodeDecodeError, ValueError) as e:
        raise XmpError(f"cannot read the XMP of {path}: {e}") from e


def _wrapped(data: bytes) -> bytes:
    """A sidecar as exiv2 recognises one: an empty file is an empty packet, and a bare
    rdf:RDF (older writers) gets the x:xmpmeta wrapper exiv2 looks for."""
    if not data.strip():
        return EMPTY
    if b"<x:xmpmeta" not in data and b"<rdf:RDF" in data:
        start = data.index(b"<rdf:RDF")
        return EMPTY.replace(b"\n</x:xmpmeta>", b"\n" + data[start:] + b"\n</x:xmpmeta>")
    return data


def _xmp_of(data: bytes, path: str) -> dict:
    try:
        img = pyexiv2.ImageData(_wrapped(data))
        try:
            return img.read_xmp()
        finally:
            img.close()
    except (RuntimeError, UnicodeDecodeError, ValueError) as e:
        raise XmpError(f"cannot read the XMP of {path}: {e}") from e


def _iptc(img) -> dict:
    """IPTC in UTF-8, or in Latin-1 as older programs wrote it without saying so."""
    try:
        return img.read_iptc()
    except UnicodeDecodeError:
        return img.read_iptc(encoding="latin-1")


def merge_into(path: str, ours: Ours, before_rename=None) -> bool:
    """Put `ours` into the sidecar at `path` (created if missing), keeping every field Shoebox
    does not own. The sidecar goes to exiv2 as bytes (no path: any name works on any system)
    and comes back through a hidden temporary file renamed over it, so a crash leaves the old
    one; `before_rename(tmp)` is called just before that rename. Returns False when the
    sidecar already said all of it (nothing is written then)."""
    try:
        with open(path, "rb") as f:
            data = _wrapped(f.read())
    except FileNotFoundError:
        data = EMPTY
    try:
        img = pyexiv2.ImageData(data)
        try:
            drop, put = changes(img.read_xmp(), ours)
            if not drop and not put:
                return False
            # exiv2 mirrors a sidecar's XMP into EXIF/IPTC when it reads one and back into
            # XMP when it writes: emptied here, so a removed keyword stays removed
            img.clear_iptc()
            img.clear_exif()
            if drop:
                img.modify_xmp(dict.fromkeys(drop))
            if put:
                img.modify_xmp(put)
            out = img.get_bytes()
        finally:
            img.close()
    except (RuntimeError, UnicodeDecodeError, ValueError) as e:
        raise XmpError(f"cannot update {path}: {e}") from e
    folder, name = os.path.split(path)
    tmp = os.path.join(folder, f".{name}.shoebox.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(out)
            f.flush()
            os.fsync(f.fileno())
        _keep_mode(path, tmp)
        if before_rename is not None:
            before_rename(tmp)
        os.replace(tmp, path)
        return True
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _keep_mode(path: str, tmp: str) -> None:
    """The sidecar keeps the permissions it had (a shared folder's 0664 stays 0664); a new one
    gets the user's umask, as any program's file would."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return
    os.chmod(tmp, stat.S_IMODE(mode))


def changes(before: dict, ours: Ours) -> tuple[list[str], dict[str, object]]:
    """(keys to remove, keys to set, in order) that turn `before` into the merged sidecar."""
    drop: list[str] = []
    put: dict[str, object] = {}
    _merge_regions(before, ours, drop, put)
    added = _merge_bag(before, SUBJECT, MY_KEYWORDS, ours.keywords, drop, put)
    added_h = _merge_bag(before, HIERARCHY, MY_HIERARCHY, ours.hierarchy, drop, put)
    owned = _list(before.get(MY_FIELDS))
    mine = []
    for key, value in ours.fields.items():
        if key in before and key not in owned:
            continue  # another program's value: theirs wins
        mine.append(key)
        if before.get(key) != value:
            put[key] = value
    drop.extend(k for k in owned if k not in ours.fields and k in before)
    for key, value in ((MY_KEYWORDS, added), (MY_HIERARCHY, added_h), (MY_FIELDS, mine)):
        if _list(before.get(key)) != value:
            if value:
                put[key] = value
            elif key in before:
                drop.append(key)
    return drop, put


def _merge_bag(before, key, mine_key, ours, drop, put) -> list[str]:
    old_mine = set(_list(before.get(mine_key)))
    current = _list(before.get(key))
    theirs = [k for k in current if k not in old_mine]
    added = [k for k in dict.fromkeys(ours) if k not in theirs]
    new = theirs + added
    if new != current:
        if key in before:
            drop.append(key)
        if new:
            put[key] = 'type="Bag"'
            put.update({f"{key}[{i}]": k for i, k in enumerate(new, 1)})
    return added


def _merge_regions(before: dict, ours: Ours, drop: list[str], put: dict) -> None:
    groups = _groups(before)
    theirs = [g for g in groups.values() if MADE not in g]
    mine_before = [_region(g) for g in groups.values() if MADE in g]
    named = [r for g in theirs if (r := _region(g)) is not None]
    # a face another program already tagged with the same name is not tagged twice
    wanted = [Region(r.name, r.box, True) for r in ours.regions
              if not any(t.name == r.name and overlap(t.box, r.box) >= SAME_REGION
                         for t in named)]
    if len(mine_before) == len(wanted) and all(
            a is not None and a.name == b.name and max(abs(p - q) for p, q in zip(a.box, b.box))
            < 1e-5 for a, b in zip(mine_before, wanted)):
        return
    drop.extend(k for k in before if k == REGIONS or k.startswith(REGIONS + "["))
    if not theirs and not wanted:
        return
    put[REGIONS] = 'type="Bag"'
    for i, g in enumerate(theirs, 1):
        put.update({f"{REGIONS}[{i}]{sub}": v for sub, v in g.items()})
    for i, r in enumerate(wanted, len(theirs) + 1):
        x, y, w, h = r.box
        at = f"{REGIONS}[{i}]/"
        put.update({at + "mwg-rs:Name": r.name, at + "mwg-rs:Type": "Face",
                    at + "mwg-rs:Area/stArea:x": _num(x + w / 2),
                    at + "mwg-rs:Area/stArea:y": _num(y + h / 2),
                    at + "mwg-rs:Area/stArea:w": _num(w), at + "mwg-rs:Area/stArea:h": _num(h),
                    at + "mwg-rs:Area/stArea:unit": "normalized", at + MADE[1:]: "True"})
    if wanted and ours.shown_size and f"{DIMENSIONS}/stDim:w" not in before:
        put.update({f"{DIMENSIONS}/stDim:w": str(ours.shown_size[0]),
                    f"{DIMENSIONS}/stDim:h": str(ours.shown_size[1]),
                    f"{DIMENSIONS}/stDim:unit": "pixel"})


def overlap(a, b) -> float:
    """Intersection over union of two (x, y, w, h) boxes."""
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    ix = max(0.0, min(ax + aw, bx + bw) - max(ax, bx))
    iy = max(0.0, min(ay + ah, by + bh) - max(ay, by))
    union = aw * ah + bw * bh - ix * iy
    return ix * iy / union if union > 0 else 0.0


def _num(v: float) -> str:
    return f"{v:.6f}".rstrip("0").rstrip(".") or "0"


EXIF_DATE = "Exif.Photo.DateTimeOriginal"
EXIF_LAT, EXIF_LON = "Exif.GPSInfo.GPSLatitude", "Exif.GPSInfo.GPSLongitude"


def _dms(value: float) -> str:
    """Degrees as EXIF's three rationals: whole degrees, minutes, seconds in 1/10000."""
    value = abs(value)
    deg = int(value)
    minutes = int((value - deg) * 60)
    tenk = round(((value - deg) * 60 - minutes) * 60 * 10000)
    return f"{deg}/1 {minutes}/1 {tenk}/10000"


def with_exif_date_gps(data: bytes, taken: str | None, gps: tuple[float, float] | None,
                       path: str = "") -> bytes | None:
    """A photo's bytes with its capture date (EXIF's 'YYYY:MM:DD HH:MM:SS', the wall-clock
    time where it was taken) and position written into its own EXIF, each only where the
    photo has none (its own EXIF beats anything else); None when there is nothing to add.
    Raises XmpError for a file exiv2 cannot write (a format it does not write, damage)."""
    try:
        img = pyexiv2.ImageData(data)
        try:
            have = img.read_exif()
            put: dict[str, str] = {}
            if taken and not have.get(EXIF_DATE):
                put[EXIF_DATE] = taken
            if gps and not have.get(EXIF_LAT):
                lat, lon = gps
                put.update({"Exif.GPSInfo.GPSVersionID": "2 3 0 0",
                            "Exif.GPSInfo.GPSLatitudeRef": "N" if lat >= 0 else "S",
                            EXIF_LAT: _dms(lat),
                            "Exif.GPSInfo.GPSLongitudeRef": "E" if lon >= 0 else "W",
                            EXIF_LON: _dms(lon)})
            if not put:
                return None
            img.modify_exif(put)
            return img.get_bytes()
        finally:
            img.close()
    except (RuntimeError, UnicodeDecodeError, ValueError) as e:
        raise XmpError(f"cannot write the date and position into {path or 'the file'}: "
                       f"{e}") from e
