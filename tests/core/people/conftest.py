"""A small library of real labelled face photos (../shared/faces, shrunk to 480 px so the
real dlib models stay quick), scanned; indexing is up to each test."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from core.config import Settings
from core.scan.roots import add_root
from core.scan.scanner import scan

FACES = Path(__file__).resolve().parents[3] / ".." / "shared" / "faces"

# our name -> source photo; the people: obama (3 + two_people), biden (2 + two_people),
# kit (3 + kit_with_rose); rose and lin appear once each (too little support for a person)
PHOTOS = {
    "obama_a.jpg": "train/obama/obama.jpg",
    "obama_b.jpg": "train/obama/obama2.jpg",
    "obama_c.jpg": "test/obama1.jpg",
    "biden_a.jpg": "train/biden/biden.jpg",
    "biden_b.jpg": "train/biden/biden2.jpg",
    "two_people.jpg": "single/two_people.jpg",     # obama (left) and biden (right)
    "kit_a.jpg": "train/kit_harington/john1.jpeg",
    "kit_b.jpg": "train/kit_harington/john2.jpeg",
    "kit_c.jpg": "test/johnsnow_test1.jpg",
    "kit_with_rose.jpg": "test/kit_with_rose.jpg",  # rose (left) and kit (right)
    "lin.png": "single/lin-manuel-miranda.png",
}
PEOPLE = {
    "obama": {"obama_a.jpg", "obama_b.jpg", "obama_c.jpg", "two_people.jpg"},
    "biden": {"biden_a.jpg", "biden_b.jpg", "two_people.jpg"},
    "kit": {"kit_a.jpg", "kit_b.jpg", "kit_c.jpg", "kit_with_rose.jpg"},
}


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
    from core.query.people import list_people

    return {p.id: {Path(f).name for f in p.files} for p in list_people(catalog)}
