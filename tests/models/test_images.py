"""core.media.images.open_image: orientation, draft-mode size, transparency, typed errors."""

from __future__ import annotations

import pytest
from PIL import Image

from core.media.errors import MediaError
from core.media.images import open_image
from tests.media_factory import write_jpeg, write_png, write_truncated_jpeg


def test_full_decode_is_rgb_and_upright(tmp_path):
    p = write_jpeg(tmp_path / "r.jpg", (80, 40), orientation=6)  # stored landscape, shown portrait
    img = open_image(p)
    assert img.mode == "RGB" and img.size == (40, 80)


def test_target_keeps_short_side_at_least_target(tmp_path):
    p = write_jpeg(tmp_path / "big.jpg", (1600, 1200))
    img = open_image(p, target=224)
    assert min(img.size) >= 224 and min(img.size) < 600  # decoded small, not at 1200
    assert abs(img.size[0] / img.size[1] - 4 / 3) < 0.02
    small = write_jpeg(tmp_path / "small.jpg", (100, 80))
    assert open_image(small, target=224).size == (100, 80)  # never upscaled


def test_png_with_alpha_goes_onto_white(tmp_path):
    p = tmp_path / "a.png"
    Image.new("RGBA", (20, 20), (0, 0, 0, 0)).save(p)
    assert open_image(p).getpixel((5, 5)) == (255, 255, 255)
    big = write_png(tmp_path / "big.png", (900, 700))
    assert min(open_image(big, target=224).size) >= 224


def test_corrupt_and_missing_files(tmp_path):
    with pytest.raises(MediaError, match="damaged"):
        open_image(write_truncated_jpeg(tmp_path / "t.jpg"))
    junk = tmp_path / "junk.jpg"
    junk.write_bytes(b"this is not an image")
    with pytest.raises(MediaError, match="not an image"):
        open_image(junk)
    with pytest.raises(FileNotFoundError):
        open_image(tmp_path / "gone.jpg")
