"""Pipeline work as catalog rows: one `jobs` row per file and stage.

Which work is due is derived by SQL from the catalog alone: a file needs a stage when it has
no job row for it, when the content it was done from (jobs.content_hash) differs from the
file's content now, or when the model that did it (jobs.model_id) is not the role's model
now (`Registry.identity`, known without loading weights). A moved file keeps its id, hash and
rows, so it is never redone.

States: pending (to do), done, error (jobs.error says why; redone only on --retry-problems or
when the file or the model changes), skipped (the stage's model is not available: jobs.error
says why; the stage runs as soon as the model becomes available). 'running' is not used: a
result and its job state are written in one transaction, so a crash leaves jobs pending.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from core.catalog import Catalog, Connection
from core.catalog.chunks import in_chunks
from core.places.geocoder import stage_version


@dataclass(frozen=True)
class StageDef:
    name: str
    kinds: tuple[str, ...]
    role: str | None  # model role the stage needs; None: no model
    version: str  # jobs.model_id for stages without a model; bump to redo them
    about: str


STAGES: tuple[StageDef, ...] = (
    StageDef("thumbnail", ("photo", "video"), None, "thumb-1",
             "thumbnails for the grid and the viewer"),
    StageDef("places", ("photo", "video"), None, stage_version(), "town, region and country from GPS"),
    StageDef("clip", ("photo",), "clip", "", "CLIP vector and zero-shot tags of each photo"),
    StageDef("keyframes", ("video",), "clip", "", "keyframes of each video, embedded with CLIP"),
    StageDef("faces", ("photo", "video"), "faces", "", "faces found and described, for people"),
    StageDef("text", ("photo", "video"), "text", "", "text in photos and video keyframes (OCR)"),
    StageDef("caption", ("photo", "video"), "caption", "", "a caption and tags from it"),
    StageDef("transcript", ("video",), "whisper", "", "speech in videos, with timestamps"),
    # after every stage that makes text: it embeds that text (core/pipeline/sentences_stage.py)
    StageDef("sentences", ("photo", "video"), "sentences", "",
             "speech, captions and text in photos, embedded by meaning"),
)
STAGE_NAMES = tuple(s.name for s in STAGES)
BY_NAME = {s.name: s for s in STAGES}

# Files the pipeline can work on. Files the scanner could not read (files.error: empty,
# truncated, not an image) are already listed by `shoebox problems`; they get jobs again when
# a rescan finds them readable.
_WORKABLE = ("f.status = 'present' AND f.content_hash IS NOT NULL AND f.error IS NULL "
             "AND f.size > 0")


@dataclass(frozen=True)
class Job:
    file_id: int
    stage: str
    path: str
    kind: str
    format: str
    content_hash: str
    priority: int
    orientation: int | None
    duration_s: float | None


def sync_jobs(conn: Connection, stage: StageDef, model_id: str | None, available: bool,
              retry_errors: bool, now: float | None = None) -> None:
    """Make the stage's job rows agree with the catalog (runs in a write transaction).

    model_id: what a result made now would record (None when the model is unavailable)."""
    now = time.time() if now is None else now
    kinds = ",".join("?" * len(stage.kinds))
    # New files get pending rows; done/error rows made from other content or by another
    # model go back to pending; skipped rows go back once the model is there.
    conn.execute(
        f"""
        INSERT INTO jobs(file_id, stage, state, content_hash, updated_at)
        SELECT f.id, ?, 'pending', f.content_hash, ? FROM files f
         WHERE {_WORKABLE} AND f.kind IN ({kinds})
        ON CONFLICT(file_id, stage) DO UPDATE SET state = 'pending', error = NULL,
            attempts = CASE WHEN jobs.state = 'error' THEN jobs.attempts ELSE 0 END,
            updated_at = excluded.updated_at
        WHERE (jobs.state IN ('done', 'error') AND (
                  jobs.content_hash IS NOT excluded.content_hash
                  OR (? AND jobs.model_id IS NOT ?)))
           OR (jobs.state = 'error' AND ?)
           OR (jobs.state = 'skipped' AND ?)
           OR jobs.state = 'running'
        """,
        (stage.name, now, *stage.kinds, model_id is not None, model_id, retry_errors, available),
    )
    # Work nobody can do any more: files gone missing or unreadable since.
    conn.execute(
        f"""
        DELETE FROM jobs WHERE stage = ? AND state IN ('pending', 'skipped', 'error')
          AND file_id IN (SELECT f.id FROM files f WHERE NOT ({_WORKABLE}))
        """,
        (stage.name,),
    )


def skip_stage(conn: Connection, stage: str, reason: str, now: float | None = None) -> int:
    """Mark every pending job of a stage skipped, saying why (its model is unavailable)."""
    cur = conn.execute(
        "UPDATE jobs SET state = 'skipped', error = ?, updated_at = ? "
        "WHERE stage = ? AND state = 'pending'",
        (reason, time.time() if now is None else now, stage),
    )
    return cur.rowcount


def pending_jobs(conn: Connection, stage: str, limit: int,
                 exclude: Iterable[int] = ()) -> list[Job]:
    """The stage's next pending jobs, highest priority first, then in file id order."""
    skip = set(exclude)
    rows = conn.execute(
        f"""
        SELECT j.file_id, j.stage, f.path, f.kind, f.format, f.content_hash, j.priority,
               f.orientation, f.duration_s
          FROM jobs j JOIN files f ON f.id = j.file_id
         WHERE j.stage = ? AND j.state = 'pending' AND {_WORKABLE}
         ORDER BY j.priority DESC, j.file_id
         LIMIT ?
        """,
        (stage, limit + len(skip)),
    ).fetchall()
    return [Job(*r) for r in rows if r[0] not in skip][:limit]


