"""Registry behaviour: one heavy model resident, idle unload, unavailable roles, the CLI."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np
import pytest

from core.config import Settings
from models import ModelUnavailable, Registry


def test_import_is_cheap():
    import subprocess
    import sys

    code = ("import sys, models; from models import Registry, ModelUnavailable, LLMOutputError; "
            "print(sorted(m for m in ('torch', 'transformers', 'faster_whisper', 'xllamacpp') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         check=False)
    assert out.stdout.strip() == "[]", out.stderr


def test_status_lists_every_role_without_loading(registry, tiny_models):
    st = registry.status()
    assert {"clip", "caption", "whisper", "llm", "faces", "text", "sentences"} <= set(st)
    for role, info in st.items():
        assert info["state"] == "ready", (role, info)
        assert info["identity"] and info["device"] == "cpu" and info["size_mb"] > 0
    assert st["whisper"]["precision"] == "int8" and st["clip"]["precision"] == "fp32"
    assert registry.loaded_roles() == []
    registry.clip()
    assert registry.status()["clip"]["state"] == "loaded"


def test_only_one_heavy_model_stays_beside_clip(registry):
    registry.clip()
    cap = registry.captioner()
    assert set(registry.loaded_roles()) == {"clip", "caption"}
    registry.llm()
    assert set(registry.loaded_roles()) == {"clip", "llm"} and not cap.loaded
    registry.whisper()
    assert set(registry.loaded_roles()) == {"clip", "whisper"}
    # a held handle reloads itself on use, and the budget still holds
    cap.caption([_img()], max_new_tokens=3)
    assert set(registry.loaded_roles()) == {"clip", "caption"}


def _img():
    from PIL import Image

    return Image.fromarray(np.zeros((40, 40, 3), np.uint8))


def test_unload_frees_parameters(registry):
    import gc
    import weakref

    llm = registry.llm()
    ref = weakref.ref(llm.model)
    registry.release("llm")
    gc.collect()
    assert ref() is None and llm.model is None


def test_idle_models_unload_by_timer(paths, tiny_models):
    s = Settings(models={"clip": str(tiny_models["clip"])}, device="cpu", model_idle_unload_s=0.2)
    reg = Registry(s, paths)
    try:
        clip = reg.clip()
        clip.embed_texts(["x"])
        deadline = time.monotonic() + 10
        while clip.loaded and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not clip.loaded
        assert clip.embed_texts(["x"]).shape == (1, clip.dim)  # comes back on use
    finally:
        reg.close()


def test_busy_model_is_not_unloaded_mid_call(registry):
    clip = registry.clip()
    with clip._session():
        clip.last_used = time.monotonic() - 1000
        import threading

        got = []
        t = threading.Thread(target=lambda: got.append(clip.try_unload_idle(1)))
        t.start()
        t.join()
        assert got == [False] and clip.loaded


def test_unavailable_roles_never_crash_status(paths, tmp_path):
    s = Settings(models={"clip": str(tmp_path / "nope"), "caption": str(tmp_path),
                         "whisper": "some-org/some-model", "llm": str(tmp_path / "x.txt")},
                 device="cpu")
    (tmp_path / "x.txt").write_text("hi")
    reg = Registry(s, paths)
    st = reg.status()
    assert st["clip"]["state"] == "missing" and "does not exist" in st["clip"]["reason"]
    assert st["caption"]["state"] == "unavailable" and "config.json" in st["caption"]["reason"]
    assert st["whisper"]["state"] == "missing" and "shoebox models download whisper" in st["whisper"]["reason"]
    assert st["llm"]["state"] == "unavailable"
    for role in ("clip", "caption", "whisper", "llm"):
        assert not reg.available(role)
        with pytest.raises(ModelUnavailable) as ei:
            getattr(reg, {"caption": "captioner"}.get(role, role))()
        assert str(ei.value).startswith(f"the {role} model is unavailable:")


def test_identity_tracks_precision_and_folder(registry, tiny_models, tmp_path):
    import shutil

    ident = registry.identity("llm")
    copy = tmp_path / "llm-copy"
    shutil.copytree(tiny_models["llm"], copy)
    reg2 = Registry(Settings(models={"llm": str(copy)}, device="cpu"), registry.paths)
    assert reg2.identity("llm").split("@")[1] == ident.split("@")[1]  # same files, same hash
    cfg = json.loads((copy / "config.json").read_text())
    cfg["rms_norm_eps"] = 1e-5
    (copy / "config.json").write_text(json.dumps(cfg))
    assert reg2.identity("llm").split("@")[1] != ident.split("@")[1]


def test_cli_models_status_json(tiny_settings, paths, capsys):
    from core.cli.main import main

    tiny_settings.save(paths)
    assert main(["models", "status", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["clip"]["state"] == "ready" and data["clip"]["identity"].endswith(":fp32")
    # a default model says its licence; a folder the user chose has its own card
    assert (data["text"]["licence"], data["faces"]["licence"], data["clip"]["licence"]) == (
        "Apache-2.0", "CC0", None)
    assert main(["models", "status"]) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()
             if line[:1].strip()}
    assert lines["text"].endswith(", Apache-2.0]") and lines["clip"].endswith(" MB]")


def test_cli_use_writes_settings(paths, tiny_models, capsys):
    from core.cli.main import main

    assert main(["models", "use", "clip", str(tiny_models["clip"]), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["state"] == "ready"
    assert Settings.load(paths).models["clip"] == str(tiny_models["clip"].resolve())
    assert main(["models", "use", "clip", "not a/valid/thing"]) == 2
    assert main(["models", "use", "clip", "default"]) == 0
    assert "clip" not in Settings.load(paths).models


def test_cli_download_refuses_politely_offline(paths, capsys):
    from core.cli.main import main

    assert main(["models", "download", "clip"]) == 2
    err = capsys.readouterr().err
    assert "offline" in err and "shoebox models use ROLE /path/to/folder" in err


def test_out_of_memory_halves_the_batch_and_keeps_going(registry):
    clip = registry.clip()
    seen = []

    def run(chunk):  # behaves like a device that only fits two images at a time
        seen.append(len(chunk))
        if len(chunk) > 2:
            raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return [x * 10 for x in chunk]

    with clip._session():
        out = clip._batched(list(range(7)), run, batch_size=8)
    assert out == [x * 10 for x in range(7)]
    assert seen[:3] == [7, 4, 2] and clip.batch_size <= 2
    with clip._session(), pytest.raises(ValueError):
        clip._batched([1], lambda c: (_ for _ in ()).throw(ValueError("not memory")))


@pytest.mark.skipif("not __import__('torch').cuda.is_available()", reason="needs CUDA")
def test_unload_gives_gpu_memory_back(paths, tiny_models):
    import torch

    reg = Registry(Settings(models={"clip": str(tiny_models["clip"])}, device="cuda"), paths)
    before = torch.cuda.memory_allocated()
    reg.clip().embed_texts(["x"])
    assert torch.cuda.memory_allocated() > before
    reg.release("clip")
    assert torch.cuda.memory_allocated() == before
    reg.close()


def test_cheap_device_guess_agrees_with_torch_and_does_not_import_it():
    import subprocess
    import sys

    code = ("import sys; from models.device import guess_device; d = guess_device(); "
            "assert 'torch' not in sys.modules; "
            "from models.device import pick_device; print(d, pick_device())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    guessed, real = out.stdout.split()
    assert guessed == real


def test_status_and_identity_do_not_import_torch(tiny_models, paths):
    import subprocess
    import sys

    code = (
        "import sys, pathlib; from core.config import Settings, Paths; from models import Registry; "
        f"s = Settings(models={{'clip': {str(tiny_models['clip'])!r}}}); "
        f"r = Registry(s, Paths(pathlib.Path({str(paths.home)!r}))); r.status(); r.identity('clip'); "
        "assert 'torch' not in sys.modules, 'torch was imported'")
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)


def test_a_search_may_take_a_recent_identity_everything_else_looks_again(registry, tiny_models,
                                                                         tmp_path, monkeypatch):
    """Queries ask for the model's identity several times each (each look stats every model
    file): they accept one up to QUERY_MAX_AGE_S old. Other callers see a file change at once,
    and everyone sees a change of settings at once."""
    import shutil

    from models import registry as registry_module

    copy = tmp_path / "llm-copy"
    shutil.copytree(tiny_models["llm"], copy)
    reg = Registry(Settings(models={"llm": str(copy)}, device="cpu"), registry.paths)
    before = reg.identity("llm")
    looks = []
    real_resolve = reg.resolve
    monkeypatch.setattr(reg, "resolve", lambda role: looks.append(role) or real_resolve(role))
    assert reg.identity("llm", registry_module.QUERY_MAX_AGE_S) == before and looks == []
    cfg = json.loads((copy / "config.json").read_text())
    cfg["rms_norm_eps"] = 1e-5
    (copy / "config.json").write_text(json.dumps(cfg))
    assert reg.identity("llm", registry_module.QUERY_MAX_AGE_S) == before   # within its age
    changed = reg.identity("llm")                                           # a fresh look
    assert changed != before and looks == ["llm"]
    reg.settings.models["llm"] = str(tiny_models["llm"])                     # settings: at once
    assert reg.identity("llm", registry_module.QUERY_MAX_AGE_S) == registry.identity("llm")
    key, when, *rest = reg._memo["llm"]
    reg._memo["llm"] = (key, when - registry_module.QUERY_MAX_AGE_S, *rest)  # as if older
    looks.clear()
    reg.identity("llm", registry_module.QUERY_MAX_AGE_S)
    assert looks == ["llm"]


def test_onnx_runtime_keeps_no_device_id_or_telemetry_queue(tmp_path):
    """ONNX Runtime's wheels send usage telemetry from Linux too and write a device id and an
    event queue under ~/.cache/Microsoft; with Shoebox's models imported first, nothing."""
    import subprocess
    import sys

    home, tmp = tmp_path / "home", tmp_path / "tmp"
    home.mkdir()
    tmp.mkdir()
    env = {k: v for k, v in os.environ.items()
           if k not in ("ORT_DISABLE_TELEMETRY", "XDG_CACHE_HOME")}
    env.update(HOME=str(home), TMPDIR=str(tmp))
    code = ("import models, onnxruntime, glob; "
            "from rapidocr import RapidOCR; "
            "onnxruntime.InferenceSession(glob.glob(__import__('os').path.dirname("
            "__import__('rapidocr').__file__) + '/models/*.onnx')[0])")
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=120,
                   cwd=Path(__file__).resolve().parents[2])
    assert [p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file()] == []


def test_core_settings_have_every_field_the_models_read():
    """models/ reads settings through ModelSettings' fields, with no getattr defaults: a
    field renamed in core.config.Settings fails here, not at a user's first model load."""
    import dataclasses
    from typing import get_type_hints

    from models.settings import ModelSettings

    fields = {f.name: f for f in dataclasses.fields(Settings)}
    wanted = get_type_hints(ModelSettings)
    assert set(wanted) <= set(fields), set(wanted) - set(fields)
    s = Settings()
    for name, kind in wanted.items():
        assert isinstance(getattr(s, name), getattr(kind, "__origin__", kind)), name
