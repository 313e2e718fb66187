"""Face data stays in the catalog and the thumbnail cache; this removes all of it at once."""

from __future__ import annotations

import shutil

from core.catalog import Catalog, Connection
from core.config import Paths
from core.media.thumbnails import FACES_DIR


def delete_all_face_data(catalog: Catalog, paths: Paths) -> dict:
    """Every face, person, name, "not this person" and face crop, in one step; the faces
    stage's jobs go too, so faces are found again only if the feature is left on and the
    library is indexed again. Returns what was removed."""
    def run(conn: Connection) -> dict:
        faces = conn.execute("SELECT count(*) FROM faces").fetchone()[0]
        people = conn.execute("SELECT count(*) FROM people").fetchone()[0]
        conn.execute("DELETE FROM face_rejections")
        conn.execute("DELETE FROM faces")
        conn.execute("DELETE FROM people")
        conn.execute("DELETE FROM jobs WHERE stage = 'faces'")
        return {"faces": faces, "people": people}
    out = catalog.write(run)
    crops = paths.thumbnails / FACES_DIR
    out["crops"] = sum(1 for p in crops.rglob("*.jpg")) if crops.is_dir() else 0
    shutil.rmtree(crops, ignore_errors=True)
    return out
