"""The faces role with the REAL dlib weights from face-recognition-models (default install),
on real labelled photos from tests/data/faces (480 px: quick)."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFilter

from core.config import Settings
from models import ModelUnavailable, Registry
from models.faces import DESCRIPTOR_FILE, FaceModel, files_identity, packaged_folder, sharpness

DATA = Path(__file__).resolve().parents[1] / "data"
FACES = DATA / "faces"
SAMPLE = Path(__file__).resolve().parents[2] / "resources" / "sample" / "library"


def _small(path: Path, side: int = 640) -> Image.Image:
    img = Image.open(path).convert("RGB")
    img.thumbnail((side, side))
    return img


@pytest.fixture(scope="module")
def face_registry(tmp_path_factory):
    from core.config import Paths

    reg = Registry(Settings(device="cpu", model_idle_unload_s=0),
                   Paths(tmp_path_factory.mktemp("faces-home")))
    yield reg
    reg.close()


def test_status_ready_from_the_default_install_without_loading(face_registry):
    st = face_registry.status()["faces"]
    assert st["state"] == "ready", st
    assert st["kind"] == "hog" and st["device"] == "cpu"   # no CUDA dlib here
    assert st["source"] == "python-package" and 20 < st["size_mb"] < 40  # no 68-point file
    assert st["identity"].startswith("dlib-faces-hog@")
    assert "faces" not in face_registry.loaded_roles()


def test_identity_names_the_files_and_the_detector():
    folder = packaged_folder()
    assert folder is not None
    assert files_identity(folder, "hog") == files_identity(folder, "hog")
    assert files_identity(folder, "hog") != files_identity(folder, "cnn")


def test_same_person_is_close_and_different_people_are_far(face_registry):
    fm = face_registry.faces()
    assert fm.loaded and fm.device == "cpu"
    obama_a, obama_b, biden = fm.detect([_small(FACES / "obama_2012_portrait.jpg"),
                                         _small(FACES / "obama_2009_congress.jpg"),
                                         _small(FACES / "biden_2013_portrait.jpg")])
    assert len(obama_a) == len(obama_b) == len(biden) == 1
    a, b, c = obama_a[0], obama_b[0], biden[0]
    assert a.descriptor.shape == (128,) and a.descriptor.dtype == np.float32
    assert a.chip.shape == (150, 150, 3)
    assert np.linalg.norm(a.descriptor - b.descriptor) < 0.5
    assert np.linalg.norm(a.descriptor - c.descriptor) > 0.7
    assert a.score > 0 and a.size_px >= 60


def test_two_people_in_one_photo_are_two_faces_biggest_first(face_registry):
    faces = face_registry.faces().detect([_small(FACES / "obama_biden_2010_blue_room.jpg")])[0]
    assert len(faces) == 2
    areas = [(f.box[2] - f.box[0]) * (f.box[3] - f.box[1]) for f in faces]
    assert areas == sorted(areas, reverse=True)
    assert np.linalg.norm(faces[0].descriptor - faces[1].descriptor) > 0.6


def test_no_face_in_photos_without_people(face_registry):
    imgs = [_small(p) for p in sorted(SAMPLE.rglob("*.jpg")) if "cameraman" not in p.name]
    assert len(imgs) >= 4
    assert face_registry.faces().detect(imgs) == [[]] * len(imgs)


def test_blurred_face_is_less_sharp(face_registry):
    img = _small(FACES / "obama_2009_congress.jpg")
    sharp = face_registry.faces().detect([img])[0][0].sharpness
    blurred = face_registry.faces().detect([img.filter(ImageFilter.GaussianBlur(4))])[0]
    assert not blurred or blurred[0].sharpness < sharp / 3
    flat = np.full((150, 150, 3), 128, np.uint8)
    assert sharpness(flat) == 0.0


def test_threads_share_one_model_safely(face_registry):
    """dlib detectors corrupt the heap when two threads use one; the session lock prevents it."""
    fm = face_registry.faces()
    img = _small(FACES / "obama_biden_2010_blue_room.jpg")
    want = len(fm.detect([img])[0])
    got: list[int] = []

    def run():
        for _ in range(3):
            got.append(len(fm.detect([img])[0]))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert want == 2 and got == [want] * 6


def test_missing_weights_say_why_and_what_to_do(paths, tmp_path):
    (tmp_path / "shape_predictor_5_face_landmarks.dat").write_bytes(b"x")
    reg = Registry(Settings(device="cpu", models={"faces": str(tmp_path)}), paths)
    try:
        st = reg.status()["faces"]
        assert st["state"] == "unavailable"
        assert DESCRIPTOR_FILE in st["reason"] and "pip install" in st["reason"]
        with pytest.raises(ModelUnavailable, match=DESCRIPTOR_FILE):
            reg.faces()
        assert reg.status()["clip"]["state"] in ("ready", "missing", "unavailable")  # app runs on
    finally:
        reg.close()


def test_a_folder_that_is_gone_is_unavailable(paths, tmp_path):
    reg = Registry(Settings(device="cpu", models={"faces": str(tmp_path / "nope")}), paths)
    st = reg.status()["faces"]
    assert st["state"] == "missing" and "does not exist" in st["reason"]


def test_helper_processes_give_the_same_faces_and_survive_a_crash(paths):
    """The app's default: dlib runs in helper processes (it holds the GIL for a whole photo,
    which would freeze the GUI); results are the same as in this process."""
    reg = Registry(Settings(device="cpu", model_idle_unload_s=0,
                            extra={"face_processes": 2}), paths)
    try:
        fm = reg.faces()
        assert fm.processes == 2 and fm._pool is not None
        imgs = [_small(FACES / "obama_biden_2010_blue_room.jpg"),
                _small(FACES / "obama_2012_portrait.jpg")]
        here = FaceModel(packaged_folder(), processes=0).load()
        try:
            want = here.detect(imgs)
        finally:
            here.unload()
        got = fm.detect(imgs)
        assert [[f.box for f in fs] for fs in got] == [[f.box for f in fs] for fs in want]
        assert np.allclose(got[0][0].descriptor, want[0][0].descriptor, atol=1e-5)
        # a helper that dies: that call fails, the next one gets new helpers
        import os
        import signal

        for pid in list(fm._pool._processes):
            os.kill(pid, signal.SIGKILL)
        with pytest.raises(RuntimeError, match="crashed"):
            fm.detect(imgs)
        assert [len(f) for f in fm.detect(imgs)] == [2, 1]
    finally:
        reg.close()
    assert fm._pool is None  # closing the registry stops the helpers


def test_helpers_end_when_the_app_is_killed(tmp_path):
    """An app that is killed (or crashes) must not leave its face helpers running: they
    held ~75 MB each for good. A real app-like process starts its helpers and is SIGKILLed;
    the helpers end within seconds."""
    import os
    import signal
    import subprocess
    import sys
    import time

    script = tmp_path / "app.py"
    script.write_text(
        "import time\n"
        "from models.faces import FaceModel, packaged_folder\n"
        "if __name__ == '__main__':\n"
        "    fm = FaceModel(packaged_folder(), processes=2).load()\n"
        "    print(' '.join(str(p) for p in fm._pool._processes), flush=True)\n"
        "    time.sleep(600)\n")
    app = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True,
                           cwd=Path(__file__).resolve().parents[2],
                           env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])})
    try:
        helpers = [int(p) for p in app.stdout.readline().split()]
        assert helpers    # the pool starts helpers as work arrives: one so far
        assert all(_alive(p) for p in helpers)
        os.kill(app.pid, signal.SIGKILL)
        app.wait(10)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(_alive(p) for p in helpers):
            time.sleep(0.1)
        assert not any(_alive(p) for p in helpers)
    finally:
        app.kill()
        app.wait(10)


def _alive(pid: int) -> bool:
    """Running (a zombie, already ended and waiting for its reaper, counts as ended)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
