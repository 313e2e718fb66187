"""The one image decoder: upright RGB, and fast when only a small version is needed.

A 12 MP JPEG takes ~150 ms to decode fully on one core; with Pillow's draft mode the JPEG
decoder scales by 1/2, 1/4 or 1/8 inside the DCT, which is several times cheaper. Callers that
feed a 224 px model pass `target` and never pay for the full resolution.
"""

from __future__ import annotations

import os
import threading

from PIL import Image, ImageOps, UnidentifiedImageError

from core.media.errors import MediaError

_heif_lock = threading.Lock()
_heif_registered = False


def _register_heif() -> None:
    """HEIC (iPhone photos) through pillow-heif, registered once and only when first needed."""
    global _heif_registered
    with _heif_lock:
        if _heif_registered:
            return
        import pillow_heif  # a declared dependency, registered when the first HEIC is opened

        pillow_heif.register_heif_opener()
        _heif_registered = True


def open_image(path: str | os.PathLike, target: int | None = None) -> Image.Image:
    """Decode `path` to an RGB image with its EXIF orientation applied.

    With `target`, the shorter side of the result is at least `target` px where the original
    allows it, and not much more: JPEGs use draft mode, other formats an integer box reduce.
    Missing or unreadable files raise FileNotFoundError / PermissionError unchanged; a file that
    is not a decodable image raises MediaError. Transparency is flattened onto white.
    """
    path = os.fspath(path)
    _register_heif()
    try:
        img = Image.open(path)
        if target and img.format == "JPEG":
            w, h = img.size
            scale = min(w, h) / target
            if scale >= 2:
                # draft keeps both sides >= the requested size, so ask for the scaled full size
                img.draft("RGB", (max(1, int(w / scale)), max(1, int(h / scale))))
        img.load()
        img = ImageOps.exif_transpose(img)
        if target:
            factor = int(min(img.size) // target)
            if factor >= 2:
                img = img.reduce(factor)
        return to_rgb(img)
    except (FileNotFoundError, PermissionError, IsADirectoryError):
        raise
    except UnidentifiedImageError:
        raise MediaError(path, "not an image, or a format Shoebox cannot read") from None
    except Image.DecompressionBombError as e:
        raise MediaError(path, f"the image is too large to decode safely ({e})") from None
    except (OSError, SyntaxError, ValueError, EOFError) as e:
        # Pillow reports truncated/corrupt data as OSError ("image file is truncated") and some
        # broken headers as SyntaxError/ValueError.
        raise MediaError(path, f"the image data is damaged ({e})") from None


def to_rgb(img: Image.Image) -> Image.Image:
    """RGB, with transparency on white (JPEG and CLIP have no alpha; black behind a logo
    looks broken)."""
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        bg = Image.new("RGB", rgba.size, (255, 255, 255))
        bg.paste(rgba, mask=rgba.getchannel("A"))
        return bg
    return img if img.mode == "RGB" else img.convert("RGB")
