"""Folder and file names made safe. Names come from an LLM that read captions, transcripts and
EXIF text, so they are untrusted input: every segment is repaired (never rejected) into
something that is one plain name on Windows, macOS and Linux, and a destination is checked,
on resolved paths, never to leave its library root.
"""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

from core.errors import ShoeboxError

SEGMENT_MAX_BYTES = 255        # ext4, APFS, most Linux/macOS file systems (UTF-8 bytes)
SEGMENT_MAX_UNITS = 255        # NTFS: UTF-16 code units per name
FOLDER_MAX_CHARS = 64          # folder names we propose stay readable and leave room for paths
WINDOWS_MAX_PATH = 259         # classic MAX_PATH less the terminating NUL; long paths are opt-in
MAX_DEPTH = 3
FALLBACK = "Untitled"

_RESERVED = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", "CLOCK$"}
_RESERVED |= {f"{p}{n}" for p in ("COM", "LPT") for n in list("0123456789") + ["¹", "²", "³"]}
_SEPARATORS = re.compile(r"[/\\:]+")
_WINDOWS_BAD = re.compile(r'[<>"|?*]')
_SPACES = re.compile(r"\s+")
# a segment every repair below leaves as it is (most camera and date names): checked first,
# since a plan sanitises every file name of a library
_PLAIN = re.compile(r"(?!.*  )(?!(?:CON|PRN|AUX|NUL|COM\d|LPT\d) *(?:\.|$))"  # reserved
                    r"[\w()'&+,](?:[\w()'&+,. -]*[\w()'&+,])?", re.ASCII | re.IGNORECASE)
_ZWJ = "\u200d"


class UnsafeDestination(ShoeboxError):
    """A destination that would resolve outside the library root (a link inside it, say)."""


def _keep_char(ch: str) -> bool:
    cat = unicodedata.category(ch)
    if ch == _ZWJ:  # joins emoji sequences; stray ones are trimmed from the ends below
        return True
    # Cc control, Cf format (bidi overrides, RTL/LTR marks, zero-width), Cs/Co/Cn, line/para seps
    return not (cat.startswith("C") or cat in ("Zl", "Zp"))


