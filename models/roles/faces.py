"""faces: find faces and describe each with 128 numbers (dlib, from the PyPI packages
`face-recognition-models` and `dlib-bin`; no hub model, nothing to download)."""

from __future__ import annotations

from pathlib import Path

from models.role import Resolved, Role, chosen_model, files_size

# dlib's wrapper module (models/faces.py) brings numpy and PIL: it is imported inside the
# methods, so `import models` stays cheap (numpy and PIL cost ~60 ms there).


class FacesRole(Role):
    name = "faces"

    def resolve(self, settings, paths, device: str) -> Resolved:
        """A folder set with `shoebox models use faces FOLDER`, else the packaged files;
        unavailable, with what to do, when dlib or a file is missing or faces are off."""
        from models import faces as f

        if settings.faces is False:
            return Resolved("faces", f.PACKAGE, f.packaged_folder() or Path(f.PACKAGE), "off",
                            reason="faces and people are turned off in Settings (turn them "
                                   "on to find faces)")
        chosen = chosen_model(settings, "faces")
        folder = Path(chosen).expanduser() if chosen else f.packaged_folder()
        source = "settings-folder" if chosen else "python-package"
        if folder is None:
            return Resolved("faces", f.PACKAGE, None, "none",
                            reason=f"the face models are not installed; {f.INSTALL_HINT}")
        if not folder.is_dir():
            return Resolved("faces", str(folder), None, source, reason=(
                f"the folder {folder} set for faces does not exist: fix it with "
                f"`shoebox models use faces FOLDER`, or clear it to use the installed models"))
        problem = f.dlib_problem()
        kind = "cnn" if problem is None and device == "cuda" and f.cuda_detector() else "hog"
        missing = [p.name for p in f.model_files(folder, kind) if not p.is_file()]
        if problem is None and missing:
            problem = f"{folder} lacks {', '.join(missing)}; {f.INSTALL_HINT}"
        return Resolved("faces", str(folder), folder, source, kind, problem)

    def precision(self, r: Resolved, device: str) -> str:
        return "fp32"  # dlib computes in float32 on either device

    def device(self, r: Resolved, device: str) -> str:
        return "cuda" if r.kind == "cnn" else "cpu"  # HOG runs on the CPU whatever the card

    def identity(self, r: Resolved, precision: str) -> str:
        from models.faces import files_identity

        return files_identity(r.path, r.kind)

    def size_bytes(self, r: Resolved) -> int:
        """The files it loads, not the whole package folder (never the 68-point predictor)."""
        from models.faces import model_files

        return sum(files_size(p) for p in model_files(r.path, r.kind))

    def licence(self, r: Resolved) -> str | None:
        return "CC0" if r.source == "python-package" else None

    def make(self, r, settings, paths, **kw):
        from models.faces import DETECT_SCALE, FaceModel, face_processes

        return FaceModel(r.path, kind=r.kind,
                         detect_scale=float(settings.extra.get("face_detect_scale",
                                                               DETECT_SCALE)),
                         processes=int(settings.extra.get("face_processes", face_processes())),
                         **kw)
