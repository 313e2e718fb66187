"""The text stage: lines of text read in photos and video keyframes (OCR), each with its box
and confidence, and whether a photo is a screenshot or a document.

A photo is read from the pixel pass's one decode, at about 1024 px on its longer side (a
12 MP JPEG at a quarter scale). Screenshots are the exception: measured with
benchmarks/bench_text.py, 13 px UI text on a 2560x1440 screen shrinks to ~5 px at 1024 and
about a tenth of its words are lost, so lossless screen-format files and files named like
screenshots are read at up to SCREEN_SIDE (a screenshot PNG decodes fast). Videos: a few
keyframes; the detector runs on each, recognition only where it found text, and a line
already read in an earlier frame is not stored again.
"""

from __future__ import annotations

import json
import logging
import os

from PIL import Image

from core.catalog import Connection
from core.errors import Cancelled
from core.media import video
from core.media.decode import describe
from core.pipeline import picture_kinds
from core.pipeline.base import Outcome
from core.pipeline.jobs import Job
from core.pipeline.pixels import PixelStage
from models.ocr import DET_SIDE

log = logging.getLogger(__name__)

PHOTO_SHORT = 720           # shorter side decoded for a photo (~960-1024 px on the longer)
PHOTO_SIDE = 1024           # longer side a photo is read at
SCREEN_SHORT = 1024         # screenshots: decoded at full size up to here on the shorter side
SCREEN_SIDE = 2048          # ... and read at up to this on the longer side
VIDEO_FRAMES = 8            # keyframes read per video (spread over its length)
VIDEO_SIDE = 720            # short side of a video frame read for text


def read_image_text(reader, image: Image.Image, screen: bool = False) -> list:
    """The lines of text in one upright picture (models.ocr.TextLine). The one per-image step
    of the stage: any decoder can feed it. screen: the picture is a screenshot at up to
    SCREEN_SIDE px, so the detector looks at it in full."""
    side = SCREEN_SIDE if screen else DET_SIDE
    return reader.read(image, det_side=side)


def reads_original(job: Job) -> bool:
    """Screenshots (by format or name) are read from the original, at up to SCREEN_SIDE."""
    return (job.format or "").lower() in picture_kinds.SCREEN_FORMATS or \
        picture_kinds.looks_like_screenshot_name(job.path.rsplit("/", 1)[-1])


def _fit(img: Image.Image, side: int) -> Image.Image:
    if max(img.size) > side:
        img = img.copy()
        img.thumbnail((side, side), Image.Resampling.LANCZOS)
    return img


def write_lines(conn: Connection, file_id: int, model_id: str,
                frames: list[tuple[int, list]]) -> None:
    """Replace the file's text lines (frames: (frame_ms or -1, lines))."""
    conn.execute("DELETE FROM text_lines WHERE file_id = ?", (file_id,))
    conn.executemany(
        "INSERT INTO text_lines(file_id, frame_ms, line_no, text, confidence, box, model_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(file_id, ms, i, line.text, line.confidence, json.dumps(line.box), model_id)
         for ms, lines in frames for i, line in enumerate(lines)])


def write_kind(conn: Connection, job: Job, model_id: str, amount) -> None:
    row = conn.execute("SELECT name, format, width, height, orientation, "
                       "trim(coalesce(camera_make, '') || ' ' || coalesce(camera_model, '')) "
                       "FROM files WHERE id = ?", (job.file_id,)).fetchone()
    conn.execute("DELETE FROM picture_kinds WHERE file_id = ?", (job.file_id,))
    if row is None:
        return
    name, fmt, w, h, _orientation, camera = row
    kind, reason = picture_kinds.classify(name, fmt, w, h, camera or None, amount)
    if kind:
        conn.execute("INSERT INTO picture_kinds(file_id, kind, reason, model_id) "
                      "VALUES (?, ?, ?, ?)", (job.file_id, kind, reason, model_id))


class TextRunner(PixelStage):
    side = PHOTO_SHORT

    def prepare(self):
        self.reader = self.env.registry.text_reader()

    def computes_on_every_core(self):
        # ONNX Runtime, with settings.workers threads (0: one per core)
        threads = getattr(self.reader, "cpu_threads", 0) or os.cpu_count() or 1
        return self.reader.device == "cpu" and threads >= (os.cpu_count() or 1)

    def needs(self, job: Job) -> int:
        if job.kind == "video":
            return 1  # reads its own keyframes; the shared still serves the other stages
        return SCREEN_SHORT if reads_original(job) else PHOTO_SHORT

    def view(self, job: Job, image: Image.Image):
        """Runs in a decode thread: the pictures to read and whether they are screens."""
        if job.kind == "video":
            s = self.env.settings
            frames = video.keyframes(job.path, s.keyframe_interval_s,
                                     min(VIDEO_FRAMES, s.max_keyframes), VIDEO_SIDE)
            return [(k.ms, k.image) for k in frames], False
        if reads_original(job):
            return [(-1, _fit(image, SCREEN_SIDE))], True
        return [(-1, _fit(image, PHOTO_SIDE))], False

    def finish(self, items) -> list[Outcome]:
        out = []
        for job, (pictures, screen) in items:
            try:
                out.append(self._read(job, pictures, screen))
            except Cancelled:
                raise
            except Exception as e:  # noqa: BLE001 - one file's OCR failure is recorded, the stage goes on
                log.warning("text stage, %s: %s", job.path, e)
                out.append(Outcome(job, error=f"the text could not be read: {describe(e)}"))
        return out

    def _read(self, job: Job, pictures: list, screen: bool) -> Outcome:
        frames, seen = [], set()
        for ms, img in pictures:
            self.env.task.check()
            lines = read_image_text(self.reader, img, screen)
            if job.kind == "video":  # a title or sign stays on screen: keep its first frame
                lines = [ln for ln in lines if ln.text.lower() not in seen]
                seen.update(ln.text.lower() for ln in lines)
            if lines:
                frames.append((ms, lines))
        amount = picture_kinds.text_amount([ln for _, lines in frames for ln in lines])
        model_id = self.model_id

        def write(conn):
            write_lines(conn, job.file_id, model_id, frames)
            if job.kind == "photo":
                write_kind(conn, job, model_id, amount)
        return Outcome(job, write)

