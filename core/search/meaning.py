"""Search by meaning over the text the library holds (speech, captions, text in photos): the
query embedded by the `sentences` model, compared with the passages the sentences stage
embedded (core/pipeline/sentences_stage.py), in an in-process index like CLIP's.

The relevance floor comes from all-MiniLM-L6-v2 cosines measured on 20 spoken sentences and
queries that ask for them by meaning with no content word in common
(benchmarks/bench_sentences.py --calibrate): each query against its own sentence scored
0.23-0.57 (median 0.40); against the 380 unrelated pairs median 0.04, 95th percentile 0.19,
max 0.34. So under 0.22 is cut, and hits more than 0.15 below the query's best passage are
noise for that query. Unrelated speech that slips over the floor ranks below the related one;
words (FTS) still rank first where they exist (engine._fuse).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from core.catalog.chunks import in_chunks
from core.catalog.connection import Connection
from core.errors import ShoeboxError
from core.search.vectors import TEXT_VECTORS, get_index
from core.sentences.passages import too_short_to_mean
from models.registry import QUERY_MAX_AGE_S

log = logging.getLogger(__name__)

MEANING_FLOOR = 0.22
MEANING_MARGIN = 0.15
QUERY_CHARS = 1000


def meaning_floor(settings) -> tuple[float, float | None]:
    """(absolute floor, margin below the best or None). A negative settings.relevance_floor
    keeps everything, as it does for CLIP; otherwise the calibrated values hold (the
    settings value is a CLIP cosine, on another scale)."""
    user = float(getattr(settings, "relevance_floor", 0.0) or 0.0)
    if user < 0:
        return user, None
    return MEANING_FLOOR, MEANING_MARGIN


def query_vector(registry, query: str, notices: list[str]) -> tuple[np.ndarray | None, str | None]:
    """The query's sentence vector and the model id of the space it is in; (None, None) with a
    notice when the model is not there (words and CLIP still work)."""
    if registry is None or not query:
        return None, None
    try:
        model_id = registry.identity("sentences", QUERY_MAX_AGE_S)   # as the stage stores it
        vec = np.asarray(registry.sentences(QUERY_MAX_AGE_S).embed_query(query[:QUERY_CHARS]),
                         np.float32)
    except ShoeboxError as e:
        notices.append(f"speech and text are matched by words only: the sentences model is "
                       f"not available ({e})")
        return None, None
    except (RuntimeError, ValueError, IndexError) as e:
        log.warning("the sentences model could not embed the query %r: %s", query[:80], e)
        notices.append(f"speech and text are matched by words only: the sentences model "
                       f"failed on this query ({e})")
        return None, None
    norm = float(np.linalg.norm(vec))
    return (vec / norm if norm > 0 else vec), model_id


def text_index(db_path, conn: Connection, model_id: str):
    return get_index(db_path, conn, model_id, TEXT_VECTORS)


@dataclass(frozen=True)
class Passage:
    """One embedded text: what a meaning hit or an answer quotes."""
    row_id: int
    file_id: int
    source: str                  # 'transcript' | 'caption' | 'text'
    text: str
    start_s: float | None        # transcript: where it is said
    end_s: float | None
    similarity: float = 0.0


def noise(p: Passage) -> bool:
    """A passage embedded before text too short to mean anything was refused (catalogs indexed
    before 2026-12): it is kept out of results here rather than re-embedding every library,
    since the sentences stage redoes a file only when its text or the model changes."""
    return p.source == "text" and too_short_to_mean(p.text)


def passages(conn: Connection, row_ids, scores=None) -> dict[int, Passage]:
    ids = [int(r) for r in row_ids]
    if not ids:
        return {}
    score_of = dict(zip(ids, scores)) if scores is not None else {}
    out = {}
    for chunk, marks in in_chunks(ids):
        for rid, fid, source, text, ms, end in conn.execute(
                f"SELECT id, file_id, source, text, frame_ms, end_ms FROM text_vectors "
                f"WHERE id IN ({marks})", chunk):
            out[rid] = Passage(rid, fid, source, text, ms / 1000 if ms >= 0 else None,
                               end / 1000 if end is not None else None,
                               round(float(score_of.get(rid, 0.0)), 4))
    return out


def best_passages(db_path, conn: Connection, qvec: np.ndarray, model_id: str, file_id: int,
                  k: int = 3, floor: float = MEANING_FLOOR) -> list[Passage]:
    """The k passages of one file closest to the query, best first (Ask quotes them)."""
    index = text_index(db_path, conn, model_id)
    rows = index.rows_of_file(file_id)
    if not len(rows):
        return []
    scores = index.vectors_of(rows) @ np.asarray(qvec, np.float32)
    order = np.argsort(-scores, kind="stable")[:k]
    keep = [(int(index.emb_ids[rows[i]]), float(scores[i])) for i in order if scores[i] >= floor]
    found = passages(conn, [i for i, _ in keep], [s for _, s in keep])
    return [found[i] for i, _ in keep if i in found and not noise(found[i])]
