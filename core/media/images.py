"""The one image decoder: upright RGB, and fast when only a small version is needed.

A 12 MP JPEG takes ~85 ms to decode fully on one core. Callers that feed a 224 px model pass
`target` and never pay for the full resolution: JPEGs are scaled inside the DCT by
libjpeg-turbo through simplejpeg (any of 1/8, 2/8, ... 7/8; measured on 12 MP camera JPEGs:
29 ms at 1/8, 32 ms at 1/4, where Pillow's draft mode takes 48 and 50 ms: its per-call
overhead dominates once the IDCT is cheap), other formats decode in full and are box-reduced.
What is left of a reduced decode is mostly Huffman decoding, which no scale avoids.
Camera RAW files show the preview their camera embedded (a full-size JPEG on most cameras,
read by LibRaw through rawpy and decoded like any JPEG); only a RAW without a usable preview is
demosaicked, at half size.
"""

from __future__ import annotations

import io
import logging
import os
import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import simplejpeg
from PIL import Image, ImageOps, UnidentifiedImageError

from core.files.kinds import format_of
from core.media.errors import MediaError

log = logging.getLogger(__name__)

_heif_lock = threading.Lock()
_heif_registered = False


def register_heif() -> None:
    """HEIC (iPhone photos) through pillow-heif, registered once and only when first needed
    (the one way: whoever opens an image with PIL calls this first; +30 ms when it runs)."""
    global _heif_registered
    with _heif_lock:
        if _heif_registered:
            return
        import pillow_heif  # a declared dependency, registered when the first HEIC is opened

        pillow_heif.register_heif_opener()
        _heif_registered = True


JpegDecoder = Callable[[bytes, int], np.ndarray]  # (data, min short side) -> (H, W, 3) uint8


def open_image(path: str | os.PathLike, target: int | None = None,
               jpeg_decoder: JpegDecoder | None = None) -> Image.Image:
    """Decode `path` to an RGB image with its EXIF orientation applied.

    With `target`, the shorter side of the result is at least `target` px where the original
    allows it, and not much more: JPEGs are scaled inside the DCT, other formats box-reduced.
    Missing or unreadable files raise FileNotFoundError / PermissionError unchanged; a file that
    is not a decodable image raises MediaError. Transparency is flattened onto white.
    `jpeg_decoder`: decodes JPEGs instead of libjpeg-turbo (nvJPEG on a GPU: models.jpeg_gpu);
    where it fails, libjpeg-turbo takes over for that file.
    """
    path = os.fspath(path)
    register_heif()
    try:
        if format_of(os.path.basename(path)) == "raw":
            img = _open_raw(path, target)
        else:
            img = _open_scaled(path, target, jpeg_decoder)
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


# EXIF orientation -> the transpose that makes the picture upright
_UPRIGHT = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
            4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
            6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
            8: Image.Transpose.ROTATE_90}


def _open_scaled(path: str, target: int | None, jpeg_decoder: JpegDecoder | None) -> Image.Image:
    """Upright, decoded at the smallest scale whose shorter side is >= target (JPEG)."""
    if target:
        with open(path, "rb") as f:
            data = f.read()
        head = Image.open(io.BytesIO(data))  # header only: format, size, EXIF; bomb check
        if head.format == "JPEG" and jpeg_decoder is not None:
            fast = _other_decoder(jpeg_decoder, data, head, target, path)
            if fast is not None:
                return fast
        if head.format == "JPEG" and min(head.size) >= 2 * target:
            fast = _turbo_scaled(data, head, target)
            if fast is not None:
                return fast
        img = head
        if img.format == "JPEG":  # what libjpeg-turbo refused (CMYK, damaged): Pillow says why
            w, h = img.size
            scale = min(w, h) / target
            if scale >= 2:
                img.draft("RGB", (max(1, int(w / scale)), max(1, int(h / scale))))
    else:
        img = Image.open(path)
    img.load()
    return ImageOps.exif_transpose(img)


# LibRaw's orientation ("flip") -> the EXIF orientation that means the same turn
RAW_FLIP_TO_EXIF = {0: 1, 3: 3, 5: 8, 6: 6}


def _open_raw(path: str, target: int | None) -> Image.Image:
    """Upright RGB from a camera RAW: its embedded preview when that is large enough for
    `target` (without a target: at least half the sensor's size), else a demosaic (at half
    size where that is enough: four times less work)."""
    import rawpy  # a declared dependency; LibRaw is loaded when the first RAW is opened

    with open(path, "rb"):  # missing / unreadable: the usual OSError, not LibRaw's own
        pass
    try:
        with rawpy.imread(path) as raw:
            sensor = min(raw.sizes.width, raw.sizes.height)
            need = min(target, sensor) if target else sensor // 2
            preview = _raw_preview(raw, path, target)
            if preview is not None and min(preview.size) >= need:
                turn = _UPRIGHT.get(RAW_FLIP_TO_EXIF.get(raw.sizes.flip, 1))
                return preview.transpose(turn) if turn is not None else preview
            # demosaic; postprocess turns the picture upright itself
            half = not target or sensor // 2 >= target
            rgb = raw.postprocess(half_size=half, use_camera_wb=True, output_bps=8)
            if rgb.ndim == 3 and rgb.shape[2] == 1:  # one colour: a monochrome sensor
                return Image.fromarray(np.ascontiguousarray(rgb[..., 0])).convert("RGB")
            if rgb.ndim != 3 or rgb.shape[2] != 3:
                raise MediaError(path, "a camera RAW file whose picture data is damaged")
            return Image.fromarray(rgb)
    except rawpy.LibRawError as e:
        raise MediaError(path, libraw_problem(e)) from None


