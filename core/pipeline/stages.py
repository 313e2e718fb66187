"""What each stage does to a batch of files. Each runner turns a stream of jobs into a stream
of outcomes; an outcome carries a function that writes its results, which the runner in
run.py commits together with the job's new state in one transaction.

Stages that need a photo's pixels (thumbnails, CLIP, captions) are pixel stages: they run
together in the pixel pass (core.pipeline.pixels), which decodes each file once for all of
them. Heavy work is split so the model never waits on the disk: decoding and preprocessing run
in worker threads ahead of it (workers.ordered_map), the model runs on batches, and writes go
to the catalog's writer thread.
"""

from __future__ import annotations

import logging
import time

import numpy as np

from core.catalog import Connection
from core.errors import Cancelled, ShoeboxError
from core.media import thumbnails, video
from core.media.decode import describe
from core.pipeline import tags as tagging
from core.pipeline.base import Env, Outcome, StageRunner
from core.pipeline.faces_stage import FacesRunner
from core.pipeline.jobs import Job
from core.pipeline.pixels import PixelStage, shrink
from core.pipeline.places_stage import PlacesRunner
from core.pipeline.sentences_stage import SentencesRunner
from core.pipeline.text_stage import TextRunner

__all__ = ["RUNNERS", "Env", "Outcome", "StageRunner"]

log = logging.getLogger(__name__)

CLIP_BATCH = 32
CAPTION_BATCH = 8
CAPTION_TOKENS = 30
CAPTION_SIDE = 384  # captioners look at 384 px (BLIP) or less
KEYFRAME_SIDE = 256


# --- thumbnails --------------------------------------------------------------------------

class ThumbnailRunner(PixelStage):
    """The grid's thumbnail, from the shared picture. The viewer's 1024 px one is made when
    the viewer first asks (thumbnails.ensure_thumbnail): the pass then decodes at the scale
    its models need, not at the viewer's."""

    side = thumbnails.SIZES[0] * 3 // 4  # short side of a 4:3 grid thumbnail

    def view(self, job, image):
        # a size a copy of the same content (or the GUI) made already is kept
        thumbnails.make_thumbnails(self.env.paths, job.path, job.kind, job.content_hash,
                                   sizes=(thumbnails.SIZES[0],), image=image)

    def finish(self, items):
        return [Outcome(job) for job, _ in items]


# --- CLIP: photos ------------------------------------------------------------------------

def _vector_blob(v: np.ndarray) -> bytes:
    return np.ascontiguousarray(v, dtype="<f4").tobytes()


def write_embedding(conn: Connection, file_id: int, frame_ms: int, model_id: str,
                    vector: np.ndarray) -> None:
    conn.execute(
        "INSERT INTO embeddings(file_id, frame_ms, model_id, dim, vector) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT(file_id, frame_ms, model_id) DO UPDATE SET dim = excluded.dim, "
        "vector = excluded.vector",
        (file_id, frame_ms, model_id, int(vector.shape[-1]), _vector_blob(vector)),
    )


def write_tags(conn: Connection, file_id: int, source: str, model_id: str,
               items: list[tuple[str, float | None]]) -> None:
    old = {(r[0], r[1]) for r in conn.execute(
        "SELECT tag, score FROM tags WHERE file_id = ? AND source = ?", (file_id, source))}
    if old == {(t, s) for t, s in items}:
        return  # unchanged: spare the FTS triggers the work
    conn.execute("DELETE FROM tags WHERE file_id = ? AND source = ?", (file_id, source))
    conn.executemany(
        "INSERT OR IGNORE INTO tags(file_id, tag, source, score, model_id) VALUES (?, ?, ?, ?, ?)",
        [(file_id, t, source, s, model_id) for t, s in items],
    )


