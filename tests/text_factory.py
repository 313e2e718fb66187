"""Pictures with known text, rendered with PIL and the DejaVu fonts (Debian fonts-dejavu,
also shipped inside matplotlib), for the OCR tests and the text benchmark."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from tests.media_factory import gradient


def font_path(name: str = "DejaVuSans.ttf") -> str:
    for folder in (Path("/usr/share/fonts/truetype/dejavu"),):
        if (folder / name).exists():
            return str(folder / name)
    import matplotlib  # its wheel carries the DejaVu family

    return str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name)


def font(px: int, name: str = "DejaVuSans.ttf") -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(font_path(name), px)


def draw_lines(img: Image.Image, lines: list[str], px: int = 40, fill=(20, 20, 20),
               at: tuple[int, int] = (30, 30), name: str = "DejaVuSans.ttf",
               gap: float = 1.6) -> list[tuple[int, int, int, int]]:
    """Draw `lines` one under the other; returns each line's box (x0, y0, x1, y1) in pixels."""
    d = ImageDraw.Draw(img)
    f = font(px, name)
    x, y = at
    boxes = []
    for text in lines:
        d.text((x, y), text, fill=fill, font=f)
        boxes.append(tuple(int(v) for v in d.textbbox((x, y), text, font=f)))
        y += int(px * gap)
    return boxes


def text_photo(lines: list[str], size=(900, 600), px: int = 44, seed: int = 3,
               fill=(250, 250, 250), backdrop=(30, 40, 60)) -> Image.Image:
    """A photo-like picture (a soft gradient) with a band carrying the lines."""
    img = gradient(size, seed).convert("RGB")
    d = ImageDraw.Draw(img)
    d.rectangle((10, 10, size[0] - 10, 30 + int(px * 1.6) * len(lines)), fill=backdrop)
    draw_lines(img, lines, px, fill=fill)
    return img


def plain_photo(size=(900, 600), seed: int = 5) -> Image.Image:
    return gradient(size, seed).convert("RGB")
