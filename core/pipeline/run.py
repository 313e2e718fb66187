"""index_library: run every due stage over the library, stage by stage, resumably.

    report = index_library(catalog, registry, settings, paths, task)

Passes: first the pixel pass (core.pipeline.pixels): thumbnails, CLIP for photos, captions
(and any other pixel stage) from one decode of each file; then keyframes for videos (the CLIP
model stays loaded), then transcripts. Each model is loaded once and works through all of its
stage's files in batches.

Every result is committed together with its job's new state, in one short transaction on
the catalog's writer, so a crash (even kill -9) loses only work in flight: the next run
picks up the jobs still pending. Files the user looks at jump the queue (jobs.prioritize).
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections import Counter, deque
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import asdict, dataclass, field
from typing import Any

from core.catalog import Catalog, Connection
from core.catalog.connection import DatabaseError
from core.collections import assign_new
from core.config import Paths, Settings
from core.errors import Cancelled, ShoeboxError
from core.media.thumbnails import prune_thumbnails
from core.people import update_people
from core.pipeline import jobs as J
from core.pipeline.base import Env, Outcome
from core.pipeline.pixels import PixelPass, PixelStage
from core.pipeline.sentences_stage import embed_collections
from core.pipeline.stages import RUNNERS
from core.pipeline.workers import decode_threads, lower_thread_priority
from core.places.events import update_events
from core.tasks import TaskState
from core.xmp.read import restore_names
from core.xmp.write import write_sidecars
from models.datafiles import make_dir, open_private

log = logging.getLogger(__name__)

FETCH = 256  # jobs read from the catalog at a time
WRITE_BATCH = 64  # outcomes per write transaction
WRITE_EVERY_S = 1.0  # ... or at least this often, so progress is saved on slow stages
WRITES_IN_FLIGHT = 2


class PipelineBusy(ShoeboxError):
    def __init__(self, where: str):
        super().__init__(f"another Shoebox is already indexing this library ({where}); "
                         f"it will finish the work, or stop it and try again")


@dataclass
class StageReport:
    done: int = 0
    errors: int = 0
    skipped: str | None = None  # why the stage did not run (its model is unavailable)
    pending: int = 0  # left to do after this run (limit, cancel)
    seconds: float = 0.0


@dataclass
class IndexReport:
    stages: dict[str, StageReport] = field(default_factory=dict)
    seconds: float = 0.0
    cancelled: bool = False
    damaged_audio_packets: int = 0
    joined_collections: int = 0  # new files that joined an existing collection
    events: int | None = None  # events after recomputing them (None: timeline unchanged)
    people: dict = field(default_factory=dict)  # faces that joined people, people formed
    sidecars: dict = field(default_factory=dict)  # XMP sidecars written (settings.xmp_sidecars)

    @property
    def done(self) -> int:
        return sum(s.done for s in self.stages.values())

    @property
    def errors(self) -> int:
        return sum(s.errors for s in self.stages.values())

    @property
    def nothing_to_do(self) -> bool:
        return self.done == 0 and self.errors == 0

    def as_dict(self) -> dict:
        return {"stages": {k: asdict(v) for k, v in self.stages.items()},
                "done": self.done, "errors": self.errors, "seconds": round(self.seconds, 3),
                "cancelled": self.cancelled, "damaged_audio_packets": self.damaged_audio_packets,
                "events": self.events,
                "people": self.people, "sidecars": self.sidecars}


def index_library(catalog: Catalog, registry: Any, settings: Settings, paths: Paths,
                  task: TaskState | None = None, *, stages: list[str] | None = None,
                  limit: int | None = None, retry_errors: bool = False) -> IndexReport:
    """Run the due work of `stages` (default: all, in pipeline order). `limit`: at most that
    many files per stage. `retry_errors`: jobs that failed before are tried again.
    Raises PipelineBusy when another process is indexing the same library; a cancel through
    `task` ends the run early with report.cancelled set (finished work is kept)."""
    task = task or TaskState("index")
    wanted = _stage_list(stages)
    report = IndexReport()
    t0 = time.monotonic()
    if settings.low_priority and threading.current_thread() is not threading.main_thread():
        lower_thread_priority()  # a GUI worker thread: yield to the GUI
    with _index_lock(paths):
        identities = _identities(registry, wanted)
        task.status("finding work")
        # every stage's jobs are kept current (status counts, prioritize), even the ones
        # this run leaves for later
        all_ids = {**_identities(registry, [s for s in J.STAGES if s not in wanted]),
                   **identities}
        for stage in J.STAGES:
            model_id, available, _ = all_ids[stage.name]
            catalog.write(J.sync_jobs, stage, model_id, available,
                          retry_errors and stage in wanted)
        env = Env(registry, settings, paths, task, workers=decode_threads(settings),
                  low_priority=settings.low_priority)
        try:
            for group in _passes(wanted):
                t_pass = time.monotonic()
                _run_pass(catalog, env, group, identities, limit, task, report)
                for stage in group:
                    report.stages[stage.name].seconds = round(time.monotonic() - t_pass, 3)
            report.joined_collections = _join_collections(catalog, registry, report)
            report.events = update_events(catalog)   # None: the timeline had not changed
            if J.BY_NAME["sentences"] in wanted:   # new or renamed collections, by meaning
                embed_collections(catalog, registry)
            report.people = _group_people(catalog, report, identities)
            _prune_thumbnails(catalog, paths, report)
            report.sidecars = _write_sidecars(catalog, settings)
        except Cancelled:
            report.cancelled = True
        finally:
            with catalog.read() as conn:
                for stage in wanted:
                    sr = report.stages.setdefault(stage.name, StageReport())
                    sr.pending = J.count_pending(conn, stage.name)
            _release_models(registry, wanted)
    report.damaged_audio_packets = env.counters.get("damaged_audio_packets", 0)
    report.seconds = time.monotonic() - t0
    task.status("cancelled" if report.cancelled else "done")
    return report


def _prune_thumbnails(catalog: Catalog, paths: Paths, report: IndexReport) -> None:
    """New thumbnails can mean changed content: drop the cached ones no file (present or
    missing: a missing one may come back) has any more, and a crash's temporary files."""
    sr = report.stages.get("thumbnail")
    if not sr or not sr.done:
        return
    with catalog.read() as conn:
        keep = {r[0] for r in conn.execute(
            "SELECT DISTINCT content_hash FROM files WHERE content_hash IS NOT NULL")}
    removed = prune_thumbnails(paths, keep)
    if removed:
        log.info("removed %d thumbnails of content no file has any more", removed)


