"""The data folder is the user's alone: on POSIX every folder Shoebox makes there is 0700 and
every file 0600 (the catalog and its -wal/-shm, thumbnails, caches, logs, locks, backups,
settings), fresh or upgraded from a Shoebox that made them world-readable. Files written into
the user's own library keep the modes a user expects there."""

from __future__ import annotations

import json
import logging
import os
import stat
from pathlib import Path

import pytest

from core.config import Paths, make_private
from models.datafiles import atomic_path, atomic_write, make_dir, open_private, tighten_tree
from tests.cli_runner import run_ok
from tests.media_factory import write_jpeg

pytestmark = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


def loose_paths(home: Path) -> list[str]:
    """home and everything under it that is more open than 0700 (folders) or 0600 (files)."""
    out = []
    for p in [home, *home.rglob("*")]:
        st = p.lstat()
        if stat.S_ISLNK(st.st_mode):
            continue  # a link has no mode of its own
        mode = stat.S_IMODE(st.st_mode)
        want = 0o700 if stat.S_ISDIR(st.st_mode) else 0o600
        if mode & ~want:
            out.append(f"{oct(mode)} {p.relative_to(home)}")
    return out


@pytest.fixture
def usual_umask():
    """The umask most users have (the files a library makes follow it)."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def index_plan_apply_undo(capsys, lib: Path) -> None:
    run_ok(capsys, "add", str(lib))
    run_ok(capsys, "scan")
    report = json.loads(run_ok(capsys, "index", "--json"))
    assert report["stages"]["thumbnail"]["done"] >= 1 or report["stages"]["clip"]["done"] >= 1
    run_ok(capsys, "collections", "--no-llm", "--min-size", "2")
    plan = json.loads(run_ok(capsys, "plan", "--layout", "date", "--json"))
    assert plan["moves"], plan
    assert json.loads(run_ok(capsys, "apply", str(plan["plan_id"]), "--json"))["done"] >= 1
    run_ok(capsys, "undo", str(plan["plan_id"]))


def small_library(root: Path) -> Path:
    for i in range(6):
        write_jpeg(root / "DCIM" / f"p{i}.jpg", (64, 48), seed=i,
                   taken=f"2021:0{1 + i % 2}:1{i} 10:00:00",
                   gps=(48.8566, 2.3522) if i % 2 else (35.6762, 139.6503))
    return root


@pytest.mark.slow  # the whole pipeline with the tiny models, twice
def test_fresh_and_upgraded_data_folder_are_private_after_index_plan_apply_undo(
        tmp_path, capsys, monkeypatch, usual_umask, tiny_settings, caplog):
    home = tmp_path / "data" / "Shoebox"  # made by Shoebox itself, as on a first run
    monkeypatch.setenv("SHOEBOX_HOME", str(home))
    paths = Paths(home)
    lib = small_library(tmp_path / "lib")
    lib_modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in lib.rglob("*.jpg")}
    tiny_settings.save(paths)

    index_plan_apply_undo(capsys, lib)
    names = {p.name for p in home.rglob("*")}
    assert {"catalog.sqlite", "settings.json", "thumbnails",
            "index.lock"} <= names, names
    assert any(p.suffix == ".jpg" for p in (home / "thumbnails").rglob("*"))
    assert loose_paths(home) == []
    # the user's own files keep their modes (the umask was not changed under them)
    assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in lib.rglob("*.jpg")} == lib_modes
    assert os.umask(0o022) == 0o022

    # an upgrade: the same folder as an older Shoebox left it, world-readable throughout
    for p in [home, *home.rglob("*")]:
        if not p.is_symlink():
            p.chmod(0o755 if p.is_dir() else 0o644)
    assert loose_paths(home)
    with caplog.at_level(logging.INFO, logger="core.config"):
        run_ok(capsys, "status")  # any start tightens it, once
    assert loose_paths(home) == []
    assert [r for r in caplog.records if "readable by this user only" in r.getMessage()]
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="core.config"):
        run_ok(capsys, "status")
    assert not [r for r in caplog.records if "readable by this user only" in r.getMessage()]
    index_plan_apply_undo(capsys, small_library(tmp_path / "lib2"))
    assert loose_paths(home) == []


def test_catalog_wal_and_shm_are_private_even_in_an_old_catalog(tmp_path, usual_umask):
    from core.catalog import Catalog

    paths = Paths(tmp_path / "home")
    Catalog.open(paths).close()
    for p in paths.home.iterdir():
        p.chmod(0o644)  # as SQLite made them under umask 022 before
    cat = Catalog.open(paths)
    try:
        with cat.read() as conn:
            conn.execute("SELECT count(*) FROM files").fetchone()
        cat.write(lambda c: c.execute("INSERT INTO roots(path, added_at) VALUES ('/x', 0)"))
        for name in ("catalog.sqlite", "catalog.sqlite-wal", "catalog.sqlite-shm"):
            assert stat.S_IMODE((paths.home / name).stat().st_mode) == 0o600, name
    finally:
        cat.close()


def test_a_backup_before_a_migration_is_private(tmp_path, usual_umask):
    from core.catalog.connection import connect
    from core.catalog.migrate import backup

    src = connect(tmp_path / "c.sqlite")
    try:
        out = backup(src, tmp_path / "home" / "backups", "test")
    finally:
        src.close()
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert stat.S_IMODE(out.parent.stat().st_mode) == 0o700


def test_log_files_are_private_after_a_rollover(tmp_path, usual_umask):
    from core.logs import _PrivateRotatingFile

    log_file = make_dir(tmp_path / "logs") / "shoebox.log"
    handler = _PrivateRotatingFile(log_file, maxBytes=200, backupCount=2, encoding="utf-8")
    try:
        for i in range(20):
            handler.emit(logging.makeLogRecord({"msg": f"line {i} " + "x" * 40}))
    finally:
        handler.close()
    files = sorted(log_file.parent.iterdir())
    assert len(files) == 3
    assert {stat.S_IMODE(f.stat().st_mode) for f in files} == {0o600}


def test_make_private_tightens_an_old_folder_once_and_leaves_links_alone(tmp_path, usual_umask):
    home = tmp_path / "home"
    (home / "thumbnails" / "ab").mkdir(parents=True)
    (home / "thumbnails" / "ab" / "x.jpg").write_bytes(b"x")
    outside = tmp_path / "outside.txt"
    outside.write_text("not ours")
    outside.chmod(0o644)
    (home / "link").symlink_to(outside)
    home.chmod(0o755)
    assert make_private(Paths(home)) == 4  # home, thumbnails, ab, x.jpg
    assert loose_paths(home) == []
    assert stat.S_IMODE(outside.stat().st_mode) == 0o644
    assert make_private(Paths(home)) == 0  # done: the folder's own mode says so


def test_atomic_write_is_private_whole_or_nothing(tmp_path, usual_umask):
    target = tmp_path / "a" / "b" / "f.json"
    atomic_write(target, "one")
    assert target.read_text() == "one"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert stat.S_IMODE(target.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "a").stat().st_mode) == 0o700
    target.chmod(0o644)
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("crash while writing")
    assert target.read_text() == "one" and sorted(target.parent.iterdir()) == [target]
    with atomic_path(target) as tmp:  # a writer that replaces the file by name (torch, PIL)
        tmp.unlink()
        tmp.write_text("two")
    assert target.read_text() == "two" and stat.S_IMODE(target.stat().st_mode) == 0o600
    with atomic_path(target) as tmp:  # deleting the temporary file cancels
        tmp.unlink()
    assert target.read_text() == "two"


def test_lock_files_are_private(tmp_path, usual_umask):
    p = tmp_path / "index.lock"
    p.write_text("")
    p.chmod(0o644)  # made by an older Shoebox
    os.close(open_private(p))
    assert stat.S_IMODE(p.stat().st_mode) == 0o600
    os.close(open_private(tmp_path / "new.lock"))
    assert stat.S_IMODE((tmp_path / "new.lock").stat().st_mode) == 0o600


def test_tighten_tree_counts_what_it_changed(tmp_path, usual_umask):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "f").write_text("x")
    assert tighten_tree(tmp_path / "d") == 2
    assert tighten_tree(tmp_path / "d") == 0


def test_making_the_catalog_private_keeps_this_process_s_locks_on_it(tmp_path):
    """Closing any descriptor of a file drops every POSIX lock the process holds on it, and
    SQLite's locks are POSIX locks: opening a connection must never open and close the
    database file beside SQLite (that corrupted the catalog in the crash tests)."""
    import fcntl
    import subprocess
    import sys

    from core.catalog.connection import connect

    db = tmp_path / "c.sqlite"
    connect(db).close()
    fd = os.open(db, os.O_RDWR)
    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, 0)  # a byte-range lock, as SQLite's
    conn = None
    try:
        conn = connect(db)
        probe = ("import fcntl, os, sys\nfd = os.open(sys.argv[1], os.O_RDWR)\ntry:\n"
                 "    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, 0)\n"
                 "except OSError:\n    sys.exit(3)\n")
        got = subprocess.run([sys.executable, "-c", probe, str(db)], check=False, timeout=60)
        assert got.returncode == 3, "another process could take the lock this one holds"
    finally:
        if conn is not None:
            conn.close()
        os.close(fd)
