"""Camera RAW decode cost beside the JPEG of the same 24 MP picture.

    .venv/bin/python -m benchmarks.bench_raw [--repeat 5]

What the pipeline pays to get a photo's pixels (open_image at the size the thumbnail and CLIP
stages ask for) and the scanner pays to read its metadata: a camera JPEG; a RAW whose camera
embedded a full-size JPEG preview (what CR2, NEF, ARW, DNG and RAF bodies write); a RAW without
a usable preview, demosaicked at half size. The RAWs are DNGs written like a camera's
(tests.media_factory.write_dng: a 12-bit RGGB mosaic in a SubIFD, the preview in IFD0).
"""

from __future__ import annotations

import argparse
import io
import tempfile
import time
from pathlib import Path

from PIL import Image

from benchmarks.bench_pipeline import _base_images
from core.media.images import open_image
from core.scan.metadata import read_info
from tests.media_factory import write_dng

MP24 = (6000, 4000)
TARGET = 256  # the grid thumbnail's side: the largest a photo's pass needs on a CPU


def cpu_ms(fn, repeat: int) -> float:
    fn()  # warm: LibRaw and libjpeg-turbo loaded, the file in the page cache
    t = time.process_time()
    for _ in range(repeat):
        fn()
    return (time.process_time() - t) / repeat * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        jpeg_bytes = _base_images(1, MP24)[0]
        jpeg = folder / "IMG_1.JPG"
        jpeg.write_bytes(jpeg_bytes)
        picture = Image.open(io.BytesIO(jpeg_bytes)).convert("RGB")
        with_preview = write_dng(folder / "IMG_2.DNG", picture=picture, preview="jpeg")
        bare = write_dng(folder / "IMG_3.DNG", picture=picture, preview=None)
        rows = [("camera JPEG", jpeg, "photo", "jpeg"),
                ("RAW, full-size JPEG preview", with_preview, "photo", "raw"),
                ("RAW, no preview (demosaic)", bare, "photo", "raw")]
        base = None
        print(f"24 MP, open_image(target={TARGET}) and read_info, CPU ms per file "
              f"({args.repeat} runs):")
        for label, path, kind, fmt in rows:
            pixels = cpu_ms(lambda p=path: open_image(p, target=TARGET), args.repeat)
            meta = cpu_ms(lambda p=path, k=kind, f=fmt: read_info(str(p), k, f), args.repeat)
            base = base or pixels
            print(f"  {label:<30} pixels {pixels:7.1f} (x{pixels / base:5.2f})   "
                  f"metadata {meta:5.1f}   file {path.stat().st_size / 1e6:5.1f} MB")


if __name__ == "__main__":
    main()
