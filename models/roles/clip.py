"""clip: images and texts in one vector space (search by description, similar, collections)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from models.folders import read_json
from models.resolve import HubRole, transformers_folder


class ClipRole(HubRole):
    name = "clip"
    hub_default = "openai/clip-vit-base-patch32"
    licences: ClassVar[dict[str, str]] = {"openai/clip-vit-base-patch32": "MIT"}

    def inspect(self, path: Path) -> tuple[str, str | None, Path]:
        if path.is_file():
            return "", f"{path} is a file; point the clip role at a model folder", path
        if (path / "modules.json").exists():
            # sentence-transformers CLIP folder: the transformers CLIPModel sits in a module
            # subfolder
            modules = read_json(path / "modules.json")
            for mod in modules if isinstance(modules, list) else []:
                sub = path / str(mod.get("path", ""))
                if mod.get("path") and read_json(sub / "config.json").get("model_type") == "clip":
                    _, problem, _ = self.inspect(sub)
                    return "st-clip", problem, sub
            return "", f"{path} is a sentence-transformers folder without a CLIP model", path
        cfg, problem = transformers_folder(path, self.name)
        mt = cfg.get("model_type", "")
        if problem is None and mt != "clip":
            problem = f"{path} holds a {mt or 'unknown'} model, not CLIP"
        return ("clip" if problem is None else mt), problem, path

    def make(self, r, settings, paths, **kw):
        from models.clip import ClipModel  # numpy, PIL, onnx paths: only when a model is made

        return ClipModel(r.path, cache_dir=paths.home / "cache", **kw)
