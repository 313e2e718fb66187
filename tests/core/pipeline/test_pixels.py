"""The pixel pass's scheduling: on a CPU-only machine the decoders and a model that computes
on every core take turns (workers.Turns); where the model does not, they run side by side."""

from __future__ import annotations

import os
import threading
import time

import pytest

from core.pipeline import jobs as J
from core.pipeline.base import Env, Outcome
from core.pipeline.pixels import PixelPass, PixelStage
from core.pipeline.stages import ClipRunner, ThumbnailRunner
from core.pipeline.workers import Turns, decode_threads
from core.tasks import TaskState
from tests.media_factory import write_jpeg


class _Timed(PixelStage):
    """A stage whose 'model' is a busy loop on the pass thread, recording when it ran and
    when each decode (its view) ran, to check who waits for whom."""

    batch_size = 2

    def __init__(self, env, every_core: bool, log: list):
        super().__init__(J.BY_NAME["clip"], env, "timed")
        self.every_core, self.log = every_core, log
        self.started = threading.local()  # when this thread's decode got its turn

    def computes_on_every_core(self):
        return self.every_core

    def view(self, job, image):
        time.sleep(0.01)  # a decode's worth of work after the file was read
        self.log.append(("decode", self.started.value, time.monotonic()))
        return image.size

    def finish(self, items):
        start = time.monotonic()
        while time.monotonic() - start < MODEL_S:
            pass
        self.log.append(("model", self.turn_began or start, time.monotonic()))
        return [Outcome(job) for job, _ in items]


class _RecordingTurns(Turns):
    """Turns that note when a decoder got its turn and when the model's began (the moments
    that matter: a thread may be descheduled between the gate and its next line)."""

    def __init__(self, stage: _Timed):
        super().__init__()
        self.stage = stage

    def model(self):
        self.stage.turn_began = time.monotonic()
        return super().model()

    def wait_for_cores(self):
        super().wait_for_cores()
        self.stage.started.value = time.monotonic()


def _jobs(tmp_path, n: int) -> list[list[J.Job]]:
    out = []
    for i in range(n):
        path = write_jpeg(tmp_path / f"p{i}.jpg", (64, 48), seed=i)
        out.append([J.Job(i + 1, "clip", str(path), "photo", "jpeg", f"{i:032x}", 0, None, None)])
    return out


def _env(tiny_settings, paths, registry=None) -> Env:
    return Env(registry, tiny_settings, paths, TaskState("test"), workers=1, low_priority=False)


MODEL_S = 0.1
GRACE_S = 0.03  # a decoder woken between two batches may get the GIL a little after the
                # next batch began: it decodes that one file beside the model


def _late_starts(log) -> list[float]:
    """How long after a model batch began each decode began that began inside one."""
    models = [(s, e) for kind, s, e in log if kind == "model"]
    return [round(s - ms, 3) for kind, s, _ in log if kind == "decode"
            for ms, me in models if ms < s < me]


@pytest.mark.parametrize("every_core", [True, False])
def test_decodes_wait_while_a_model_computes_on_every_core(tmp_path, tiny_settings, paths,
                                                           every_core):
    log: list = []
    stage = _Timed(_env(tiny_settings, paths), every_core, log)
    stage.turn_began = None
    stage.started.value = None
    pass_ = PixelPass({"clip": stage}, stage.env)
    assert (pass_.turns is not None) == every_core
    if every_core:
        pass_.turns = _RecordingTurns(stage)
    else:  # when the decode began
        stage.needs = lambda job: (setattr(stage.started, "value", time.monotonic()),
                                   stage.side)[1]
    outcomes = [o for batch in pass_.process(iter(_jobs(tmp_path, 12))) for o in batch]
    assert len(outcomes) == 12 and not any(o.error for o in outcomes)
    assert sum(1 for kind, *_ in log if kind == "model") >= 4
    if every_core:
        # no decode starts while the model computes ...
        assert all(late < GRACE_S for late in _late_starts(log)), _late_starts(log)
        # ... and between turns the decoders use every core
        assert pass_.workers == decode_threads(tiny_settings, taking_turns=True)
    else:
        # side by side: the decoders read ahead while the model computes
        assert any(late >= GRACE_S for late in _late_starts(log)), _late_starts(log)
        assert pass_.workers == 1


