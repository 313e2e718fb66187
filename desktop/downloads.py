"""Downloading missing models from the GUI, with progress and cancel (the same files and the
same offline rule as `shoebox models download`)."""

from __future__ import annotations

import os

from core.errors import ShoeboxError
from core.tasks import TaskState


def roles_to_download(services, roles: list[str]) -> list[tuple[str, str]]:
    """(role, hub id) for roles whose model is a hub id (not a local folder)."""
    from models.resolve import looks_like_hub_id
    from models.role import role_of

    out = []
    for role in roles:
        if not role_of(role).hub_model(services.registry.device):
            continue  # ships with an installed package: nothing to fetch
        chosen = services.settings.models.get(role, "")
        if chosen and not looks_like_hub_id(chosen):
            continue  # a local folder: nothing to fetch
        out.append((role, chosen or role_of(role).hub_model(services.registry.device)))
    return out


def download(services, roles: list[str], task: TaskState) -> list[dict]:
    """Fetch each role's hub model into the Hugging Face cache (resumable); the files-fetched
    count is the progress, and a cancel stops between files."""
    if os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes", "on"):
        raise ShoeboxError(
            "offline mode is on, so nothing was downloaded. To use a model without the "
            "internet, copy its folder to this computer and choose “Use a model folder…”")
    from huggingface_hub import snapshot_download
    from tqdm.auto import tqdm

    from core.cli.models_cmds import ALLOW_PATTERNS

    class Progress(tqdm):  # huggingface_hub reports through a tqdm class: relay it
        def __init__(self, *args, **kwargs):
            kwargs["disable"] = True  # no console output; the GUI shows the progress
            super().__init__(*args, **kwargs)
            task.set_total(int(self.total) if self.total else None)

        def update(self, n=1):
            task.check()  # raises Cancelled: stops between files
            task.advance(int(n or 0))
            return super().update(n)

    done = []
    todo = roles_to_download(services, roles)
    for role, repo in todo:
        task.check()
        task.start(None, f"downloading {repo} for {role}")
        try:
            path = snapshot_download(repo, allow_patterns=ALLOW_PATTERNS, tqdm_class=Progress)
        except ShoeboxError:
            raise
        except Exception as e:
            raise ShoeboxError(
                f"could not download {repo} ({type(e).__name__}: {e}). Check the internet "
                "connection and try again (it resumes), or use a model folder") from e
        done.append({"role": role, "model": repo, "path": path})
    return done