def _utf16_units(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


def _fits(s: str, max_chars: int | None) -> bool:
    return (len(s.encode("utf-8")) <= SEGMENT_MAX_BYTES and _utf16_units(s) <= SEGMENT_MAX_UNITS
            and (max_chars is None or len(s) <= max_chars))


def _trim_ends(s: str) -> str:
    # no leading/trailing dots or spaces (Windows drops them; a leading dot hides the file),
    # and no dangling joiners or combining marks left by truncation
    while True:
        t = s.strip(" .\u200d")
        while t and unicodedata.category(t[-1]) in ("Mn", "Me") and t[-1] != "\ufe0f":
            t = t[:-1]
        if t == s:
            return s
        s = t


def truncate(s: str, max_chars: int | None = None) -> str:
    """Shorten to the byte/unit/char limits without splitting a character or leaving a
    combining mark or joiner dangling."""
    while s and not _fits(s, max_chars):
        cut = len(s) - 1
        if max_chars is not None and len(s) > max_chars:
            cut = max_chars
        s = s[:cut]
        # do not end on a base character whose combining marks were cut away half-way
        while s and unicodedata.combining(s[-1]):
            s = s[:-1]
    return _trim_ends(s)


def _is_reserved(name: str) -> bool:
    stem = name.split(".", 1)[0].rstrip(" ").upper()
    return stem in _RESERVED


def sanitize_segment(raw: object, *, max_chars: int | None = FOLDER_MAX_CHARS,
                     fallback: str = FALLBACK) -> str:
    """One path segment (a folder name), repaired: NFC, no separators or control/format
    characters, no Windows-illegal characters, no reserved device names, no leading/trailing
    dots or spaces, within length limits. Never empty, never '.' or '..'."""
    s = str(raw) if raw is not None else ""
    return s if _plain(s, max_chars) else _repair_segment(s, max_chars, fallback)


def _repair_segment(s: str, max_chars: int | None, fallback: str) -> str:
    s = unicodedata.normalize("NFC", s)
    s = "".join(ch for ch in s if _keep_char(ch))
    s = _SEPARATORS.sub(" - ", s)
    s = _WINDOWS_BAD.sub("", s)
    s = _SPACES.sub(" ", s)
    while (t := _trim_ends(s).strip("- ")) != s:
        s = t
    if _is_reserved(s):
        stem, dot, rest = s.partition(".")
        s = f"{stem.rstrip()}_{dot}{rest}"
    s = truncate(s, max_chars)
    if not s or set(s) <= {".", "-", " "}:
        return fallback
    return s


def _plain(s: str, max_chars: int | None) -> bool:
    """True when `sanitize_segment` would return `s` unchanged without looking further: plain
    ASCII (one byte, one UTF-16 unit a character), no run of spaces, no dot, hyphen or space at
    either end, not a reserved name, within the limits."""
    return (len(s) <= (SEGMENT_MAX_BYTES if max_chars is None else
                       min(max_chars, SEGMENT_MAX_BYTES))
            and _PLAIN.fullmatch(s) is not None)


def sanitize_filename(name: str) -> str:
    """A file name: like a segment, but the extension (last suffix, if short) is kept and
    only the stem is shortened."""
    name = str(name)
    stem, dot, ext = name.rpartition(".")
    if (dot and len(ext) < 16 and " " not in ext and len(name) <= SEGMENT_MAX_BYTES
            and _plain(stem, None) and _plain(ext, None)):
        return name  # IMG_0001.JPG: what every step below would leave as it is
    name = unicodedata.normalize("NFC", name)
    stem, dot, ext = name.rpartition(".")
    ext = sanitize_segment(ext, max_chars=16, fallback="") if dot else ""
    if not dot or not stem.strip(" .") or not ext or len(ext) > 15 or " " in ext:
        return sanitize_segment(name, max_chars=None, fallback="file")
    ext = "." + ext
    stem = sanitize_segment(stem, max_chars=None, fallback="file")
    while not _fits(stem + ext, None):
        stem = truncate(stem[:-1], None) or "file"
    return stem + ext


def sanitize_relpath(raw: object, *, max_depth: int = MAX_DEPTH, fallback: str = "Unsorted") -> str:
    """A relative folder path of at most max_depth segments, '/'-joined. Traversal ('..'),
    absolute paths, drive letters and empty segments are dropped, not obeyed."""
    text = unicodedata.normalize("NFC", str(raw) if raw is not None else "")
    parts = re.split(r"[/\\]+", text)
    out = []
    for part in parts:
        stripped = "".join(ch for ch in part if _keep_char(ch)).strip()
        if stripped in ("", ".", "..") or set(stripped) <= {"."}:
            continue
        if re.fullmatch(r"[A-Za-z]:", stripped):  # a drive letter: C:\ ...
            continue
        out.append(sanitize_segment(part))
        if len(out) == max_depth:
            break
    return "/".join(out) if out else fallback


def fold(segment: str) -> str:
    """The key two names collide on when a file system ignores case (NTFS, APFS default)."""
    return unicodedata.normalize("NFC", segment).casefold()


def fit_windows_path(root: str, rel_folder: str, filename: str,
                     limit: int = WINDOWS_MAX_PATH) -> str:
    """Shorten the folder segments (longest first) until root/rel/filename fits `limit`
    characters; returns the new rel folder. Leaves it as is when even 8-char segments do not
    fit (the root itself is too deep), since apply will then hit a real OS error, recorded."""
    segs = rel_folder.split("/") if rel_folder else []

    def total() -> int:
        return len(os.path.join(root, *segs, filename))

    while total() > limit:
        i = max(range(len(segs)), key=lambda k: len(segs[k]), default=None)
        if i is None or len(segs[i]) <= 8:
            break
        segs[i] = truncate(segs[i], max(8, len(segs[i]) - (total() - limit)))
    return "/".join(segs)


def is_inside(path: str | os.PathLike, root: str | os.PathLike) -> bool:
    """True when `path`, with every link resolved, is `root` or below it."""
    rp = Path(os.path.realpath(path))
    rr = Path(os.path.realpath(root))
    return rp == rr or rr in rp.parents


class InsideCheck:
    """`is_inside` for many paths in a few folders (a plan's destinations): each folder is
    resolved once. A path whose folder resolves inside the root is inside unless its own name
    is a link (looked at only where the folder exists); anything else gets `is_inside`."""

    def __init__(self) -> None:
        self._folders: dict[tuple[str, str], tuple[bool, bool]] = {}

    def __call__(self, path: str, root: str) -> bool:
        folder, name = os.path.split(path)
        known = self._folders.get((folder, root))
        if known is None:
            known = self._folders[(folder, root)] = (bool(name) and is_inside(folder, root),
                                                     os.path.isdir(folder))
        inside, exists = known
        if inside and name not in (".", "..") and not (exists and os.path.islink(path)):
            return True
        return is_inside(path, root)


def safe_destination(root: str | os.PathLike, rel_folder: str, filename: str) -> Path:
    """root / rel_folder / filename, sanitised, and proven (on resolved paths) to stay inside
    root. Raises UnsafeDestination when a link on the way points outside."""
    rel = sanitize_relpath(rel_folder) if rel_folder else ""
    name = sanitize_filename(filename)
    dest = Path(root, *(rel.split("/") if rel else []), name)
    if not is_inside(dest, root):
        raise UnsafeDestination(
            f"{dest} would end up outside the library folder {root} (a link on the way points "
            f"elsewhere); this file is left where it is")
    return dest
