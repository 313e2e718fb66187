""""Copy diagnostics": what a bug report needs (versions, device, model states, catalog
counts) and nothing private (no file or folder names, no model folder paths)."""

from __future__ import annotations

import json
import platform
import sys

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import qVersion
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from core.query import library_status
from desktop.workers import describe, run_async


def _version(dist: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return None


def collect(services) -> dict:
    """Runs on a worker: reads the catalog and asks the registry for states (loads nothing)."""
    st = library_status(services.catalog)
    models = {}
    reg = services.registry
    if reg is not None:
        try:
            for role, s in reg.status().items():
                models[role] = {k: s.get(k) for k in ("state", "device", "size_mb")}
                ident = s.get("identity")
                if ident and "/" in ident and not ident.startswith(("/", "~", ".")):
                    models[role]["identity"] = ident  # a hub id, not a local path
        except Exception as e:  # noqa: BLE001 - the report must still come out; say what failed
            models["error"] = describe(e)
    return {
        "shoebox": _version("shoebox"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "qt": qVersion(), "pyside6": pyside_version,
        "torch": _version("torch"), "transformers": _version("transformers"),
        "faster_whisper": _version("faster-whisper"),
        "device_setting": services.settings.device,
        "workers": services.settings.workers,
        "models": models,
        "catalog": {"files": st["files"], "pending_jobs": st["pending_jobs"],
                    "errors": st["errors"], "roots": len(st["roots"]),
                    "with_gps": st["with_gps"], "with_exif_date": st["with_exif_date"]},
    }


def copy_diagnostics(services, parent: QWidget | None = None, on_done=None) -> None:
    def done(info: dict) -> None:
        text = json.dumps(info, indent=2, default=str)
        QApplication.clipboard().setText(text)
        if on_done is not None:
            on_done(text)
        elif parent is not None:
            QMessageBox.information(parent, "Diagnostics copied",
                                    "Diagnostics are on the clipboard (no file names in them).")

    run_async(collect, services, on_done=done,
              on_error=lambda e: QMessageBox.warning(parent, "Diagnostics", describe(e)))
