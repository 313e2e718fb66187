"""Faces: find each face in an image, align it on 5 landmarks, describe it with 128 numbers.

dlib's models, shipped on PyPI by `face-recognition-models` (CC0) and run by `dlib-bin`:
- detector: HOG + linear SVM on the CPU; the CNN `mmod` detector where dlib was built with
  CUDA and a GPU is there (the HOG one is ~10x cheaper on a CPU and as good on frontal faces);
- `shape_predictor_5_face_landmarks.dat`: eyes and nose, to align the face to a 150 px chip;
- `dlib_face_recognition_resnet_model_v1.dat`: the 128-d descriptor (same person when the
  euclidean distance is under ~0.6; dlib reports 99.38% on LFW).
The package also ships a 68-point predictor whose training data is not licensed for
commercial use: it is never loaded.

The package's own module imports pkg_resources (gone from new setuptools), so the weights are
found through the import system without importing it. dlib objects are not thread-safe (two
threads in one HOG detector corrupt the heap) and hold the GIL, so every call runs inside the
wrapper's session lock.
"""

from __future__ import annotations

import importlib.util
import logging
from concurrent.futures import BrokenExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from models.base import ModelWrapper

log = logging.getLogger(__name__)

PACKAGE = "face_recognition_models"
CNN_FILE = "mmod_human_face_detector.dat"
LANDMARKS_FILE = "shape_predictor_5_face_landmarks.dat"
DESCRIPTOR_FILE = "dlib_face_recognition_resnet_model_v1.dat"
CHIP_SIZE = 150       # the descriptor network's input (dlib's standard chip)
CHIP_PADDING = 0.25
HOG_MIN_FACE = 80     # the HOG window: smaller faces are found only on an enlarged image
DETECT_SCALE = 1.5    # HOG runs on the image enlarged 1.5x: faces from ~53 px (docs/BENCHMARKS.md)
INSTALL_HINT = "install them with `pip install dlib-bin face-recognition-models`"


@dataclass(frozen=True)
class Face:
    """One face in the image given to FaceModel.detect (pixel coordinates of that image)."""

    box: tuple[int, int, int, int]   # left, top, right, bottom (clipped to the image)
    score: float                     # detector confidence (HOG: SVM margin; CNN: its own)
    descriptor: np.ndarray           # (128,) float32
    sharpness: float                 # variance of the Laplacian of the aligned grey chip
    chip: np.ndarray                 # (150, 150, 3) uint8, aligned on the eyes and nose

    @property
    def size_px(self) -> int:
        """The face's smaller side in pixels of the image it was found in."""
        return int(min(self.box[2] - self.box[0], self.box[3] - self.box[1]))


def packaged_folder() -> Path | None:
    """The folder of .dat files the `face-recognition-models` package installed, if any."""
    try:
        spec = importlib.util.find_spec(PACKAGE)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for loc in spec.submodule_search_locations:
        folder = Path(loc) / "models"
        if folder.is_dir():
            return folder
    return None


def dlib_problem() -> str | None:
    """Why dlib cannot be used here, or None."""
    try:
        if importlib.util.find_spec("dlib") is None:
            return ("the dlib library is not installed (no wheel for this platform?); "
                    + INSTALL_HINT + ", or build dlib from source")
    except (ImportError, ValueError) as e:
        return f"the dlib library cannot be found ({e}); {INSTALL_HINT}"
    return None


def cuda_detector() -> bool:
    """True when dlib was built with CUDA and sees a GPU: the CNN detector is worth it."""
    try:
        import dlib

        return bool(dlib.DLIB_USE_CUDA) and dlib.cuda.get_num_devices() > 0
    except (ImportError, AttributeError, RuntimeError):
        return False


def model_files(folder: Path, kind: str) -> list[Path]:
    """The weight files this role loads (never the 68-point predictor)."""
    names = [LANDMARKS_FILE, DESCRIPTOR_FILE] + ([CNN_FILE] if kind == "cnn" else [])
    return [folder / n for n in names]


def files_identity(folder: Path, kind: str) -> str:
    """Identity of exactly the files loaded plus the detector kind: a new detector or new
    weights re-run the faces stage (and nothing else)."""
    from models.identity import fingerprint

    prints = "".join(fingerprint(p) for p in model_files(folder, kind))
    import hashlib

    return f"dlib-faces-{kind}@{hashlib.sha256(prints.encode()).hexdigest()[:8]}"


def sharpness(chip: np.ndarray) -> float:
    """Variance of the 4-neighbour Laplacian of the grey chip: low means blurred."""
    g = chip.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
    lap = (g[:-2, 1:-1] + g[2:, 1:-1] + g[1:-1, :-2] + g[1:-1, 2:] - 4.0 * g[1:-1, 1:-1])
    return float(lap.var())


