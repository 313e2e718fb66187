"""Near-duplicate videos: a re-encoded, resized or re-muxed copy of a clip.

Two videos are one only when their lengths agree (within DURATION_SLACK_S or
DURATION_SLACK of the longer) AND every frame sampled through the whole clip (at FRACTIONS of
its length) agrees, by a 64-bit pHash and by a 16x16 grey picture. First frames alone never
decide: clips that share an intro (a black lead-in, a channel's title card) differ later, and
a frame at 30% or 90% tells them apart (Immich #11699, #27688). The frames are decoded at
their exact times (core.media.video.frames_through), not the nearest keyframe: a re-encode
places its keyframes elsewhere.

Signatures are computed only for videos whose length matches another's, and stored against
the content hash (`video_signatures`, migration 0017): a move or a rescan reuses them.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
from PIL import Image

from core.catalog.chunks import in_chunks
from core.media import video
from core.media.phash import hamming, phash_image

log = logging.getLogger(__name__)

FRACTIONS = (0.1, 0.3, 0.5, 0.7, 0.9)
DURATION_SLACK_S = 0.5    # lengths this close agree (a re-mux pads or trims a few frames) ...
DURATION_SLACK = 0.02     # ... or this share of the longer one
FRAME_PHASH_MAX = 12      # of 64 bits, per sampled frame (as for photos)
GREY = 16                 # side of the grey picture kept per frame
FRAME_GREY_MAX = 0.12     # 90th percentile of its per-pixel difference (0..1), per frame
FRAME_SIDE = 96           # short side frames are decoded at (swscale does the shrinking)


@dataclass
class Signature:
    duration_s: float
    phashes: list[int | None]          # per fraction; None: that frame could not be decoded
    grey: np.ndarray                   # uint8 (len(FRACTIONS), GREY, GREY)

    def to_blob(self) -> bytes:
        hashes = np.array([-1 if h is None else h for h in self.phashes], np.uint64)
        ok = np.array([h is not None for h in self.phashes], np.uint8)
        return ok.tobytes() + hashes.astype("<u8").tobytes() + self.grey.tobytes()

    @classmethod
    def from_blob(cls, duration_s: float, blob: bytes) -> Signature:
        n = len(FRACTIONS)
        if len(blob) != n + 8 * n + n * GREY * GREY:
            raise ValueError("a video signature of another layout")
        ok = np.frombuffer(blob[:n], np.uint8)
        hashes = np.frombuffer(blob[n:9 * n], "<u8")
        grey = np.frombuffer(blob[9 * n:], np.uint8).reshape(n, GREY, GREY)
        return cls(duration_s, [int(h) if k else None for h, k in zip(hashes, ok)], grey)


def signature_of(path: str) -> Signature:
    """Decode the sampled frames of one video (VideoError, OSError when it cannot be read)."""
    duration, frames = video.frames_through(path, FRACTIONS, FRAME_SIDE)
    if all(f is None for f in frames):
        raise video.VideoError("no frame of the video could be decoded")
    grey = np.zeros((len(FRACTIONS), GREY, GREY), np.uint8)
    hashes: list[int | None] = []
    for i, img in enumerate(frames):
        if img is None:
            hashes.append(None)
            continue
        hashes.append(phash_image(img))
        grey[i] = np.asarray(img.convert("L").resize((GREY, GREY), Image.Resampling.BOX))
    return Signature(duration, hashes, grey)


def lengths_agree(a: float, b: float) -> bool:
    return abs(a - b) <= max(DURATION_SLACK_S, DURATION_SLACK * max(a, b))


def same_video(a: Signature, b: Signature) -> bool:
    """Lengths agree and every sampled frame agrees (a frame missing in either: no)."""
    if not lengths_agree(a.duration_s, b.duration_s):
        return False
    for i in range(len(FRACTIONS)):
        ha, hb = a.phashes[i], b.phashes[i]
        if ha is None or hb is None or hamming(ha, hb) > FRAME_PHASH_MAX:
            return False
        diff = np.abs(a.grey[i].astype(np.float32) - b.grey[i].astype(np.float32)) / 255.0
        if float(np.quantile(diff, 0.9)) > FRAME_GREY_MAX:
            return False
    return True


def _window_ends(lengths: np.ndarray) -> np.ndarray:
    """For lengths sorted ascending: the index after the last length each one agrees with
    (b >= a agrees with a when b - a <= DURATION_SLACK_S or b <= a / (1 - DURATION_SLACK))."""
    reach = np.maximum(lengths + DURATION_SLACK_S, lengths / (1.0 - DURATION_SLACK))
    return np.searchsorted(lengths, reach * (1 + 1e-12), side="right")


def with_length_twins(videos: list[tuple[int, float]]) -> list[int]:
    """File ids of the videos whose length agrees with at least one other's: only those are
    worth a signature (sorted by length: a neighbour agrees or none does)."""
    if len(videos) < 2:
        return []
    order = sorted(videos, key=lambda v: v[1])
    lengths = np.array([d for _, d in order], np.float64)
    ends = _window_ends(lengths)
    has_next = ends > np.arange(len(order)) + 1     # the next one agrees (so it has a prev)
    has_prev = np.zeros(len(order), bool)
    has_prev[1:] = has_next[:-1]
    return [f for (f, _), a, b in zip(order, has_next, has_prev, strict=True) if a or b]


def candidate_pairs(sigs: dict[int, Signature]) -> list[tuple[int, int]]:
    """Pairs whose lengths agree and whose sampled frames' pHashes all agree: the pairs worth
    same_video's pixel check. Each video is compared with its window of agreeing lengths in
    one numpy step, so a library of many clips of one length (a phone's fixed-length clips)
    never becomes a Python list of every pair of them."""
    if len(sigs) < 2:
        return []
    ids = sorted(sigs, key=lambda f: sigs[f].duration_s)
    lengths = np.array([sigs[f].duration_s for f in ids], np.float64)
    hashes = np.array([[0 if h is None else h for h in sigs[f].phashes] for f in ids],
                      np.uint64)
    whole = np.array([all(h is not None for h in sigs[f].phashes) for f in ids])
    ends = _window_ends(lengths)
    out = []
    for i in np.flatnonzero(whole):
        j = np.arange(i + 1, ends[i])
        if not len(j):
            continue
        j = j[whole[j] & _agree(lengths[i], lengths[j])]
        near = (np.bitwise_count(hashes[j] ^ hashes[i]) <= FRAME_PHASH_MAX).all(axis=1)
        out.extend((ids[i], ids[k]) for k in j[near])
    return out


def _agree(a: float, b: np.ndarray) -> np.ndarray:
    return np.abs(b - a) <= np.maximum(DURATION_SLACK_S, DURATION_SLACK * np.maximum(a, b))


def signatures(catalog, conn, rows: list[tuple[int, str, str]], failed_as) -> dict[int, Signature]:
    """Signature of each (file id, path, content hash), from the catalog or decoded now and
    stored; a video that cannot be decoded is left out and `failed_as(fid, chash, error)`
    records why."""
    out: dict[int, Signature] = {}
    todo = []
    stored = {}
    for chunk, marks in in_chunks(r[0] for r in rows):
        for fid, chash, dur, blob in conn.execute(
                f"SELECT file_id, content_hash, duration_s, frames FROM video_signatures "
                f"WHERE file_id IN ({marks})", chunk):
            stored[fid] = (chash, dur, blob)
    for fid, path, chash in rows:
        have = stored.get(fid)
        if have is not None and have[0] == chash:
            try:
                out[fid] = Signature.from_blob(have[1], have[2])
                continue
            except ValueError:
                pass
        todo.append((fid, path, chash))
    new = []
    for fid, path, chash in todo:
        try:
            sig = signature_of(path)
        except (OSError, video.VideoError) as e:
            log.warning("duplicates: no video signature for %s (%s)", path, e)
            failed_as(fid, chash, e)
            continue
        out[fid] = sig
        new.append((fid, chash, sig.duration_s, sig.to_blob(), time.time()))
    if new:
        catalog.write(lambda c: c.executemany(
            "INSERT INTO video_signatures(file_id, content_hash, duration_s, frames, computed_at) "
            "VALUES (?,?,?,?,?) ON CONFLICT(file_id) DO UPDATE SET content_hash = "
            "excluded.content_hash, duration_s = excluded.duration_s, frames = excluded.frames, "
            "computed_at = excluded.computed_at", new))
    return out
