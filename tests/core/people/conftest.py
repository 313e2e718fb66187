"""A small library of real labelled face photos (tests/data/faces: public-domain photos,
480 px, sources in SOURCES.md), scanned; indexing is up to each test."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from core.config import Settings
from core.scan.roots import add_root
from core.scan.scanner import scan

FACES = Path(__file__).resolve().parents[2] / "data" / "faces"

# our name -> fixture photo; the people: obama (3 + two_people), biden (2 + two_people); the
# astronaut appears once (too little support for a person). The blue-room photos are crops
# of one picture, as an album holds a cropped copy beside the whole.
PHOTOS = {
    "obama_a.jpg": "obama_2012_portrait.jpg",
    "obama_b.jpg": "obama_2009_congress.jpg",
    "obama_c.jpg": "obama_2010_blue_room.jpg",
    "biden_a.jpg": "biden_2013_portrait.jpg",
    "biden_b.jpg": "biden_2010_blue_room.jpg",
    "two_people.jpg": "obama_biden_2010_blue_room.jpg",  # obama (left) and biden (right)
    "astronaut.jpg": "astronaut_collins.jpg",
}
PEOPLE = {
    "obama": {"obama_a.jpg", "obama_b.jpg", "obama_c.jpg", "two_people.jpg"},
    "biden": {"biden_a.jpg", "biden_b.jpg", "two_people.jpg"},
}
FACE_COUNT = 8  # one a photo, two in two_people.jpg


def copy_photo(src: str, target: Path, side: int = 480) -> Path:
    img = Image.open(FACES / src).convert("RGB")
    img.thumbnail((side, side))
    target.parent.mkdir(parents=True, exist_ok=True)
    img.save(target, quality=92)
    return target


@pytest.fixture
def face_settings():
    return Settings(device="cpu", model_idle_unload_s=0, workers=1)


@pytest.fixture
def face_registry(face_settings, paths):
    from models import Registry

    reg = Registry(face_settings, paths)
    yield reg
    reg.close()


@pytest.fixture
def face_lib(tmp_path, catalog):
    lib = tmp_path / "Family"
    for name, src in PHOTOS.items():
        copy_photo(src, lib / name)
    add_root(catalog, lib)
    scan(catalog)
    return lib


def index_faces(catalog, registry, settings, paths, **kw):
    from core.pipeline import index_library

    return index_library(catalog, registry, settings, paths, stages=["thumbnail", "faces"], **kw)


def people_files(catalog) -> dict[int, set[str]]:
    """person id -> the names of their files."""
    from core.query.people import list_people, person_files

    return {p.id: {Path(f).name for _, f in person_files(catalog, p.id)}
            for p in list_people(catalog)}
