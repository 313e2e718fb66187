"""Which files Shoebox manages, and what kind each one is, decided by extension - and, for a
camera RAW, by whether its JPEG twin lies beside it."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

PHOTO_FORMATS = {
    ".jpg": "jpeg", ".jpeg": "jpeg", ".jpe": "jpeg", ".png": "png", ".webp": "webp",
    ".heic": "heic", ".heif": "heic", ".hif": "heic", ".tif": "tiff", ".tiff": "tiff",
    ".gif": "gif", ".bmp": "bmp",
}
VIDEO_FORMATS = {
    ".mp4": "mp4", ".m4v": "mp4", ".mov": "mov", ".mkv": "mkv", ".avi": "avi", ".webm": "webm",
    ".3gp": "3gp", ".mts": "mts", ".m2ts": "mts", ".wmv": "wmv", ".mpg": "mpeg", ".mpeg": "mpeg",
}
# Camera RAW files are photos (format 'raw'), decoded from the preview the camera embeds. A
# camera shooting RAW+JPEG writes IMG_1.CR2 beside IMG_1.JPG: one shot. The JPEG (or HEIC)
# stands for it and the RAW is its companion, kind 'other': recorded, moved with its twin by a
# plan, never indexed, listed or offered as a duplicate on its own (settled per folder by the
# scanner: raw_companions).
RAW_EXTENSIONS = {
    ".cr2", ".cr3", ".crw", ".nef", ".nrw", ".arw", ".srf", ".sr2", ".dng", ".raf", ".orf",
    ".rw2", ".pef", ".srw", ".x3f", ".3fr", ".iiq", ".erf", ".kdc", ".mrw", ".raw",
}
# Folders never scanned: trash cans, NAS and OS thumbnail caches, OS bookkeeping.
SKIPPED_FOLDERS = {
    "@eadir", ".thumbnails", "$recycle.bin", "system volume information", "__macosx",
    "lost+found", ".trash", ".trashes", ".spotlight-v100", ".fseventsd", ".photoslibrary",
}


def classify(name: str) -> tuple[str, str] | None:
    """(kind, format) for a file name, or None when Shoebox does not manage such files."""
    dot = name.rfind(".")
    if dot <= 0:
        return None
    ext = name[dot:].lower()
    if ext in PHOTO_FORMATS:
        return "photo", PHOTO_FORMATS[ext]
    if ext in VIDEO_FORMATS:
        return "video", VIDEO_FORMATS[ext]
    if ext in RAW_EXTENSIONS:
        return "photo", "raw"
    return None


def format_of(name: str) -> str | None:
    """The format of a file Shoebox manages ('jpeg', 'raw', 'mp4'...), or None."""
    kind_fmt = classify(name)
    return kind_fmt[1] if kind_fmt else None


PAIR_HEAD_FORMATS = ("heic", "jpeg")  # what a camera pairs RAW and Live Photo movies with


def stem(name: str) -> str:
    dot = name.rfind(".")
    return name[:dot] if dot > 0 else name


def pair_key(name: str) -> str:
    """What a shot's files share: the stem, folded as a case-blind file system compares names
    (IMG_1.CR2, img_1.jpg and IMG_1.MOV are one shot when they share a folder)."""
    return unicodedata.normalize("NFC", stem(name)).casefold()


SAME_SHOT_S = 2.0  # a camera writes one capture time into both files of a RAW+JPEG shot


def raw_companions(files: Iterable[tuple[str, float | None]]) -> set[str]:
    """The RAW files among one folder's (name, camera capture time or None) that have a JPEG
    or HEIC twin beside them: the same stem, and the same capture time where both files carry
    one (a Canon's IMG_1234.CR2 and a phone's IMG_1234.JPG in one folder are two photos)."""
    files = list(files)
    heads: dict[str, list[float | None]] = {}
    for name, taken in files:
        if format_of(name) in PAIR_HEAD_FORMATS:
            heads.setdefault(pair_key(name), []).append(taken)
    return {name for name, taken in files
            if format_of(name) == "raw"
            and any(taken is None or t is None or abs(taken - t) <= SAME_SHOT_S
                    for t in heads.get(pair_key(name), ()))}


def skip_folder(name: str) -> bool:
    low = name.lower()
    return name.startswith(".") or low in SKIPPED_FOLDERS or low.startswith(".trash-")


def skip_file(name: str) -> bool:
    return name.startswith(".")  # hidden files, macOS '._' resource forks
