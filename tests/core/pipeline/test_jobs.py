"""Job derivation by SQL: what is due, what is stale, what jumps the queue (no models needed)."""

import os

import pytest

from core.pipeline import jobs as J
from core.pipeline import prioritize
from core.scan.roots import add_root
from core.scan.scanner import scan
from tests.media_factory import write_jpeg, write_png, write_truncated_jpeg, write_video


@pytest.fixture
def lib(tmp_path, catalog):
    lib = tmp_path / "lib"
    write_jpeg(lib / "a.jpg", seed=1)
    write_jpeg(lib / "b.jpg", seed=2)
    write_png(lib / "c.png")
    write_video(lib / "v.mp4", seconds=1.0)
    write_truncated_jpeg(lib / "broken.jpg")
    (lib / "empty.jpg").write_bytes(b"")
    add_root(catalog, lib)
    scan(catalog)
    return lib


def sync_all(catalog, ids=None, available=True, retry=False):
    ids = ids or {}
    for s in J.STAGES:
        catalog.write(J.sync_jobs, s, ids.get(s.name, s.version or f"{s.role}-1"), available,
                      retry)


def states(catalog, stage=None):
    with catalog.read() as conn:
        rows = conn.execute("SELECT f.name, j.stage, j.state FROM jobs j JOIN files f "
                            "ON f.id = j.file_id" + (" WHERE j.stage = ?" if stage else ""),
                            (stage,) if stage else ()).fetchall()
    return {(r[0], r[1]): r[2] for r in rows}


def finish(catalog, stage, model_id):
    with catalog.read() as conn:
        todo = J.pending_jobs(conn, stage, 1000)

    def done(conn):
        for job in todo:
            J.mark_done(conn, job, model_id, 0.0)
    catalog.write(done)
    return todo


def test_jobs_follow_kinds_and_skip_unreadable_files(catalog, lib):
    sync_all(catalog)
    s = states(catalog)
    assert {k for k, v in s.items() if k[0] == "v.mp4"} == {
        ("v.mp4", n) for n in ("thumbnail", "places", "keyframes", "faces", "text",
                               "caption", "transcript", "sentences")}
    assert {k for k in s if k[0] == "a.jpg"} == {
        ("a.jpg", n) for n in ("thumbnail", "places", "clip", "faces", "text", "caption",
                               "sentences")}
    # the scanner already reported these two; the pipeline leaves them alone
    assert not any(k[0] in ("broken.jpg", "empty.jpg") for k in s)
    assert set(s.values()) == {"pending"}


def test_done_work_stays_done_until_content_or_model_changes(catalog, lib):
    ids = {"clip": "clip-A", "caption": "cap-A"}
    sync_all(catalog, ids)
    for s in J.STAGES:
        finish(catalog, s.name, ids.get(s.name, s.version or f"{s.role}-1"))
    sync_all(catalog, ids)
    assert set(states(catalog).values()) == {"done"}
    # a new caption model: exactly the caption stage is due again, for every file
    ids2 = dict(ids, caption="cap-B")
    sync_all(catalog, ids2)
    s = states(catalog)
    assert {k for k, v in s.items() if v == "pending"} == {
        (n, "caption") for n in ("a.jpg", "b.jpg", "c.png", "v.mp4")}
    finish(catalog, "caption", "cap-B")
    # changed content: every stage of that file only
    write_jpeg(lib / "a.jpg", seed=99)
    os.utime(lib / "a.jpg", (1, 1))
    scan(catalog)
    sync_all(catalog, ids2)
    s = states(catalog)
    assert {k for k, v in s.items() if v == "pending"} == {
        ("a.jpg", n) for n in ("thumbnail", "places", "clip", "faces", "text", "caption",
                               "sentences")}


def test_moved_file_keeps_its_jobs(catalog, lib):
    sync_all(catalog)
    for s in J.STAGES:
        finish(catalog, s.name, s.version or f"{s.role}-1")
    (lib / "sub").mkdir()
    os.rename(lib / "b.jpg", lib / "sub" / "b-moved.jpg")
    assert scan(catalog).moved == 1
    sync_all(catalog)
    s = states(catalog)
    assert set(s.values()) == {"done"}
    assert ("b-moved.jpg", "clip") in s


def test_errors_wait_for_retry_and_skipped_wait_for_the_model(catalog, lib):
    sync_all(catalog)
    with catalog.read() as conn:
        job = J.pending_jobs(conn, "clip", 1)[0]
    catalog.write(J.mark_error, job, "clip-1", "boom", 0.0)
    catalog.write(J.skip_stage, "caption", "no caption model")
    sync_all(catalog, available=False)
    s = states(catalog)
    assert s[(os.path.basename(job.path), "clip")] == "error"
    assert {v for k, v in s.items() if k[1] == "caption"} == {"skipped"}
    sync_all(catalog, available=True)
    s = states(catalog)
    assert s[(os.path.basename(job.path), "clip")] == "error"  # same file, same model: stays
    assert {v for k, v in s.items() if k[1] == "caption"} == {"pending"}
    sync_all(catalog, retry=True)
    assert states(catalog)[(os.path.basename(job.path), "clip")] == "pending"
    with catalog.read() as conn:
        attempts = conn.execute("SELECT attempts FROM jobs WHERE file_id = ? AND stage = 'clip'",
                                (job.file_id,)).fetchone()[0]
    assert attempts == 1


def test_missing_files_lose_their_pending_jobs(catalog, lib):
    sync_all(catalog)
    os.remove(lib / "c.png")
    scan(catalog)
    sync_all(catalog)
    assert not any(k[0] == "c.png" for k in states(catalog))


def test_prioritized_files_come_first_in_every_stage(catalog, lib):
    sync_all(catalog)
    with catalog.read() as conn:
        last = conn.execute("SELECT id FROM files WHERE name = 'c.png'").fetchone()[0]
        video = conn.execute("SELECT id FROM files WHERE name = 'v.mp4'").fetchone()[0]
    assert prioritize(catalog, [last]) == 7  # thumbnail, places, clip, faces, text, caption, sentences
    with catalog.read() as conn:
        assert J.pending_jobs(conn, "clip", 1)[0].file_id == last
        assert J.pending_jobs(conn, "caption", 1)[0].file_id == last
    prioritize(catalog, [video])  # the latest request wins
    with catalog.read() as conn:
        assert J.pending_jobs(conn, "caption", 1)[0].file_id == video
        assert J.pending_jobs(conn, "clip", 1)[0].file_id == last
    finish(catalog, "caption", "x")
    with catalog.read() as conn:
        assert conn.execute("SELECT max(priority) FROM jobs WHERE stage = 'caption'"
                            ).fetchone()[0] == 0
