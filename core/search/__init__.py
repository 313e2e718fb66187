"""Search: find anything by describing it.

Public API (what the CLI and the desktop call; every function is safe on any user input —
bad input gives an empty result with a notice, or a SearchError with a clear message; a file
the library does not hold, a QueryError from core.query.files.resolve_file):

    from core.search import Filters, search, similar, duplicates, ask

    results = search(catalog, registry, settings, "dog on a beach", Filters(kind="photo"),
                     limit=50, rerank=False)
        # -> Results: a list of Hit, best first, plus .notices (e.g. "text search only: the
        #    CLIP model is not available"), .vector_used, .text_used.
        # An empty query browses: files passing the filters, newest first.
    Hit: file_id, path, kind, score (0..1; 1.0 = first in every list used), matched
         ('vector' | 'text' | 'both' | 'browse' | 'similar'), frame_ms (video: best moment),
         snippet / field / time_s (text match; transcript: where to jump), similarity (CLIP
         cosine), taken_at.

    similar(catalog, registry, file_id_or_path, frame_ms=None, limit=20) -> Results
        # nearest neighbours of a photo, a video frame, or a whole video (mean of its frames)
    duplicates(catalog, registry=None, near=True, task=None, dismissed=False)
        -> list[DuplicateGroup]
        # exact groups (same content hash; no model needed) then near groups (CLIP cosine
        # >= 0.92 from cells of the vector space, confirmed by pHash and pixels), then
        # near-duplicate videos (length and frames through the clip: video_dupes.py);
        # group.files[0] is the suggested keeper (not a backup, kept or organized folder,
        # richer metadata, shorter path: core/search/keeper.py), group.reason says why.
        # What the user kept or called no duplicate is left out (dupe_decisions.remember /
        # forget); dismissed=True appends those groups with .decision and .batch.
    ask(catalog, registry, file_id_or_path, "where was this taken?") -> Answer
        # answer, based_on (fact names), confident, source ('llm'|'vqa'|'facts'|'none'),
        # notices; "I don't know" when the facts do not hold the answer.
    rerank(catalog, registry, query, results, top_k=10) -> Results   # optional LLM reorder
    warm(catalog, registry) -> int      # load the vector index ahead of the first query
                                        # (call it from a worker at app start)

How a query runs (core/search/engine.py): three ranked lists, made at the same time on two
threads - CLIP (the query's CLIP text vector against photo and keyframe vectors) on one;
meaning (its sentence vector against embedded speech, captions and text in photos), then
FTS5 over captions, tags, transcripts, path words and text in photos (user text is quoted,
never FTS syntax) on the other; the vectors are held in in-process indexes
(core/search/vectors.py) -> filters (core.query.filters, the same SQL browse uses) ->
relevance floors (settings.relevance_floor; 0 = calibrated defaults, a negative value keeps
everything) -> reciprocal rank fusion, files holding all the words first.
"""

from core.query.filters import Filters
from core.search.types import (
    Answer,
    DuplicateFile,
    DuplicateGroup,
    Hit,
    Results,
    SearchError,
)

# The functions are imported on first use: importing core.search stays cheap (the CLI
# imports it for every command); the engine would add +0.73-0.84 s to each (-X importtime,
# 2 loaded cores). No cycle needs it.
_LAZY = {
    "ask": "core.search.answers", "rerank": "core.search.answers",
    "duplicates": "core.search.dupes", "phash_image": "core.media.phash",
    "search": "core.search.engine", "similar": "core.search.engine",
    "warm": "core.search.engine",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'core.search' has no attribute {name!r}")


__all__ = [
    "Answer", "DuplicateFile", "DuplicateGroup", "Filters", "Hit", "Results", "SearchError",
    "ask", "duplicates", "phash_image", "rerank", "search", "similar", "warm",
]
