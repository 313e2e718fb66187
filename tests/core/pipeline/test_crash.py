"""kill -9 at random moments: every restart resumes, and the end state is exact."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.catalog.connection import connect
from core.media.thumbnails import SIZES, thumbnail_path
from core.pipeline.jobs import STAGES
from core.scan.roots import add_root
from core.scan.scanner import scan
from tests.media_factory import write_jpeg, write_video

pytestmark = pytest.mark.slow  # kill -9 fault injection

REPO = Path(__file__).resolve().parents[3]
N_PHOTOS = 200
KILLS = 3


def _done_count(db: Path) -> int:
    conn = connect(db, readonly=True)
    try:
        return conn.execute("SELECT count(*) FROM jobs WHERE state = 'done'").fetchone()[0]
    finally:
        conn.close()


def _stages_for(kind: str) -> int:
    from core.pipeline.jobs import STAGES

    return sum(kind in s.kinds for s in STAGES)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_sigkill_at_random_points_then_resume(tmp_path, catalog, paths, tiny_settings):
    lib = tmp_path / "lib"
    for i in range(N_PHOTOS):
        write_jpeg(lib / f"d{i % 7}" / f"p{i:04d}.jpg", (48, 32), seed=i)
    write_video(lib / "v1.mp4", seconds=2.0)
    write_video(lib / "v2.mp4", seconds=2.0, audio=None)
    add_root(catalog, lib)
    scan(catalog)
    dataclasses.replace(tiny_settings, workers=2,
                        extra={"caption_max_new_tokens": 4}).save(paths)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    # each round is a fresh process (forked from one that has the imports done: see _zygote)
    zygote = subprocess.Popen([sys.executable, "-m", "tests.core.pipeline._zygote"], cwd=REPO,
                              env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert zygote.stdout.readline().strip() == "ready"

        def start(out: Path) -> int:
            zygote.stdin.write(f"run {out}\n")
            zygote.stdin.flush()
            return int(zygote.stdout.readline())

        rng = random.Random(4)
        total_jobs = sum(N_PHOTOS * ("photo" in s.kinds) + 2 * ("video" in s.kinds)
                         for s in STAGES)
        last = 0
        for round_ in range(KILLS):
            # kill somewhere in the next stretch of work: mid-batch, mid-commit, anywhere
            target = last + rng.randint(20, total_jobs // (KILLS + 1))
            pid = start(tmp_path / f"run{round_}.out")
            deadline = time.monotonic() + 60
            while _alive(pid) and time.monotonic() < deadline:
                if _done_count(paths.catalog) >= target:
                    time.sleep(rng.random() * 0.05)
                    break
                time.sleep(0.01)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            while _alive(pid):
                time.sleep(0.01)
            now = _done_count(paths.catalog)
            assert now >= last  # nothing committed was lost
            assert now < total_jobs, "the run finished before it could be killed"
            last = now
        out_file = tmp_path / "final.out"
        pid = start(out_file)
        deadline = time.monotonic() + 120
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        out = out_file.read_text()
        assert out.rstrip().endswith("rc=0"), out
        assert '"cancelled": false' in out
    finally:
        zygote.stdin.close()
        zygote.wait(timeout=10)
    conn = connect(paths.catalog)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        states = dict(conn.execute("SELECT state, count(*) FROM jobs GROUP BY state"))
        assert states == {"done": total_jobs}
        one = lambda sql: tuple(conn.execute(sql).fetchone())
        assert one("SELECT count(*), count(DISTINCT file_id) FROM embeddings "
                   "WHERE frame_ms = -1") == (N_PHOTOS, N_PHOTOS)
        assert one("SELECT count(DISTINCT file_id) FROM embeddings WHERE frame_ms >= 0") == (2,)
        assert one("SELECT count(*), count(DISTINCT file_id) FROM captions") == (
            N_PHOTOS + 2, N_PHOTOS + 2)
        assert one("SELECT count(*) FROM transcripts") == (2,)
        # the search text follows its sources exactly: one caption document per caption
        assert one("SELECT count(*) FROM fts_docs WHERE field = 'caption'") == (N_PHOTOS + 2,)
        assert one("SELECT count(*) FROM fts_docs WHERE field = 'transcript'") == one(
            "SELECT count(*) FROM transcript_segments")
        conn.execute("INSERT INTO fts(fts) VALUES ('integrity-check')")
        hashes = [r[0] for r in conn.execute("SELECT content_hash FROM files")]
    finally:
        conn.close()
    for h in hashes:  # the grid's thumbnails (the viewer's are made when it asks)
        assert thumbnail_path(paths, h, SIZES[0]).exists()
