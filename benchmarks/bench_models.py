"""Model speed on this machine: CLIP image throughput (fast vs naive decode), Whisper base RTF,
GGUF LLM tokens/s and seconds per cluster name.

    .venv/bin/python -m benchmarks.bench_models [--only clip,whisper,llm] [--images 24]
        [--threads 2] [--keep DIR]

- CLIP: the full-size ViT-B/32 architecture built from CLIPConfig defaults with random weights
  (speed does not depend on weight values), fp32 on the CPU, over 12 MP JPEGs (4000x3000, q90)
  made from real photos (benchmarks/media.py). Naive: full-resolution Image.open().convert("RGB") + the
  transformers CLIPImageProcessor + the model, one image at a time. Fast: core.media.images
  .open_image(target=224) (JPEG draft mode + EXIF orientation) in a thread pool, our numpy
  preprocessing, batches of 16 through ClipModel.embed_pixels. Target: fast >= 3x naive.
- Whisper: the packaged Whisper base (offline-models extra), int8, `--threads` CPU threads,
  over speech clips (WAVs under SHOEBOX_BENCH_MEDIA; else silence) joined to ~30 s. Target: RTF <= 0.3 with 2 threads.
- LLM: the packaged Qwen2.5-Coder-1.5B GGUF via llama.cpp, JSON-schema constrained cluster
  naming; tokens/s and seconds per cluster.
- GPU: when CUDA is present, peak torch.cuda.max_memory_allocated across the registry swaps is
  printed (not measured on the CPU-only machine this was written on).
"""

from __future__ import annotations

import argparse
import glob
import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def make_12mp_jpegs(folder: Path, n: int) -> list[Path]:
    from PIL import Image

    from benchmarks.media import photos

    srcs = photos()
    rng = np.random.default_rng(0)
    out = []
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        dst = folder / f"img{i:03d}.jpg"
        out.append(dst)
        if dst.exists():
            continue
        img = Image.open(srcs[i % len(srcs)]).convert("RGB").resize((4000, 3000), Image.BICUBIC)
        # sensor-like noise, so the JPEG carries real 12 MP detail (and real decode cost)
        arr = np.asarray(img, dtype=np.int16) + rng.integers(-6, 7, (3000, 4000, 3), dtype=np.int16)
        Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)).save(dst, quality=90)
    return out


def bench_clip(work: Path, n: int, threads: int) -> None:
    import torch
    from PIL import Image
    from transformers import CLIPImageProcessor, CLIPModel

    from core.media.images import open_image
    from models.clip import ClipModel
    from models.testing import build_tiny_clip

    torch.set_num_threads(threads)
    folder = work / "clip-vit-b32-random"
    if not (folder / "config.json").exists():
        build_tiny_clip(folder, full_size=True)
    files = make_12mp_jpegs(work / "jpeg12mp", n)
    mb = sum(f.stat().st_size for f in files) / len(files) / 2**20
    print(f"CLIP ViT-B/32 (random weights, fp32, {threads} threads), {n} JPEGs 4000x3000 q90 "
          f"(~{mb:.1f} MB each)")

    # naive: full decode + transformers processor + model, one at a time
    model = CLIPModel.from_pretrained(folder).eval()
    proc = CLIPImageProcessor.from_pretrained(folder)
    with torch.inference_mode():
        model.get_image_features(pixel_values=torch.zeros(1, 3, 224, 224))  # warm-up
        t0 = time.perf_counter()
        naive = []
        for f in files:
            img = Image.open(f).convert("RGB")
            px = proc(images=img, return_tensors="pt")["pixel_values"]
            out = model.get_image_features(pixel_values=px)
            naive.append(out if hasattr(out, "shape") else out.pooler_output)
        t_naive = time.perf_counter() - t0
    del model

    # fast: draft-mode decode + numpy preprocessing in a pool, batched model calls
    clip = ClipModel(folder, identity="bench", batch_size=16)
    clip.load()
    clip.embed_pixels(np.zeros((1, 3, 224, 224), np.float32))  # warm-up
    t0 = time.perf_counter()
    vecs = []
    with ThreadPoolExecutor(max_workers=threads) as pool:
        def prep(f):
            return clip.preprocess([open_image(f, target=clip.image_size)])[0]

        pending = []
        for px in pool.map(prep, files):  # decode of the next images overlaps the model
            pending.append(px)
            if len(pending) == 16:
                vecs.append(clip.embed_pixels(np.stack(pending)))
                pending = []
        if pending:
            vecs.append(clip.embed_pixels(np.stack(pending)))
    t_fast = time.perf_counter() - t0
    v = np.concatenate(vecs)
    assert v.shape == (n, 512)

    # decode alone, to show where time goes
    t0 = time.perf_counter()
    for f in files[:8]:
        Image.open(f).convert("RGB")
    t_full_dec = (time.perf_counter() - t0) / min(8, n)
    t0 = time.perf_counter()
    for f in files[:8]:
        open_image(f, target=224)
    t_draft_dec = (time.perf_counter() - t0) / min(8, n)
    print(f"  decode one 12 MP JPEG: full {t_full_dec * 1000:.0f} ms, draft(224) "
          f"{t_draft_dec * 1000:.0f} ms")
    print(f"  naive: {n / t_naive:.2f} img/s ({t_naive / n * 1000:.0f} ms/img)")
    print(f"  fast:  {n / t_fast:.2f} img/s ({t_fast / n * 1000:.0f} ms/img)")
    print(f"  ratio fast/naive: {t_naive / t_fast:.2f}x (target >= 3x)")
    clip.unload()


