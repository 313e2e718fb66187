"""The registry: which model each role uses, where it runs, and what stays in memory.

- Cheap to construct; nothing loads until a role is asked for (reg.clip() etc.).
- Device from settings (auto → CUDA, then Apple MPS, then CPU); precision per role and device.
- GPU budget: CLIP stays; at most one heavy model (caption, whisper, llm) is resident. Loading
  one unloads the others: measured with CLIP beside it, BLIP-2 4-bit peaks at 3.9 GiB and
  Phi-3.5 4-bit at ~3.7 GiB (CUDA context included), so each pair stays under 5 GB.
- Models unused for settings.model_idle_unload_s are unloaded by a background timer.
- A missing or broken model raises ModelUnavailable with what to do; status() never raises.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING, Any

import models.roles  # noqa: F401  (registers the built-in roles)
from models.device import guess_device, is_oom, pick_device
from models.errors import ModelUnavailable
from models.role import Resolved, chosen_model, heavy_roles, role_names, role_of

if TYPE_CHECKING:  # Protocols for the type checker only
    from models.settings import ModelPaths, ModelSettings

log = logging.getLogger(__name__)

__all__ = ["Registry"]

# How old an answer about a role's model (resolved folder, identity) a search query accepts:
# each look stats every model file (~1 ms for the sentences model's 15 files) and a query asks
# several times (bench_sentences' profile). Everything else looks afresh; a change of settings
# or device is seen at once either way.
QUERY_MAX_AGE_S = 2.0


class Registry:
    def __init__(self, settings: ModelSettings, paths: ModelPaths):
        self.settings = settings
        self.paths = paths
        self._lock = threading.RLock()        # guards the tables below
        self._load_lock = threading.RLock()   # one model load/swap at a time (before wrapper locks)
        self._wrappers: dict[str, Any] = {}
        self._failed: dict[str, tuple[str, str]] = {}   # role -> (identity, reason) of a failed load
        self._memo: dict[str, tuple] = {}     # role -> (key, when, Resolved, identity): _resolved
        self._device: str | None = None
        self._device_confirmed = False
        self._stop = threading.Event()
        self._timer: threading.Thread | None = None

    # -- facts, no loading -------------------------------------------------------------------
    @property
    def device(self) -> str:
        if self._device is None:
            self._device = guess_device(self.settings.device)
        return self._device

    def _confirm_device(self) -> None:
        """Before the first load (torch is imported then anyway): check the cheap guess with
        torch itself, and believe torch when they disagree."""
        if self._device_confirmed:
            return
        real = pick_device(self.settings.device)
        if real != self.device:
            log.warning("expected to run models on %s but torch can use %s; using %s",
                        self.device, real, real)
            self._device = real
        self._device_confirmed = True

    def resolve(self, role: str) -> Resolved:
        return role_of(role).resolve(self.settings, self.paths, self.device)

    def precision(self, role: str, r: Resolved | None = None) -> str:
        return role_of(role).precision(r or self.resolve(role), self.device)

    def _identity(self, role: str, r: Resolved) -> str:
        return role_of(role).identity(r, self.precision(role, r))

    def _resolved(self, role: str, max_age_s: float = 0.0) -> tuple[Resolved, str | None]:
        """(resolve(role), its identity, or None when not ready); the last answer when it is
        under max_age_s old and the role's setting and the device are the same."""
        chosen = chosen_model(self.settings, role)
        key = (chosen, self.device, self.settings.device)
        now = time.monotonic()
        memo = self._memo.get(role)
        if memo is not None and memo[0] == key and now - memo[1] < max_age_s:
            return memo[2], memo[3]
        r = self.resolve(role)
        ident = self._identity(role, r) if r.state == "ready" else None
        self._memo[role] = (key, now, r, ident)
        return r, ident

    def identity(self, role: str, max_age_s: float = 0.0) -> str:
        """Model id + revision/content hash + precision, without loading weights (an answer
        up to max_age_s old will do: QUERY_MAX_AGE_S for search queries).

        Raises ModelUnavailable when the role has no model files."""
        r, ident = self._resolved(role, max_age_s)
        if ident is None:
            raise ModelUnavailable(role, r.reason or "no model")
        return ident

    def available(self, role: str) -> bool:
        r = self.resolve(role)
        if r.state != "ready":
            return False
        failed = self._failed.get(role)
        return not (failed and failed[0] == self._identity(role, r))

    def status(self) -> dict[str, dict]:
        out = {}
        for role in role_names():
            try:
                out[role] = self._status_one(role)
            except (OSError, ValueError) as e:  # status must always answer
                out[role] = {"state": "unavailable", "model": None, "identity": None,
                             "reason": f"cannot inspect the model: {e}", "device": None,
                             "size_mb": None, "path": None, "precision": None, "source": None,
                             "licence": None}
        return out

    def _status_one(self, role: str) -> dict:
        spec = role_of(role)
        r = self.resolve(role)
        info = {"state": r.state, "model": r.model, "identity": None, "reason": r.reason,
                "device": None, "precision": None, "size_mb": None,
                "path": str(r.path) if r.path else None, "source": r.source, "kind": r.kind or None,
                "licence": spec.licence(r)}
        if r.path is None:
            return info
        info["size_mb"] = round(spec.size_bytes(r) / 2**20, 1)
        if r.pending:
            info["reason"] = "packaged weights are joined and verified on first use"
        if r.state != "ready":
            return info
        ident = self._identity(role, r)
        w = self._wrappers.get(role)
        info.update(identity=ident, device=spec.device(r, self.device),
                    precision=self.precision(role, r))
        failed = self._failed.get(role)
        if failed and failed[0] == ident:
            info.update(state="unavailable", reason=failed[1])
        elif w is not None and w.loaded and _base(w.identity) == _base(ident):
            info.update(state="loaded", device=w.device, precision=w.precision, identity=w.identity)
        return info

    # -- getting models ----------------------------------------------------------------------
    def clip(self, max_age_s: float = 0.0):
        return self.get("clip", max_age_s)

    def captioner(self):
        return self.get("caption")

    def whisper(self):
        return self.get("whisper")

    def llm(self):
        return self.get("llm")

    def faces(self):
        return self.get("faces")

    def text_reader(self):
        return self.get("text")

    def sentences(self, max_age_s: float = 0.0):
        return self.get("sentences", max_age_s)

    def get(self, role: str, max_age_s: float = 0.0):
        """The role's model, loaded (and the GPU budget kept). Raises ModelUnavailable."""
        with self._lock:
            self._confirm_device()
            r, ident = self._resolved(role, max_age_s)
            if ident is None:
                raise ModelUnavailable(role, r.reason or "no model is set")
            failed = self._failed.get(role)
            if failed and failed[0] == ident:
                raise ModelUnavailable(role, failed[1])
            if r.pending:
                try:
                    role_of(role).prepare(r, self.paths)
                except (OSError, ValueError) as e:
                    reason = f"the packaged {role} weights could not be prepared: {e}"
                    self._failed[role] = (ident, reason)
                    raise ModelUnavailable(role, reason) from e
                r, _ = self._resolved(role)   # max_age_s 0: looks afresh
            w = self._wrappers.get(role)
            # same files (an OOM move to the CPU only changed the precision): keep the wrapper
            if w is None or _base(w.identity) != _base(ident):
                if w is not None:
                    w.unload()
                w = self._make(role, r, ident)
                self._wrappers[role] = w
        try:
            try:
                w.load()
            except Exception as e:
                if not (is_oom(e) and w.device != "cpu"):
                    raise
                log.warning("%s did not fit on %s; loading it on the CPU instead", role, w.device)
                with w._lock:
                    w._move_to_cpu()
                    w._loaded = True
            self._check_budget(w)
        except ModelUnavailable:
            raise
        except Exception as e:
            reason = (f"{r.path} could not be loaded ({type(e).__name__}: {e}). Point the role at "
                      f"another model with `shoebox models use {role} PATH_OR_ID`")
            log.warning("%s", reason, exc_info=True)
            with self._lock:
                self._failed[role] = (ident, reason)
                self._wrappers.pop(role, None)
            raise ModelUnavailable(role, reason) from e
        self._start_timer()
        return w

    def _check_budget(self, w) -> None:
        """On CUDA, a heavy model that pushes allocated memory past settings.gpu_budget_gb
        moves to the CPU (slower, but the run goes on and the card stays usable)."""
        if w.device != "cuda" or w.role not in heavy_roles():
            return
        import torch

        budget = float(self.settings.gpu_budget_gb or 0) * 2**30
        used = torch.cuda.memory_allocated()
        if budget and used > budget:
            log.warning("%s needs %.1f GiB with CLIP beside it, over the %.1f GiB budget; "
                        "running it on the CPU", w.role, used / 2**30, budget / 2**30)
            with w._lock:
                w._move_to_cpu()

    def _make(self, role: str, r: Resolved, ident: str):
        spec = role_of(role)
        return spec.make(r, self.settings, self.paths, identity=ident,
                         device=spec.device(r, self.device), precision=self.precision(role, r),
                         before_load=self._make_room, load_lock=self._load_lock)

    def _make_room(self, wrapper) -> None:
        """Called under the load lock before `wrapper` loads: keep one heavy model resident."""
        heavy = heavy_roles()
        if wrapper.role not in heavy:
            return
        with self._lock:
            others = [w for role, w in self._wrappers.items() if role in heavy and w is not wrapper]
        for w in others:
            if w.loaded:
                log.info("unloading %s to make room for %s", w.role, wrapper.role)
                w.unload()

    def loaded_roles(self) -> list[str]:
        with self._lock:
            return [role for role, w in self._wrappers.items() if w.loaded]

    # -- unloading ---------------------------------------------------------------------------
    def release(self, role: str) -> None:
        with self._lock:
            w = self._wrappers.get(role)
        if w is not None:
            w.unload()

    def close(self) -> None:
        self._stop.set()
        with self._lock:
            wrappers = list(self._wrappers.values())
            self._wrappers.clear()
        for w in wrappers:
            w.unload()
        t = self._timer
        if t is not None and t.is_alive() and t is not threading.current_thread():
            t.join(timeout=2)

    def unload_idle(self) -> list[str]:
        """Unload every model unused for settings.model_idle_unload_s; returns their roles."""
        idle = float(self.settings.model_idle_unload_s or 0)
        if idle <= 0:
            return []
        with self._lock:
            items = list(self._wrappers.items())
        return [role for role, w in items if w.try_unload_idle(idle)]

    def _start_timer(self) -> None:
        idle = float(self.settings.model_idle_unload_s or 0)
        if idle <= 0 or self._stop.is_set():
            return
        with self._lock:
            if self._timer is not None and self._timer.is_alive():
                return
            self._timer = threading.Thread(target=self._idle_loop, args=(idle,),
                                           name="shoebox-model-idle", daemon=True)
            self._timer.start()

    def _idle_loop(self, idle: float) -> None:
        tick = max(0.05, min(30.0, idle / 4))
        while not self._stop.wait(tick):
            self.unload_idle()


def _base(identity: str) -> str:
    return identity.rsplit(":", 1)[0]