def _join_collections(catalog: Catalog, registry: Any, report: IndexReport) -> int:
    """Newly embedded files that clearly belong to an existing collection join it now; the
    full recluster stays a user action (ARCHITECTURE: incremental collections)."""
    embedded = sum(report.stages[name].done for name in ("clip", "keyframes") if name in report.stages)
    if not embedded:
        return 0
    try:
        return assign_new(catalog, registry)
    except ShoeboxError as e:  # no collections yet, model unavailable: nothing to join
        log.info("new files not matched to collections: %s", e)
        return 0


def _group_people(catalog: Catalog, report: IndexReport, identities) -> dict:
    """New faces join the people they clearly belong to; tight groups become new people."""
    sr = report.stages.get("faces")
    if not sr or not sr.done:
        return {}
    result = update_people(catalog, identities["faces"][0]).as_dict()
    # faces under regions Shoebox wrote into sidecars get their names back (a lost catalog)
    result["named_from_sidecars"] = catalog.write(restore_names)
    return result


def _write_sidecars(catalog: Catalog, settings: Settings) -> dict:
    """"Keep XMP sidecars up to date": a sidecar that already says it all is left alone."""
    if not settings.xmp_sidecars:
        return {}
    return write_sidecars(catalog, settings.xmp_machine_words).as_dict()


def _stage_list(stages: list[str] | None) -> list[J.StageDef]:
    if not stages:
        return list(J.STAGES)
    unknown = [s for s in stages if s not in J.BY_NAME]
    if unknown:
        raise ShoeboxError(f"unknown stage {', '.join(unknown)}: choose from "
                           f"{', '.join(J.STAGE_NAMES)}")
    return [s for s in J.STAGES if s.name in stages]


