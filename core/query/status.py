"""What the library looks like right now: counts for `shoebox status` and the GUI's status area,
and every recorded problem for `shoebox problems`. Read-only, so it never waits on the indexer."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from core.catalog import Catalog


def library_status(catalog: Catalog) -> dict:
    with catalog.read() as conn:
        conn.execute("BEGIN")  # one snapshot for all counts
        try:
            files = {r["kind"]: r["n"] for r in conn.execute(
                "SELECT kind, count(*) AS n FROM files WHERE status = 'present' GROUP BY kind")}
            missing = conn.execute(
                "SELECT count(*) FROM files WHERE status = 'missing'").fetchone()[0]
            jobs: dict[str, dict[str, int]] = {}
            for r in conn.execute("SELECT stage, state, count(*) AS n FROM jobs GROUP BY 1, 2"):
                jobs.setdefault(r["stage"], {})[r["state"]] = r["n"]
            roots = [dict(r) for r in conn.execute(
                "SELECT r.path, r.last_scan_at, r.error, "
                "(SELECT count(*) FROM files f WHERE f.root_id = r.id AND f.status = 'present')"
                " AS files FROM roots r ORDER BY r.path")]
            file_errors = conn.execute(
                "SELECT count(*) FROM files WHERE error IS NOT NULL AND status = 'present'"
            ).fetchone()[0]
            problems = conn.execute("SELECT count(*) FROM problems").fetchone()[0]
            # files, not jobs: one new photo waits for several stages
            files_pending = conn.execute(
                "SELECT count(DISTINCT file_id) FROM jobs WHERE state IN ('pending', 'running')"
            ).fetchone()[0]
            job_errors = conn.execute(
                "SELECT count(*) FROM jobs WHERE state = 'error'").fetchone()[0]
            dated = conn.execute(
                "SELECT min(taken_at), max(taken_at), "
                "sum(taken_at_source = 'exif'), sum(gps_lat IS NOT NULL) "
                "FROM files WHERE status = 'present'").fetchone()
        finally:
            conn.execute("COMMIT")
    return {
        "files": {"photo": files.get("photo", 0), "video": files.get("video", 0),
                  "other": files.get("other", 0), "total": sum(files.values()),
                  "missing": missing},
        "with_exif_date": dated[2] or 0,
        "with_gps": dated[3] or 0,
        "taken_between": [dated[0], dated[1]],
        "files_pending": files_pending,
        "pending_jobs": {stage: states.get("pending", 0) + states.get("running", 0)
                         for stage, states in sorted(jobs.items())},
        "jobs": jobs,
        "errors": {"files": file_errors, "folders_and_links": problems, "pipeline": job_errors,
                   "total": file_errors + problems + job_errors},
        "roots": roots,
    }


@dataclass(frozen=True)
class ProblemEntry:
    path: str
    stage: str  # 'scan' or a pipeline stage
    reason: str
    file_id: int | None


def list_problems(catalog: Catalog, limit: int | None = None) -> list[ProblemEntry]:
    sql = """
        SELECT path, 'scan' AS stage, reason, NULL AS file_id FROM problems
        UNION ALL
        SELECT path, 'scan', error, id FROM files WHERE error IS NOT NULL AND status = 'present'
        UNION ALL
        SELECT f.path, j.stage, coalesce(j.error, 'failed'), f.id
          FROM jobs j JOIN files f ON f.id = j.file_id WHERE j.state = 'error'
        ORDER BY 1, 2
    """
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    with catalog.read() as conn:
        return [ProblemEntry(r[0], r[1], r[2], r[3]) for r in conn.execute(sql)]


def problem_dicts(entries: list[ProblemEntry]) -> list[dict]:
    return [asdict(e) for e in entries]
