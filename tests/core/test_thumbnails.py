"""The on-disk thumbnail cache (no models needed)."""

from PIL import Image

from core.media.thumbnails import (
    SIZES,
    cached_thumbnail_path,
    ensure_thumbnail,
    make_thumbnails,
    prune_thumbnails,
    size_for,
    thumbnail_path,
)
from tests.media_factory import write_jpeg, write_video


def test_thumbnails_upright_all_sizes_keyed_by_content(paths, tmp_path):
    photo = write_jpeg(tmp_path / "p.jpg", (2000, 1500), seed=4, orientation=6)
    row = {"path": str(photo), "kind": "photo", "content_hash": "ab12" * 8}
    assert cached_thumbnail_path(row["content_hash"], paths=paths) is None
    small = ensure_thumbnail(paths, row, 200)
    assert small == thumbnail_path(paths, row["content_hash"], 256)
    assert small.parent.parent.name == "256" and small.parent.name == "ab"
    with Image.open(small) as im:
        assert im.size == (192, 256)  # portrait: orientation 6 applied
    assert not thumbnail_path(paths, row, 1024).exists()  # the GUI asked for the small one
    make_thumbnails(paths, row["path"], "photo", row["content_hash"])  # the stage: all sizes
    with Image.open(thumbnail_path(paths, row, 1024)) as im:
        assert im.size == (750, 1000)  # the 1/4-scale decode, not upscaled
    assert size_for(2000) == SIZES[-1]
    # the same content under another path is already cached: nothing is decoded
    moved = dict(row, path=str(tmp_path / "does-not-exist.jpg"))
    assert ensure_thumbnail(paths, moved, 256) == small
    assert not list(paths.thumbnails.rglob("*.tmp"))


def test_transparent_png_on_white_and_video_frame(paths, tmp_path):
    png = tmp_path / "logo.png"
    img = Image.new("RGBA", (40, 20), (0, 0, 0, 0))
    img.paste((255, 0, 0, 255), (0, 0, 10, 20))
    img.save(png)
    t = ensure_thumbnail(paths, {"path": str(png), "kind": "photo", "content_hash": "cd" * 16})
    with Image.open(t) as im:
        assert im.getpixel((35, 10))[0] > 240 and im.getpixel((35, 10))[1] > 240  # white
    vid = write_video(tmp_path / "v.mp4", seconds=1.0, size=(64, 48))
    t = ensure_thumbnail(paths, {"path": str(vid), "kind": "video", "content_hash": "ef" * 16})
    with Image.open(t) as im:
        assert im.size == (64, 48)
    assert prune_thumbnails(paths, {"cd" * 16}) == 1  # the video's one size
    assert cached_thumbnail_path("ef" * 16, paths=paths) is None
    assert cached_thumbnail_path("cd" * 16, paths=paths) is not None
