"""The `sentences` stage: the text a file already has — transcript segments with their times,
its caption, text read in it — embedded by meaning (models/sentences.py) into text_vectors.

It runs after the stages that make that text (it is last in jobs.STAGES), and a file's job
goes back to pending when its text changes (triggers of migration 0009), or when the model
changes (jobs.sync_jobs, as for every stage). Only passages whose text is new are embedded:
unchanged ones keep their vectors and rows, so a redone job that finds the same text costs
one read and no model time, and the search index only appends.

Collections' names and descriptions are embedded by `embed_collections` after each run.
"""

from __future__ import annotations

import logging

import numpy as np

from core.catalog import Catalog, Connection
from core.catalog.connection import connect
from core.errors import ShoeboxError
from core.pipeline.base import Outcome, StageRunner
from core.pipeline.jobs import Job
from core.sentences.passages import Passage, file_passages

log = logging.getLogger(__name__)

FILES_PER_BATCH = 64        # files read and embedded together ...
TEXTS_PER_BATCH = 512       # ... or at least this many new texts


def _blob(v: np.ndarray) -> bytes:
    return np.ascontiguousarray(v, dtype="<f4").tobytes()


def _existing(conn: Connection, file_id: int, model_id: str) -> dict[tuple, tuple[int, bytes]]:
    return {(r[0], r[1], r[2]): (r[3], r[4]) for r in conn.execute(
        "SELECT source, frame_ms, text, id, vector FROM text_vectors "
        "WHERE file_id = ? AND model_id = ?", (file_id, model_id))}


class SentencesRunner(StageRunner):
    def prepare(self):
        self.model = self.env.registry.sentences()
        self.conn = connect(self.env.paths.catalog, readonly=True)

    def process(self, jobs):
        try:
            batch: list[tuple[Job, list[Passage], set, dict]] = []
            new_texts = 0
            for job in jobs:
                try:
                    item = self._read(job)
                except ShoeboxError as e:
                    yield [Outcome(job, error=str(e))]
                    continue
                batch.append(item)
                new_texts += len(item[2])
                if len(batch) >= FILES_PER_BATCH or new_texts >= TEXTS_PER_BATCH:
                    yield self._finish(batch)
                    batch, new_texts = [], 0
            if batch:
                yield self._finish(batch)
        finally:
            self.conn.close()

    def _read(self, job: Job):
        fp = file_passages(self.conn, job.file_id)
        if fp.refused:
            log.info("%s: not embedded: %s", job.path,
                     "; ".join(f"{n} text(s): {why}" for why, n in fp.refused.items()))
            counts = self.env.counters.setdefault("texts_refused", {})
            for why, n in fp.refused.items():
                counts[why] = counts.get(why, 0) + n
        old = _existing(self.conn, job.file_id, self.model_id)
        new = {p.key for p in fp.passages if p.key not in old}
        return job, fp.passages, new, old

    def _finish(self, batch) -> list[Outcome]:
        todo = [p for _, passages, new, _ in batch for p in passages if p.key in new]
        try:
            vectors = self.model.embed([p.text for p in todo]) if todo else None
        except (ShoeboxError, RuntimeError, ValueError) as e:
            if len(batch) == 1:
                return [Outcome(batch[0][0], error=f"could not embed its text: {e}")]
            return [o for item in batch for o in self._finish([item])]
        made = {p.key: vectors[i] for i, p in enumerate(todo)}
        model_id = self.model_id
        outcomes = []
        for job, passages, new, old in batch:
            keep = {p.key for p in passages}
            gone = [row_id for key, (row_id, _) in old.items() if key not in keep]
            rows = [(job.file_id, p.source, p.start_ms, p.end_ms, p.text, model_id,
                     _blob(made[p.key])) for p in passages if p.key in new]

            def write(conn, job=job, gone=gone, rows=rows):
                # an older model's vectors go: a changed model re-embeds, never mixes
                conn.execute("DELETE FROM text_vectors WHERE file_id = ? AND model_id != ?",
                             (job.file_id, model_id))
                if gone:
                    conn.execute(f"DELETE FROM text_vectors WHERE id IN "
                                 f"({','.join('?' * len(gone))})", gone)
                conn.executemany(
                    "INSERT INTO text_vectors(file_id, source, frame_ms, end_ms, text, model_id, "
                    "vector) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
            outcomes.append(Outcome(job, write))
        return outcomes


# --- collections ---------------------------------------------------------------------------

def collection_text(name: str | None, description: str | None) -> str:
    return " ".join(" — ".join(x.strip() for x in (name, description) if x and x.strip()).split())


def embed_collections(catalog: Catalog, registry) -> int:
    """Embed the names and descriptions of collections that are new or renamed since (or made
    by another model). Loads the model only when there is something to do. Returns how many."""
    try:
        model_id = registry.identity("sentences")
    except ShoeboxError as e:
        log.info("collections not embedded: %s", e)
        return 0
    with catalog.read() as conn:
        rows = conn.execute(
            "SELECT c.id, c.name, c.description, v.text, v.model_id FROM clusters c "
            "LEFT JOIN collection_vectors v ON v.cluster_id = c.id").fetchall()
    todo = [(cid, collection_text(name, desc)) for cid, name, desc, old, old_model in rows
            if collection_text(name, desc) and (old != collection_text(name, desc)
                                                or old_model != model_id)]
    if not todo:
        return 0
    try:
        vectors = registry.sentences().embed([t for _, t in todo])
    except (ShoeboxError, RuntimeError, ValueError) as e:
        log.warning("collections not embedded: %s", e)
        return 0

    def write(conn):
        conn.executemany(
            "INSERT INTO collection_vectors(cluster_id, model_id, text, vector) "
            "SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM clusters WHERE id = ?) "
            "ON CONFLICT(cluster_id) DO UPDATE SET model_id = excluded.model_id, "
            "text = excluded.text, vector = excluded.vector",
            [(cid, model_id, text, _blob(v), cid) for (cid, text), v in zip(todo, vectors)])
    catalog.write(write)
    return len(todo)
