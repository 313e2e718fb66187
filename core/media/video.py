"""Video decoding for the pipeline, with PyAV (no system ffmpeg): keyframes, one frame for a
thumbnail, and the audio track as 16 kHz mono for speech recognition.

Broken input is the normal case here (phones, interrupted copies): a bad packet is skipped and
counted, never allowed to empty the whole track (faster_whisper.decode_audio returns an empty
array for a file with one bad audio packet, so Shoebox decodes packet by packet itself).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from dataclasses import dataclass, field

import av
import numpy as np
from PIL import Image

from core.errors import ShoeboxError

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000


class VideoError(ShoeboxError):
    """A video that cannot be decoded at all (a bad packet here and there is not an error)."""


@dataclass
class Keyframe:
    ms: int  # time in the video
    image: Image.Image  # RGB, upright, short side about `short_side`
    change: float  # how different from the frame before it (0..255): scene cuts score high


def _open(path: str):
    try:
        return av.open(path, metadata_errors="ignore")
    except FileNotFoundError:
        raise
    except (av.FFmpegError, OSError, ValueError) as e:
        raise VideoError(f"not a readable video: {e}") from e


def picture_stream(container):
    """The first video stream, ready to decode; VideoError when there is none or its codec
    is one FFmpeg does not know (a damaged header names a codec that does not exist)."""
    if not container.streams.video:
        raise VideoError("the video has no picture track")
    stream = container.streams.video[0]
    if stream.codec_context is None:
        raise VideoError("the picture track's codec is unknown (a damaged file?)")
    stream.thread_type = "AUTO"
    return stream


def _duration_s(container, stream) -> float | None:
    if stream.duration is not None and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / av.time_base
    return None


def _to_image(frame, short_side: int) -> Image.Image:
    """The frame as an upright RGB image, scaled in swscale (cheap) to about short_side."""
    w, h = frame.width, frame.height
    scale = min(1.0, short_side / max(1, min(w, h)))
    tw, th = max(2, round(w * scale)), max(2, round(h * scale))
    img = frame.to_image(width=tw, height=th)
    rotation = getattr(frame, "rotation", 0) or 0  # display matrix of phone videos
    if rotation % 360:
        img = img.rotate(rotation, expand=True)
    return img


def _signature(img: Image.Image) -> np.ndarray:
    return np.asarray(img.convert("L").resize((16, 16), Image.BILINEAR), dtype=np.float32)


def _frames(container, stream, bad: list[int]) -> Iterator:
    """Decoded frames of one stream; packets that fail to decode are counted and skipped."""
    demux = container.demux(stream)
    while True:
        try:
            packet = next(demux)
        except StopIteration:
            return
        except av.FFmpegError as e:  # a damaged container: keep what was read so far
            log.debug("demux stopped in %s: %s", container.name, e)
            bad.append(-1)
            return
        try:
            frames = packet.decode()
        except (av.FFmpegError, ValueError) as e:
            bad.append(1)
            log.debug("bad packet in %s: %s", container.name, e)
            continue
        yield from frames


def keyframes(path: str, interval_s: float = 2.0, max_frames: int = 60,
              short_side: int = 256) -> list[Keyframe]:
    """About one frame every interval_s (spread wider on long videos: at most max_frames).

    The video is cut into equal buckets and each bucket keeps one frame. Candidates are the
    stream's own keyframes (I-frames), which decode without their neighbours, so this reads
    a tiny part of the video; encoders put I-frames at scene cuts, and among a bucket's
    candidates the one that differs most from the frame before it wins. Buckets that hold no
    I-frame (long GOPs) get the frame at their middle by seeking.
    """
    with _open(path) as container:
        stream = picture_stream(container)
        duration = _duration_s(container, stream) or 0.0
        step = max(interval_s, duration / max(1, max_frames))
        buckets = max(1, min(max_frames, math.ceil(duration / step))) if duration > 0 else 1
        best: dict[int, Keyframe] = {}
        prev = None
        bad: list[int] = []
        stream.codec_context.skip_frame = "NONKEY"
        for frame in _frames(container, stream, bad):
            if frame.time is None:
                continue
            img = _to_image(frame, short_side)
            sig = _signature(img)
            change = 255.0 if prev is None else float(np.abs(sig - prev).mean())
            prev = sig
            b = min(int(frame.time // step), buckets - 1)
            if b not in best or change > best[b].change:
                best[b] = Keyframe(round(frame.time * 1000), img, change)
        stream.codec_context.skip_frame = "DEFAULT"
        for b in range(buckets):
            if b in best:
                continue
            middle = min((b + 0.5) * step, max(0.0, duration - 0.05))
            img, t = _frame_near(container, stream, middle, short_side)
            if img is not None:
                best[b] = Keyframe(round(t * 1000), img, 0.0)
        if not best:
            raise VideoError("no frame of the video could be decoded")
        # distinct times only (two buckets can land on the same frame in very short videos)
        out: dict[int, Keyframe] = {}
        for k in sorted(best.values(), key=lambda k: k.ms):
            out.setdefault(k.ms, k)
        return list(out.values())


def _frame_near(container, stream, t: float, short_side: int):
    """The first frame at or after t (seeking to the I-frame before it), or (None, t)."""
    try:
        container.seek(int(t / stream.time_base), stream=stream, backward=True)
    except (av.FFmpegError, OSError) as e:
        log.debug("seek to %.2fs failed in %s: %s", t, container.name, e)
        return None, t
    last = None
    for frame in _frames(container, stream, []):
        if frame.time is None:
            continue
        last = frame
        if frame.time >= t - 1e-3:
            break
    if last is None:
        return None, t
    return _to_image(last, short_side), float(last.time)


def frames_through(path: str, fractions: tuple[float, ...], short_side: int = 64
                   ) -> tuple[float, list[Image.Image | None]]:
    """The video's duration (s) and the frame at each fraction of it (None where none could
    be decoded): frames spread through the whole clip, decoded exactly at their time (a
    re-encode puts its I-frames elsewhere, so keyframes alone would not line up)."""
    with _open(path) as container:
        stream = picture_stream(container)
        duration = _duration_s(container, stream)
        if not duration or duration <= 0:
            raise VideoError("the video's length is unknown")
        out = []
        for f in fractions:
            img, _ = _frame_near(container, stream, f * duration, short_side)
            out.append(img)
        return duration, out


def frame_at(path: str, t: float | None = None, short_side: int = 1024) -> Image.Image:
    """One upright frame for thumbnails and captions: at t seconds, or a tenth into the video
    (capped at 3 s: the first frame is often black)."""
    with _open(path) as container:
        stream = picture_stream(container)
        if t is None:
            duration = _duration_s(container, stream) or 0.0
            t = min(duration * 0.1, 3.0)
        img, _ = _frame_near(container, stream, t, short_side)
        if img is None and t > 0:  # a seek that found nothing: try the very start
            container.seek(0, stream=stream)
            img, _ = _frame_near(container, stream, 0.0, short_side)
        if img is None:
            raise VideoError("no frame of the video could be decoded")
        return img


@dataclass
class AudioTrack:
    """What decoding the audio found. `present` is False for videos without an audio track."""

    present: bool = False
    seconds: float = 0.0
    bad_packets: int = 0
    damaged_container: bool = False
    problems: list[str] = field(default_factory=list)


def audio_chunks(path: str, chunk_s: float = 600.0, track: AudioTrack | None = None
                 ) -> Iterator[tuple[float, np.ndarray]]:
    """The first audio track as 16 kHz mono float32, in chunks of about chunk_s seconds
    (memory stays flat on long videos): yields (start_s, samples). Packets that fail to
    decode are skipped and counted in `track`; yields nothing when there is no audio."""
    track = track if track is not None else AudioTrack()
    with _open(path) as container:
        if not container.streams.audio:
            return
        track.present = True
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
        limit = int(chunk_s * SAMPLE_RATE)
        parts: list[np.ndarray] = []
        have = 0
        start = 0
        bad: list[int] = []

        def pieces(frames) -> Iterator[np.ndarray]:
            for out in frames:
                yield out.to_ndarray().reshape(-1)

        def resample(frame):
            try:
                return resampler.resample(frame)
            except (av.FFmpegError, ValueError) as e:  # e.g. a format change mid-stream
                bad.append(1)
                log.debug("cannot resample audio in %s: %s", path, e)
                return []

        for frame in _frames(container, stream, bad):
            t = frame.time
            if t is not None:
                gap = round((t - (start + have) / SAMPLE_RATE) * SAMPLE_RATE)
                if SAMPLE_RATE // 20 < gap < 3600 * SAMPLE_RATE:  # a skipped packet: keep
                    parts.append(np.zeros(gap, np.float32))       # later timestamps true
                    have += gap
            frame.pts = None  # resample by sample count; the gaps are filled above
            for samples in pieces(resample(frame)):
                parts.append(samples)
                have += len(samples)
                while have >= limit:
                    joined = np.concatenate(parts)
                    yield start / SAMPLE_RATE, joined[:limit]
                    start += limit
                    rest = joined[limit:]
                    parts, have = ([rest] if len(rest) else []), len(rest)
        for samples in pieces(resample(None)):
            parts.append(samples)
            have += len(samples)
        track.bad_packets = sum(1 for b in bad if b > 0)
        track.damaged_container = any(b < 0 for b in bad)
        if track.bad_packets:
            track.problems.append(f"{track.bad_packets} damaged audio packet(s) skipped")
        if track.damaged_container:
            track.problems.append("the file ends early or is damaged; audio up to there used")
        track.seconds = (start + have) / SAMPLE_RATE
        if have:
            yield start / SAMPLE_RATE, np.concatenate(parts)
