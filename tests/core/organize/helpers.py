"""A small real library on disk, scanned into the catalog, with planted collections."""

from __future__ import annotations

import os
import time
from pathlib import Path

from core.scan.hashing import hash_file
from core.scan.roots import add_root
from core.scan.scanner import scan
from tests.media_factory import write_jpeg


def make_files(root: Path, layout: dict[str, object]) -> None:
    """layout: relative path -> int seed (a JPEG) or bytes (written as is)."""
    for rel, content in layout.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, int):
            write_jpeg(p, (16, 12), seed=content)
        else:
            p.write_bytes(content)


def scan_library(catalog, root: Path) -> None:
    add_root(catalog, root)
    scan(catalog)


def file_ids(catalog) -> dict[str, int]:
    with catalog.read() as conn:
        return {r[0]: r[1] for r in conn.execute("SELECT path, id FROM files")}


def plant_collections(catalog, root: Path, spec: dict[str, tuple[str, dict[str, float]]]) -> dict:
    """spec: collection name -> (folder path, {relative file path: membership probability}).
    The folders are the user's (named_by 'user'): the structure rules keep them as given."""
    ids = file_ids(catalog)
    now = time.time()

    def write(conn):
        out = {}
        for name, (folder, members) in spec.items():
            cid = conn.execute("INSERT INTO clusters(name, folder_path, named_by, member_count, "
                               "created_at, updated_at) VALUES (?, ?, 'user', ?, ?, ?)",
                               (name, folder, len(members), now, now)).lastrowid
            for rel, prob in members.items():
                conn.execute("INSERT INTO cluster_members(cluster_id, file_id, probability) "
                             "VALUES (?, ?, ?)", (cid, ids[str(root / rel)], prob))
            out[name] = cid
        return out

    return catalog.write(write)


def tree(root: Path) -> tuple[dict[str, str], set[str]]:
    """Every file's content hash by relative path, and every folder."""
    files, dirs = {}, set()
    for dirpath, dirnames, filenames in os.walk(root):
        for d in dirnames:
            dirs.add(os.path.relpath(os.path.join(dirpath, d), root))
        for f in filenames:
            p = os.path.join(dirpath, f)
            files[os.path.relpath(p, root)] = "link->" + os.readlink(p) if os.path.islink(p) \
                else hash_file(p)[0]
    return files, dirs


def snapshot(root: Path) -> dict[str, tuple]:
    """Relative path -> (mtime_ns, size, hash) for files, (mtime_ns,) for folders."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for d in dirnames:
            p = os.path.join(dirpath, d)
            out[os.path.relpath(p, root)] = (os.stat(p).st_mtime_ns,)
        for f in filenames:
            p = os.path.join(dirpath, f)
            st = os.stat(p)
            out[os.path.relpath(p, root)] = (st.st_mtime_ns, st.st_size, hash_file(p)[0])
    return out


def catalog_agrees_with_disk(catalog) -> None:
    with catalog.read() as conn:
        rows = conn.execute("SELECT path, content_hash FROM files WHERE status = 'present'").fetchall()
    for path, h in rows:
        assert os.path.isfile(path), f"catalog says {path} but it is not there"
        assert hash_file(path)[0] == h, path