def _identities(registry, wanted) -> dict[str, tuple[str | None, bool, str | None]]:
    """stage -> (model id a result would record, available?, why not)."""
    out = {}
    for stage in wanted:
        if stage.role is None:
            out[stage.name] = (stage.version, True, None)
            continue
        try:
            available = bool(registry.available(stage.role))
            model_id = registry.identity(stage.role)
            reason = None if available else _unavailable_reason(registry, stage.role)
        except ShoeboxError as e:
            available, model_id, reason = False, None, str(e)
        out[stage.name] = (model_id, available, reason)
    return out


def _unavailable_reason(registry, role: str) -> str:
    try:
        info = registry.status().get(role) or {}
    except ShoeboxError as e:
        return str(e)
    reason = info.get("reason") or f"no {role} model is installed"
    return f"{role} model unavailable: {reason}"


def _passes(wanted: list[J.StageDef]) -> list[list[J.StageDef]]:
    """The pixel stages together (one decode of each file serves them all), then each other
    stage on its own, in pipeline order."""
    pixel = [s for s in wanted if issubclass(RUNNERS[s.name], PixelStage)]
    return ([pixel] if pixel else []) + [[s] for s in wanted if s not in pixel]


def _run_pass(catalog: Catalog, env: Env, group: list[J.StageDef], identities, limit, task,
              report: IndexReport) -> None:
    runners = {}
    todo = 0
    for stage in group:
        report.stages[stage.name] = sr = StageReport()
        runner = _ready_runner(catalog, env, stage, identities[stage.name], limit, task, sr)
        if runner is not None:
            runners[stage.name] = runner
            todo += sr.pending
            sr.pending = 0
    if not runners:
        return
    names = ", ".join(runners)
    task.start(todo, f"{names}: " + "; ".join(r.stage.about for r in runners.values()))
    source = _JobSource(catalog, list(runners), limit, task)
    sink = _Sink(catalog, {n: r.model_id for n, r in runners.items()}, source, report.stages)
    if len(group) == 1 and not isinstance(next(iter(runners.values())), PixelStage):
        work = next(iter(runners.values())).process(jobs[0] for jobs in source)
    else:
        work = PixelPass(runners, env).process(iter(source))
    try:
        for outcomes in work:
            sink.add(outcomes)
            task.advance(len(outcomes))
            task.check()
    finally:
        work.close()  # stops the decode threads
        sink.close()  # what is finished is kept, even on cancel


def _ready_runner(catalog: Catalog, env: Env, stage: J.StageDef, ident, limit, task,
                  sr: StageReport):
    """The stage's runner with its model loaded, or None (nothing to do, or its model is
    unavailable: its jobs are marked skipped, saying why). sr.pending: its jobs to do now."""
    model_id, available, reason = ident
    with catalog.read() as conn:
        todo = J.count_pending(conn, stage.name)
        waiting = J.count_pending(conn, stage.name, "skipped")
    if not available:
        if todo or waiting:  # say so on every run while files wait for the model
            sr.skipped = reason or "model unavailable"
        if todo:
            catalog.write(J.skip_stage, stage.name, sr.skipped)
            log.info("stage %s skipped: %s", stage.name, sr.skipped)
        return None
    if limit is not None:
        todo = min(todo, limit)
    if todo == 0:
        return None
    runner = RUNNERS[stage.name](stage, env, model_id)
    task.start(todo, f"{stage.name}: loading")
    try:
        runner.prepare()
    except ShoeboxError as e:  # ModelUnavailable and friends: the other stages still run
        sr.skipped = str(e)
        catalog.write(J.skip_stage, stage.name, sr.skipped)
        log.warning("stage %s skipped: %s", stage.name, e)
        return None
    sr.pending = todo
    return runner


class _JobSource:
    """Files with pending jobs in the pass's stages, each with all of its due jobs there, read
    lazily in priority order, so files prioritized during the run are picked up at the next
    read."""

    def __init__(self, catalog: Catalog, stages: list[str], limit: int | None,
                 task: TaskState):
        self.catalog, self.stages, self.limit, self.task = catalog, stages, limit, task
        self.outstanding: Counter[int] = Counter()  # file -> jobs handed out, not committed
        self.given = 0

    def __iter__(self) -> Iterator[list[J.Job]]:
        while self.limit is None or self.given < self.limit:
            self.task.check()
            n = FETCH if self.limit is None else min(FETCH, self.limit - self.given)
            with self.catalog.read() as conn:
                batch = J.pending_files(conn, self.stages, n, exclude=self.outstanding)
            if not batch:
                return
            for jobs in batch:
                self.outstanding[jobs[0].file_id] += len(jobs)
                self.given += 1
                yield jobs

    def committed(self, job: J.Job) -> None:
        self.outstanding[job.file_id] -= 1
        if self.outstanding[job.file_id] <= 0:
            del self.outstanding[job.file_id]


