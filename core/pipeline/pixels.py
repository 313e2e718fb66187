"""The pixel pass: one decode per file feeds every stage that needs its pixels.

For each file with pending work in any pixel stage (thumbnails, CLIP, captions, and any stage
written as a per-image function: faces, text), a decode thread reads the original once, at
the smallest scale that serves the largest of the stages due for it (a 12 MP JPEG for a
256 px thumbnail and CLIP's 224 px: the 1/8 DCT scale, 500x375, ~30 ms instead of ~85), and
each stage takes its view of that picture there (a thumbnail written, a normalised tensor,
a smaller image). The pass thread runs each stage's model on batches of views, and every
stage's result is committed with its own job row: stages stay separately resumable, a
changed model redoes only its stage, and a crash loses only work in flight. The 1024 px
preview is not made here: the viewer makes it on demand (thumbnails.ensure_thumbnail).

A new stage joins with its module and one line in stages.RUNNERS:

    class FacesRunner(PerImageStage):
        side = 800                                   # shorter side it wants, px
        def prepare(self): self.faces = self.env.registry.faces()
        def analyze(self, image): return self.faces.detect(image)     # PIL RGB, upright
        def write(self, conn, job, result): ...                       # store it

On a CPU-only machine the decoders and a model that computes on every core take turns
(workers.Turns): decoding pauses while such a model runs a batch and uses every core in
between, instead of both fighting over the cores. On a CUDA machine JPEGs are decoded on the
GPU (nvJPEG: decode.jpeg_decoder_for), where the CPU cores could not keep up with the model,
and decoding runs beside the model. Videos take part through one still frame (a tenth of the
way in), decoded once for the thumbnail and the caption; their keyframes are the keyframes
stage's own pass.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from typing import Any

from PIL import Image

from core.errors import Cancelled, ShoeboxError
from core.media.decode import describe, jpeg_decoder_for, load_image
from core.pipeline.base import Env, Outcome, StageRunner
from core.pipeline.jobs import Job
from core.pipeline.workers import Turns, decode_threads, ordered_map

FIRST_BATCH = 4


class PixelStage(StageRunner):
    """A stage that works from the file's decoded picture instead of opening the file."""

    side = 224  # shorter side, in px, of the picture this stage needs
    batch_size = 1  # views handed to finish() at a time

    def needs(self, job: Job) -> int:
        return self.side

    def view(self, job: Job, image: Image.Image) -> Any:
        """Runs in a decode thread: this stage's view of the shared picture (which it must
        not change). Default: the picture shrunk to about `side`."""
        return shrink(image, self.needs(job))

    def finish(self, items: list[tuple[Job, Any]]) -> list[Outcome]:
        """Runs on the pass thread: the model on a batch of views, one outcome per job."""
        raise NotImplementedError

    def computes_on_every_core(self) -> bool:
        """Does finish() run a model on this process's CPU with a thread per core? Then the
        decoders wait while it runs (workers.Turns)."""
        return False


class PerImageStage(PixelStage):
    """A stage that is a pure function of one picture, plus how to store its result."""

    def analyze(self, image: Image.Image) -> Any:
        raise NotImplementedError

    def write(self, conn, job: Job, result: Any) -> None:
        raise NotImplementedError

    def finish(self, items):
        out = []
        for job, image in items:
            try:
                result = self.analyze(image)
            except Cancelled:
                raise
            except (ShoeboxError, OSError, RuntimeError, ValueError) as e:
                out.append(Outcome(job, error=describe(e)))
                continue
            out.append(Outcome(job, functools.partial(self.write, job=job, result=result)))
        return out


def shrink(image: Image.Image, side: int) -> Image.Image:
    """The picture with its shorter side about `side` (never enlarged); a copy only when
    it has to shrink."""
    short = min(image.size)
    if short <= side * 1.25:
        return image
    scale = side / short
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.BICUBIC, reducing_gap=2.0)


class PixelPass:
    """Runs several pixel stages over a stream of files (each a list of its due jobs)."""

    def __init__(self, runners: dict[str, PixelStage], env: Env):
        self.runners, self.env = runners, env
        self.jpeg_decoder = jpeg_decoder_for(str(getattr(env.registry, "device", "cpu")))
        self.turns = Turns() if any(r.computes_on_every_core() for r in runners.values()) \
            else None
        self.workers = (decode_threads(env.settings, taking_turns=True) if self.turns
                        else env.workers)

    def _finish(self, name: str, queue: list[tuple[Job, Any]]) -> list[Outcome]:
        runner = self.runners[name]
        turn = self.turns.model() if self.turns and runner.computes_on_every_core() \
            else contextlib.nullcontext()
        with turn:
            return runner.finish(queue)

    def _decode(self, jobs: list[Job]) -> list[tuple[Any, BaseException | None]]:
        if self.turns is not None:
            self.turns.wait_for_cores()
        first = jobs[0]
        image = load_image(first.path, first.kind,
                           max(self.runners[j.stage].needs(j) for j in jobs), self.jpeg_decoder)
        views = []
        for job in jobs:
            try:
                views.append((self.runners[job.stage].view(job, image), None))
            except (ShoeboxError, OSError, RuntimeError, ValueError) as e:
                views.append((None, e))
        return views

    def process(self, files: Iterator[list[Job]]) -> Iterator[list[Outcome]]:
        batch = max(r.batch_size for r in self.runners.values())
        depth = max(2 * batch, 4 * self.workers)
        pending: dict[str, list[tuple[Job, Any]]] = {name: [] for name in self.runners}
        # batches start small and double up to the stage's size: the model starts after a few
        # decodes instead of idling while the first full batch is decoded
        size = {name: min(r.batch_size, FIRST_BATCH) for name, r in self.runners.items()}
        work = ordered_map(self._decode, files, self.workers, depth, self.env.low_priority)
        try:
            for jobs, views, exc in work:
                if exc is not None:
                    if isinstance(exc, Cancelled):
                        raise exc
                    reason = describe(exc)
                    yield [Outcome(job, error=reason) for job in jobs]
                    continue
                ready: list[Outcome] = []
                for job, (view, err) in zip(jobs, views):
                    if err is not None:
                        ready.append(Outcome(job, error=describe(err)))
                        continue
                    queue = pending[job.stage]
                    queue.append((job, view))
                    if len(queue) >= size[job.stage]:
                        ready.extend(self._finish(job.stage, queue))
                        pending[job.stage] = []
                        size[job.stage] = min(self.runners[job.stage].batch_size,
                                              2 * size[job.stage])
                if ready:
                    yield ready
            for name, queue in pending.items():
                if queue:
                    yield self._finish(name, queue)
        finally:
            work.close()
