"""The faces stage: every face in each photo and video keyframe, with a 128-d descriptor, a
small crop in the thumbnail cache, and whether it is good enough to form people.

Photos: a stage of the pixel pass (core.pipeline.pixels): it takes its view of the one decode
of each file, at a shorter side of 750 px (a 12 MP JPEG's 1/4 DCT scale, 1000x750: the same
picture as the 1024 px preview), and never opens the original itself.
`faces_in_image(model, image)` is the whole per-image work, a pure function of the picture.
Videos: faces on up to FACE_KEYFRAMES keyframes, decoded at 720 px in the decode thread (the
pass's one still frame is not enough, and CLIP's 256 px keyframes are too small for faces).

A re-run (new content, new model) keeps each face row that lands on the same spot (boxes
overlapping by half), so the user's decisions on it (its person, "not this person") survive;
only the machine's assignments are cleared, to be made again with the new descriptors.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from PIL import Image

from core.catalog import Connection
from core.config import Paths
from core.errors import ShoeboxError
from core.media import thumbnails, video
from core.media.decode import describe
from core.pipeline.base import Outcome
from core.pipeline.jobs import Job
from core.pipeline.pixels import PixelStage, shrink

log = logging.getLogger(__name__)

MAX_SIDE = 1024        # faces are looked for on a preview-sized picture; bigger ones shrink
PHOTO_SIDE = 750       # the shorter side the stage asks of the shared decode
MIN_GROUP_PX = 40      # smaller faces give unreliable descriptors: kept, never form people
MIN_SHARPNESS = 20.0   # below: blurred (measured on 24 labelled real photos: sharp faces >= 26,
                       # the same faces blurred mostly < 15)
FACE_KEYFRAMES = 12    # keyframes of a video looked at for faces
VIDEO_SIDE = 720
CROP_SIDE = 128        # the face mosaic's tile
CROP_MARGIN = 0.3      # context around the box, as a share of its size
SAME_SPOT = 0.5        # IoU at which a re-found face is the same face


@dataclass(frozen=True)
class FoundFace:
    """A face as stored: the box as fractions of the picture (any decode size maps back)."""

    frame_ms: int
    idx: int
    box: tuple[float, float, float, float]   # x, y, w, h in 0..1 of the upright picture
    size_px: int
    score: float
    sharpness: float
    descriptor: np.ndarray
    crop: Image.Image

    @property
    def groupable(self) -> bool:
        return self.size_px >= MIN_GROUP_PX and self.sharpness >= MIN_SHARPNESS


def faces_in_image(model, image: Image.Image, frame_ms: int = -1) -> list[FoundFace]:
    """Every face in `image` (an upright RGB picture at any size; shrunk to MAX_SIDE)."""
    return faces_in_images(model, [image], [frame_ms])[0]


def faces_in_images(model, images: list[Image.Image], frames: list[int]) -> list[list[FoundFace]]:
    """faces_in_image for several pictures at once (the model's helper processes work on
    them side by side)."""
    ready = []
    for image in images:
        if max(image.size) > MAX_SIDE:
            image = image.copy()
            image.thumbnail((MAX_SIDE, MAX_SIDE), Image.BILINEAR)
        ready.append(image.convert("RGB") if image.mode != "RGB" else image)
    out = []
    for image, frame_ms, faces in zip(ready, frames, model.detect(ready)):
        w, h = image.size
        found = []
        for i, f in enumerate(faces):
            left, top, right, bottom = f.box
            found.append(FoundFace(
                frame_ms, i, (left / w, top / h, (right - left) / w, (bottom - top) / h),
                f.size_px, round(f.score, 4), round(f.sharpness, 2),
                np.asarray(f.descriptor, dtype=np.float32), _crop(image, f.box)))
        out.append(found)
    return out


def _crop(image: Image.Image, box: tuple[int, int, int, int]) -> Image.Image:
    """A square tile around the face, with some context (not the aligned chip: a tilted
    head looks tilted, as in the photo)."""
    left, top, right, bottom = box
    side = max(right - left, bottom - top) * (1 + 2 * CROP_MARGIN)
    cx, cy = (left + right) / 2, (top + bottom) / 2
    area = (round(cx - side / 2), round(cy - side / 2), round(cx + side / 2), round(cy + side / 2))
    tile = image.crop(area)  # outside the picture: black, as at the edge of the frame
    return tile.resize((CROP_SIDE, CROP_SIDE), Image.LANCZOS)


def save_crops(paths: Paths, content_hash: str, faces: list[FoundFace]) -> None:
    for f in faces:
        target = thumbnails.face_crop_path(paths, content_hash, f.frame_ms, f.idx)
        thumbnails._save_atomic(f.crop, target)


def descriptor_blob(v: np.ndarray) -> bytes:
    return np.ascontiguousarray(v, dtype="<f4").tobytes()


def _iou(a, b) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    ix = max(0.0, min(ax + aw, bx + bw) - max(ax, bx))
    iy = max(0.0, min(ay + ah, by + bh) - max(ay, by))
    inter = ix * iy
    union = aw * ah + bw * bh - inter
    return inter / union if union > 0 else 0.0


def write_faces(conn: Connection, file_id: int, model_id: str, faces: list[FoundFace]) -> None:
    """Replace a file's faces, keeping the rows (ids, user decisions) of faces found again."""
    old = {r[0]: (r[1], (r[2], r[3], r[4], r[5])) for r in conn.execute(
        "SELECT id, frame_ms, x, y, w, h FROM faces WHERE file_id = ?", (file_id,))}
    # park old rows' idx out of the way: new idx values may swap between faces
    conn.execute("UPDATE faces SET idx = -1 - id WHERE file_id = ?", (file_id,))
    kept = set()
    for f in faces:
        match = max(((fid, _iou(box, f.box)) for fid, (ms, box) in old.items()
                     if ms == f.frame_ms and fid not in kept), key=lambda t: t[1], default=None)
        values = (f.idx, *f.box, f.size_px, f.score, f.sharpness, int(f.groupable), model_id,
                  descriptor_blob(f.descriptor))
        if match is not None and match[1] >= SAME_SPOT:
            kept.add(match[0])
            conn.execute(
                "UPDATE faces SET idx = ?, x = ?, y = ?, w = ?, h = ?, size_px = ?, score = ?, "
                "sharpness = ?, groupable = ?, model_id = ?, descriptor = ?, "
                "person_id = CASE WHEN assigned_by = 'user' THEN person_id END, "
                "assigned_by = CASE WHEN assigned_by = 'user' THEN 'user' END WHERE id = ?",
                (*values, match[0]))
        else:
            conn.execute(
                "INSERT INTO faces(file_id, frame_ms, idx, x, y, w, h, size_px, score, sharpness,"
                " groupable, model_id, descriptor) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (file_id, f.frame_ms, *values))
    gone = [fid for fid in old if fid not in kept]
    conn.executemany("DELETE FROM faces WHERE id = ?", [(fid,) for fid in gone])


@dataclass(frozen=True)
class _Still:
    """A photo seen as a video's keyframe is: its picture, at no time."""

    image: Image.Image
    ms: int = -1


class FacesRunner(PixelStage):
    side = PHOTO_SIDE

    def prepare(self):
        self.model = self.env.registry.faces()
        # enough pictures at a time to keep every helper process busy
        self.batch_size = 2 * max(1, getattr(self.model, "processes", 0))

    def needs(self, job: Job) -> int:
        # a video's faces come from its keyframes, not the pass's still frame
        return 64 if job.kind == "video" else self.side

    def view(self, job: Job, image: Image.Image):
        """Decode thread: the picture (photos), or the keyframes (videos)."""
        if job.kind == "video":
            return video.keyframes(job.path, self.env.settings.keyframe_interval_s,
                                   FACE_KEYFRAMES, VIDEO_SIDE)
        return shrink(image, self.side)

    def finish(self, items) -> list[Outcome]:
        """Pass thread: detection, in the model's helper processes (side by side)."""
        pictures = [(i, k.image, k.ms) for i, (job, view) in enumerate(items)
                    for k in (view if job.kind == "video" else [_Still(view)])]
        try:
            found_all = faces_in_images(self.model, [p for _, p, _ in pictures],
                                        [ms for _, _, ms in pictures])
        except (ShoeboxError, OSError, RuntimeError, ValueError) as e:
            if len(items) == 1:
                return [Outcome(items[0][0], error=describe(e))]
            return [o for item in items for o in self.finish([item])]  # find the one
        by_item: dict[int, list[FoundFace]] = {}
        for (i, _, _), found in zip(pictures, found_all):
            by_item.setdefault(i, []).extend(found)
        out = []
        for i, (job, _view) in enumerate(items):
            found = by_item.get(i, [])
            try:
                save_crops(self.env.paths, job.content_hash, found)
            except OSError as e:
                out.append(Outcome(job, error=describe(e)))
                continue

            def write(conn, job=job, found=found, model_id=self.model_id):
                write_faces(conn, job.file_id, model_id, found)
            out.append(Outcome(job, write))
        return out
