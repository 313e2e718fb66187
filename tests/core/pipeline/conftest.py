"""A small library with every kind of file the pipeline meets, scanned and ready to index."""

from __future__ import annotations

import dataclasses

import pytest

from core.scan.roots import add_root
from core.scan.scanner import scan
from tests.media_factory import (
    corrupt_audio_packet,
    write_jpeg,
    write_png,
    write_truncated_jpeg,
    write_video,
)


@pytest.fixture
def media(tmp_path, catalog):
    lib = tmp_path / "Pictures"
    write_jpeg(lib / "upright.jpg", (96, 64), seed=1)
    write_jpeg(lib / "rotated.jpg", (96, 64), seed=2, orientation=6)  # shows 64 wide, 96 tall
    write_jpeg(lib / "mirrored.jpg", (80, 60), seed=3, orientation=2)
    write_png(lib / "screens" / "shot.png")
    write_truncated_jpeg(lib / "broken.jpg")
    (lib / "empty.jpg").write_bytes(b"")
    write_video(lib / "clips" / "tone.mp4", seconds=3.0, audio="tone")
    write_video(lib / "clips" / "silent.mp4", seconds=2.0, audio=None)
    corrupt_audio_packet(write_video(lib / "clips" / "damaged.mp4", seconds=3.0, audio="tone"))
    add_root(catalog, lib)
    scan(catalog)
    return lib


@pytest.fixture
def photos(tmp_path, catalog):
    """Photos only: for tests about scheduling and errors, where videos only cost time."""
    lib = tmp_path / "Photos"
    write_jpeg(lib / "upright.jpg", (96, 64), seed=1)
    write_jpeg(lib / "rotated.jpg", (96, 64), seed=2, orientation=6)
    write_jpeg(lib / "mirrored.jpg", (80, 60), seed=3, orientation=2)
    write_png(lib / "screens" / "shot.png")
    add_root(catalog, lib)
    scan(catalog)
    return lib


@pytest.fixture
def settings(tiny_settings):
    # random weights never stop early: a few tokens keep the tests quick
    return dataclasses.replace(tiny_settings, workers=2, low_priority=False,
                               extra={"caption_max_new_tokens": 4})


def rows(catalog, sql, *args):
    with catalog.read() as conn:
        return [tuple(r) for r in conn.execute(sql, args)]


def file_id(catalog, name):
    return rows(catalog, "SELECT id FROM files WHERE name = ?", name)[0][0]
