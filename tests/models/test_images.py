"""core.media.images.open_image: orientation, draft-mode size, transparency, typed errors."""

from __future__ import annotations

import numpy as np
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


@pytest.mark.parametrize("orientation", range(1, 9))
def test_scaled_jpeg_decode_is_upright_and_matches_the_full_one(tmp_path, orientation):
    # an asymmetric picture: any wrong flip or turn moves its content
    p = write_jpeg(tmp_path / "o.jpg", (1600, 1200), seed=3, orientation=orientation)
    fast = open_image(p, target=150)  # libjpeg-turbo at 1/8 scale
    full = open_image(p)
    assert fast.size == (full.width // 8, full.height // 8)
    ref = full.resize(fast.size, Image.BOX)
    diff = np.abs(np.asarray(fast, np.float32) - np.asarray(ref, np.float32)).mean()
    assert diff < 3.0


def test_grey_and_cmyk_jpegs_decode_scaled_too(tmp_path):
    grey, cmyk = tmp_path / "g.jpg", tmp_path / "c.jpg"
    Image.new("L", (1200, 900), 90).save(grey, "JPEG")
    Image.new("CMYK", (1200, 900), (0, 255, 255, 0)).save(cmyk, "JPEG")  # red, in ink
    g = open_image(grey, target=200)
    assert g.mode == "RGB" and g.size == (300, 225) and g.getpixel((5, 5))[0] in range(85, 96)
    c = open_image(cmyk, target=200)  # libjpeg-turbo refuses CMYK to RGB: Pillow's path
    assert c.mode == "RGB" and min(c.size) >= 200 and max(c.size) < 600
    r, g2, b = c.getpixel((5, 5))
    assert r > 200 and g2 < 60 and b < 60


def test_a_given_jpeg_decoder_is_used_upright_and_replaced_where_it_fails(tmp_path):
    # the GPU path's contract (nvJPEG, models.jpeg_gpu), here with libjpeg-turbo at full size
    import simplejpeg

    p = write_jpeg(tmp_path / "o.jpg", (1600, 1200), seed=5, orientation=6)
    calls = []

    def full_size(data, side):
        calls.append(side)
        return simplejpeg.decode_jpeg(data)

    def refuses(data, side):
        raise RuntimeError("nvjpeg: unsupported sampling")

    got = open_image(p, target=150, jpeg_decoder=full_size)
    assert calls == [150] and got.size == (150, 200)  # upright (portrait), reduced to target
    default = open_image(p, target=150)
    diff = np.abs(np.asarray(got, np.float32) - np.asarray(default, np.float32)).mean()
    assert diff < 3.0
    assert open_image(p, target=150, jpeg_decoder=refuses).size == default.size


def test_jpegs_go_to_the_gpu_only_on_cuda_with_nvjpeg():
    import torch

    from core.media.decode import jpeg_decoder_for
    from models import jpeg_gpu

    assert jpeg_decoder_for("cpu") is None and jpeg_decoder_for("mps") is None
    try:
        import torchvision.io  # noqa: F401
        has_nvjpeg = torch.cuda.is_available()
    except ImportError:
        has_nvjpeg = False
    assert (jpeg_decoder_for("cuda") is jpeg_gpu.decode) == has_nvjpeg
