"""Google Takeouts made on the fly: zips (or folders) laid out as Google writes them."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from tests.media_factory import gradient

ROOT = "Takeout/Google Photos"


def jpeg_bytes(seed: int, size=(32, 24)) -> bytes:
    buf = io.BytesIO()
    gradient(size, seed).save(buf, "JPEG", quality=85)
    return buf.getvalue()


def sidecar(title: str, taken_utc: int, *, lat: float = 0.0, lon: float = 0.0,
            exif_lat: float = 0.0, exif_lon: float = 0.0, description: str = "",
            favorited: bool = False, people: tuple[str, ...] = ()) -> bytes:
    """A photo's JSON as Takeout writes it (photoTakenTime in UTC seconds, as text)."""
    data = {
        "title": title, "description": description, "imageViews": "3",
        "creationTime": {"timestamp": str(taken_utc + 3600), "formatted": "..."},
        "photoTakenTime": {"timestamp": str(taken_utc), "formatted": "..."},
        "geoData": {"latitude": lat, "longitude": lon, "altitude": 0.0},
        "geoDataExif": {"latitude": exif_lat, "longitude": exif_lon, "altitude": 0.0},
        "url": "https://photos.google.com/photo/x",
    }
    if favorited:
        data["favorited"] = True
    if people:
        data["people"] = [{"name": n} for n in people]
    return json.dumps(data).encode()


def album_metadata(title: str) -> bytes:
    return json.dumps({"title": title, "description": "", "access": "protected",
                       "date": {"timestamp": "0", "formatted": ""}}).encode()


def write_zip(path: Path, files: dict[str, bytes]) -> Path:
    """A Takeout zip part; files: path under 'Takeout/Google Photos/' -> bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for rel, data in files.items():
            zf.writestr(f"{ROOT}/{rel}", data)
    return path


def write_folder(path: Path, files: dict[str, bytes]) -> Path:
    for rel, data in files.items():
        p = path / ROOT / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    return path / "Takeout"
