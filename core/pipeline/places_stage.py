"""The places stage: each photo's and video's GPS position (read by the scanner) turned into
a town, region and country, offline.

A stage and not part of the scan: the scan stays a pass over the disk that needs no table
in memory (the watcher rescans a folder at a time), the stage's job rows make the work
incremental and move-proof like every other derived result, and the version of the GeoNames
table is the stage's model id, so a new table redoes exactly this stage. It needs no model
and always runs; a file without a position is done with nothing stored.
"""

from __future__ import annotations

from collections.abc import Iterator

from core.catalog.connection import connect
from core.files.positions import valid_position
from core.pipeline.base import Outcome, StageRunner
from core.pipeline.jobs import Job
from core.places.geocoder import shared_geocoder
from core.places.store import set_gps_place

BATCH = 512


class PlacesRunner(StageRunner):
    def prepare(self) -> None:
        self.geocoder = shared_geocoder(self.env.paths.cache)   # GeocoderError: stage skipped

    def process(self, jobs: Iterator[Job]) -> Iterator[list[Outcome]]:
        batch: list[Job] = []
        for job in jobs:
            batch.append(job)
            if len(batch) >= BATCH:
                yield self._batch(batch)
                batch = []
        if batch:
            yield self._batch(batch)

    def _batch(self, jobs: list[Job]) -> list[Outcome]:
        positions = _positions(self.env.paths.catalog, [j.file_id for j in jobs])
        located = [j for j in jobs if j.file_id in positions]
        places = self.geocoder.lookup_many(
            [positions[j.file_id][0] for j in located], [positions[j.file_id][1] for j in located])
        found = {j.file_id: p for j, p in zip(located, places)}
        return [Outcome(j, _writer(j.file_id, found.get(j.file_id))) for j in jobs]


def _writer(file_id: int, place):
    def write(conn) -> None:
        set_gps_place(conn, file_id, place)
    return write


def _positions(db_path, ids: list[int]) -> dict[int, tuple[float, float]]:
    """file id -> valid (lat, lon), for the files of a batch that have one."""
    conn = connect(db_path, readonly=True)
    try:
        marks = ",".join("?" * len(ids))
        rows = conn.execute(f"SELECT id, gps_lat, gps_lon FROM files WHERE id IN ({marks}) "
                            "AND gps_lat IS NOT NULL AND gps_lon IS NOT NULL", ids).fetchall()
    finally:
        conn.close()
    out = {}
    for fid, lat, lon in rows:
        pos = valid_position(lat, lon)
        if pos is not None:
            out[fid] = pos
    return out
