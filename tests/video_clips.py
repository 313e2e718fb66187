"""Small real videos made with PyAV for the near-duplicate tests and benchmark: clips built
from pictures (each shown for a while, slowly panned, so frames move), and re-encodes of a
clip at another size and bitrate."""

from __future__ import annotations

from pathlib import Path

import av
from PIL import Image

CODEC = "libx264" if "libx264" in av.codecs_available else "mpeg4"


def write_clip(path: Path, pictures: list[Image.Image], seconds_each: float = 1.0,
               fps: int = 10, size=(160, 120), bitrate: int | None = None) -> Path:
    """An MP4 showing each picture in turn for seconds_each, panned a little frame by frame."""
    path.parent.mkdir(parents=True, exist_ok=True)
    w, h = size
    with av.open(str(path), "w") as out:
        v = out.add_stream(CODEC, rate=fps)
        v.width, v.height, v.pix_fmt = w, h, "yuv420p"
        if bitrate:
            v.bit_rate = bitrate
        per = max(1, round(seconds_each * fps))
        for pic in pictures:
            big = pic.convert("RGB").resize((w + per, h + per // 2), Image.Resampling.BILINEAR)
            for i in range(per):
                frame = av.VideoFrame.from_image(big.crop((i, i // 2, i + w, i // 2 + h)))
                for packet in v.encode(frame):
                    out.mux(packet)
        for packet in v.encode():
            out.mux(packet)
    return path


def reencode(src: Path, dst: Path, size=(120, 90), bitrate: int = 60_000) -> Path:
    """The clip decoded and encoded again at another size and bitrate (a phone's share, a
    converter's output)."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(src)) as inp, av.open(str(dst), "w") as out:
        sin = inp.streams.video[0]
        rate = sin.average_rate or 10
        v = out.add_stream(CODEC, rate=rate)
        v.width, v.height, v.pix_fmt = size[0], size[1], "yuv420p"
        v.bit_rate = bitrate
        for frame in inp.decode(sin):
            img = frame.to_image().resize(size, Image.Resampling.BILINEAR)
            for packet in v.encode(av.VideoFrame.from_image(img)):
                out.mux(packet)
        for packet in v.encode():
            out.mux(packet)
    return dst
