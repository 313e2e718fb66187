"""A small demo library, ready to look at: for the README's screenshots and for trying the app
without model weights.

    build_demo_library(catalog, registry, settings, paths, folder)

adds `folder` as a library root, scans it, makes thumbnails, stores a colour histogram of each
photo as its image vector (model id HIST_MODEL: no CLIP weights ship offline, and colours are
enough to group a handful of photos), finds and names collections (no LLM) and drafts a
reorganization plan. With a real CLIP model the pipeline makes the vectors from what the
photos show instead.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from core.catalog import Catalog
from core.collections import recluster
from core.config import Paths, Settings
from core.organize import make_plan, name_collections
from core.pipeline import index_library
from core.query import has_collections
from core.scan.roots import add_root
from core.scan.scanner import scan

HIST_MODEL = "demo/colour-histogram"


def histogram_vector(path: str) -> np.ndarray | None:
    """An L2-normalised 8x3x3 HSV histogram (square-rooted), or None if the file won't open."""
    from PIL import Image

    try:
        with Image.open(path) as im:
            hsv = im.convert("HSV").resize((64, 64))
    except OSError:
        return None
    h = np.asarray(hsv, dtype=np.float32)
    hist = np.histogramdd(h.reshape(-1, 3), bins=(8, 3, 3), range=((0, 256),) * 3)[0]
    v = np.sqrt(hist.ravel()).astype(np.float32)
    return v / (np.linalg.norm(v) or 1.0)


def store_histogram_vectors(catalog: Catalog, model_id: str = HIST_MODEL) -> int:
    """Store a histogram vector for every readable present photo; returns how many."""
    with catalog.read() as conn:
        rows = conn.execute("SELECT id, path FROM files WHERE kind = 'photo' AND error IS NULL "
                            "AND status = 'present'").fetchall()
    vecs = [(fid, v) for fid, path in rows if (v := histogram_vector(path)) is not None]

    def write(conn):
        conn.executemany(
            "INSERT OR REPLACE INTO embeddings(file_id, frame_ms, model_id, dim, vector) "
            "VALUES (?, -1, ?, ?, ?)",
            [(fid, model_id, len(v), v.astype("<f4").tobytes()) for fid, v in vecs])

    catalog.write(write)
    return len(vecs)


def build_demo_library(catalog: Catalog, registry, settings: Settings, paths: Paths,
                       folder: str | Path, min_collection_size: int = 3) -> None:
    add_root(catalog, folder)
    scan(catalog)
    # place names come from the GeoNames tables of the default install: no model needed
    index_library(catalog, registry, settings, paths, stages=["thumbnail", "places"])
    store_histogram_vectors(catalog)
    recluster(catalog, None, settings, model_id=HIST_MODEL, min_cluster_size=min_collection_size)
    name_collections(catalog, None, settings, use_llm=False)
    if has_collections(catalog):
        make_plan(catalog, settings, layout="topic")   # the demo shows its collections' folders
    else:  # colours alone found no group this time: the plan sorts by date instead
        make_plan(catalog, settings, layout="date")
