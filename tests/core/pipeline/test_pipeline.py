"""The whole pipeline with tiny random-weight models on generated media."""

from __future__ import annotations

import dataclasses
import os
import shutil
from collections import Counter

import numpy as np
import pytest
from PIL import Image

from core.media.thumbnails import SIZES, cached_thumbnail_path, thumbnail_path
from core.pipeline import prioritize
from core.pipeline import tags as tagging
from core.pipeline.run import index_library
from core.query import list_problems
from core.scan.scanner import scan
from core.tasks import TaskState
from tests.core.pipeline.conftest import file_id, rows

PHOTOS = {"upright.jpg", "rotated.jpg", "mirrored.jpg", "shot.png"}
VIDEOS = {"tone.mp4", "silent.mp4", "damaged.mp4"}


@pytest.fixture(autouse=True)
def every_clip_tag(monkeypatch):
    # random weights spread zero-shot probability evenly: keep the top labels anyway
    monkeypatch.setattr(tagging, "CLIP_MIN_PROB", 0.0)


def run(catalog, registry, settings, paths, **kw):
    return index_library(catalog, registry, settings, paths, TaskState("index"), **kw)


def table_snapshot(catalog):
    return {t: rows(catalog, f"SELECT * FROM {t} ORDER BY 1, 2") for t in
            ("embeddings", "captions", "tags", "transcripts", "transcript_segments")}


def test_every_stage_lands_in_the_catalog(catalog, registry, settings, paths, media,
                                          monkeypatch):
    import core.media.decode
    from core.media import video

    opened = Counter()  # every decode of a photo or of a video's still frame, by file name

    def counting(fn):
        def wrapper(path, *a, **kw):
            opened[os.path.basename(path)] += 1
            return fn(path, *a, **kw)
        return wrapper

    monkeypatch.setattr(core.media.decode, "open_image", counting(core.media.decode.open_image))
    monkeypatch.setattr(video, "frame_at", counting(video.frame_at))
    report = run(catalog, registry, settings, paths)
    assert not report.cancelled
    assert {k: (v.done, v.errors, v.skipped) for k, v in report.stages.items()} == {
        "thumbnail": (7, 0, None), "places": (7, 0, None), "clip": (4, 0, None),
        "keyframes": (3, 0, None), "faces": (7, 0, None), "text": (7, 0, None), "caption": (7, 0, None),
        "transcript": (3, 0, None), "sentences": (7, 0, None)}
    clip_id = registry.identity("clip")
    emb = rows(catalog, "SELECT f.name, e.frame_ms, e.model_id, e.dim, length(e.vector) "
                        "FROM embeddings e JOIN files f ON f.id = e.file_id")
    assert {e[0] for e in emb if e[1] == -1} == PHOTOS
    assert sum(1 for e in emb if e[1] == -1) == 4  # one vector per photo
    assert {e[0] for e in emb if e[1] >= 0} == VIDEOS  # keyframes for videos only
    assert sorted(e[1] for e in emb if e[0] == "tone.mp4") == [0, 2000]
    assert {e[2] for e in emb} == {clip_id}
    assert all(e[4] == 4 * e[3] for e in emb)
    vec = rows(catalog, "SELECT vector FROM embeddings WHERE file_id = ?",
               file_id(catalog, "upright.jpg"))[0][0]
    assert np.linalg.norm(np.frombuffer(vec, "<f4")) == pytest.approx(1.0, abs=1e-3)
    caps = dict(rows(catalog, "SELECT f.name, c.model_id FROM captions c "
                              "JOIN files f ON f.id = c.file_id"))
    assert set(caps) == PHOTOS | VIDEOS
    assert set(caps.values()) == {registry.identity("caption")}
    clip_tagged = {r[0] for r in rows(catalog, "SELECT DISTINCT f.name FROM tags t JOIN files f "
                                               "ON f.id = t.file_id WHERE t.source = 'clip'")}
    assert clip_tagged == PHOTOS | VIDEOS
    trans = dict(rows(catalog, "SELECT f.name, t.model_id FROM transcripts t "
                               "JOIN files f ON f.id = t.file_id"))
    assert set(trans) == VIDEOS and set(trans.values()) == {registry.identity("whisper")}
    assert report.damaged_audio_packets == 1
    # one decode of each file served thumbnails, CLIP and captions (keyframes are their own)
    assert opened == Counter({name: 1 for name in PHOTOS | VIDEOS})
    # thumbnails: the grid's, upright (EXIF orientation applied); the viewer's on demand
    for name in PHOTOS | VIDEOS:
        h = rows(catalog, "SELECT content_hash FROM files WHERE name = ?", name)[0][0]
        assert thumbnail_path(paths, h, SIZES[0]).exists()
        assert not thumbnail_path(paths, h, SIZES[-1]).exists()
        assert cached_thumbnail_path(h, 256) == thumbnail_path(paths, h, 256)
    h = rows(catalog, "SELECT content_hash FROM files WHERE name = 'rotated.jpg'")[0][0]
    with Image.open(thumbnail_path(paths, h, 256)) as im:
        assert im.size == (64, 96)
    # bad files are recorded (by the scan) and get no results; nothing else failed
    problems = {(os.path.basename(p.path), p.stage) for p in list_problems(catalog)}
    assert problems == {("broken.jpg", "scan"), ("empty.jpg", "scan")}
    assert rows(catalog, "SELECT DISTINCT state FROM jobs") == [("done",)]
    # a second run has nothing to do; nor has one after the user moved files around
    before = table_snapshot(catalog)
    assert run(catalog, registry, settings, paths).nothing_to_do
    assert table_snapshot(catalog) == before
    (media / "moved").mkdir()
    shutil.move(media / "upright.jpg", media / "moved" / "renamed.jpg")
    shutil.move(media / "clips" / "tone.mp4", media / "moved" / "tone.mp4")
    assert scan(catalog).moved == 2
    assert run(catalog, registry, settings, paths).nothing_to_do
    assert table_snapshot(catalog) == before


