"""Downloading missing models from the GUI, with progress and cancel: core.model_downloads,
the path `shoebox models download` takes, so both fetch the same files, refuse the same
roles and say the same things."""

from __future__ import annotations

from core import model_downloads
from core.tasks import TaskState


def download(services, roles: list[str], task: TaskState) -> list[dict]:
    """Fetch each role's hub model into the Hugging Face cache (resumable). A role that is not
    ready and has nothing to fetch raises ShoeboxError once the others are fetched, which the
    dialog shows."""
    return model_downloads.fetch(model_downloads.plan(services.registry, roles), task)
