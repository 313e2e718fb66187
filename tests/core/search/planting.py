"""Plant rows straight into a catalog (what the pipeline would write), for search tests."""

from __future__ import annotations

import time

import numpy as np

MODEL = "test/clip@0000:fp32"


def unit(v) -> np.ndarray:
    v = np.asarray(v, np.float32)
    return v / np.linalg.norm(v)


def near(q: np.ndarray, cos: float, rng: np.random.Generator) -> np.ndarray:
    """A unit vector whose cosine with the unit vector q is exactly `cos`."""
    r = rng.normal(size=q.shape).astype(np.float32)
    r -= (r @ q) * q
    r /= np.linalg.norm(r)
    return unit(cos * q + np.sqrt(max(0.0, 1 - cos * cos)) * r)


def root(catalog, path="/lib") -> int:
    def fn(c):
        return c.execute("INSERT INTO roots(path, added_at) VALUES (?, ?)",
                         (path, time.time())).lastrowid
    return catalog.write(fn)


def file(catalog, root_id: int, path: str, *, kind="photo", taken=None, source="exif",
         gps=None, camera=None, content_hash=None, width=640, height=480, status="present",
         mtime=1.6e9) -> int:
    folder, name = path.rsplit("/", 1)

    def fn(c):
        return c.execute(
            "INSERT INTO files(root_id, path, folder, name, kind, format, size, mtime_ns, "
            "content_hash, width, height, taken_at, taken_at_source, gps_lat, gps_lon, "
            "camera_make, camera_model, status, first_seen_at) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (root_id, path, folder, name, kind, "jpeg" if kind == "photo" else "mp4", 1000,
             int(mtime * 1e9), content_hash or f"h-{path}", width, height, taken,
             source if taken is not None else None, gps[0] if gps else None,
             gps[1] if gps else None, camera[0] if camera else None,
             camera[1] if camera else None, status, time.time()),
        ).lastrowid
    return catalog.write(fn)


def vector(catalog, file_id: int, vec, frame_ms: int = -1, model_id: str = MODEL) -> None:
    v = np.asarray(vec, "<f4")
    catalog.write(lambda c: c.execute(
        "INSERT INTO embeddings(file_id, frame_ms, model_id, dim, vector) VALUES (?,?,?,?,?)",
        (file_id, frame_ms, model_id, len(v), v.tobytes())))


def caption(catalog, file_id: int, text: str) -> None:
    catalog.write(lambda c: c.execute(
        "INSERT INTO captions(file_id, model_id, text, created_at) VALUES (?,?,?,?)",
        (file_id, "test/captioner", text, time.time())))


def tags(catalog, file_id: int, *names: str) -> None:
    def fn(c):
        for t in names:
            c.execute("INSERT INTO tags(file_id, tag, source, score) VALUES (?,?,?,?)",
                      (file_id, t, "clip", 0.9))
    catalog.write(fn)


def transcript(catalog, file_id: int, segments: list[tuple[float, float, str]]) -> None:
    def fn(c):
        c.execute("INSERT INTO transcripts(file_id, model_id, language, created_at) "
                  "VALUES (?,?,?,?)", (file_id, "test/whisper", "en", time.time()))
        for s, e, text in segments:
            c.execute("INSERT INTO transcript_segments(file_id, start_s, end_s, text) "
                      "VALUES (?,?,?,?)", (file_id, s, e, text))
    catalog.write(fn)