def _registry(work: Path, threads: int):
    from core.config import Paths, Settings
    from models import Registry

    return Registry(Settings(device="auto", model_idle_unload_s=0, workers=threads,
                             extra={"llm_threads": threads}), Paths(work / "home"))


def bench_whisper(work: Path, threads: int) -> None:
    from faster_whisper import decode_audio

    from models import offline

    if not offline.packages_installed(offline.WHISPER_BASE):
        print("Whisper: skipped (pip install '.[offline-models]')")
        return
    # speech clips of your own (WAV, any subfolder of SHOEBOX_BENCH_MEDIA); else silence
    from benchmarks.media import ENV

    clips = sorted(glob.glob(os.path.join(os.environ[ENV], "**", "*.wav"), recursive=True)
                   ) if os.environ.get(ENV) else []
    gap = np.zeros(8000, np.float32)
    parts = []
    while sum(len(p) for p in parts) < 30 * 16000 and clips:
        for c in clips:
            parts += [decode_audio(c, sampling_rate=16000), gap]
    audio = np.concatenate(parts) if parts else np.zeros(30 * 16000, np.float32)
    reg = _registry(work, threads)
    tr = reg.whisper()
    tr.transcribe(audio[: 16000 * 2])  # warm-up
    t0, c0 = time.perf_counter(), time.process_time()
    out = tr.transcribe(audio)
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    dur = len(audio) / 16000
    print(f"Whisper base {tr.precision} ({threads} threads, {tr.device}): {dur:.1f} s audio in "
          f"{dt:.1f} s, RTF {dt / dur:.3f} (target <= 0.3); {len(out.segments)} segments, "
          f"language {out.language}")
    # On a shared machine wall time includes waiting for a core; CPU time does not.
    print(f"  CPU time {cpu:.1f} s = {cpu / dur:.3f} CPU-s per audio second "
          f"(RTF if {threads} free cores: ~{cpu / dur / threads:.3f}); load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"  text: {out.text[:120]!r}")
    reg.close()


def bench_llm(work: Path, threads: int) -> None:
    import pydantic

    from models import LLMOutputError, offline

    if not offline.packages_installed(offline.QWEN_CODER_GGUF):
        print("LLM: skipped (pip install '.[offline-models]')")
        return

    class ClusterName(pydantic.BaseModel):
        name: str
        keywords: list[str] = []

    clusters = [
        ["a dog running on a sandy beach", "a dog jumping into waves", "a wet dog at sunset by the sea"],
        ["a birthday cake with candles", "children around a table with balloons", "a girl blowing out candles"],
        ["snowy mountain peaks", "people skiing down a slope", "a ski lift above pine trees"],
    ]
    reg = _registry(work, threads)
    t0 = time.perf_counter()
    llm = reg.llm()
    load = time.perf_counter() - t0
    times, cpus, toks, rates = [], [], 0, []
    for caps in clusters:
        msgs = [{"role": "system", "content": "You name photo albums. Use plain words."},
                {"role": "user", "content": "Captions:\n- " + "\n- ".join(caps)
                 + "\nGive the album a short name and a few keywords."}]
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            res = llm.complete_json(msgs, ClusterName, max_tokens=80, attempts=2)
        except LLMOutputError as e:
            res = f"LLMOutputError: {e}"
        times.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
        toks += llm.last_stats.get("completion_tokens", 0)
        if "tokens_per_s" in llm.last_stats:
            rates.append(llm.last_stats["tokens_per_s"])
        print(f"  {res}")
    print(f"LLM {llm.identity} ({threads} threads): load {load:.1f} s; "
          f"{np.mean(times):.1f} s per cluster name; generation {np.mean(rates) if rates else float('nan'):.1f} tokens/s")
    print(f"  CPU time {np.mean(cpus):.1f} s per cluster name ({threads} threads); load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    reg.close()


def bench_gpu_peak(work: Path) -> None:
    try:
        import torch
    except ImportError:
        return
    if not torch.cuda.is_available():
        print("GPU peak memory: not measured (no CUDA here)")
        return
    reg = _registry(work, 2)
    torch.cuda.reset_peak_memory_stats()
    for role in ("clip", "caption", "whisper", "llm"):
        if reg.available(role):
            getattr(reg, {"caption": "captioner"}.get(role, role))()
            print(f"  after {role}: allocated {torch.cuda.memory_allocated() / 2**30:.2f} GiB")
    print(f"GPU peak allocated across swaps: {torch.cuda.max_memory_allocated() / 2**30:.2f} GiB")
    reg.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", default="clip,whisper,llm,gpu")
    ap.add_argument("--images", type=int, default=24)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--keep", type=Path, default=None, help="reuse/keep generated files here")
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from transformers.utils import logging as tlog

    tlog.set_verbosity_error()
    tlog.disable_progress_bar()
    work = args.keep or Path(tempfile.mkdtemp(prefix="shoebox-bench-models-"))
    print(f"work folder: {work}; cpu count {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}")
    only = set(args.only.split(","))
    if "clip" in only:
        bench_clip(work, args.images, args.threads)
    if "whisper" in only:
        bench_whisper(work, args.threads)
    if "llm" in only:
        bench_llm(work, args.threads)
    if "gpu" in only:
        bench_gpu_peak(work)


if __name__ == "__main__":
    main()