class _Sink:
    """Collects outcomes and commits them in short transactions (results + job state
    together), keeping a couple of writes in flight so the model never waits for the disk."""

    def __init__(self, catalog: Catalog, model_ids: dict[str, str], source: _JobSource,
                 reports: dict[str, StageReport]):
        self.catalog, self.model_ids, self.source = catalog, model_ids, source
        self.reports = reports
        self.buffer: list[Outcome] = []
        self.first_at = 0.0
        self.inflight: deque[tuple[Future, list[Outcome]]] = deque()

    def add(self, outcomes: list[Outcome]) -> None:
        if not self.buffer:
            self.first_at = time.monotonic()
        self.buffer.extend(outcomes)
        if len(self.buffer) >= WRITE_BATCH or time.monotonic() - self.first_at >= WRITE_EVERY_S:
            self.flush()
        self._reap(block=False)

    def flush(self) -> None:
        if not self.buffer:
            return
        batch, self.buffer = self.buffer, []
        self.inflight.append((self.catalog.submit(_commit, batch, self.model_ids, time.time()),
                              batch))
        while len(self.inflight) > WRITES_IN_FLIGHT:
            self._reap_one()

    def close(self) -> None:
        self.flush()
        while self.inflight:
            self._reap_one()

    def _reap(self, block: bool) -> None:
        while self.inflight and (block or self.inflight[0][0].done()):
            self._reap_one()

    def _reap_one(self) -> None:
        fut, batch = self.inflight.popleft()
        counts = fut.result()  # a failed write is a bug or a full disk: let it show
        for stage, (done, errors) in counts.items():
            self.reports[stage].done += done
            self.reports[stage].errors += errors
        for o in batch:
            self.source.committed(o.job)


def _commit(conn: Connection, outcomes: list[Outcome], model_ids: dict[str, str], now: float):
    """Runs on the writer thread, inside one transaction. Returns stage -> (done, errors)."""
    counts: dict[str, list[int]] = {}
    for o in outcomes:
        tally = counts.setdefault(o.job.stage, [0, 0])
        if conn.execute("SELECT 1 FROM files WHERE id = ?", (o.job.file_id,)).fetchone() is None:
            continue  # removed from the library meanwhile
        model_id = model_ids[o.job.stage]
        error = o.error
        if error is None:
            conn.execute("SAVEPOINT outcome")
            try:
                if o.write is not None:
                    o.write(conn)
                J.mark_done(conn, o.job, model_id, now)
                conn.execute("RELEASE outcome")
                tally[0] += 1
                continue
            except (DatabaseError, ValueError, TypeError) as e:  # this file's results only
                conn.execute("ROLLBACK TO outcome")
                conn.execute("RELEASE outcome")
                error = f"could not store the results: {e}"
                log.warning("stage %s, %s: %s", o.job.stage, o.job.path, error)
        J.mark_error(conn, o.job, model_id, error, now)
        tally[1] += 1
    return {stage: tuple(t) for stage, t in counts.items()}


def _release_models(registry, wanted) -> None:
    """Captioner, transcriber and OCR only serve the pipeline: free them now.
    CLIP stays (search embeds queries with it)."""
    for stage in wanted:
        if stage.role in ("caption", "whisper", "text"):
            with contextlib.suppress(ShoeboxError):
                registry.release(stage.role)


@contextlib.contextmanager
def _index_lock(paths: Paths):
    """One indexer per library at a time (a GUI and a `shoebox watch` could both try)."""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks here; the writer still serialises rows
        yield
        return
    lock_path = make_dir(paths.home) / "index.lock"
    fd = open_private(lock_path)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PipelineBusy(str(lock_path)) from None
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