class FaceEngine:
    """The dlib objects and the per-image work; one per process (not thread-safe)."""

    def __init__(self, path: Path, kind: str, detect_scale: float):
        import dlib

        self.kind, self.detect_scale = kind, detect_scale
        self.detector = self.cnn = None
        if kind == "cnn":
            self.cnn = dlib.cnn_face_detection_model_v1(str(path / CNN_FILE))
        else:
            self.detector = dlib.get_frontal_face_detector()
        self.landmarks = dlib.shape_predictor(str(path / LANDMARKS_FILE))
        self.descriptor = dlib.face_recognition_model_v1(str(path / DESCRIPTOR_FILE))

    def boxes(self, img: Image.Image) -> list[tuple[tuple[int, int, int, int], float]]:
        w, h = img.size
        if self.kind == "cnn":
            found = self.cnn(np.asarray(img), 1 if max(w, h) <= 1024 else 0)
            raw = [((d.rect.left(), d.rect.top(), d.rect.right(), d.rect.bottom()),
                    float(d.confidence)) for d in found]
        else:
            # grey is as good for HOG and a little cheaper; enlarging finds faces under the
            # 80 px window (a fractional upsample, cheaper than dlib's own 2x one)
            s = self.detect_scale
            grey = img.convert("L")
            if s != 1.0:
                grey = grey.resize((max(1, round(w * s)), max(1, round(h * s))), Image.BILINEAR)
            rects, scores, _ = self.detector.run(np.asarray(grey), 0, 0.0)
            raw = [((round(r.left() / s), round(r.top() / s), round(r.right() / s),
                     round(r.bottom() / s)), float(sc)) for r, sc in zip(rects, scores)]
        out = []
        for (left, top, right, bottom), score in raw:
            box = (max(0, left), max(0, top), min(w, right), min(h, bottom))
            if box[2] - box[0] >= 4 and box[3] - box[1] >= 4:
                out.append((box, score))
        out.sort(key=lambda b: -(b[0][2] - b[0][0]) * (b[0][3] - b[0][1]))
        return out

    def faces(self, img: Image.Image) -> list[Face]:
        import dlib

        img = img.convert("RGB") if img.mode != "RGB" else img
        arr = np.asarray(img)
        faces = []
        for box, score in self.boxes(img):
            shape = self.landmarks(arr, dlib.rectangle(*box))
            chip = np.asarray(dlib.get_face_chip(arr, shape, CHIP_SIZE, CHIP_PADDING))
            vec = np.asarray(self.descriptor.compute_face_descriptor(chip), dtype=np.float32)
            faces.append(Face(box, score, vec, sharpness(chip), chip))
        return faces


# -- helper processes -------------------------------------------------------------------
# dlib holds the GIL for a whole detection (~0.1-0.3 s a photo): run in the app's process it
# would freeze the GUI that long for every photo, and two threads gain nothing. Helper
# processes keep the GUI responsive and use every core; pixels go over as a numpy array.
_ENGINE: FaceEngine | None = None


def _start_helper(path: str, kind: str, detect_scale: float) -> None:
    global _ENGINE
    _leave_with_parent()
    _ENGINE = FaceEngine(Path(path), kind, detect_scale)


def _leave_with_parent() -> None:
    """End this helper when the process that started it ends. A pool's worker waits on its
    task queue, whose pipe it holds both ends of, so the death of the app (a crash, a kill,
    the OS ending the session) never reaches it: every killed app left its helpers behind,
    ~75 MB each, for good (found after the SIGKILL tests of tests/core/pipeline)."""
    import multiprocessing
    import os
    import threading
    from multiprocessing.connection import wait

    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch():
        wait([parent.sentinel])   # readable once the parent is gone, on every OS
        os._exit(0)
    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _helper_faces(pixels: np.ndarray) -> list[Face]:
    assert _ENGINE is not None, "helper process started without its models"
    return _ENGINE.faces(Image.fromarray(pixels))


def _helper_ready() -> bool:
    return _ENGINE is not None


def face_processes() -> int:
    """Helper processes by default: one per two cores (the pipeline's decoding and the app
    need the rest), at least one (dlib must stay out of the app's process)."""
    import os

    return max(1, min(4, (os.cpu_count() or 2) // 2))


class FaceModel(ModelWrapper):
    role = "faces"

    def __init__(self, path, *, kind: str = "hog", detect_scale: float = DETECT_SCALE,
                 processes: int = 0, **kw):
        """processes: helper processes doing the work (0: this process, one call at a time)."""
        kw["device"] = "cuda" if kind == "cnn" else "cpu"
        kw.setdefault("precision", "fp32")
        super().__init__(path, **kw)
        self.kind = kind
        self.detect_scale = max(0.5, float(detect_scale))
        self.processes = 0 if kind == "cnn" else max(0, int(processes))  # one GPU context
        self._engine: FaceEngine | None = None
        self._pool = None

    def _quiet(self) -> None:
        pass  # dlib prints nothing; no need to import transformers to silence it

    def _load(self) -> None:
        if not self.processes:
            self._engine = FaceEngine(self.path, self.kind, self.detect_scale)
            return
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # spawn, not fork: a forked copy of a process with Qt and torch threads can hang
        pool = ProcessPoolExecutor(self.processes, multiprocessing.get_context("spawn"),
                                   initializer=_start_helper,
                                   initargs=(str(self.path), self.kind, self.detect_scale))
        try:  # a helper loads now, so a broken file fails the load, not the first photo
            ready = pool.submit(_helper_ready).result()
        except BaseException:
            pool.shutdown(cancel_futures=True)
            raise
        if not ready:
            pool.shutdown(cancel_futures=True)
            raise RuntimeError("the face helper process could not load the models")
        self._pool = pool

    def _unload(self) -> None:
        self._engine = None
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def detect(self, images: list[Image.Image]) -> list[list[Face]]:
        """The faces of each image (RGB PIL images), biggest first. With helper processes,
        the images are worked on side by side."""
        with self._session():
            if self._pool is None:
                return [self._engine.faces(img) for img in images]
            pixels = [np.asarray(img.convert("RGB") if img.mode != "RGB" else img)
                      for img in images]
            try:
                return list(self._pool.map(_helper_faces, pixels))
            except BrokenExecutor:
                # a helper died (a crash inside dlib on one picture): new helpers for the
                # next call; the caller tries the pictures one by one to find the culprit
                self._unload()
                self._load()
                raise RuntimeError("the face detector crashed on this picture") from None
