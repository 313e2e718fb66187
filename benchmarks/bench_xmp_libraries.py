"""The two XMP libraries issue 28 allows, measured on one job: write a sidecar with two
keywords, a hierarchy and one MWG face region, then read it back.

    python -m venv /tmp/xmpvenv && /tmp/xmpvenv/bin/pip install pyexiv2 exiv2
    /tmp/xmpvenv/bin/python benchmarks/bench_xmp_libraries.py [--n 200]

Standalone (imports nothing of Shoebox): `exiv2` (python-exiv2) is not a dependency.
"""

from __future__ import annotations

import argparse
import importlib
import tempfile
import time
from pathlib import Path

REGION = "Xmp.mwg-rs.Regions/mwg-rs:RegionList"
FIELDS = [("mwg-rs:Name", "Anna"), ("mwg-rs:Type", "Face"), ("mwg-rs:Area/stArea:x", "0.5"),
          ("mwg-rs:Area/stArea:y", "0.4"), ("mwg-rs:Area/stArea:w", "0.2"),
          ("mwg-rs:Area/stArea:h", "0.3"), ("mwg-rs:Area/stArea:unit", "normalized")]
START = b'<?xml version="1.0" encoding="UTF-8"?>\n<x:xmpmeta xmlns:x="adobe:ns:meta/">\n' \
        b'</x:xmpmeta>\n'


def with_pyexiv2(path: Path) -> dict:
    import pyexiv2

    path.write_bytes(START)
    with pyexiv2.Image(str(path)) as img:
        img.modify_xmp({"Xmp.dc.subject": ["Anna", "Kyoto"],
                        "Xmp.lr.hierarchicalSubject": ["People|Anna", "Places|Japan|Kyoto"],
                        REGION: 'type="Bag"',
                        **{f"{REGION}[1]/{k}": v for k, v in FIELDS}})
    with pyexiv2.Image(str(path)) as img:
        return img.read_xmp()


def with_exiv2(path: Path) -> dict:
    import exiv2

    xmp = exiv2.XmpData()
    for key, words in (("Xmp.dc.subject", ["Anna", "Kyoto"]),
                       ("Xmp.lr.hierarchicalSubject", ["People|Anna", "Places|Japan|Kyoto"])):
        bag = exiv2.XmpTextValue()
        bag.setXmpArrayType(exiv2.XmpValue.XmpArrayType.xaBag)
        xmp.add(exiv2.XmpKey(key), bag)
        for i, w in enumerate(words, 1):
            xmp[f"{key}[{i}]"] = w
    bag = exiv2.XmpTextValue()
    bag.setXmpArrayType(exiv2.XmpValue.XmpArrayType.xaBag)
    xmp.add(exiv2.XmpKey(REGION), bag)
    for k, v in FIELDS:
        xmp[f"{REGION}[1]/{k}"] = v
    img = exiv2.ImageFactory.create(exiv2.ImageType.xmp, str(path))
    img.setXmpData(xmp)
    img.writeMetadata()
    img = exiv2.ImageFactory.open(str(path))
    img.readMetadata()
    return {d.key(): str(d.value()) for d in img.xmpData()}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        for module, fn in (("pyexiv2", with_pyexiv2), ("exiv2", with_exiv2)):
            t0 = time.perf_counter()
            importlib.import_module(module)
            load = time.perf_counter() - t0
            read = fn(Path(d) / f"{module}-check.xmp")
            assert read[f"{REGION}[1]/mwg-rs:Name"] == "Anna", read
            t0 = time.perf_counter()
            for i in range(args.n):
                fn(Path(d) / f"{module}-{i}.jpg.xmp")
            each = (time.perf_counter() - t0) / args.n
            print(f"{module:8} import {load * 1000:4.0f} ms   write + read {each * 1000:.2f} ms"
                  " per sidecar")


if __name__ == "__main__":
    main()