class _ClipModel:
    """CLIP embedding and zero-shot tags, shared by photos and video keyframes."""

    batch_size = CLIP_BATCH

    def prepare(self):
        self.clip = self.env.registry.clip()
        self.labels = None  # the vocabulary's vectors, on first use

    def _zero_shot(self, vectors: np.ndarray) -> list[list[tuple[str, float]]]:
        try:
            if self.labels is None:
                self.labels = tagging.label_vectors(self.clip, self.env.paths.home / "cache")
                self.scale = float(self.clip.logit_scale)
            return tagging.clip_tags(tagging.zero_shot(vectors, self.labels, self.scale))
        except (ShoeboxError, RuntimeError, ValueError) as e:  # tags are extra: keep vectors
            log.warning("zero-shot tagging failed: %s", e)
            return [[] for _ in range(len(vectors))]

    def _embed(self, arrays: list[np.ndarray]) -> np.ndarray:
        return np.asarray(self.clip.embed_pixels(np.stack(arrays)), dtype=np.float32)


class ClipRunner(_ClipModel, PixelStage):
    def computes_on_every_core(self):
        return self.clip.device == "cpu"

    def needs(self, job):
        return max(self.clip.resize_to, self.clip.image_size)

    def view(self, job, image):
        return self.clip.preprocess([image])[0]

    def finish(self, batch: list[tuple[Job, np.ndarray]]) -> list[Outcome]:
        try:
            vectors = self._embed([p for _, p in batch])
        except Exception as e:  # noqa: BLE001 - whatever the model raised, bisect to the file
            if len(batch) == 1:
                return [Outcome(batch[0][0], error=describe(e))]
            # find the one that fails, keep the others
            return [o for item in batch for o in self.finish([item])]
        tag_lists = self._zero_shot(vectors)
        model_id = self.model_id
        outcomes = []
        for (job, _), vec, tags in zip(batch, vectors, tag_lists):
            def write(conn, job=job, vec=vec, tags=tags):
                # vectors of an older model go: a changed model re-embeds, never mixes
                conn.execute("DELETE FROM embeddings WHERE file_id = ? AND frame_ms = -1 "
                             "AND model_id != ?", (job.file_id, model_id))
                write_embedding(conn, job.file_id, -1, model_id, vec)
                write_tags(conn, job.file_id, "clip", model_id, tags)
            outcomes.append(Outcome(job, write))
        return outcomes


# --- CLIP: video keyframes -----------------------------------------------------------------

class KeyframesRunner(_ClipModel, StageRunner):
    def _frames(self, job: Job):
        s = self.env.settings
        frames = video.keyframes(job.path, s.keyframe_interval_s, s.max_keyframes, KEYFRAME_SIDE)
        pixels = self.clip.preprocess([k.image for k in frames])
        return [k.ms for k in frames], pixels

    def process(self, jobs):
        batch: list[tuple[Job, list[int], np.ndarray]] = []
        n = 0
        for job, res, exc in self._prefetch(self._frames, jobs, max(2, self.env.workers * 2)):
            if exc is not None:
                yield [Outcome(job, error=describe(exc))]
                continue
            batch.append((job, *res))
            n += len(res[0])
            if n >= self.batch_size:
                yield self._finish_videos(batch)
                batch, n = [], 0
        if batch:
            yield self._finish_videos(batch)

    def _finish_videos(self, batch) -> list[Outcome]:
        try:
            vectors = self._embed([p for _, _, pix in batch for p in pix])
        except Exception as e:  # noqa: BLE001 - whatever the model raised, bisect to the file
            if len(batch) == 1:
                return [Outcome(batch[0][0], error=describe(e))]
            return [o for item in batch for o in self._finish_videos([item])]
        # a video's tags come from the mean of its keyframes: what it is mostly about
        means, start = [], 0
        for _, times, _ in batch:
            m = vectors[start:start + len(times)].mean(axis=0)
            means.append(m / (np.linalg.norm(m) or 1.0))
            start += len(times)
        tag_lists = self._zero_shot(np.stack(means))
        model_id = self.model_id
        outcomes, start = [], 0
        for (job, times, _), tags in zip(batch, tag_lists):
            vecs = vectors[start:start + len(times)]
            start += len(times)

            def write(conn, job=job, times=times, vecs=vecs, tags=tags):
                keep = ",".join(str(int(t)) for t in times)
                conn.execute(
                    f"DELETE FROM embeddings WHERE file_id = ? AND frame_ms >= 0 "
                    f"AND (model_id != ? OR frame_ms NOT IN ({keep}))", (job.file_id, model_id))
                for t, v in zip(times, vecs):
                    write_embedding(conn, job.file_id, int(t), model_id, v)
                write_tags(conn, job.file_id, "clip", model_id, tags)
            outcomes.append(Outcome(job, write))
        return outcomes


