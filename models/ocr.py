"""Text in images (OCR): RapidOCR's PaddleOCR models on ONNX Runtime.

The `rapidocr` wheel ships its detection, direction and recognition models (ONNX, ~31 MB), so
the role works from the default install with no download. Every model file is passed to
RapidOCR by path: its own resolver would otherwise fetch a missing file from the internet.

Detection runs first, on the whole image at a size the caller picks; direction
classification (0 or 180 degrees, per line) and recognition run only on the regions found, so
an image without text costs one detector pass.
"""

from __future__ import annotations

import importlib.util
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from models.base import ModelWrapper

log = logging.getLogger(__name__)

# Detection side for photos: the detector sees the image at most this long (its cost grows
# with the area). Recognition always reads the regions from the full image it was given.
DET_SIDE = 736
DET_SIDE_MAX = 2048         # the most a caller may ask for (screenshots, documents)
MIN_CONFIDENCE = 0.6        # recognised lines below this are mostly noise on textures
MIN_SIDE = 8                # images smaller than this cannot hold a readable line

FILES = {"det": "*det*.onnx", "cls": "*cls*.onnx", "rec": "*rec*.onnx"}


@dataclass(frozen=True)
class TextLine:
    """One line of text read in an image.

    box: the line's four corners (clockwise from top-left of the text) as fractions of the
    image's width and height, so it can be drawn on any size of the same picture."""
    text: str
    confidence: float
    box: tuple[tuple[float, float], ...]


def package_folder() -> Path | None:
    """The models folder inside the installed rapidocr package (found without importing it)."""
    spec = importlib.util.find_spec("rapidocr")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        p = Path(folder) / "models"
        if p.is_dir():
            return p
    return None


def missing_libraries() -> list[str]:
    return [name for name in ("rapidocr", "onnxruntime") if importlib.util.find_spec(name) is None]


def model_files(folder: Path) -> tuple[dict[str, Path], str | None]:
    """{det, cls, rec: path} in a folder, and what is wrong with it (None: usable)."""
    found, lacking = {}, []
    for part, pattern in FILES.items():
        hits = sorted(folder.glob(pattern)) if folder.is_dir() else []
        if hits:
            found[part] = hits[0]
        else:
            lacking.append(f"{part} ({pattern})")
    if lacking:
        return found, f"{folder} has no OCR model file for {', '.join(lacking)}"
    return found, None


def library_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("rapidocr")
    except PackageNotFoundError:
        return "unknown"


class TextReader(ModelWrapper):
    role = "text"

    def __init__(self, path, cpu_threads: int = 0, **kw):
        kw.setdefault("batch_size", 1)
        super().__init__(path, **kw)
        self.cpu_threads = max(0, int(cpu_threads or 0))
        self._engine = None

    def _quiet(self) -> None:
        pass  # no transformers here: nothing to quiet, and importing it would cost seconds

    def _load(self) -> None:
        from rapidocr import RapidOCR

        files, problem = model_files(self.path)
        if problem:
            raise FileNotFoundError(problem)
        threads = self.cpu_threads or -1  # -1: ONNX Runtime's own choice (all cores)
        engine = RapidOCR(params={
            "Global.log_level": "error",   # "no text found" is the normal case, not a warning
            "Global.text_score": MIN_CONFIDENCE,
            "Global.model_root_dir": str(self.path),
            "Det.model_path": str(files["det"]),
            "Cls.model_path": str(files["cls"]),
            "Rec.model_path": str(files["rec"]),
            "Det.limit_type": "max",
            "Det.limit_side_len": DET_SIDE,
            "EngineConfig.onnxruntime.intra_op_num_threads": threads,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            "EngineConfig.onnxruntime.use_cuda": self.device == "cuda",
        })
        # load all three sessions now: a broken file fails here, not on the first photo
        engine._load_det_model()
        engine._load_cls_model()
        engine._load_rec_model()
        self._engine = engine

    def _unload(self) -> None:
        self._engine = None  # drops the three InferenceSessions and their memory arenas

    def read(self, image, det_side: int = DET_SIDE) -> list[TextLine]:
        """The lines of text in `image` (a PIL image or an RGB/RGBA/grey uint8 array), in
        reading order. det_side: the longest side the detector looks at (more finds smaller
        text, and costs more)."""
        rgb = _as_rgb_array(image)
        h, w = rgb.shape[:2]
        if min(h, w) < MIN_SIDE:
            return []
        side = int(max(64, min(det_side, DET_SIDE_MAX)))
        if max(h, w) < side:
            # a small picture (a 560 px scan, a tiny screenshot): enlarge it to the detector's
            # size, at most 2x, or its small print is never found (measured: sudoku.png's
            # two sentences are lost at 563 px and read at 736); the boxes are fractions, so
            # the size they were found at does not matter
            scale = min(2.0, side / max(h, w))
            import cv2

            rgb = cv2.resize(rgb, (round(w * scale), round(h * scale)),
                             interpolation=cv2.INTER_CUBIC)
            h, w = rgb.shape[:2]
        bgr = np.ascontiguousarray(rgb[:, :, ::-1])
        with self._session():
            det = self._engine.text_det
            det.limit_side_len, det.limit_type = side, "max"
            out = self._engine(bgr)
        if out.txts is None or out.boxes is None:
            return []
        lines = []
        for text, score, box in zip(out.txts, out.scores, out.boxes):
            text = " ".join(str(text).split())
            if not text or not any(c.isalnum() for c in text):
                continue
            corners = tuple((round(float(x) / w, 5), round(float(y) / h, 5))
                            for x, y in np.asarray(box, dtype=np.float64).reshape(-1, 2))
            lines.append(TextLine(text, round(float(score), 4), corners))
        return lines


def _as_rgb_array(image) -> np.ndarray:
    """uint8 HxWx3 RGB; transparent pixels are laid on white (text drawn on a transparent
    background would otherwise sit on black, and black text vanish)."""
    if not isinstance(image, np.ndarray):
        from PIL import Image

        if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
            image = image.convert("RGBA")
            white = Image.new("RGBA", image.size, (255, 255, 255, 255))
            image = Image.alpha_composite(white, image)
        image = np.asarray(image.convert("RGB"))
    a = np.asarray(image)
    if a.dtype != np.uint8:
        raise ValueError(f"expected 8-bit pixels, got {a.dtype}")
    if a.ndim == 2:
        a = np.repeat(a[:, :, None], 3, axis=2)
    elif a.ndim == 3 and a.shape[2] == 4:
        alpha = a[:, :, 3:4].astype(np.float32) / 255.0
        a = (a[:, :, :3] * alpha + 255.0 * (1.0 - alpha)).astype(np.uint8)
    elif a.ndim != 3 or a.shape[2] != 3:
        raise ValueError(f"expected an RGB image, got an array of shape {a.shape}")
    return a
