"""Which files Shoebox manages, and what kind each one is, decided by extension."""

from __future__ import annotations

PHOTO_FORMATS = {
    ".jpg": "jpeg", ".jpeg": "jpeg", ".jpe": "jpeg", ".png": "png", ".webp": "webp",
    ".heic": "heic", ".heif": "heic", ".hif": "heic", ".tif": "tiff", ".tiff": "tiff",
    ".gif": "gif", ".bmp": "bmp",
}
VIDEO_FORMATS = {
    ".mp4": "mp4", ".m4v": "mp4", ".mov": "mov", ".mkv": "mkv", ".avi": "avi", ".webm": "webm",
    ".3gp": "3gp", ".mts": "mts", ".m2ts": "mts", ".wmv": "wmv", ".mpg": "mpeg", ".mpeg": "mpeg",
}
# Camera RAW files are recorded (kind 'other', format 'raw') but not decoded.
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
        return "other", "raw"
    return None


def skip_folder(name: str) -> bool:
    low = name.lower()
    return name.startswith(".") or low in SKIPPED_FOLDERS or low.startswith(".trash-")


def skip_file(name: str) -> bool:
    return name.startswith(".")  # hidden files, macOS '._' resource forks