def libraw_problem(e: BaseException) -> str:
    """What LibRaw's refusal means, for the user (rawpy's messages are bytes reprs)."""
    reason = str(e).strip("b'\" ") or type(e).__name__
    return f"a camera RAW file LibRaw cannot read ({reason})"


def _raw_preview(raw: Any, path: str, target: int | None) -> Image.Image | None:
    """The camera's embedded preview as stored (not yet turned upright), or None."""
    import rawpy

    try:
        thumb = raw.extract_thumb()
    except rawpy.LibRawError as e:  # none, or a kind LibRaw cannot hand out
        log.debug("%s: no usable embedded preview (%s); demosaicking", path, e)
        return None
    if thumb.format == rawpy.ThumbFormat.BITMAP:
        # rawpy shapes the array from the file's header without checking it against the buffer
        # LibRaw filled: a damaged header makes an array over memory that is not there, and
        # reading it crashes the process (found by mutating DNGs). A preview is never larger
        # than the sensor, so one that claims to be is refused before its pixels are touched.
        h, w = thumb.data.shape[:2]
        if (thumb.data.ndim != 3 or thumb.data.shape[2] != 3 or thumb.data.dtype != np.uint8
                or max(h, w) > max(raw.sizes.raw_width, raw.sizes.raw_height)
                or min(h, w) > min(raw.sizes.raw_width, raw.sizes.raw_height)):
            log.debug("%s: the embedded preview's size is damaged; demosaicking", path)
            return None
        return Image.fromarray(np.ascontiguousarray(thumb.data))
    try:
        head = Image.open(io.BytesIO(thumb.data))
        if target and head.format == "JPEG" and min(head.size) >= 2 * target:
            scaled = _turbo_decode(thumb.data, head, target)
            if scaled is not None:
                return scaled
        head.load()
        return head
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as e:
        log.debug("%s: the embedded preview is damaged (%s); demosaicking", path, e)
        return None


def _turbo_scaled(data: bytes, head: Image.Image, target: int) -> Image.Image | None:
    """libjpeg-turbo's scaled decode, upright (see _turbo_decode); None when it cannot."""
    img = _turbo_decode(data, head, target)
    return _upright(img, head) if img is not None else None


def _turbo_decode(data: bytes, head: Image.Image, target: int) -> Image.Image | None:
    """libjpeg-turbo's scaled decode, as stored (fast DCT and upsampling: invisible at these
    sizes, and the CLIP vectors agree with a full decode: tests/core/pipeline); None when it
    cannot (CMYK, damaged data: strict mode refuses what libjpeg would only warn about)."""
    if head.mode not in ("RGB", "L"):
        return None
    w, h = head.size
    try:
        arr = simplejpeg.decode_jpeg(
            data, colorspace="RGB", fastdct=True, fastupsample=True,
            min_width=target if w <= h else 1, min_height=target if h < w else 1)
    except ValueError:
        return None
    return Image.fromarray(arr, "RGB")


def _other_decoder(decoder: JpegDecoder, data: bytes, head: Image.Image, target: int,
                   path: str) -> Image.Image | None:
    try:
        arr = decoder(data, target)
    except (RuntimeError, ValueError, OSError) as e:
        log.debug("%s: the JPEG decoder refused it (%s); libjpeg-turbo decodes it", path, e)
        return None
    return _upright(Image.fromarray(np.ascontiguousarray(arr, np.uint8), "RGB"), head)


def _upright(img: Image.Image, head: Image.Image) -> Image.Image:
    turn = _UPRIGHT.get(head.getexif().get(0x0112, 1))
    return img.transpose(turn) if turn is not None else img


LIGHT_DRAWING = 200  # mean brightness of the visible pixels above which white hides them
DARK_BACKDROP = (72, 72, 72)


def to_rgb(img: Image.Image) -> Image.Image:
    """RGB, with transparency on white (JPEG and CLIP have no alpha; black behind a logo
    looks broken) — unless what is drawn is itself light (a white drawing on a transparent
    PNG): then on a dark neutral grey, so the tile and the models see the drawing."""
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        alpha = rgba.getchannel("A")
        backdrop = (255, 255, 255)
        small = rgba.copy()
        small.thumbnail((64, 64))
        a = np.asarray(small.getchannel("A"), dtype=np.float32) / 255
        if a.sum() > 0:
            luma = np.asarray(small.convert("L"), dtype=np.float32)
            if float((luma * a).sum() / a.sum()) > LIGHT_DRAWING:
                backdrop = DARK_BACKDROP
        bg = Image.new("RGB", rgba.size, backdrop)
        bg.paste(rgba, mask=alpha)
        return bg
    return img if img.mode == "RGB" else img.convert("RGB")
