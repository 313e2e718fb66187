"""whisper: speech in videos and voice notes to text (faster-whisper, CTranslate2)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from models import offline
from models.resolve import HubRole


class WhisperRole(HubRole):
    name = "whisper"
    heavy = True
    hub_default = "Systran/faster-whisper-base"
    offline_default = offline.WHISPER_BASE
    licences: ClassVar[dict[str, str]] = {"Systran/faster-whisper-base": "MIT", offline.WHISPER_BASE.folder: "MIT"}

    def inspect(self, path: Path) -> tuple[str, str | None, Path]:
        if path.is_file():
            return "", f"{path} is a file; point the whisper role at a model folder", path
        if (path / "model.bin").exists() and (path / "config.json").exists():
            if not (path / "tokenizer.json").exists():
                return "ct2", (f"{path} has no tokenizer.json (faster-whisper would try to "
                               "download one)"), path
            return "ct2", None, path
        return "", (f"{path} is not a CTranslate2 Whisper folder (model.bin + config.json); "
                    "convert with ct2-transformers-converter or use a faster-whisper model"), path

    def precision(self, r, device: str) -> str:
        return "float16" if device == "cuda" else "int8"   # CTranslate2's compute types

    def make(self, r, settings, paths, **kw):
        from models.transcriber import Transcriber  # numpy, faster_whisper: only when made

        return Transcriber(r.path, cpu_threads=int(settings.workers or 0), **kw)