def pending_files(conn: Connection, stages: Sequence[str], limit: int,
                  exclude: Iterable[int] = ()) -> list[list[Job]]:
    """The next files with pending jobs in any of `stages` (highest priority first, then in
    file id order), each with all of its pending jobs in those stages: the pixel pass decodes
    a file once for every stage that is due for it."""
    skip = set(exclude)
    marks = ",".join("?" * len(stages))
    ids = [r[0] for r in conn.execute(
        f"""
        SELECT j.file_id FROM jobs j JOIN files f ON f.id = j.file_id
         WHERE j.stage IN ({marks}) AND j.state = 'pending' AND {_WORKABLE}
         GROUP BY j.file_id
         ORDER BY max(j.priority) DESC, j.file_id
         LIMIT ?
        """,
        (*stages, limit + len(skip)),
    ) if r[0] not in skip][:limit]
    if not ids:
        return []
    by_file: dict[int, list[Job]] = {i: [] for i in ids}
    order = {name: i for i, name in enumerate(STAGE_NAMES)}
    rows = conn.execute(
        f"""
        SELECT j.file_id, j.stage, f.path, f.kind, f.format, f.content_hash, j.priority,
               f.orientation, f.duration_s
          FROM jobs j JOIN files f ON f.id = j.file_id
         WHERE j.file_id IN ({",".join("?" * len(ids))}) AND j.stage IN ({marks})
           AND j.state = 'pending'
        """,
        (*ids, *stages),
    ).fetchall()
    for r in sorted(rows, key=lambda r: order.get(r[1], len(order))):
        by_file[r[0]].append(Job(*r))
    return [by_file[i] for i in ids if by_file[i]]


def count_pending(conn: Connection, stage: str, state: str = "pending") -> int:
    return conn.execute(
        f"SELECT count(*) FROM jobs j JOIN files f ON f.id = j.file_id "
        f"WHERE j.stage = ? AND j.state = ? AND {_WORKABLE}", (stage, state)).fetchone()[0]


def mark_done(conn: Connection, job: Job, model_id: str, now: float) -> None:
    conn.execute(
        """
        INSERT INTO jobs(file_id, stage, state, content_hash, model_id, updated_at)
        VALUES (?, ?, 'done', ?, ?, ?)
        ON CONFLICT(file_id, stage) DO UPDATE SET state = 'done',
            content_hash = excluded.content_hash, model_id = excluded.model_id, error = NULL,
            priority = 0, updated_at = excluded.updated_at
        """,
        (job.file_id, job.stage, job.content_hash, model_id, now),
    )


def mark_error(conn: Connection, job: Job, model_id: str | None, error: str, now: float) -> None:
    conn.execute(
        """
        INSERT INTO jobs(file_id, stage, state, content_hash, model_id, attempts, error, updated_at)
        VALUES (?, ?, 'error', ?, ?, 1, ?, ?)
        ON CONFLICT(file_id, stage) DO UPDATE SET state = 'error',
            content_hash = excluded.content_hash,
            model_id = excluded.model_id, attempts = jobs.attempts + 1, error = excluded.error,
            priority = 0, updated_at = excluded.updated_at
        """,
        (job.file_id, job.stage, job.content_hash, model_id, error[:1000], now),
    )


def prioritize(catalog: Catalog, file_ids: Iterable[int]) -> int:
    """Files the user is looking at jump the queue: their pending jobs, in every stage, run
    before the rest (the most recent call first). Works before the pipeline has seen the
    files too (their jobs are created). Returns the number of jobs moved up."""
    ids = sorted({int(i) for i in file_ids})
    if not ids:
        return 0

    def bump(conn: Connection) -> int:
        # Later calls outrank earlier ones: what is on screen now matters most.
        top = conn.execute("SELECT coalesce(max(priority), 0) FROM jobs").fetchone()[0]
        level = max(int(time.time() * 1000), top + 1)
        now = time.time()
        n = 0
        for chunk, marks in in_chunks(ids):
            for stage in STAGES:
                kinds = ",".join("?" * len(stage.kinds))
                conn.execute(
                    f"INSERT OR IGNORE INTO jobs(file_id, stage, state, content_hash, updated_at) "
                    f"SELECT f.id, ?, 'pending', f.content_hash, ? FROM files f "
                    f"WHERE f.id IN ({marks}) AND f.kind IN ({kinds}) AND {_WORKABLE}",
                    (stage.name, now, *chunk, *stage.kinds))
            n += conn.execute(
                f"UPDATE jobs SET priority = ? WHERE state = 'pending' "
                f"AND file_id IN ({marks})", (level, *chunk)).rowcount
        return n

    return catalog.write(bump)