def test_a_model_failing_mid_turn_gives_the_cores_back():
    turns = Turns()
    with pytest.raises(RuntimeError), turns.model():
        raise RuntimeError("the model broke")
    done = threading.Event()
    t = threading.Thread(target=lambda: (turns.wait_for_cores(), done.set()))
    t.start()
    assert done.wait(2.0)
    t.join()


def test_a_decoder_waits_for_the_model_turn_to_end():
    turns = Turns()
    started = threading.Event()
    with turns.model():
        t = threading.Thread(target=lambda: (turns.wait_for_cores(), started.set()))
        t.start()
        assert not started.wait(0.2)
    assert started.wait(2.0)
    t.join()


def test_clip_on_the_cpu_takes_turns_with_the_decoders(registry, tiny_settings, paths):
    env = _env(tiny_settings, paths, registry)
    clip = ClipRunner(J.BY_NAME["clip"], env, "clip")
    clip.prepare()
    thumbs = ThumbnailRunner(J.BY_NAME["thumbnail"], env, "thumbnail")
    assert clip.computes_on_every_core() and not thumbs.computes_on_every_core()
    assert PixelPass({"thumbnail": thumbs, "clip": clip}, env).turns is not None
    assert PixelPass({"thumbnail": thumbs}, env).turns is None
    clip.clip.device = "cuda"  # as the registry sets it on a GPU machine: the CPU is free
    assert PixelPass({"thumbnail": thumbs, "clip": clip}, env).turns is None


def test_decode_threads_leave_the_model_a_core_unless_they_take_turns(tiny_settings,
                                                                      monkeypatch):
    import dataclasses
    import os

    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    s = dataclasses.replace(tiny_settings, workers=4)
    assert decode_threads(s) == 1
    assert decode_threads(s, taking_turns=True) == 2
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    assert decode_threads(s) == 4 and decode_threads(s, taking_turns=True) == 4


def test_no_stage_opens_an_original_a_second_time(tmp_path, catalog, registry, tiny_settings,
                                                  paths, monkeypatch):
    """Every pixel stage (thumbnails, CLIP, faces, text, captions) is served by one read and
    one decode of each original: JPEG (scaled inside the DCT, or not), PNG, WebP."""
    import builtins
    import dataclasses
    from collections import Counter

    import core.media.decode
    from core.pipeline.run import index_library
    from core.scan.roots import add_root
    from core.scan.scanner import scan
    from tests.media_factory import gradient, write_png

    lib = tmp_path / "lib"
    originals = {
        write_jpeg(lib / "camera.jpg", (1200, 900), seed=1),     # decoded at a reduced scale
        write_jpeg(lib / "turned.jpg", (320, 240), seed=2, orientation=6),
        write_png(lib / "drawing.png", (320, 240)),
    }
    webp = lib / "web.webp"
    gradient((320, 240), 3).save(webp, "WEBP")
    originals.add(webp)
    add_root(catalog, lib)
    scan(catalog)
    names = {p.name for p in originals}
    opened, decoded = Counter(), Counter()
    real_open, real_decode = builtins.open, core.media.decode.open_image

    def counting_open(file, *a, **kw):
        if isinstance(file, (str, bytes)) or hasattr(file, "__fspath__"):
            name = os.path.basename(os.fsdecode(file))
            if name in names:
                opened[name] += 1
        return real_open(file, *a, **kw)

    def counting_decode(path, *a, **kw):
        decoded[os.path.basename(path)] += 1
        return real_decode(path, *a, **kw)

    monkeypatch.setattr(builtins, "open", counting_open)
    monkeypatch.setattr(core.media.decode, "open_image", counting_decode)  # what load_image calls
    settings = dataclasses.replace(tiny_settings, workers=2, low_priority=False,
                                   extra={"caption_max_new_tokens": 4})
    stages = ["thumbnail", "clip", "faces", "text", "caption"]
    report = index_library(catalog, registry, settings, paths, TaskState("index"),
                           stages=stages)
    assert {s: (report.stages[s].done, report.stages[s].errors) for s in stages} == \
        {s: (4, 0) for s in stages}
    assert opened == Counter({n: 1 for n in names})
    assert decoded == Counter({n: 1 for n in names})
