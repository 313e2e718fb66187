"""Numbered schema migrations, recorded in the database.

Migrations are the files `migrations/NNNN_name.sql`, applied in numeric order (gaps allowed),
each in its own transaction. A catalog that records a version this code does not have is
refused untouched. Before migrating a catalog that already holds data, a backup is taken
with SQLite's online backup API.
"""

from __future__ import annotations

import logging
import re
import time
from importlib import resources
from pathlib import Path

from core.catalog.connection import Connection, connect
from core.errors import CatalogError, CatalogTooNewError
from models.datafiles import make_dir

log = logging.getLogger(__name__)

_NAME = re.compile(r"^(\d{4})_[\w-]+\.sql$")


def available_migrations() -> list[tuple[int, str, str]]:
    """(version, file name, sql) for every migration shipped with this code, in order."""
    found = []
    for entry in resources.files("core.catalog.migrations").iterdir():
        m = _NAME.match(entry.name)
        if m:
            found.append((int(m.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    return found


def latest_version() -> int:
    return available_migrations()[-1][0]


def applied_versions(conn: Connection) -> set[int]:
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations "
        "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at REAL NOT NULL)"
    )
    return {r[0] for r in conn.execute("SELECT version FROM schema_migrations")}


def migrate(db_path: Path, backups_dir: Path) -> list[int]:
    """Bring the catalog at db_path up to date; returns the versions applied."""
    conn = connect(db_path)
    try:
        done = applied_versions(conn)
        shipped = available_migrations()
        known = {v for v, _, _ in shipped}
        unknown = sorted(done - known)
        if unknown:
            raise CatalogTooNewError(max(unknown), max(known), str(db_path))
        pending = [m for m in shipped if m[0] not in done]
        if not pending:
            return []
        if done:
            backup(conn, backups_dir, f"before-v{pending[0][0]:04d}")
        for version, name, sql in pending:
            log.info("catalog: applying migration %s", name)
            try:
                conn.execute("BEGIN IMMEDIATE")
                for statement in split_statements(sql):
                    conn.execute(statement)
                conn.execute(
                    "INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, ?)",
                    (version, name, time.time()),
                )
                conn.execute("COMMIT")
            except Exception as e:
                conn.execute("ROLLBACK")
                raise CatalogError(f"catalog migration {name} failed: {e}") from e
        return [v for v, _, _ in pending]
    finally:
        conn.close()


def split_statements(sql: str) -> list[str]:
    """Split a script into complete statements (triggers contain semicolons)."""
    import sqlean

    out, buf = [], ""
    for line in sql.splitlines(keepends=True):
        if not buf and line.strip().startswith("--"):
            continue
        buf += line
        if sqlean.complete_statement(buf):
            if buf.strip():
                out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out


def backup(conn: Connection, backups_dir: Path, label: str) -> Path:
    make_dir(backups_dir)  # the copy itself is made 0600 by connect()
    target = backups_dir / f"catalog-{time.strftime('%Y%m%d-%H%M%S')}-{label}.sqlite"
    dest = connect(target)
    try:
        conn.backup(dest)
    finally:
        dest.close()
    log.info("catalog: backup written to %s", target)
    return target