def test_changed_model_reruns_only_its_stage(catalog, registry, settings, paths, media,
                                             tmp_path, tiny_models):
    from models import Registry

    run(catalog, registry, settings, paths)
    before = table_snapshot(catalog)
    # another captioner (a copy with different weights): a different identity
    other = tmp_path / "other-captioner"
    shutil.copytree(tiny_models["caption"], other)
    _perturb_weights(other)
    settings2 = dataclasses.replace(settings, models={**settings.models, "caption": str(other)})
    reg2 = Registry(settings2, paths)
    try:
        assert reg2.identity("caption") != registry.identity("caption")
        report = run(catalog, reg2, settings2, paths)
    finally:
        reg2.close()
    assert {k: v.done for k, v in report.stages.items()} == {
        "thumbnail": 0, "places": 0, "clip": 0, "keyframes": 0, "faces": 0, "text": 0, "caption": 7,
        "transcript": 0, "sentences": 7}   # new captions: their text is embedded again
    after = table_snapshot(catalog)
    for t in ("embeddings", "transcripts", "transcript_segments"):
        assert after[t] == before[t]
    assert {r[1] for r in after["captions"]} == {reg2.identity("caption")}


def _perturb_weights(folder):
    import torch
    from safetensors.torch import load_file, save_file

    for f in folder.glob("*.safetensors"):
        state = load_file(str(f))
        key = next(k for k, v in state.items() if v.is_floating_point())
        state[key] = state[key] + 0.5
        save_file({k: v.contiguous() for k, v in state.items()}, str(f),
                  metadata={"format": "pt"})
    assert torch  # torch is what safetensors.torch needs


