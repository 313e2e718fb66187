"""llm: answers questions and names plans (a GGUF file on llama.cpp, or transformers)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from models import device as devices
from models import offline
from models.resolve import HubRole, transformers_folder


class LLMRole(HubRole):
    name = "llm"
    heavy = True
    hub_default = "microsoft/Phi-3.5-mini-instruct"
    offline_default = offline.QWEN_CODER_GGUF
    licences: ClassVar[dict[str, str]] = {"microsoft/Phi-3.5-mini-instruct": "MIT",
                offline.QWEN_CODER_GGUF.folder: "Apache-2.0"}

    def inspect(self, path: Path) -> tuple[str, str | None, Path]:
        if path.is_file():
            if path.suffix.lower() == ".gguf":
                return "gguf", None, path
            return "", f"{path} is not a .gguf file or a model folder", path
        ggufs = sorted(path.glob("*.gguf"))
        if ggufs:
            return "gguf", None, ggufs[0]
        cfg, problem = transformers_folder(path, self.name)
        return ("transformers" if problem is None else cfg.get("model_type", "")), problem, path

    def precision(self, r, device: str) -> str:
        if r.kind == "transformers" and devices.bitsandbytes_usable(device):
            return "nf4"
        return super().precision(r, device)

    def make(self, r, settings, paths, **kw):
        from models.llm import make_llm  # llama.cpp or transformers: only when made

        # settings.json "llm_threads" (kept in Settings.extra); 0 = about the physical cores
        return make_llm(r.path, kind=r.kind,
                        cpu_threads=int(settings.extra.get("llm_threads", 0) or 0),
                        socket_dir=paths.home / "run", **kw)
