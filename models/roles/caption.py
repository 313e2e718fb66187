"""caption: a sentence describing each photo (BLIP on the CPU, BLIP-2 on a CUDA GPU)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from models import device as devices
from models.resolve import HubRole, transformers_folder


class CaptionRole(HubRole):
    name = "caption"
    heavy = True
    hub_default = "Salesforce/blip-image-captioning-base"
    hub_default_gpu = "Salesforce/blip2-opt-2.7b"
    licences: ClassVar[dict[str, str]] = {"Salesforce/blip-image-captioning-base": "BSD-3-Clause",
                "Salesforce/blip2-opt-2.7b": "MIT"}

    def hub_model(self, device: str) -> str | None:
        return self.hub_default_gpu if device == "cuda" else self.hub_default

    def inspect(self, path: Path) -> tuple[str, str | None, Path]:
        cfg, problem = transformers_folder(path, self.name)
        mt = cfg.get("model_type", "")
        if problem is not None:
            return mt, problem, path
        if mt in ("blip-2", "blip"):
            return mt.replace("-", ""), None, path
        return mt, f"{path} holds a {mt or 'unknown'} model, not BLIP or BLIP-2", path

    def precision(self, r, device: str) -> str:
        # measured: 8-bit BLIP-2 with CLIP peaks at 5.35 GiB, too tight on a 6 GB card; 4-bit 3.9
        if r.kind == "blip2" and devices.bitsandbytes_usable(device):
            return "nf4"
        return super().precision(r, device)

    def make(self, r, settings, paths, **kw):
        from models.captioner import Captioner  # transformers paths: only when a model is made

        return Captioner(r.path, kind=r.kind, **kw)
