"""The GPU path's choices, checked on a CPU machine (the GPU runs themselves are
benchmarks/bench_gpu.py's, where a GPU is lent): CLIP in fp16 on CUDA, the heavy models in
4-bit when bitsandbytes is there, the CNN face detector only on a CUDA dlib, JPEGs decoded
on the GPU only with CUDA, and CPU-only decoding taking turns with the models."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config import Settings
from models import Registry
from models import device as devices
from models import faces as face_models
from models.role import Resolved, heavy_roles, role_of


@pytest.fixture
def cuda_registry(tiny_models, paths):
    # the registry believes settings.device until its first load (none here): what it
    # would choose on a CUDA machine, without one
    settings = Settings(models={r: str(tiny_models[r]) for r in ("clip", "caption", "llm")},
                        device="cuda", gpu_budget_gb=5.0)
    reg = Registry(settings, paths)
    assert reg.device == "cuda"
    yield reg
    reg.close()


def test_clip_runs_in_half_precision_on_cuda_and_full_on_the_cpu(cuda_registry, registry):
    assert cuda_registry.precision("clip") == "fp16"
    assert registry.precision("clip") == "fp32"
    # the precision is part of the identity: vectors of the two never mix
    assert cuda_registry.identity("clip") != registry.identity("clip")


@pytest.mark.parametrize("bnb", [True, False])
def test_heavy_models_are_4bit_on_cuda_when_bitsandbytes_is_there(monkeypatch, bnb):
    monkeypatch.setattr(devices, "bitsandbytes_usable", lambda device: bnb and device == "cuda")
    for role, kind in (("caption", "blip2"), ("llm", "transformers")):
        r = Resolved(role, "m", Path("m"), "settings-folder", kind)
        assert role_of(role).precision(r, "cuda") == ("nf4" if bnb else "fp16")
        assert role_of(role).precision(r, "cpu") == "fp32"
    # a GGUF LLM keeps its own quantisation; Whisper its CTranslate2 types
    gguf = Resolved("llm", "m.gguf", Path("m.gguf"), "settings-folder", "gguf")
    assert role_of("llm").precision(gguf, "cuda") == "gguf"
    ct2 = Resolved("whisper", "w", Path("w"), "settings-folder", "ct2")
    assert role_of("whisper").precision(ct2, "cuda") == "float16"
    assert role_of("whisper").precision(ct2, "cpu") == "int8"


def test_registry_asks_4bit_only_for_the_quantizable_heavy_models(cuda_registry, monkeypatch):
    monkeypatch.setattr(devices, "bitsandbytes_usable", lambda device: device == "cuda")
    assert cuda_registry.precision("llm") == "nf4"           # transformers LLM
    assert cuda_registry.precision("caption") == "fp16"      # BLIP (not BLIP-2): small
    assert cuda_registry.precision("clip") == "fp16"         # CLIP is never quantised


def test_one_heavy_model_at_a_time_on_cuda_too(cuda_registry):
    assert {"caption", "llm", "whisper"} <= set(heavy_roles()) and "clip" not in heavy_roles()
    assert cuda_registry.settings.gpu_budget_gb == 5.0


def test_faces_use_the_cnn_detector_only_with_a_cuda_dlib(monkeypatch, tiny_settings):
    assert face_models.dlib_problem() is None and face_models.packaged_folder() is not None
    for has_cuda_dlib, device, kind in ((True, "cuda", "cnn"), (False, "cuda", "hog"),
                                        (True, "cpu", "hog")):
        monkeypatch.setattr(face_models, "cuda_detector", lambda v=has_cuda_dlib: v)
        r = role_of("faces").resolve(tiny_settings, None, device)
        assert (r.kind, r.reason) == (kind, None), (has_cuda_dlib, device)
    # one GPU context: the CNN detector runs in this process, never in helper processes
    model = face_models.FaceModel(face_models.packaged_folder(), kind="cnn", processes=2)
    assert model.processes == 0
    assert face_models.FaceModel(face_models.packaged_folder(), kind="hog",
                                 processes=2).processes == 2


def test_jpegs_are_decoded_on_the_gpu_only_with_cuda(cuda_registry, registry, tiny_settings,
                                                     paths):
    import torch

    from core.pipeline.base import Env
    from core.pipeline.jobs import BY_NAME
    from core.pipeline.pixels import PixelPass
    from core.pipeline.stages import ThumbnailRunner
    from core.tasks import TaskState
    from models import jpeg_gpu

    stage = BY_NAME["thumbnail"]
    for reg in (registry, cuda_registry):
        env = Env(reg, tiny_settings, paths, TaskState("t"))
        p = PixelPass({"thumbnail": ThumbnailRunner(stage, env, "t")}, env)
        on_gpu = reg.device == "cuda" and torch.cuda.is_available()
        assert p.jpeg_decoder is (jpeg_gpu.decode if on_gpu else None)


def test_the_gpu_benchmark_plans_its_parts_without_a_gpu(tmp_path):
    from benchmarks import bench_gpu

    args = bench_gpu.parse_args(["--photos", "16", "--skip", "faces"])
    plan = bench_gpu.plan(args, tmp_path)
    assert plan["parts"] == ["clip", "heavy"]
    settings = plan["settings"]
    assert settings.device == "cuda" and settings.gpu_budget_gb == 5.0
    assert set(settings.models) == {"clip", "caption", "llm"}  # folders made by run()
    assert bench_gpu.plan(bench_gpu.parse_args(["--skip", "heavy,faces"]), tmp_path)[
        "parts"] == ["clip"]
    with pytest.raises(SystemExit, match="unknown part"):
        bench_gpu.plan(bench_gpu.parse_args(["--skip", "clips"]), tmp_path)
    import torch

    if not torch.cuda.is_available():
        with pytest.raises(SystemExit, match="no CUDA device"):
            bench_gpu.main(["--photos", "4"])


def test_a_heavy_model_over_the_gpu_budget_runs_on_the_cpu(registry, monkeypatch, caplog):
    """The registry's budget check after a heavy model loads on CUDA: with CLIP beside it,
    more allocated than settings.gpu_budget_gb moves it to the CPU (slower; the card stays
    usable and the run goes on), within the budget it stays; CLIP is never moved. torch's
    allocator is asked for the figure: here it is told one (this machine has no GPU)."""
    import torch

    registry.settings.gpu_budget_gb = 5.0
    cap, clip = registry.captioner(), registry.clip()     # tiny; loaded on the CPU here
    for used_gib, moved in ((4.5, False), (5.5, True)):
        monkeypatch.setattr(torch.cuda, "memory_allocated", lambda *a, v=used_gib: v * 2**30)
        for w in (cap, clip):   # as if they had loaded on the card
            w.device, w.precision, w.identity = "cuda", "fp16", w.identity.rsplit(":", 1)[0] + ":fp16"
        caplog.clear()
        registry._check_budget(cap)
        registry._check_budget(clip)
        assert (cap.device, cap.identity.endswith(":fp32")) == (("cpu", True) if moved
                                                                else ("cuda", False))
        assert clip.device == "cuda"
        assert ("over the 5.0 GiB budget" in caplog.text) is moved
    assert cap.loaded and len(cap.caption([__import__("PIL.Image").Image.new("RGB", (32, 32))])) == 1
