"""Fault injection: apply (and undo) a plan of a few hundred files in a subprocess, SIGKILL it at
random moments, recover, and check that no file was lost or duplicated and that the catalog
matches the disk; finally undo must give back the original tree exactly."""

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from core.organize import make_plan, recover
from core.scan.hashing import hash_file
from tests.core.organize.helpers import (
    catalog_agrees_with_disk,
    make_files,
    plant_collections,
    scan_library,
    tree,
)

pytestmark = [pytest.mark.skipif(os.name == "nt", reason="SIGKILL is POSIX"),
              pytest.mark.slow]  # kill -9 fault injection

N_PHOTOS = 240           # plus 60 sidecars: 300 files
REPO = Path(__file__).resolve().parents[3]

WORKER = """
import sys
from pathlib import Path
from core.catalog import Catalog
from core.config import Paths
from core.organize import apply_plan, undo_plan
action, pid, force = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
cat = Catalog.open(Paths(Path(sys.argv[4])))
print("started", flush=True)
if action == "apply":
    apply_plan(cat, pid, force_copy=force)
else:
    undo_plan(cat, pid)
cat.close()
print("finished", flush=True)
"""


def _hashes(root: Path) -> Counter:
    return Counter(hash_file(os.path.join(d, f))[0] for d, _, fs in os.walk(root) for f in fs)


def _run_with_kills(action, pid, home, catalog, root, expected, rng, max_rounds=12):
    kills = 0
    for round_no in range(max_rounds):
        force = rng.random() < 0.5
        proc = subprocess.Popen(
            [sys.executable, "-c", WORKER, action, str(pid), "1" if force else "0", str(home)],
            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "started", proc.stderr.read()
        # early kills come quickly, so that several land inside even a fast apply
        time.sleep(rng.uniform(0.0, 0.1 if round_no < 4 else 0.3))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        out, err = proc.communicate()
        if os.environ.get("SHOEBOX_FAULT_VERBOSE"):
            with catalog.read() as conn:
                print(action, "killed" if proc.returncode else "finished", [tuple(r) for r in conn.execute(
                    "SELECT op, state, count(*) FROM journal GROUP BY op, state").fetchall()])
        assert proc.returncode in (0, -signal.SIGKILL), err
        with catalog.read() as conn:
            journal = [tuple(r) for r in conn.execute(
                "SELECT op, state, count(*) FROM journal GROUP BY op, state")]
        recover(catalog)
        # every file exactly once, by content; no temporaries; catalog == disk; no intents left
        assert _hashes(root) == expected, (action, round_no, journal)
        assert not [p for p in root.rglob(".shoebox-*")], (action, round_no, journal)
        catalog_agrees_with_disk(catalog)
        with catalog.read() as conn:
            assert conn.execute("SELECT count(*) FROM journal WHERE state = 'intent'"
                                ).fetchone()[0] == 0
            state = conn.execute("SELECT state FROM plans WHERE id = ?", (pid,)).fetchone()[0]
        if proc.returncode == 0 and "finished" in out:
            return kills, state
    # the last run was allowed to finish: run once more without a kill
    subprocess.run([sys.executable, "-c", WORKER, action, str(pid), "0", str(home)], cwd=REPO,
                   check=True, capture_output=True)
    recover(catalog)
    with catalog.read() as conn:
        state = conn.execute("SELECT state FROM plans WHERE id = ?", (pid,)).fetchone()[0]
    return kills, state


def test_sigkill_during_apply_and_undo_loses_nothing(tmp_path, catalog, shoebox_home):
    rng = random.Random(int(os.environ.get("SHOEBOX_FAULT_SEED", "6")))
    root = tmp_path / "lib"
    layout = {}
    for i in range(N_PHOTOS):
        folder = f"Camera/{i % 7:02d}"
        layout[f"{folder}/P{i:04d}.jpg"] = i
        if i % 4 == 0:
            layout[f"{folder}/P{i:04d}.xmp"] = f"<xmp n='{i}'/>".encode()
    make_files(root, layout)
    scan_library(catalog, root)
    root = root.resolve()
    spec = {}
    for c in range(6):
        members = {f"Camera/{i % 7:02d}/P{i:04d}.jpg": 0.9 for i in range(N_PHOTOS) if i % 6 == c}
        spec[f"C{c}"] = (f"Topic {c % 3}/Event {c}", members)
    plant_collections(catalog, root, spec)
    original = tree(root)
    expected = _hashes(root)
    assert sum(expected.values()) == N_PHOTOS + N_PHOTOS // 4
    pid = make_plan(catalog)

    kills, state = _run_with_kills("apply", pid, shoebox_home, catalog, root, expected, rng)
    assert state == "applied" and kills >= 3, (state, kills)
    assert not (root / "Camera").exists()  # every photo moved, the emptied folders removed

    _, state = _run_with_kills("undo", pid, shoebox_home, catalog, root, expected, rng)
    assert state == "undone"
    assert tree(root) == original
