"""Every migration is upgraded with data in it: a catalog made at each earlier schema version,
holding rows of every kind that version knows (files, captions, tags, transcripts, vectors,
collections, faces and people, places and events, text, plans with their journal), is opened
by this Shoebox. Nothing is lost, and a search, a new plan and the undo of a plan applied
under the old schema all work on it."""

from __future__ import annotations

import time

import numpy as np
import pytest

from core.catalog import Catalog
from core.catalog.connection import connect
from core.catalog.migrate import applied_versions, available_migrations, split_statements
from core.config import Settings
from core.scan.hashing import hash_file
from tests.media_factory import write_jpeg, write_video

EARLIER = [v for v, _, _ in available_migrations()][:-1]
DERIVED = {"fts_docs", "search_state", "vector_changes"}   # rebuilt or filled by triggers
T2023 = time.mktime((2023, 4, 2, 9, 12, 0, 0, 0, -1))


def _columns(conn, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]


def _put(conn, planted: dict, table: str, **values) -> int | None:
    """Insert the values whose columns this schema version has; None when it has no table."""
    cols = [c for c in values if c in _columns(conn, table)]
    if not cols:
        return None
    planted.setdefault(table, cols)
    cur = conn.execute(f"INSERT INTO {table}({', '.join(cols)}) VALUES "
                       f"({', '.join('?' * len(cols))})", [values[c] for c in cols])
    return cur.lastrowid


