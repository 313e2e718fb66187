"""Which Google Takeout JSON sidecar belongs to which media file: pure name rules.

Google writes `<media name>.supplemental-metadata.json` (older exports: `<media name>.json`)
and clips that whole JSON name to 51 characters, keeping `.json`: the part before `.json` is
at most 46 characters, so any prefix of `.supplemental-metadata`, and even of the media name
itself, can be what is left (GPTH #353, #448/#449; ente #4953). A numbered copy's `(1)` moves
after the clipped part (`IMG_1(1).jpg` -> `IMG_1.jpg(1).json`,
`IMG_1.jpg.supplemental-metadata(1).json`; immich-go #756, #1321). Some JSON names lose the
media extension (`Peanut Butter Balls.supplemental-metadata.json`, immich-go #674). An edited
copy (`-edited`, or the word in the account's language) shares its original's JSON (immich-go
#698). The `.MP`/`.MP4` movie of a motion photo has no JSON of its own: it goes with its photo.
Matching is case-insensitive (GPTH #46) and made in the folder's path relative to the
`Google Photos` folder, so a JSON in another zip part of a multi-part export is found.
The `title` field inside the JSON is the last resort (the caller indexes titles).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

CLIP = 46  # characters before ".json" in a JSON name (51 in all)
SUPPLEMENTAL = ".supplemental-metadata"
# "-edited" in the languages Takeout has been seen to write it in.
EDITED_SUFFIXES = (
    "-edited", "-bearbeitet", "-modifié", "-editado", "-modificato", "-bewerkt", "-redigeret",
    "-redigert", "-redigerad", "-edytowane", "-muokattu", "-editat", "-upravené", "-upraveno",
    "-szerkesztett", "-düzenlendi", "-編集済み", "-ha editado", "-ha edit",
)
MOTION_EXTENSIONS = (".mp", ".mp4", ".mov")
_NUMBERED = re.compile(r"^(?P<base>.*?)\((?P<n>\d+)\)$")


def norm(name: str) -> str:
    """The form names are compared in: NFC (macOS writes NFD) and case-folded."""
    return unicodedata.normalize("NFC", name).casefold()


def split_ext(name: str) -> tuple[str, str]:
    dot = name.rfind(".")
    return (name, "") if dot <= 0 else (name[:dot], name[dot:])


def _numbered(stem: str) -> tuple[str, str]:
    """('IMG_1', '(1)') for 'IMG_1(1)', else (stem, '')."""
    m = _NUMBERED.match(stem)
    return (m["base"], f"({m['n']})") if m else (stem, "")


def _unedited(stem: str) -> str | None:
    low = norm(stem)
    for suffix in EDITED_SUFFIXES:
        if low.endswith(norm(suffix)):
            return stem[:len(stem) - len(suffix)]
    return None


def json_names(media: str) -> list[tuple[str, str]]:
    """The JSON names Google may have written for a media file, best first, each with the rule
    that makes it (shown in the summary). Compared with norm()."""
    media = unicodedata.normalize("NFC", media)
    stem, ext = split_ext(media)
    out: list[tuple[str, str]] = []

    def add(base: str, num: str, rule: str) -> None:
        for full, why in ((base + SUPPLEMENTAL, "supplemental-metadata"), (base, "name.json")):
            name = full[:CLIP] + num + ".json"
            clipped = len(full) > CLIP
            label = f"{rule}, {why}" + (", clipped" if clipped else "")
            if all(norm(name) != norm(n) for n, _ in out):
                out.append((name, label))

    add(media, "", "same name")  # 'Negative0-36-35(1).jpg' may be a name of its own
    base, num = _numbered(stem)
    if num:
        add(base + ext, num, "numbered copy")
    for s, n in ((stem, ""), (base, num)):
        original = _unedited(s)
        if original is not None:
            for o in (original + ext, original):  # the JSON may lack the extension
                add(o, n, "edited copy")
                if n:
                    add(o, "", "edited copy")
    add(stem, "", "without extension")
    if num:
        add(base, num, "numbered copy without extension")
    return out


def motion_stem(media: str) -> str | None:
    """For a motion photo's movie (`PXL_1.MP`, `IMG_1.MP4`, `IMG_1(1).mp4`), the stem its photo
    has; None for other files."""
    stem, ext = split_ext(media)
    if ext.lower() not in MOTION_EXTENSIONS:
        return None
    return norm(stem)


def photo_stems(photo: str) -> set[str]:
    """The stems by which a photo's motion movie names it: 'PXL_1.MP.jpg' -> {'pxl_1.mp',
    'pxl_1'}; 'IMG_1.HEIC' -> {'img_1'}."""
    stem, _ = split_ext(photo)
    out = {norm(stem)}
    inner, inner_ext = split_ext(stem)
    if inner_ext.lower() == ".mp":
        out.add(norm(inner))
    return out


@dataclass(frozen=True)
class Match:
    json: str | None     # the JSON's key (its relative path) or None
    rule: str            # which rule found it, or why none did


def match_json(folder: str, media: str, jsons: dict[tuple[str, str], str],
               titles: dict[str, list[str]] | None = None) -> Match:
    """The JSON for `media` in `folder` (a path relative to the Google Photos folder).
    jsons: (folder, norm(json name)) -> key; titles: norm(title) -> keys of JSONs that say it.
    """
    for name, rule in json_names(media):
        key = jsons.get((folder, norm(name)))
        if key is not None:
            return Match(key, rule)
    if titles:
        for candidate in (media, _strip_number(media)):
            keys = titles.get(norm(candidate)) or []
            found = [k for k in keys if k.rpartition("/")[0] == folder] or keys
            if len(found) == 1:  # an ambiguous title names nothing
                return Match(found[0], "title inside the JSON")
    return Match(None, "no JSON with this name, a clipped or numbered form of it, or this title")


def _strip_number(media: str) -> str:
    stem, ext = split_ext(media)
    return _numbered(stem)[0] + ext
