"""The contract every model role keeps, and the table of registered roles.

A role (clip, caption, whisper, ...) is one object that says, without loading anything:
- resolve: which files to load, or why there are none (Resolved);
- identify: name @ revision-or-content-hash : precision, its licence and its size;
- place: the precision and the device it runs at;
- make: its wrapper (a models.base.ModelWrapper), still unloaded.
The registry (models/registry.py) asks only these questions, for every registered role, so
adding a role is its module plus one `register(...)` line (docs/ARCHITECTURE.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, NamedTuple

if TYPE_CHECKING:  # annotations only: a role makes wrappers, it needs no class of theirs
    from models.base import ModelWrapper
    from models.settings import ModelPaths, ModelSettings


class Resolved(NamedTuple):
    """Which files a role would load, decided without loading them. (A NamedTuple, not a
    dataclass: `import models` then skips dataclasses and inspect, ~6 ms at every start.)"""

    role: str
    model: str              # what the user chose or the default: hub id, folder or file
    path: Path | None       # the files to load (None when missing)
    source: str             # settings-folder | settings-hub | offline-package | packaged |
                            # package | python-package | hub-cache | off | none
    kind: str = ""          # what the files hold: clip | st-clip | blip | blip2 | ct2 | gguf ...
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


class Role:
    """One model role. Subclass it, set `name`, implement resolve() and make(); override the
    other methods only where the role differs from these defaults."""

    name: str = ""
    heavy: bool = False     # heavy roles take turns: one stays resident (models/registry.py)
    licences: ClassVar[dict[str, str]] = {}   # default model (Resolved.model or .name) -> its licence

    def resolve(self, settings: ModelSettings, paths: ModelPaths, device: str) -> Resolved:
        raise NotImplementedError

    def make(self, r: Resolved, settings: ModelSettings, paths: ModelPaths,
             **kw) -> ModelWrapper:
        """The wrapper for r's files, not loaded yet. kw: identity, device, precision,
        before_load, load_lock: pass them on to ModelWrapper.__init__ unchanged."""
        raise NotImplementedError

    def hub_model(self, device: str) -> str | None:
        """The hub id `shoebox models download` fetches by default; None: nothing to fetch
        (the files come with an installed package)."""
        return None

    def precision(self, r: Resolved, device: str) -> str:
        if r.kind == "gguf":
            return "gguf"   # llama.cpp runs the file's own quantisation on either device
        return "fp32" if device == "cpu" else "fp16"

    def device(self, r: Resolved, device: str) -> str:
        """Where the model runs when the registry runs on `device`."""
        return device

    def identity(self, r: Resolved, precision: str) -> str:
        if r.sha256:  # offline default: the verified sha256 of its weights is the revision
            return f"{r.name}@{r.sha256[:8]}:{precision}"
        from models.identity import make_identity  # hashlib: ~2 ms at start, used at status

        return make_identity(r.name, r.path, precision)

    def size_bytes(self, r: Resolved) -> int:
        """Bytes of the files the model loads (status shows it; a pending offline default
        says its joined size)."""
        return files_size(r.path) if r.path is not None else 0

    def licence(self, r: Resolved) -> str | None:
        """The licence of the role's default model; None for a model the user chose (its
        card says)."""
        if r.source.startswith("settings"):
            return None
        return self.licences.get(r.model) or self.licences.get(r.name)

    def prepare(self, r: Resolved, paths: ModelPaths) -> None:
        """Make a pending model's files (r.pending) ready before the first load. Raises
        OSError or ValueError with the reason."""


def chosen_model(settings: ModelSettings, role: str) -> str:
    """What the user set for `role` (a folder, a file or a hub id); '' for the default."""
    return str(settings.models.get(role, "") or "").strip()


def files_size(path: Path) -> int:
    """Bytes under path (a file, or a folder; a sentence-transformers module's parent)."""
    try:
        if path.is_file():
            return path.stat().st_size
        if path.name and (path.parent / "modules.json").exists():
            path = path.parent
        return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    except OSError:
        return 0


_ROLES: dict[str, Role] = {}


def register(role: Role) -> Role:
    """Add a role; status lists roles in the order they were registered."""
    if not role.name or role.name in _ROLES:
        raise ValueError(f"a model role needs a new name; {role.name!r} is "
                         f"{'taken' if role.name else 'empty'}")
    _ROLES[role.name] = role
    return role


def unregister(name: str) -> None:
    """Remove a role (tests and plugins that registered one)."""
    _ROLES.pop(name, None)


def role_of(name: str) -> Role:
    try:
        return _ROLES[name]
    except KeyError:
        raise ValueError(f"unknown model role {name!r}; roles are {', '.join(_ROLES)}") from None


def role_names() -> tuple[str, ...]:
    return tuple(_ROLES)


def heavy_roles() -> tuple[str, ...]:
    return tuple(n for n, r in _ROLES.items() if r.heavy)
