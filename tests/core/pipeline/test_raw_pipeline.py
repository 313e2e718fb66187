"""A lone camera RAW is indexed like any photo (from its embedded preview); a RAW beside its
JPEG twin is not indexed, and the pair is never offered as duplicates of each other."""

from __future__ import annotations

from core.media.thumbnails import thumbnail_path
from core.pipeline.run import index_library
from core.scan.roots import add_root
from core.scan.scanner import scan
from core.search import duplicates
from core.tasks import TaskState
from tests.core.pipeline.conftest import file_id, rows
from tests.media_factory import gradient, write_dng


def test_lone_raws_are_indexed_and_twins_are_not(catalog, registry, settings, paths, tmp_path):
    lib = tmp_path / "Pictures"
    shot = gradient((160, 120), seed=5)
    write_dng(lib / "IMG_1.CR2", picture=shot)  # a DNG inside: LibRaw reads it by content
    shot.save(lib / "IMG_1.JPG", quality=95)    # the camera's JPEG of the same shot
    write_dng(lib / "IMG_2.NEF", picture=gradient((160, 120), seed=6), preview=None)
    add_root(catalog, lib)
    scan(catalog)
    report = index_library(catalog, registry, settings, paths, TaskState("index"))
    assert report.stages["clip"].errors == 0 and report.stages["thumbnail"].errors == 0

    embedded = {r[0] for r in rows(catalog, "SELECT f.name FROM embeddings e "
                                            "JOIN files f ON f.id = e.file_id")}
    assert embedded == {"IMG_1.JPG", "IMG_2.NEF"}  # the demosaicked one too
    assert not rows(catalog, "SELECT * FROM jobs WHERE file_id = ?", file_id(catalog, "IMG_1.CR2"))
    nef_hash = rows(catalog, "SELECT content_hash FROM files WHERE name = 'IMG_2.NEF'")[0][0]
    assert thumbnail_path(paths, nef_hash).exists()

    # the same picture twice, yet one shot: no duplicate group holds the RAW twin
    raw_twin = file_id(catalog, "IMG_1.CR2")
    assert all(raw_twin not in {f.file_id for f in g.files} for g in duplicates(catalog, registry))

