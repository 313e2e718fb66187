"""One way for every stage to turn a catalog file into pixels, and to say why it could not."""

from __future__ import annotations

import errno

import av
from PIL import Image

from core.errors import ShoeboxError
from core.media import video
from core.media.images import open_image  # orientation, scaled decode, RGB on white
from models import jpeg_gpu


def load_image(path: str, kind: str, min_side: int, jpeg_decoder=None) -> Image.Image:
    """An upright RGB image whose shorter side is at least min_side where the original
    allows (JPEGs decode at a reduced scale straight from the DCT, or on the GPU with
    `jpeg_decoder`: see jpeg_decoder_for). Videos give a frame a tenth of the way in."""
    if kind == "video":
        return video.frame_at(path, short_side=min_side)
    return open_image(path, target=min_side, jpeg_decoder=jpeg_decoder)  # upright RGB


def jpeg_decoder_for(device: str):
    """Where the pipeline decodes JPEGs: on a CUDA machine with nvJPEG (torchvision), on the
    GPU (models.jpeg_gpu); everywhere else None: libjpeg-turbo on the CPU cores."""
    return jpeg_gpu.decode if jpeg_gpu.usable(device) else None


def describe(e: BaseException) -> str:
    """A one-line reason for the user (stored in jobs.error)."""
    if isinstance(e, FileNotFoundError):
        return "the file is gone (moved or deleted since the last scan): run `shoebox scan`"
    if isinstance(e, PermissionError):
        return "the file cannot be read: permission denied"
    if isinstance(e, ShoeboxError):
        return str(e)
    if isinstance(e, av.FFmpegError):
        return f"cannot decode the video: {e}"
    if isinstance(e, Image.DecompressionBombError):
        return f"the image is too large to decode safely: {e}"
    if isinstance(e, OSError) and e.errno in (errno.EIO, errno.ENXIO, errno.ENODEV):
        return f"the disk could not read the file: {e.strerror or e}"
    return f"{type(e).__name__}: {e}"
