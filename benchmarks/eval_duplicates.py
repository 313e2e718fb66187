"""Near-duplicate confirmation, measured on real pictures: does it keep true pairs together and
never pair two different pictures of the same shape?

True pairs: each real photo (`--media DIR`, default the sample library: benchmarks/media.py)
against a copy made here at half size, re-saved at JPEG quality 60, and, where DIR has a
`near-duplicates/` folder, its pictures saved at several sizes (`NAME_640x480.jpg`,
`NAME_1280x800.jpg`, ...: resized and centre-cropped to other aspect ratios) with each other.
Different pairs: every pair of distinct (not byte-identical) pictures of the same pixel size
among the Tux Paint stamps (Debian `tuxpaint-stamps-default`: drawings and photos on white —
dreidels that differ by one letter, flags of other colours, two pliers) and the sample photos.

    apt-get download tuxpaint-stamps-default && dpkg -x tuxpaint-stamps-default_*.deb /tmp/tp
    python -m benchmarks.eval_duplicates --stamps /tmp/tp/usr/share/tuxpaint/stamps

CLIP is the candidate step before both checks; no CLIP weights are to be had here, so this
measures what decides: the perceptual hash at its cut-off, and the pixel comparison after it.
"""

from __future__ import annotations

import argparse
import io
import itertools
import json
from collections import defaultdict
from pathlib import Path

from PIL import Image

from core.media.images import open_image
from core.media.phash import hamming, phash_image
from core.scan.hashing import hash_file
from core.search.dupes import (
    PHASH_MAX_DISTANCE,
    PIXEL_MAX_DIFFERENCE,
    PIXEL_SIZE,
    pixel_difference,
)


def _photos(media: Path) -> list[Path]:
    """DIR/photos/*.jpg where DIR has one, else every JPEG under DIR but near-duplicates/."""
    from benchmarks.media import photos

    if (media / "photos").is_dir():
        return sorted((media / "photos").glob("*.jpg"))
    return [p for p in photos(media) if "near-duplicates" not in p.parts]


def _small(img: Image.Image) -> Image.Image:
    """What the duplicate finder compares: decoded at about twice the comparison size."""
    factor = int(min(img.size) // (PIXEL_SIZE * 2))
    return img.reduce(factor) if factor >= 2 else img


def _pair(a: Image.Image, b: Image.Image) -> dict:
    return {"phash": hamming(phash_image(a), phash_image(b)),
            "pixels": round(pixel_difference(_small(a), _small(b)), 4)}


def true_pairs(media: Path) -> list[dict]:
    out = []
    nd = sorted((media / "near-duplicates").glob("*.jpg"))
    by_stem = defaultdict(list)
    for p in nd:
        by_stem[p.name.split("_")[0]].append(p)
    for group in by_stem.values():
        for a, b in itertools.combinations(group, 2):
            out.append({"a": a.name, "b": b.name, **_pair(open_image(a), open_image(b))})
    for p in _photos(media):
        img = open_image(p)
        buf = io.BytesIO()
        img.resize((max(1, img.width // 2), max(1, img.height // 2)),
                   Image.Resampling.LANCZOS).save(buf, "JPEG", quality=60)
        buf.seek(0)
        with Image.open(buf) as resaved:
            copy = resaved.convert("RGB")
        out.append({"a": p.name, "b": "half size, JPEG q60", **_pair(img, copy)})
    return out


def different_pairs(media: Path, stamps: Path | None) -> list[dict]:
    files = _photos(media) + sorted(
        (media / "near-duplicates").glob("*.jpg"))
    if stamps is not None:
        files += sorted(stamps.rglob("*.png"))
    by_size, content = defaultdict(list), {}
    for p in files:
        with Image.open(p) as im:
            by_size[im.size].append(p)
        content[p] = hash_file(str(p))[0]
    out, cache = [], {}
    for ps in by_size.values():
        for a, b in itertools.combinations(ps, 2):
            if content[a] == content[b]:
                continue  # the same bytes: an exact duplicate, not a different picture
            if a.parent.name == b.parent.name == "near-duplicates" and \
                    a.name.split("_")[0] == b.name.split("_")[0]:
                continue  # a true pair
            for p in (a, b):
                if p not in cache:
                    cache[p] = open_image(p)
            out.append({"a": str(a.relative_to(a.parents[1])), "b": str(b.relative_to(
                b.parents[1])), **_pair(cache[a], cache[b])})
    return out


def score(pairs: list[dict]) -> dict:
    by_hash = [p for p in pairs if p["phash"] <= PHASH_MAX_DISTANCE]
    both = [p for p in by_hash if p["pixels"] <= PIXEL_MAX_DIFFERENCE]
    return {"pairs": len(pairs), "grouped_by_phash_alone": len(by_hash),
            "grouped_by_phash_and_pixels": len(both),
            "pixels_min": min((p["pixels"] for p in pairs), default=None),
            "pixels_max": max((p["pixels"] for p in pairs), default=None)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--media", type=Path, default=None,
                    help="a folder of real photos (default: benchmarks/media.py's)")
    ap.add_argument("--stamps", type=Path, default=None,
                    help="the Tux Paint stamps folder (see the module docstring)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    from benchmarks.media import media_folder

    media = args.media or media_folder()
    true, diff = true_pairs(media), different_pairs(media, args.stamps)
    res = {"true": score(true), "different": score(diff),
           "closest_different": sorted(diff, key=lambda p: p["pixels"])[:5],
           "hash_matched_different": [p for p in diff if p["phash"] <= PHASH_MAX_DISTANCE][:40]}
    if args.json:
        print(json.dumps(res, indent=1))
        return
    t, d = res["true"], res["different"]
    print(f"true pairs: {t['grouped_by_phash_and_pixels']}/{t['pairs']} grouped "
          f"(pHash alone {t['grouped_by_phash_alone']}); pixel difference max {t['pixels_max']}")
    print(f"different pictures of the same shape: {d['grouped_by_phash_and_pixels']}/{d['pairs']}"
          f" grouped (pHash <= {PHASH_MAX_DISTANCE} alone: {d['grouped_by_phash_alone']}); "
          f"pixel difference min {d['pixels_min']} (cut-off {PIXEL_MAX_DIFFERENCE})")
    for p in res["closest_different"]:
        print(f"  closest: {p['a']} vs {p['b']}: pHash {p['phash']}, pixels {p['pixels']}")


if __name__ == "__main__":
    main()