def _catalog_at(version: int, db, lib) -> dict[str, list[str]]:
    """A catalog at schema `version` with rows of every kind it knows, and the files on disk.
    Returns table -> the columns written (what must survive)."""
    db.parent.mkdir(parents=True, exist_ok=True)
    conn = connect(db)
    applied_versions(conn)
    for v, name, sql in available_migrations():
        if v > version:
            break
        for statement in split_statements(sql):
            conn.execute(statement)
        conn.execute("INSERT INTO schema_migrations VALUES (?, ?, 0)", (v, name))
    p: dict[str, list[str]] = {}
    now = time.time()
    _put(conn, p, "roots", id=1, path=str(lib), added_at=now)
    tram = write_jpeg(lib / "Lisbon" / "tram.jpg", (64, 48), seed=1)
    speech = write_video(lib / "Videos" / "grandpa.mp4", seconds=1)
    moved = write_jpeg(lib / "New" / "cup.jpg", (64, 48), seed=2)   # applied: Old/ -> New/
    files = {}
    for path, kind, fmt, taken, gps in ((tram, "photo", "jpeg", T2023, (38.7139, -9.1394)),
                                        (speech, "video", "mp4", T2023 + 60, (None, None)),
                                        (moved, "photo", "jpeg", T2023 - 86400 * 400,
                                         (None, None))):
        st = path.stat()
        files[path.name] = _put(
            conn, p, "files", root_id=1, path=str(path), folder=str(path.parent), name=path.name,
            kind=kind, format=fmt, size=st.st_size, mtime_ns=st.st_mtime_ns,
            content_hash=hash_file(str(path))[0], width=64, height=48, taken_at=taken,
            taken_at_source="exif", gps_lat=gps[0], gps_lon=gps[1], first_seen_at=now)
    a, v, c = files["tram.jpg"], files["grandpa.mp4"], files["cup.jpg"]
    vec = np.ones(4, np.float32) / 2
    _put(conn, p, "problems", root_id=1, path=str(lib / "unreadable"),
         reason="permission denied", seen_at=now)
    _put(conn, p, "embeddings", file_id=a, model_id="clip-m", dim=4, vector=vec.tobytes())
    _put(conn, p, "captions", file_id=a, model_id="blip-m", text="a yellow tram on a hill",
         created_at=now)
    _put(conn, p, "tags", file_id=a, tag="tram", source="clip", score=0.9, model_id="clip-m")
    _put(conn, p, "transcripts", file_id=v, model_id="whisper-m", language="en", created_at=now)
    _put(conn, p, "transcript_segments", file_id=v, start_s=0.0, end_s=1.0,
         text="grandpa tells of the winter")
    _put(conn, p, "jobs", file_id=a, stage="thumbnail", state="done", updated_at=now)
    cl = _put(conn, p, "clusters", name="Lisbon trams", named_by="user", created_at=now,
              updated_at=now, member_count=1, model_id="clip-m", notes="renamed by hand")
    _put(conn, p, "cluster_members", cluster_id=cl, file_id=a, probability=0.9,
         representative=1)
    plan = _put(conn, p, "plans", root_id=1, mode="move", state="applied", summary="by hand",
                created_at=now, applied_at=now, target=str(lib))
    item = _put(conn, p, "plan_items", plan_id=plan, file_id=c, src=str(lib / "Old" / "cup.jpg"),
                dst=str(moved), reason="by date", decision="accept", role="file")
    _put(conn, p, "journal", plan_id=plan, item_id=item, op="move",
         src=str(lib / "Old" / "cup.jpg"), dst=str(moved), content_hash=hash_file(str(moved))[0],
         state="done", created_at=now, done_at=now, file_id=c, method="rename")
    _put(conn, p, "phashes", file_id=a, content_hash="h", phash=12345, computed_at=now)
    _put(conn, p, "keep_folders", path=str(lib / "Keep"), added_at=now)
    _put(conn, p, "duplicate_decisions", hash_a="h-a", hash_b="h-b", decision="keep_both",
         batch=1, copies=None, decided_at=now)
    _put(conn, p, "video_signatures", file_id=v, content_hash="h", duration_s=1.0,
         frames=bytes(1325), computed_at=now)
    anna = _put(conn, p, "people", name="Anna", created_at=now, updated_at=now)
    other = _put(conn, p, "people", created_at=now, updated_at=now)
    face = _put(conn, p, "faces", file_id=a, idx=0, x=0.1, y=0.1, w=0.2, h=0.2, size_px=80,
                score=1.0, sharpness=90.0, groupable=1, model_id="dlib-m",
                descriptor=np.zeros(128, np.float32).tobytes(), person_id=anna,
                assigned_by="user")
    if face is not None:
        _put(conn, p, "face_rejections", face_id=face, person_id=other)
    ev = _put(conn, p, "events", start_at=T2023, end_at=T2023 + 60, file_count=2, located=1,
              place="Lisbon", country="Portugal", country_code="PT")
    _put(conn, p, "event_members", file_id=a, event_id=ev)
    _put(conn, p, "file_places", file_id=a, source="gps", place="Lisbon", region="Lisbon",
         country="Portugal", country_code="PT", distance_km=0.4, place_key="lisbon",
         region_key="lisbon", country_key="portugal")
    _put(conn, p, "memory_dismissals", day="04-02", year=2023, dismissed_at=now)
    _put(conn, p, "text_lines", file_id=a, line_no=0, text="CARRIS 28", confidence=0.9,
         box="[[0,0],[1,0],[1,1],[0,1]]", model_id="ocr-m")
    _put(conn, p, "picture_kinds", file_id=v, kind="document", reason="text", model_id="ocr-m")
    _put(conn, p, "text_vectors", file_id=v, source="transcript", frame_ms=0, end_ms=1000,
         text="grandpa tells of the winter", model_id="minilm-m", vector=vec.tobytes())
    if cl is not None:
        _put(conn, p, "collection_vectors", cluster_id=cl, model_id="minilm-m",
             text="Lisbon trams", vector=vec.tobytes())
    _put(conn, p, "event_names", key="ev-lisbon", title="Lisbon", named_by="user",
         members=f"[{a}, {v}]", created_at=now)
    _put(conn, p, "ratings", file_id=a, rating=4, favorite=0, source="xmp")
    _put(conn, p, "xmp_reads", file_id=a, stamp="h|sidecar", keywords="tram\nLisbon",
         description="the 28 up the hill", taken_at=None)
    _put(conn, p, "xmp_regions", file_id=a, name="Anna", x=0.1, y=0.1, w=0.2, h=0.2, mine=0)
    chash = hash_file(str(tram))[0]
    _put(conn, p, "takeout_items", content_hash=chash, json_path="t.zip::tram.jpg.json",
         taken_at=T2023, taken_utc=T2023, tz="Europe/Lisbon", tz_source="position",
         description="tram 28", favorite=1, imported_at=now)
    _put(conn, p, "takeout_albums", content_hash=chash, album="Lisbon 2023")
    _put(conn, p, "takeout_people", content_hash=chash, name="Anna")
    _put(conn, p, "takeout_journal", source="t.zip::tram.jpg", size=1, content_hash=chash,
         dest=str(tram), outcome="copied", done_at=now)
    album = _put(conn, p, "albums", name="Lisbon 2023", source="takeout")
    if album is not None:
        _put(conn, p, "album_files", album_id=album, file_id=a)
    _put(conn, p, "descriptions", file_id=a, text="tram 28", source="takeout")
    stack = _put(conn, p, "stacks", cover_id=a, best_id=a, size=2, reason="sharpest",
                 started_at=T2023, ended_at=T2023 + 1, created_at=now)
    if stack is not None:
        _put(conn, p, "stack_members", file_id=a, stack_id=stack, hidden=0, rank=0)
        _put(conn, p, "stack_members", file_id=c, stack_id=stack, hidden=1, rank=1)
    _put(conn, p, "stack_picks", file_id=a, picked_at=now)
    _put(conn, p, "shot_quality", file_id=a, content_hash="h", sharpness=120.0, focus="centre",
         faces=0, clipped_high=0.0, clipped_low=0.01, brightness=0.5, eyes_closed=None,
         phash=12345, computed_at=now)
    _put(conn, p, "timeline_changes", file_id=a, old_at=T2023 - 60, new_at=T2023)
    conn.close()
    return p


