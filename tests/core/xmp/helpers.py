"""Shared by the XMP tests: a scanned library, planted faces and people, and ExifTool as the
independent reader of what Shoebox wrote."""

from __future__ import annotations

import json
import shutil
import subprocess
import time

import pytest

from core.scan.roots import add_root
from core.scan.scanner import scan


def exiftool(path) -> dict:
    """What ExifTool reads from a file, structures kept (RegionInfo as a dict)."""
    tool = shutil.which("exiftool")
    if tool is None:
        pytest.skip("ExifTool is not installed: apt-get install libimage-exiftool-perl")
    out = subprocess.run([tool, "-j", "-struct", "-n", str(path)], capture_output=True,
                         text=True, check=True).stdout
    return json.loads(out)[0]


def scanned(catalog, folder) -> dict[str, int]:
    add_root(catalog, folder)
    scan(catalog)
    with catalog.read() as conn:
        return {r["name"]: r["id"] for r in conn.execute("SELECT id, name FROM files")}


def plant_face(catalog, file_id: int, box, name: str | None = None, person_id=None,
               by: str = "user", idx: int = 0) -> tuple[int, int]:
    """A face at `box` (x, y, w, h of the upright picture) of a person (new unless given)."""
    now = time.time()

    def write(conn):
        pid = person_id
        if pid is None:
            pid = conn.execute("INSERT INTO people(name, created_at, updated_at) VALUES "
                               "(?, ?, ?)", (name, now, now)).lastrowid
        fid = conn.execute(
            "INSERT INTO faces(file_id, idx, x, y, w, h, size_px, score, sharpness, groupable,"
            " model_id, descriptor, person_id, assigned_by) VALUES "
            "(?, ?, ?, ?, ?, ?, 80, 1, 100, 1, 'm', x'00', ?, ?)",
            (file_id, idx, *box, pid, by if pid else None)).lastrowid
        return fid, pid
    return catalog.write(write)


def iou(a, b) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    ix = max(0.0, min(ax + aw, bx + bw) - max(ax, bx))
    iy = max(0.0, min(ay + ah, by + bh) - max(ay, by))
    return ix * iy / (aw * ah + bw * bh - ix * iy)


def exiftool_regions(info: dict) -> list[tuple[str, tuple]]:
    """(name, top-left box) of each MWG region ExifTool read."""
    out = []
    for r in info.get("RegionInfo", {}).get("RegionList", []):
        a = {k: float(v) for k, v in r["Area"].items() if k != "Unit"}
        out.append((r.get("Name"), (a["X"] - a["W"] / 2, a["Y"] - a["H"] / 2, a["W"], a["H"])))
    return out