def test_failing_file_is_recorded_pipeline_goes_on_and_retry_fixes(catalog, registry, settings,
                                                                   paths, photos, tmp_path):
    gone = photos / "mirrored.jpg"
    kept = tmp_path / "kept.jpg"
    shutil.move(gone, kept)  # vanishes after the scan: every stage of it fails
    report = run(catalog, registry, settings, paths)
    assert report.stages["clip"].errors == 1 and report.stages["clip"].done == 3
    problems = [p for p in list_problems(catalog) if p.path == str(gone)]
    assert {p.stage for p in problems} == {"thumbnail", "clip", "faces", "text", "caption"}
    assert all("gone" in p.reason for p in problems)
    assert run(catalog, registry, settings, paths).nothing_to_do  # errors wait for a retry
    shutil.move(kept, gone)
    retried = run(catalog, registry, settings, paths, retry_errors=True)
    assert (retried.done, retried.errors) == (6, 0)   # + its caption embedded by meaning
    assert not [p for p in list_problems(catalog) if p.path == str(gone)]


@pytest.mark.slow  # every stage over photos and videos
def test_a_file_that_fails_any_stage_gets_an_error_of_that_stage(catalog, registry, settings,
                                                                 paths, media, tmp_path):
    gone = {media / "upright.jpg": {"thumbnail", "clip", "faces", "caption", "text"},
            media / "clips" / "tone.mp4": {"thumbnail", "keyframes", "faces", "caption",
                                           "transcript", "text"}}
    for path in gone:  # vanish after the scan: every stage that reads them fails
        shutil.move(path, tmp_path / path.name)
    report = run(catalog, registry, settings, paths)
    assert {n: s.errors for n, s in report.stages.items()} == {
        "thumbnail": 2, "clip": 1, "keyframes": 1, "caption": 2, "transcript": 1,
        "text": 2, "faces": 2, "places": 0, "sentences": 0}  # places and sentences read the
    # catalog (GPS; captions and text), not the file: nothing to fail
    problems = list_problems(catalog)
    for path, stages in gone.items():
        assert {p.stage for p in problems if p.path == str(path)} == stages
    # the rest of the library went on: the other video has its transcript
    assert report.stages["transcript"].done == 2


def test_unavailable_model_skips_its_stage_then_runs_when_it_arrives(catalog, paths, settings,
                                                                     media, tmp_path):
    from models import Registry

    no_whisper = dataclasses.replace(
        settings, models={**settings.models, "whisper": str(tmp_path / "no-such-model")})
    reg = Registry(no_whisper, paths)
    try:
        report = run(catalog, reg, no_whisper, paths)
    finally:
        reg.close()
    assert report.stages["transcript"].skipped
    assert report.stages["caption"].done == 7 and report.stages["keyframes"].done == 3
    assert set(rows(catalog, "SELECT state FROM jobs WHERE stage = 'transcript'")) == {
        ("skipped",)}
    assert all(r[0] for r in rows(catalog, "SELECT error FROM jobs WHERE state = 'skipped'"))
    reg = Registry(settings, paths)
    try:
        report = run(catalog, reg, settings, paths)
    finally:
        reg.close()
    assert {k: v.done for k, v in report.stages.items()} == {
        "thumbnail": 0, "places": 0, "clip": 0, "keyframes": 0, "faces": 0, "text": 0, "caption": 0,
        "transcript": 3, "sentences": 3}   # the new transcripts, embedded by meaning


