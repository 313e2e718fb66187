"""The GPU path, measured in one command on a machine with an NVIDIA GPU (none here: prepared,
not yet run; see docs/BENCHMARKS.md for what has been measured).

    .venv/bin/python -m benchmarks.bench_gpu [--photos 256] [--json PATH]

Needs a CUDA build of torch plus torchvision (nvJPEG), bitsandbytes (`.[gpu]`) and, for the
faces part, dlib built with CUDA; a part whose requirement is missing says so and the others
still run. All models are full-size architectures with random weights built from their
configs (no hub): compute and memory do not depend on weight values.

1. CLIP ViT-B/32 fp16 on 12 MP camera JPEGs: photos/s end to end (read the file, decode,
   resize to 224, normalise, embed), with the decode on the GPU (nvJPEG through
   torchvision.io.decode_jpeg, batched) against the CPU decode the pipeline uses
   (libjpeg-turbo at 1/8 scale, every core), and against embedding alone.
2. BLIP-2 OPT-2.7B and Phi-3.5-mini, each 4-bit (nf4) through the registry, one at a time
   beside CLIP under settings.gpu_budget_gb (5 GB): load time, a batch of captions / a short
   generation, peak torch.cuda.max_memory_allocated and nvidia-smi's used memory.
3. Faces: dlib's CNN (mmod) detector on CUDA, ms per 1000 px photo.
Target: <= 5 GB device memory in total at any time.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from benchmarks.bench_pipeline import MP12, full_clip_folder, make_photos


def smi_used_mb() -> float | None:
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=memory.used",
                              "--format=csv,noheader,nounits"],
                             capture_output=True, text=True, check=True, timeout=20)
        return float(out.stdout.split()[0])
    except (OSError, subprocess.SubprocessError, ValueError, IndexError):
        return None


def memory(torch) -> dict:
    return {"max_allocated_mb": round(torch.cuda.max_memory_allocated() / 2**20),
            "allocated_mb": round(torch.cuda.memory_allocated() / 2**20),
            "nvidia_smi_used_mb": smi_used_mb()}


# --- 1. CLIP ------------------------------------------------------------------------------

def bench_clip(registry, files: list[Path], batch: int = 64) -> dict:
    import torch

    clip = registry.clip()
    model, size = clip.model, clip.image_size
    mean = torch.tensor(clip.mean.reshape(1, 3, 1, 1), device="cuda", dtype=torch.float16)
    std = torch.tensor(clip.std.reshape(1, 3, 1, 1), device="cuda", dtype=torch.float16)

    def to_pixels(img):  # (3, H, W) uint8 on the GPU -> (3, size, size) normalised fp16
        x = img.unsqueeze(0).to(torch.float16) / 255
        h, w = x.shape[-2:]
        s = size / min(h, w)
        x = torch.nn.functional.interpolate(x, size=(max(size, round(h * s)),
                                                     max(size, round(w * s))),
                                            mode="bicubic", antialias=True, align_corners=False)
        top, left = (x.shape[-2] - size) // 2, (x.shape[-1] - size) // 2
        return ((x[..., top:top + size, left:left + size] - mean) / std)[0]

    def embed(pixels):
        with torch.inference_mode():
            out = model.get_image_features(pixel_values=pixels)
        out = out if isinstance(out, torch.Tensor) else out.pooler_output
        return torch.nn.functional.normalize(out.float(), dim=-1)

    pool = ThreadPoolExecutor(os.cpu_count() or 4)
    result = {"photos": len(files), "batch": batch}
    try:
        from torchvision.io import decode_jpeg

        def read(p):
            return torch.frombuffer(bytearray(p.read_bytes()), dtype=torch.uint8)

        def gpu_run():
            done = 0
            for i in range(0, len(files), batch):
                datas = list(pool.map(read, files[i:i + batch]))
                imgs = decode_jpeg(datas, device="cuda")
                embed(torch.stack([to_pixels(im) for im in imgs]))
                done += len(datas)
            torch.cuda.synchronize()
            return done

        gpu_run()  # warm-up: nvJPEG handles, cuDNN plans
        torch.cuda.reset_peak_memory_stats()
        t = time.perf_counter()
        n = gpu_run()
        result["nvjpeg_end_to_end_img_s"] = round(n / (time.perf_counter() - t), 1)
        result["nvjpeg_memory"] = memory(torch)
    except ImportError as e:
        result["nvjpeg"] = f"not run: {e}"
    from core.media.images import open_image

    def cpu_decode(p):
        return np.asarray(open_image(p, target=size))

    def cpu_run():
        done = 0
        for i in range(0, len(files), batch):
            arrays = list(pool.map(cpu_decode, files[i:i + batch]))
            pix = [to_pixels(torch.from_numpy(a).permute(2, 0, 1).cuda()) for a in arrays]
            embed(torch.stack(pix))
            done += len(arrays)
        torch.cuda.synchronize()
        return done

    cpu_run()
    t = time.perf_counter()
    n = cpu_run()
    result["cpu_decode_end_to_end_img_s"] = round(n / (time.perf_counter() - t), 1)
    pixels = torch.randn(batch, 3, size, size, device="cuda", dtype=torch.float16)
    embed(pixels)
    torch.cuda.synchronize()
    t = time.perf_counter()
    for _ in range(10):
        embed(pixels)
    torch.cuda.synchronize()
    result["embed_only_img_s"] = round(10 * batch / (time.perf_counter() - t), 1)
    result["clip_memory"] = memory(torch)
    pool.shutdown()
    return result


# --- 2. heavy models, one at a time -------------------------------------------------------

def blip2_folder(where: Path) -> Path:
    """BLIP-2 OPT-2.7B at full size (EVA ViT-g, Q-Former, OPT-2.7B), random weights."""
    import torch
    from transformers import Blip2Config, Blip2ForConditionalGeneration

    from models.testing import build_tiny_blip2

    folder = build_tiny_blip2(where, image_size=224)  # processor and tokenizer files
    small = json.loads((folder / "config.json").read_text())
    cfg = Blip2Config(
        text_config={"model_type": "opt", "vocab_size": 50272, "hidden_size": 2560,
                     "ffn_dim": 10240, "num_hidden_layers": 32, "num_attention_heads": 32,
                     "max_position_embeddings": 2048, "word_embed_proj_dim": 2560,
                     "bos_token_id": 1, "eos_token_id": 1, "pad_token_id": 0},
        num_query_tokens=32, image_token_index=small["image_token_index"])
    with torch.device("cuda"):
        model = Blip2ForConditionalGeneration(cfg).half()
    for f in folder.glob("*.safetensors"):
        f.unlink()
    model.save_pretrained(folder)
    # the processor must emit as many image tokens as the model has queries
    pp = folder / "processor_config.json"
    if pp.exists():
        conf = json.loads(pp.read_text())
        conf["num_query_tokens"] = 32
        pp.write_text(json.dumps(conf))
    del model
    torch.cuda.empty_cache()
    return folder


def phi_folder(where: Path) -> Path:
    """Phi-3.5-mini at full size (3.8 B parameters), random weights, tiny tokenizer."""
    import torch
    from transformers import Phi3Config, Phi3ForCausalLM

    from models.testing import build_tiny_causal_lm

    folder = build_tiny_causal_lm(where)
    small = json.loads((folder / "config.json").read_text())
    cfg = Phi3Config(vocab_size=32064, hidden_size=3072, intermediate_size=8192,
                     num_hidden_layers=32, num_attention_heads=32, num_key_value_heads=32,
                     max_position_embeddings=4096, eos_token_id=small["eos_token_id"],
                     pad_token_id=small["pad_token_id"], bos_token_id=None)
    with torch.device("cuda"):
        model = Phi3ForCausalLM(cfg).half()
    for f in folder.glob("*.safetensors"):
        f.unlink()
    model.save_pretrained(folder)
    del model
    torch.cuda.empty_cache()
    return folder


def bench_heavy(registry, files: list[Path]) -> dict:
    import torch
    from PIL import Image

    out = {}
    images = [Image.open(f).convert("RGB").resize((512, 384)) for f in files[:8]]
    registry.clip()  # CLIP stays beside each heavy model, as in the app
    for role in ("caption", "llm"):
        torch.cuda.reset_peak_memory_stats()
        t = time.perf_counter()
        try:
            model = registry.captioner() if role == "caption" else registry.llm()
        except Exception as e:  # noqa: BLE001 - report and go on to the next part
            out[role] = f"not run: {type(e).__name__}: {e}"
            continue
        r = {"load_s": round(time.perf_counter() - t, 1), "device": model.device,
             "precision": model.precision}
        t = time.perf_counter()
        if role == "caption":
            model.caption(images, max_new_tokens=20)
            r["caption_8_photos_s"] = round(time.perf_counter() - t, 2)
        else:
            text = model.chat([{"role": "user", "content": "Name this collection of photos."}],
                              max_tokens=32)
            r["generate_32_tokens_s"] = round(time.perf_counter() - t, 2)
            r["output_chars"] = len(text or "")
        torch.cuda.synchronize()
        r.update(memory(torch))
        r["within_5_gb"] = r["max_allocated_mb"] <= 5 * 1024
        out[role] = r
    return out


# --- 3. faces -----------------------------------------------------------------------------

def bench_faces(files: list[Path]) -> dict:
    try:
        import dlib
    except ImportError as e:
        return {"faces": f"not run: {e}"}
    if not getattr(dlib, "DLIB_USE_CUDA", False):
        return {"faces": "not run: this dlib was built without CUDA"}
    from core.media.images import open_image
    from models.faces import CNN_FILE, packaged_folder

    folder = packaged_folder()
    if folder is None:
        return {"faces": "not run: face-recognition-models is not installed"}
    detector = dlib.cnn_face_detection_model_v1(str(folder / CNN_FILE))
    imgs = [np.asarray(open_image(f, target=750)) for f in files[:16]]
    detector(imgs[0], 0)
    t = time.perf_counter()
    for im in imgs:
        detector(im, 0)
    return {"cnn_ms_per_photo_1000px": round((time.perf_counter() - t) / len(imgs) * 1000, 1),
            "nvidia_smi_used_mb": smi_used_mb()}


PARTS = ("clip", "heavy", "faces")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--photos", type=int, default=256)
    ap.add_argument("--skip", default="", help="comma list: " + ",".join(PARTS))
    ap.add_argument("--json", type=Path, help="write the figures to this JSON file")
    return ap.parse_args(argv)


def plan(args: argparse.Namespace, tmp: Path) -> dict:
    """What a run does, decided before any GPU work: its parts, and the settings the registry
    gets (CUDA, the 5 GB budget, model folders under tmp that run() builds)."""
    from core.config import Settings

    skip = set(filter(None, args.skip.split(",")))
    unknown = skip - set(PARTS)
    if unknown:
        raise SystemExit(f"unknown part(s) {', '.join(sorted(unknown))}: choose from "
                         f"{', '.join(PARTS)}")
    models = {"clip": str(tmp / "clip")}
    if "heavy" not in skip:
        models.update(caption=str(tmp / "blip2"), llm=str(tmp / "phi35"))
    return {"parts": [p for p in PARTS if p not in skip], "photos": args.photos,
            "settings": Settings(models=models, device="cuda", gpu_budget_gb=5.0)}


def run(the_plan: dict, tmp: Path) -> dict:
    import torch

    from core.config import Paths
    from models import Registry

    results = {"device": torch.cuda.get_device_name(0), "torch": torch.__version__,
               "cuda": torch.version.cuda}
    print(f"device: {results['device']}, torch {results['torch']}, CUDA {results['cuda']}",
          flush=True)
    library = tmp / "photos"
    n = the_plan["photos"]
    make_photos(library, n, MP12, distinct=min(n, 8))
    files = sorted(library.rglob("*.jpg"))
    settings, parts = the_plan["settings"], the_plan["parts"]
    full_clip_folder(Path(settings.models["clip"]))
    if "heavy" in parts:
        blip2_folder(Path(settings.models["caption"]))
        phi_folder(Path(settings.models["llm"]))
    registry = Registry(settings, Paths(tmp / "home"))
    try:
        for part, fn in (("clip", bench_clip), ("heavy", bench_heavy)):
            if part in parts:
                results[part] = fn(registry, files)
                print(json.dumps(results[part]), flush=True)
        if "faces" in parts:
            results["faces"] = bench_faces(files)
            print(json.dumps(results["faces"]), flush=True)
    finally:
        registry.close()
    return results


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch

    if not torch.cuda.is_available():
        raise SystemExit("no CUDA device here: this benchmark measures the GPU path")
    with tempfile.TemporaryDirectory(prefix="shoebox-bench-gpu-") as name:
        tmp = Path(name)
        results = run(plan(args, tmp), tmp)
    print(json.dumps(results, indent=1))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
