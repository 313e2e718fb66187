import threading

import pytest

from core.catalog import Catalog
from core.catalog.connection import connect
from core.catalog.migrate import latest_version, migrate
from core.errors import CatalogTooNewError


def test_fresh_catalog_is_migrated_with_wal_and_fts(catalog):
    with catalog.read() as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        versions = [r[0] for r in conn.execute("SELECT version FROM schema_migrations")]
        assert versions[-1] == latest_version()
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    for t in ("roots", "files", "embeddings", "captions", "tags", "transcript_segments",
              "fts", "jobs", "clusters", "plans", "plan_items", "journal", "problems"):
        assert t in tables


def test_newer_catalog_is_refused_untouched(paths):
    Catalog.open(paths).close()
    conn = connect(paths.catalog)
    conn.execute("INSERT INTO schema_migrations VALUES (9999, '9999_future.sql', 0)")
    conn.close()
    before = paths.catalog.read_bytes()
    with pytest.raises(CatalogTooNewError, match="newer Shoebox"):
        Catalog.open(paths)
    assert paths.catalog.read_bytes() == before


def test_migrating_a_catalog_with_data_takes_a_backup_first(paths, monkeypatch):
    from core.catalog import migrate as m

    Catalog.open(paths).close()
    conn = connect(paths.catalog)
    conn.execute("INSERT INTO roots(path, added_at) VALUES ('/x', 0)")
    conn.close()
    extra = (9000, "9000_test.sql", "CREATE TABLE extra_test (x INTEGER);")
    shipped = m.available_migrations()
    monkeypatch.setattr(m, "available_migrations", lambda: shipped + [extra])
    assert migrate(paths.catalog, paths.backups) == [9000]
    backups = list(paths.backups.glob("*.sqlite"))
    assert len(backups) == 1
    old = connect(backups[0])
    assert old.execute("SELECT path FROM roots").fetchone()[0] == "/x"
    assert old.execute("SELECT count(*) FROM sqlite_master WHERE name='extra_test'").fetchone()[0] == 0


def test_failed_write_rolls_back_and_writer_keeps_working(catalog):
    def bad(conn):
        conn.execute("INSERT INTO roots(path, added_at) VALUES ('/a', 0)")
        raise ValueError("boom")

    with pytest.raises(ValueError):
        catalog.write(bad)
    catalog.write(lambda c: c.execute("INSERT INTO roots(path, added_at) VALUES ('/b', 0)"))
    with catalog.read() as conn:
        assert [r[0] for r in conn.execute("SELECT path FROM roots")] == ["/b"]


def test_writes_from_many_threads_are_serialised(catalog):
    def add(conn, i):
        conn.execute("INSERT INTO roots(path, added_at) VALUES (?, 0)", (f"/r{i}",))

    threads = [threading.Thread(target=lambda i=i: catalog.write(add, i)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with catalog.read() as conn:
        assert conn.execute("SELECT count(*) FROM roots").fetchone()[0] == 20


def _add_file(conn, path="/lib/Beach Trip/kids_sunset.jpg"):
    conn.execute("INSERT INTO roots(id, path, added_at) VALUES (1, '/lib', 0) ON CONFLICT DO NOTHING")
    folder, name = path.rsplit("/", 1)
    cur = conn.execute(
        "INSERT INTO files(root_id, path, folder, name, kind, format, size, mtime_ns, "
        "first_seen_at) VALUES (1, ?, ?, ?, 'photo', 'jpeg', 1, 1, 0)", (path, folder, name))
    return cur.lastrowid


def _fts(catalog, query):
    with catalog.read() as conn:
        return [(r["file_id"], r["field"]) for r in conn.execute(
            "SELECT d.file_id, d.field FROM fts JOIN fts_docs d ON d.id = fts.rowid "
            "WHERE fts MATCH ? ORDER BY d.id", (query,))]


def test_fts_follows_paths_captions_tags_and_transcripts(catalog):
    fid = catalog.write(_add_file)
    assert _fts(catalog, "beach") == [(fid, "path")]
    catalog.write(lambda c: c.execute(
        "INSERT INTO captions VALUES (?, 'm', 'children playing on the sand', 0)", (fid,)))
    catalog.write(lambda c: c.executemany(
        "INSERT INTO tags(file_id, tag, source) VALUES (?, ?, 'clip')", [(fid, "sunset"), (fid, "ocean")]))
    catalog.write(lambda c: (
        c.execute("INSERT INTO transcripts VALUES (?, 'w', 'en', 0)", (fid,)),
        c.execute("INSERT INTO transcript_segments(file_id, start_s, end_s, text) "
                  "VALUES (?, 12.5, 15.0, 'grandma talks about the war')", (fid,))))
    assert _fts(catalog, "play") == [(fid, "caption")]  # porter stemming: playing
    assert _fts(catalog, "ocean") == [(fid, "tags")]
    assert _fts(catalog, "war") == [(fid, "transcript")]
    # Renames follow; deleting a tag rebuilds the tag document; deleting the file clears all.
    catalog.write(lambda c: c.execute(
        "UPDATE files SET path='/lib/x/renamed.jpg', folder='/lib/x', name='renamed.jpg' WHERE id=?", (fid,)))
    assert _fts(catalog, "beach") == []
    assert _fts(catalog, "renamed") == [(fid, "path")]
    catalog.write(lambda c: c.execute("DELETE FROM tags WHERE tag='ocean'"))
    assert _fts(catalog, "ocean") == [] and _fts(catalog, "sunset") == [(fid, "tags")]
    catalog.write(lambda c: c.execute("DELETE FROM files WHERE id=?", (fid,)))
    assert _fts(catalog, "war OR sunset OR play OR renamed") == []
    with catalog.read() as conn:
        assert conn.execute("SELECT count(*) FROM fts_docs").fetchone()[0] == 0
        conn.execute("INSERT INTO fts(fts) VALUES ('integrity-check')")
