"""The on-disk thumbnail cache the grid and the viewer load from.

Thumbnails are JPEGs keyed by the file's content hash (a moved or renamed file keeps its
thumbnails; a changed file gets new ones), in a few sizes (the longer side, in pixels):

    <data>/thumbnails/<size>/<hash[:2]>/<hash>.jpg

They are written to a temporary name and renamed, so a crash never leaves half a thumbnail.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PIL import Image

from core.config import Paths
from core.media.decode import load_image
from core.media.images import to_rgb
from models.datafiles import atomic_path

SIZES = (256, 1024)  # grid cell, viewer
QUALITY = 90  # the CLIP stage reads the big thumbnail instead of the original
FACES_DIR = "faces"  # face crops, keyed by content hash like the thumbnails


def _hash_of(file_row_or_hash: Any) -> str:
    if isinstance(file_row_or_hash, str):
        h = file_row_or_hash
    else:
        try:
            h = file_row_or_hash["content_hash"]
        except (TypeError, KeyError, IndexError):
            h = getattr(file_row_or_hash, "content_hash", None)
    if not h or not isinstance(h, str) or not h.isalnum():
        raise ValueError(f"no usable content hash for a thumbnail: {h!r}")
    return h


def face_crop_path(paths: Paths, content_hash: str, frame_ms: int, idx: int) -> Path:
    """A face's small crop (the faces stage makes it), beside the thumbnails:
    <data>/thumbnails/faces/<hash[:2]>/<hash>_<frame ms or p>_<idx>.jpg"""
    h = _hash_of(content_hash)
    where = "p" if frame_ms < 0 else str(int(frame_ms))
    return paths.thumbnails / FACES_DIR / h[:2] / f"{h}_{where}_{int(idx)}.jpg"


def size_for(size: int) -> int:
    """The cached size to use for a wanted size: the smallest one at least as big."""
    return next((s for s in SIZES if s >= size), SIZES[-1])


def thumbnail_path(paths: Paths, file_row_or_hash: Any, size: int = SIZES[0]) -> Path:
    """Where the thumbnail of a file (a files row, or its content hash) lives; it may not
    exist yet (see ensure_thumbnail)."""
    h = _hash_of(file_row_or_hash)
    return paths.thumbnails / str(size_for(size)) / h[:2] / f"{h}.jpg"


def cached_thumbnail_path(content_hash: str, size: int = SIZES[0],
                          paths: Paths | None = None) -> Path | None:
    """The thumbnail if it is already on disk, else None (never decodes anything)."""
    p = thumbnail_path(paths or Paths.default(), content_hash, size)
    return p if p.exists() else None


def has_thumbnails(paths: Paths, content_hash: str) -> bool:
    return all(thumbnail_path(paths, content_hash, s).exists() for s in SIZES)


def make_thumbnails(paths: Paths, path: str, kind: str, content_hash: str,
                    sizes: tuple[int, ...] = SIZES, image: Image.Image | None = None
                    ) -> list[Path]:
    """Decode once (at a reduced scale where the format allows) and write each of `sizes`
    that is not cached yet. Sizes are the longer side, at most (a 12 MP photo's big
    thumbnail is 1000 px: the JPEG's 1/4-scale decode, not upscaled)."""
    todo = sorted((s for s in sizes if not thumbnail_path(paths, content_hash, s).exists()),
                  reverse=True)
    if not todo:
        return [thumbnail_path(paths, content_hash, s) for s in sizes]
    if image is None:
        # short side >= 2/3 of the long one is enough for 4:3 and 3:2 photos; asking no more
        # lets a 12 MP JPEG decode at 1/4 scale (1000 px) instead of 1/2: a third cheaper
        big = todo[0]
        image = load_image(path, kind, big * 2 // 3 if big > SIZES[0] else big * 3 // 4)
    img = to_rgb(image)
    for size in todo:  # each from the one before: cheaper
        if max(img.size) > size:
            img = img.copy()
            img.thumbnail((size, size), Image.LANCZOS if size <= 256 else Image.BICUBIC)
        _save_atomic(img, thumbnail_path(paths, content_hash, size))
    return [thumbnail_path(paths, content_hash, s) for s in sizes]


def ensure_thumbnail(paths: Paths, file_row: Any, size: int = SIZES[0]) -> Path:
    """The thumbnail's path, making it now if it is not cached (the GUI calls this from a
    worker thread for files the pipeline has not reached yet; only the size asked for is
    made, so the grid stays quick). file_row needs path, kind and content_hash. Raises
    FileNotFoundError, PermissionError, or a ShoeboxError (MediaError, VideoError) that
    says why the file cannot be decoded."""
    target = thumbnail_path(paths, file_row, size)
    if not target.exists():
        make_thumbnails(paths, file_row["path"], file_row["kind"], _hash_of(file_row),
                        sizes=(size_for(size),))
    return target


def _save_atomic(img: Image.Image, target: Path) -> None:
    with atomic_path(target) as tmp, open(tmp, "wb") as f:
        img.save(f, "JPEG", quality=QUALITY, optimize=False)


def prune_thumbnails(paths: Paths, keep_hashes: set[str]) -> int:
    """Delete cached thumbnails of content no file has any more (and temporary files a
    crash left behind); returns how many."""
    removed = 0
    for folder in (*(str(s) for s in SIZES), FACES_DIR):
        base = paths.thumbnails / folder
        if not base.is_dir():
            continue
        for sub in base.iterdir():
            if not sub.is_dir():
                continue
            for f in sub.iterdir():
                if f.suffix == ".tmp" or (f.suffix == ".jpg"
                                          and f.stem.split("_")[0] not in keep_hashes):
                    f.unlink(missing_ok=True)
                    removed += 1
    return removed
