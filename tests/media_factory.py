"""Media made on the fly for tests: JPEGs with EXIF, PNGs, broken files, small videos."""

from __future__ import annotations

import time
from fractions import Fraction
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw


def gradient(size=(64, 48), seed=0) -> Image.Image:
    rng = np.random.default_rng(seed)
    w, h = size
    base = rng.integers(0, 255, 3)
    x = np.linspace(0, 1, w)[None, :, None]
    y = np.linspace(0, 1, h)[:, None, None]
    arr = (base + 120 * x + 80 * y + rng.normal(0, 8, (h, w, 3))) % 255
    return Image.fromarray(arr.astype(np.uint8), "RGB")


def shapes(size, seed) -> Image.Image:
    """A picture with structure (random ellipses on a random ground), unlike gradient()."""
    rng = np.random.default_rng(seed)
    img = Image.new("RGB", size, tuple(int(x) for x in rng.integers(0, 255, 3)))
    d = ImageDraw.Draw(img)
    w, h = size
    for _ in range(12):
        x0, y0 = int(rng.integers(0, w)), int(rng.integers(0, h))
        x1, y1 = x0 + int(rng.integers(10, w // 2)), y0 + int(rng.integers(10, h // 2))
        d.ellipse([x0, y0, x1, y1], fill=tuple(int(x) for x in rng.integers(0, 255, 3)))
    return img


def write_jpeg(path: Path, size=(64, 48), seed=0, *, taken: str | None = None,
               gps: tuple[float, float] | None = None, orientation: int | None = None,
               camera: tuple[str, str] | None = None, quality=90) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    img = gradient(size, seed)
    exif = Image.Exif()
    if orientation:
        exif[274] = orientation
    if camera:
        exif[271], exif[272] = camera
    if taken:
        exif[306] = taken
        exif.get_ifd(0x8769)[36867] = taken
    if gps:
        lat, lon = gps
        g = exif.get_ifd(0x8825)
        g[1] = "N" if lat >= 0 else "S"
        g[2] = _dms(abs(lat))
        g[3] = "E" if lon >= 0 else "W"
        g[4] = _dms(abs(lon))
    img.save(path, "JPEG", quality=quality, exif=exif.tobytes())
    return path


def _dms(value: float):
    d = int(value)
    m = int((value - d) * 60)
    s = round(((value - d) * 60 - m) * 60, 4)
    return (Fraction(d), Fraction(m), Fraction(s).limit_denominator(10000))


def write_png(path: Path, size=(40, 30), seed=1) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    gradient(size, seed).save(path, "PNG")
    return path


def write_truncated_jpeg(path: Path, seed=2) -> Path:
    full = write_jpeg(path, (256, 256), seed)
    data = full.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def write_video(path: Path, seconds: float = 2.0, fps: int = 10, size=(64, 48),
                audio: str | np.ndarray | None = "tone", sample_rate: int = 16000) -> Path:
    """An MP4 (H.264 + optional AAC audio: 'tone', 'silence', or float samples at
    sample_rate, e.g. speech from `speak`) made with PyAV."""
    import av

    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w") as out:
        v = out.add_stream("libx264" if "libx264" in av.codecs_available else "mpeg4", rate=fps)
        v.width, v.height, v.pix_fmt = size[0], size[1], "yuv420p"
        a = None
        if audio is not None:
            a = out.add_stream("aac", rate=sample_rate)
            a.layout = "mono"
        n = int(seconds * fps)
        for i in range(n):
            frame = av.VideoFrame.from_image(gradient(size, seed=i // fps))
            for packet in v.encode(frame):
                out.mux(packet)
        for packet in v.encode():
            out.mux(packet)
        if a is not None:
            t = np.arange(int(seconds * sample_rate)) / sample_rate
            if isinstance(audio, np.ndarray):
                wave = np.zeros_like(t)
                wave[:min(len(t), len(audio))] = audio[:len(t)]
            else:
                wave = 0.3 * np.sin(2 * np.pi * 440 * t) if audio == "tone" else np.zeros_like(t)
            chunk = 1024
            for start in range(0, len(wave), chunk):
                samples = wave[start:start + chunk].astype(np.float32)[None, :]
                frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
                frame.sample_rate = sample_rate
                frame.pts = start
                frame.time_base = Fraction(1, sample_rate)
                for packet in a.encode(frame):
                    out.mux(packet)
            for packet in a.encode():
                out.mux(packet)
    return path


def speak(text: str, folder: Path, sample_rate: int = 16000) -> np.ndarray:
    """Real (synthetic-voice) speech of `text` from espeak-ng, as float32 samples at
    sample_rate. The caller skips when espeak-ng is missing (shutil.which)."""
    import subprocess
    import wave

    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"speech-{abs(hash(text))}.wav"
    subprocess.run(["espeak-ng", "-s", "150", "-w", str(out), text], check=True,
                   capture_output=True, timeout=60)
    with wave.open(str(out)) as w:
        rate, width, channels = w.getframerate(), w.getsampwidth(), w.getnchannels()
        raw = w.readframes(w.getnframes())
    assert width == 2, "espeak-ng writes 16-bit PCM"
    pcm = np.frombuffer(raw, "<i2").astype(np.float32).reshape(-1, channels).mean(axis=1) / 32768
    n = int(len(pcm) * sample_rate / rate)
    return np.interp(np.arange(n) * rate / sample_rate, np.arange(len(pcm)), pcm).astype(np.float32)


def set_mtime(path: Path, when: float | None = None) -> None:
    when = time.time() - 3600 if when is None else when
    import os

    os.utime(path, (when, when))


def corrupt_audio_packet(path: Path, index: int = 10) -> Path:
    """Overwrite one audio packet of a video in place with garbage (the container stays
    valid): the case where faster_whisper.decode_audio gives up on the whole track."""
    import av

    with av.open(str(path)) as c:
        packets = [(p.pos, p.size) for p in c.demux(c.streams.audio[0]) if p.size]
    pos, size = packets[min(index, len(packets) - 1)]
    data = bytearray(path.read_bytes())
    data[pos:pos + size] = b"\xff" * size
    path.write_bytes(bytes(data))
    return path


def write_dng(path: Path, size=(96, 64), seed=0, *, preview: str | None = "jpeg",
              preview_scale: int = 1, taken: str | None = None, orientation: int | None = None,
              camera: tuple[str, str] = ("Shoebox", "Test Camera"),
              picture: Image.Image | None = None) -> Path:
    """A DNG laid out as cameras and converters write one: IFD0 holds the picture's preview
    ('jpeg', an RGB 'bitmap', or None) reduced by `preview_scale`, and a SubIFD holds a 12-bit
    RGGB Bayer mosaic of the same picture. Written by hand (little-endian TIFF), so LibRaw
    reads a real raw file without any writer library."""
    import io
    import struct

    path.parent.mkdir(parents=True, exist_ok=True)
    img = picture.convert("RGB") if picture is not None else gradient(size, seed)
    w, h = img.size
    rgb = np.asarray(img, dtype=np.uint16) * 16
    mosaic = np.empty((h, w), "<u2")
    mosaic[0::2, 0::2] = rgb[0::2, 0::2, 0]
    mosaic[0::2, 1::2] = rgb[0::2, 1::2, 1]
    mosaic[1::2, 0::2] = rgb[1::2, 0::2, 1]
    mosaic[1::2, 1::2] = rgb[1::2, 1::2, 2]

    # tag -> (TIFF type, count, value); a value ("data", bytes) or ("ifd", tags) is placed after
    BYTE, ASCII, SHORT, LONG = 1, 2, 3, 4

    def text(s: str):
        return ASCII, len(s) + 1, s.encode() + b"\0"

    ifd0 = {254: (LONG, 1, 1), 271: text(camera[0]), 272: text(camera[1]),
            50706: (BYTE, 4, bytes((1, 4, 0, 0))), 50708: text(" ".join(camera))}
    if orientation:
        ifd0[274] = (SHORT, 1, orientation)
    if taken:
        ifd0[306] = text(taken)
    if preview is not None:
        small = img.reduce(preview_scale) if preview_scale > 1 else img
        if preview == "jpeg":
            buf = io.BytesIO()
            small.save(buf, "JPEG", quality=92)
            data, compression, photometric = buf.getvalue(), 7, 6  # JPEG, YCbCr
        else:
            data, compression, photometric = small.tobytes(), 1, 2  # none, RGB
        ifd0.update({256: (LONG, 1, small.width), 257: (LONG, 1, small.height),
                     258: (SHORT, 3, (8, 8, 8)), 259: (SHORT, 1, compression),
                     262: (SHORT, 1, photometric), 277: (SHORT, 1, 3),
                     278: (LONG, 1, small.height), 273: (LONG, 1, ("data", data)),
                     279: (LONG, 1, len(data))})
    ifd0[330] = (LONG, 1, ("ifd", {
        254: (LONG, 1, 0), 256: (LONG, 1, w), 257: (LONG, 1, h), 258: (SHORT, 1, 16),
        259: (SHORT, 1, 1), 262: (SHORT, 1, 32803), 277: (SHORT, 1, 1), 278: (LONG, 1, h),
        273: (LONG, 1, ("data", mosaic.tobytes())), 279: (LONG, 1, mosaic.nbytes),
        33421: (SHORT, 2, (2, 2)), 33422: (BYTE, 4, bytes((0, 1, 1, 2))),  # CFA: RGGB
        50717: (SHORT, 1, 4095)}))  # white level

    out = bytearray(b"II*\0\0\0\0\0")

    def place(payload: bytes) -> int:
        out.extend(b"\0" * (len(out) % 2))  # TIFF offsets are even
        at = len(out)
        out.extend(payload)
        return at

    def write_ifd(tags: dict) -> int:
        start = place(struct.pack("<H", len(tags)) + b"\0" * (12 * len(tags) + 4))
        later = []
        for i, (tag, (typ, count, value)) in enumerate(sorted(tags.items())):
            entry = start + 2 + 12 * i
            if isinstance(value, tuple) and value and value[0] in ("data", "ifd"):
                later.append((entry, tag, typ, count, value))
                continue
            if not isinstance(value, bytes):
                values = value if isinstance(value, tuple) else (value,)
                value = struct.pack("<" + {BYTE: "B", SHORT: "H", LONG: "I"}[typ] * count, *values)
            if len(value) <= 4:
                struct.pack_into("<HHI4s", out, entry, tag, typ, count, value.ljust(4, b"\0"))
            else:
                struct.pack_into("<HHII", out, entry, tag, typ, count, place(value))
        for entry, tag, typ, count, (what, thing) in later:
            offset = place(thing) if what == "data" else write_ifd(thing)
            struct.pack_into("<HHII", out, entry, tag, typ, count, offset)
        return start

    struct.pack_into("<I", out, 4, write_ifd(ifd0))
    path.write_bytes(bytes(out))
    return path
