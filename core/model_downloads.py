"""Fetching roles' models from the Hugging Face hub: the one path `shoebox models download`
and the app's "Download missing models" both take.

plan() decides what to fetch, and sets aside each role that is not ready and has nothing on
the hub (a package that is not installed, a folder that is gone) with the reason. fetch()
downloads the rest into the Hugging Face cache (resumable), with progress and cancel through a
TaskState when one is given, and then reports the roles set aside: one broken role does not
keep the others from being fetched.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from core.errors import ShoeboxError
from core.tasks import TaskState
from models.resolve import looks_like_hub_id
from models.role import chosen_model, role_names, role_of

# Files worth fetching from a model repo: one weight format, configs and tokenizers.
ALLOW_PATTERNS = ["*.json", "*.safetensors", "*.txt", "*.model", "tokenizer*", "model.bin",
                  "vocabulary*", "*.tiktoken", "*.py"]

OFFLINE_MESSAGE = (
    "offline mode is on (HF_HUB_OFFLINE), so nothing was downloaded. To use a model without "
    "the internet, copy its folder to this computer and choose “Use a model folder…” in the "
    "app, or run `shoebox models use ROLE /path/to/folder`")


@dataclass(frozen=True)
class Download:
    role: str
    repo: str   # hub id


@dataclass(frozen=True)
class Plan:
    todo: list[Download]
    refused: list[str]   # a sentence per role that is not ready and has nothing to fetch


def offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes", "on")


def plan(registry, roles: Sequence[str] | None = None) -> Plan:
    """What to fetch for `roles` (None: every missing role that has a hub model), and why each
    role that is not ready but cannot be fetched is set aside. A role set to a local folder
    that is there has nothing to fetch. Raises ShoeboxError for an unknown role."""
    known = role_names()
    if roles is None:
        roles = [r for r in known if registry.resolve(r).state == "missing"
                 and role_of(r).hub_model(registry.device)]
    bad = [r for r in roles if r not in known]
    if bad:
        raise ShoeboxError(f"unknown role {', '.join(bad)}; roles are {', '.join(known)}")
    todo, refused = [], []
    for role in roles:
        chosen = chosen_model(registry.settings, role)
        hub = role_of(role).hub_model(registry.device)
        repo = (chosen if looks_like_hub_id(chosen) else None) if chosen else hub
        if repo is None or not hub:   # a folder, or a role whose files come with a package
            r = registry.resolve(role)
            if r.state != "ready":
                refused.append(f"the {role} model is not downloaded from the hub: {r.reason}")
            continue
        todo.append(Download(role, repo))
    return Plan(todo, refused)


def fetch(planned: Plan, task: TaskState | None = None,
          say: Callable[[str], None] | None = None) -> list[dict]:
    """Download what `planned` can fetch, then raise ShoeboxError naming the roles it set
    aside, if any (saying what was downloaded before). Returns what was downloaded."""
    done = download(planned.todo, task, say)
    error = refusal(planned, done)
    if error is not None:
        raise error
    return done


def refusal(planned: Plan, done: list[dict]) -> ShoeboxError | None:
    """The error naming the roles `planned` set aside, and what was downloaded beside them."""
    if not planned.refused:
        return None
    fetched = ", ".join(d["role"] for d in done)
    return ShoeboxError("; ".join(planned.refused) + (
        f" (downloaded: {fetched})" if fetched else " (nothing was downloaded)"))


def download(todo: Sequence[Download], task: TaskState | None = None,
             say: Callable[[str], None] | None = None) -> list[dict]:
    """Fetch each model into the Hugging Face cache; partial files resume. With a task, the
    files fetched are its progress and a cancel stops between files (raises Cancelled);
    without one, huggingface_hub draws its progress bars on stderr. say: one line per step."""
    if not todo:
        return []
    if offline():
        raise ShoeboxError(OFFLINE_MESSAGE)
    from huggingface_hub import snapshot_download

    progress = {} if task is None else {"tqdm_class": relay_progress(task)}
    done = []
    for item in todo:
        if task is not None:
            task.check()
            task.start(None, f"downloading {item.repo} for {item.role}")
        if say:
            say(f"downloading {item.repo} for {item.role} (resumes if interrupted)…")
        try:
            path = snapshot_download(item.repo, allow_patterns=ALLOW_PATTERNS, **progress)
        except ShoeboxError:   # Cancelled
            raise
        except Exception as e:
            raise ShoeboxError(
                f"could not download {item.repo} ({type(e).__name__}: {e}). Check the internet "
                f"connection and try again (it resumes), or copy the model folder here and "
                f"choose “Use a model folder…” in the app, or run "
                f"`shoebox models use {item.role} /path/to/folder`") from e
        done.append({"role": item.role, "model": item.repo, "path": path})
        if say:
            say(f"{item.role}: {item.repo} ready at {path}")
    return done


def relay_progress(task: TaskState):
    """A tqdm class (how huggingface_hub reports) that feeds the task instead of a console."""
    from tqdm.auto import tqdm

    class Progress(tqdm):
        def __init__(self, *args, **kwargs):
            kwargs["disable"] = True  # no console output; the task's watcher shows progress
            super().__init__(*args, **kwargs)
            task.set_total(int(self.total) if self.total else None)

        def update(self, n=1):
            task.check()  # raises Cancelled: stops between files
            task.advance(int(n or 0))
            return super().update(n)

    return Progress
