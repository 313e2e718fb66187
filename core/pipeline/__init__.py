"""The indexing pipeline: thumbnails, CLIP vectors, captions and tags, video keyframes and
transcripts, computed in the background, resumably and incrementally.

    from core.pipeline import index_library, prioritize
    report = index_library(catalog, registry, settings, paths, task)
    prioritize(catalog, file_ids)        # files on screen first

Thumbnails: core.media.thumbnails (thumbnail_path, ensure_thumbnail, cached_thumbnail_path).
"""

from __future__ import annotations

from core.pipeline.jobs import STAGE_NAMES, prioritize

__all__ = ["STAGE_NAMES", "IndexReport", "index_library", "prioritize"]


def __getattr__(name: str):
    # run.py pulls in the stage runners (numpy, PyAV, the model wrappers): +0.56-1.06 s
    # (-X importtime, 2 loaded cores). Lazy so that importing a light submodule (jobs,
    # picture_kinds: organize and the desktop read them) does not pay for it; no cycle needs it.
    if name in ("index_library", "IndexReport", "PipelineBusy"):
        from core.pipeline import run

        return getattr(run, name)
    raise AttributeError(name)
