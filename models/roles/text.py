"""text: words written in photos (OCR: RapidOCR's PaddleOCR models on ONNX Runtime). The
files come with the installed rapidocr package, or from a folder the user chose."""

from __future__ import annotations

from pathlib import Path

from models.role import Resolved, Role, chosen_model

# models/ocr.py brings numpy: imported inside the methods (see models/roles/faces.py).


class TextRole(Role):
    name = "text"

    def resolve(self, settings, paths, device: str) -> Resolved:
        """A folder with det/cls/rec ONNX files, by default the rapidocr package's."""
        from models import ocr

        missing = ocr.missing_libraries()
        if missing:
            return Resolved("text", "rapidocr", None, "none", reason=(
                f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not installed, "
                f"so text in photos is not read: reinstall Shoebox, or run "
                f"`pip install rapidocr onnxruntime` in its environment"))
        chosen = chosen_model(settings, "text")
        if chosen:
            folder, source, model = Path(chosen).expanduser(), "settings-folder", chosen
        else:
            folder, source = ocr.package_folder(), "package"
            model = f"rapidocr-{ocr.library_version()}"
            if folder is None:
                return Resolved("text", model, None, source, reason=(
                    "the rapidocr package has no models folder: reinstall it with "
                    "`pip install --force-reinstall rapidocr`"))
        if not folder.exists():
            return Resolved("text", model, None, source, reason=(
                f"the folder {folder} set for text does not exist: fix it with "
                f"`shoebox models use text PATH`, or `shoebox models use text default`"))
        _, problem = ocr.model_files(folder)
        return Resolved("text", model, folder, source, "onnx", problem)

    def precision(self, r: Resolved, device: str) -> str:
        return "fp32"  # the OCR models are fp32 ONNX graphs on every device

    def device(self, r: Resolved, device: str) -> str:
        """ONNX Runtime runs OCR on CUDA only with its GPU build; otherwise on the CPU."""
        if device != "cuda":
            return "cpu"
        import onnxruntime

        return "cuda" if "CUDAExecutionProvider" in onnxruntime.get_available_providers() else "cpu"

    def licence(self, r: Resolved) -> str | None:
        return "Apache-2.0" if r.source == "package" else None

    def make(self, r, settings, paths, **kw):
        from models.ocr import TextReader

        return TextReader(r.path, cpu_threads=int(settings.workers or 0), **kw)