# --- captions ------------------------------------------------------------------------------

class CaptionRunner(PixelStage):
    # BLIP looks at 384 px: a 12 MP photo's 1/8 DCT scale (375 px) serves it, 1/4 costs more
    side = 360
    batch_size = CAPTION_BATCH

    def prepare(self):
        self.captioner = self.env.registry.captioner()
        # settings.json "caption_max_new_tokens": shorter captions, faster (tests use a few)
        self.max_tokens = int(self.env.settings.extra.get("caption_max_new_tokens",
                                                          CAPTION_TOKENS))

    def computes_on_every_core(self):
        return self.captioner.device == "cpu"

    def view(self, job, image):
        return shrink(image, CAPTION_SIDE)

    def finish(self, batch) -> list[Outcome]:
        try:
            texts = self.captioner.caption([img for _, img in batch],
                                           max_new_tokens=self.max_tokens)
        except Exception as e:  # noqa: BLE001 - whatever the model raised, bisect to the file
            if len(batch) == 1:
                return [Outcome(batch[0][0], error=describe(e))]
            return [o for item in batch for o in self.finish([item])]
        model_id = self.model_id
        outcomes = []
        for (job, _), text in zip(batch, texts):
            text = " ".join(str(text).split())
            words = [(t, None) for t in tagging.caption_tags(text)]

            def write(conn, job=job, text=text, words=words):
                conn.execute(
                    "INSERT INTO captions(file_id, model_id, text, created_at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT(file_id) DO UPDATE SET model_id = excluded.model_id, "
                    "text = excluded.text, created_at = excluded.created_at",
                    (job.file_id, model_id, text, time.time()))
                write_tags(conn, job.file_id, "caption", model_id, words)
            outcomes.append(Outcome(job, write))
        return outcomes


# --- transcripts ---------------------------------------------------------------------------

AUDIO_CHUNK_S = 600.0  # transcribe ten minutes at a time: memory stays flat on long videos


class TranscriptRunner(StageRunner):
    def prepare(self):
        self.whisper = self.env.registry.whisper()

    def process(self, jobs):
        # Whisper is far slower than audio decoding, so no read-ahead here.
        for job in jobs:
            try:
                outcome = self._one(job)
            except Cancelled:
                raise
            except Exception as e:  # noqa: BLE001 - a failure on this file is its error
                outcome = Outcome(job, error=describe(e))
            yield [outcome]

    def _one(self, job: Job) -> Outcome:
        track = video.AudioTrack()
        segments: list[tuple[float, float, str]] = []
        language = None
        for start, samples in video.audio_chunks(job.path, AUDIO_CHUNK_S, track):
            self.env.task.check()
            result = self.whisper.transcribe(samples)
            if language is None and result.segments:
                language = result.language
            for seg in result.segments:
                text = " ".join(seg.text.split())
                if text:
                    segments.append((start + seg.start_s, start + seg.end_s, text))
        if track.problems:
            log.info("%s: %s", job.path, "; ".join(track.problems))
        self.env.counters["damaged_audio_packets"] = (
            self.env.counters.get("damaged_audio_packets", 0) + track.bad_packets)
        model_id = self.model_id

        def write(conn):
            conn.execute("DELETE FROM transcripts WHERE file_id = ?", (job.file_id,))
            conn.execute(
                "INSERT INTO transcripts(file_id, model_id, language, created_at) "
                "VALUES (?, ?, ?, ?)", (job.file_id, model_id, language, time.time()))
            conn.executemany(
                "INSERT INTO transcript_segments(file_id, start_s, end_s, text) "
                "VALUES (?, ?, ?, ?)",
                [(job.file_id, s, e, t) for s, e, t in segments])
        return Outcome(job, write)


RUNNERS: dict[str, type[StageRunner]] = {
    "thumbnail": ThumbnailRunner,
    "places": PlacesRunner,
    "text": TextRunner,
    "clip": ClipRunner,
    "keyframes": KeyframesRunner,
    "faces": FacesRunner,
    "caption": CaptionRunner,
    "transcript": TranscriptRunner,
    "sentences": SentencesRunner,
}