def test_stage_limit_priority_and_cancel(catalog, registry, settings, paths, photos):
    target = file_id(catalog, "shot.png")  # last in file-id order among photos
    run(catalog, registry, settings, paths, stages=["thumbnail"], limit=0)  # creates the jobs
    prioritize(catalog, [target])
    report = run(catalog, registry, settings, paths, stages=["clip"], limit=1)
    assert report.stages["clip"].done == 1 and report.stages["clip"].pending == 3
    assert rows(catalog, "SELECT file_id FROM embeddings") == [(target,)]
    task = TaskState("index")
    task.on_progress = lambda p: task.cancel() if p.done >= 1 else None
    task.min_interval_s = 0
    cancelled = index_library(catalog, registry, settings, paths, task, stages=["caption"])
    assert cancelled.cancelled
    finished = run(catalog, registry, settings, paths)
    assert not finished.cancelled
    assert rows(catalog, "SELECT count(*), count(DISTINCT file_id) FROM captions") == [(4, 4)]
    assert rows(catalog, "SELECT count(*) FROM embeddings WHERE frame_ms = -1") == [(4,)]


def test_scaled_decode_gives_the_same_vector_as_full_decode(registry, tmp_path):
    from core.media.images import open_image
    from tests.media_factory import write_jpeg

    clip = registry.clip()
    path = write_jpeg(tmp_path / "big.jpg", (2400, 1800), seed=7, quality=92)
    fast = open_image(str(path), target=clip.image_size)  # what the pixel pass decodes
    full = open_image(str(path))
    assert clip.image_size <= min(fast.size) < 2 * clip.image_size  # decoded at a small scale
    a, b = clip.embed_images([fast, full])
    assert float(np.dot(a, b)) > 0.99


def test_newly_indexed_files_join_the_collection_they_clearly_belong_to(catalog, registry,
                                                                        settings, paths, photos):
    run(catalog, registry, settings, paths, stages=["clip"])
    upright = file_id(catalog, "upright.jpg")
    (model_id, blob), = rows(catalog, "SELECT model_id, vector FROM embeddings WHERE file_id = ?",
                             upright)

    def plant(conn):  # a collection centred on upright.jpg, as a recluster would leave it
        cid = conn.execute("INSERT INTO clusters(name, model_id, centroid, radius, member_count, "
                           "created_at, updated_at) VALUES ('Gradients', ?, ?, 0.05, 1, 0, 0)",
                           (model_id, blob)).lastrowid
        conn.execute("INSERT INTO cluster_members(cluster_id, file_id, probability, source) "
                     "VALUES (?, ?, 1.0, 'cluster')", (cid, upright))
        return cid

    cid = catalog.write(plant)
    # the user copies upright.jpg (same look) and adds an unrelated picture
    shutil.copy(photos / "upright.jpg", photos / "upright copy.jpg")
    Image.fromarray(np.full((64, 96, 3), (250, 10, 200), np.uint8)).save(photos / "pink.png")
    scan(catalog)
    report = run(catalog, registry, settings, paths, stages=["clip"])
    assert report.stages["clip"].done == 2 and report.joined_collections == 1
    members = rows(catalog, "SELECT f.name FROM cluster_members m JOIN files f ON f.id = m.file_id "
                            "WHERE m.cluster_id = ? ORDER BY 1", cid)
    assert members == [("upright copy.jpg",), ("upright.jpg",)]


def test_changed_content_leaves_no_stale_thumbnails_but_missing_files_keep_theirs(
        catalog, registry, settings, paths, photos):
    run(catalog, registry, settings, paths, stages=["thumbnail"])
    hashes = dict(rows(catalog, "SELECT name, content_hash FROM files"))
    old = thumbnail_path(paths, hashes["upright.jpg"], SIZES[0])
    gone = thumbnail_path(paths, hashes["shot.png"], SIZES[0])
    assert old.exists() and gone.exists()
    Image.fromarray(np.full((40, 60, 3), 90, np.uint8)).save(photos / "upright.jpg")  # edited
    (photos / "screens" / "shot.png").unlink()  # on a drive that is not plugged in, say
    scan(catalog)
    run(catalog, registry, settings, paths, stages=["thumbnail"])
    new = dict(rows(catalog, "SELECT name, content_hash FROM files"))["upright.jpg"]
    assert thumbnail_path(paths, new, SIZES[0]).exists()
    assert not old.exists() and gone.exists()