def _rows(conn, table: str, cols: list[str]) -> set[tuple]:
    return {tuple(r) for r in conn.execute(f"SELECT {', '.join(cols)} FROM {table}")}


@pytest.mark.parametrize("version", EARLIER)
def test_a_catalog_of_each_earlier_version_upgrades_with_nothing_lost(version, paths, tmp_path):
    lib = tmp_path / "Pictures"
    planted = _catalog_at(version, paths.catalog, lib)
    assert {"files", "plans", "journal"} <= set(planted)
    if version >= 6:
        assert {"faces", "people"} <= set(planted)
    if version >= 7:
        assert "file_places" in planted
    conn = connect(paths.catalog)
    tables = {r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%' "
        "AND name NOT LIKE 'sqlite_%' AND name != 'schema_migrations'")}
    shadow = {t for t in tables for v in ("fts", "text_words", "text_grams", "text_terms")
              if t.startswith(v + "_") and t != "fts_docs"}
    assert tables - shadow - DERIVED <= set(planted), "a table without rows here: plant some"
    before = {t: _rows(conn, t, cols) for t, cols in planted.items()}
    conn.close()

    cat = Catalog.open(paths)
    try:
        with cat.read() as conn:
            assert applied_versions(conn) == {v for v, _, _ in available_migrations()}
            for table, cols in planted.items():
                if table in DERIVED:
                    continue
                lost = before[table] - _rows(conn, table, cols)
                assert not lost, f"{table} lost rows upgrading from version {version}: {lost}"
            conn.execute("INSERT INTO fts(fts) VALUES ('integrity-check')")
        _search_plan_and_undo(cat, lib, version)
    finally:
        cat.close()
    assert list(paths.backups.glob("catalog-*.sqlite"))  # the old catalog was kept first


def _search_plan_and_undo(cat, lib, version: int) -> None:
    from core.organize import make_plan, undo_plan
    from core.query.people import list_people
    from core.search import search

    def names(query: str) -> list[str]:
        return [h.path.rsplit("/", 1)[-1] for h in search(cat, None, Settings(), query)]

    assert names("tram")[0] == "tram.jpg"            # caption, tag and path words survive
    assert names("winter")[0] == "grandpa.mp4"       # the transcript too
    if version >= 7:
        assert names("Portugal")[0] == "tram.jpg"    # and the place
    if version >= 6:
        assert [p.name for p in list_people(cat)] == ["Anna"]

    pid = make_plan(cat, Settings(), layout="date")  # a new plan on the old rows
    with cat.read() as conn:
        dsts = {r[0] for r in conn.execute("SELECT dst FROM plan_items WHERE plan_id = ?",
                                           (pid,))}
    assert str(lib / "2023" / "04" / "tram.jpg") in dsts

    report = undo_plan(cat, 1)                       # the plan applied under the old schema
    assert report.done == 1 and not report.left_alone, report
    assert (lib / "Old" / "cup.jpg").exists() and not (lib / "New" / "cup.jpg").exists()
    with cat.read() as conn:
        assert conn.execute("SELECT state FROM plans WHERE id = 1").fetchone()[0] == "undone"
