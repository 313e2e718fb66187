"""Pipeline speed and memory on this machine.

    .venv/bin/python -m benchmarks.bench_pipeline [--photos 200] [--rss-files 10000]
        [--video-seconds 60] [--skip speed,rss,video] [--json PATH]

1. The honest headline: on real-size 12 MP camera JPEGs (made from the sample photos), the
   default photo pipeline end to end (`shoebox index`: decode, thumbnails, CLIP vectors and
   tags, faces and text where those stages exist, catalog writes) in photos/s, against the
   rate its models alone allow: 1 / (sum of each model's own time per photo, on pre-decoded
   inputs), measured in the same process right before and after the run (the machine is
   shared: the ratio is what compares). Per stage alone too. Target: >= 80% on 2 cores.
2. Peak RSS of a CLIP-stage run over --rss-files small photos, in a fresh process (target:
   < 2 GB at 10,000 files), with RSS sampled along the way to show it stays flat.
3. Video path: keyframes (decode + embed) and audio decoding, seconds per minute of video.

The CLIP model is the full-size ViT-B/32 architecture built from its config with random
weights (compute does not depend on the weight values), loaded through the registry; faces
and text use their real packaged models. --json writes the figures (`make bench` compares a
quick run with the last committed ones in benchmarks/results/).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
MP12 = (4000, 3000)


# --- inputs ------------------------------------------------------------------------------

def _base_images(n: int, size: tuple[int, int]) -> list[bytes]:
    """Real photos scaled to `size` with sensor-like noise, so the JPEGs weigh what camera
    JPEGs weigh (3-5 MB at 12 MP) and decode at the same cost."""
    from PIL import Image

    from benchmarks.media import photos

    sources = photos()
    rng = np.random.default_rng(0)
    out = []
    for i in range(n):
        if sources:
            with Image.open(sources[i % len(sources)]) as im:
                img = im.convert("RGB").resize(size, Image.BICUBIC)
        else:
            img = Image.fromarray(rng.integers(0, 255, (size[1] // 8, size[0] // 8, 3),
                                               dtype=np.uint8)).resize(size, Image.BICUBIC)
        arr = np.asarray(img, dtype=np.int16)
        arr = np.clip(arr + rng.normal(0, 6, arr.shape), 0, 255).astype(np.uint8)
        with io.BytesIO() as buf:
            Image.fromarray(arr).save(buf, "JPEG", quality=92)
            out.append(buf.getvalue())
    return out


def make_photos(folder: Path, n: int, size: tuple[int, int], distinct: int) -> int:
    """n JPEGs from `distinct` bases; a JPEG comment makes each file's bytes unique."""
    folder.mkdir(parents=True, exist_ok=True)
    bases = _base_images(distinct, size)
    total = 0
    for i in range(n):
        seed = bases[i % len(bases)]
        data = seed[:2] + b"\xff\xfe\x00\x08" + i.to_bytes(6, "big") + seed[2:]
        (folder / f"d{i % 10}").mkdir(exist_ok=True)
        (folder / f"d{i % 10}" / f"IMG_{i:06d}.jpg").write_bytes(data)
        total += len(data)
    return total


def full_clip_folder(where: Path) -> Path:
    """Full-size ViT-B/32 (CLIPConfig defaults), random weights, saved like a hub folder."""
    import json as _json

    from transformers import CLIPConfig, CLIPModel

    from models.testing import build_tiny_clip

    folder = build_tiny_clip(where, image_size=224)  # tokenizer and 224 px preprocessing
    vocab = _json.loads((folder / "config.json").read_text())["text_config"]["vocab_size"]
    cfg = CLIPConfig(text_config={"vocab_size": vocab, "bos_token_id": 0, "eos_token_id": 1,
                                  "pad_token_id": 1})  # towers: the ViT-B/32 defaults
    assert (cfg.vision_config.hidden_size, cfg.vision_config.patch_size,
            cfg.vision_config.num_hidden_layers, cfg.projection_dim) == (768, 32, 12, 512)
    for f in folder.glob("*.safetensors"):
        f.unlink()
    CLIPModel(cfg).save_pretrained(folder)
    return folder


# --- helpers -----------------------------------------------------------------------------

def open_library(home: Path, library: Path):
    from core.catalog import Catalog
    from core.config import Paths
    from core.scan.roots import add_root
    from core.scan.scanner import scan

    paths = Paths(home)
    catalog = Catalog.open(paths)
    add_root(catalog, library)
    scan(catalog)
    return paths, catalog


def registry_for(paths, clip_dir: Path, workers: int):
    from core.config import Settings
    from models import Registry

    settings = Settings(models={"clip": str(clip_dir)}, device="cpu", workers=workers,
                        low_priority=False)
    return settings, Registry(settings, paths)


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mb() -> float:
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over fork+exec from the parent
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- 1. speed ------------------------------------------------------------------------------

def default_photo_stages() -> list[str]:
    """The default pipeline's stages for a photo that need no download: every pixel stage
    but captions (the caption model is a download; its cost is the model's, ~1 s a photo)."""
    from core.pipeline.jobs import STAGES
    from core.pipeline.pixels import PixelStage
    from core.pipeline.stages import RUNNERS

    return [s.name for s in STAGES if "photo" in s.kinds and s.name != "caption"
            and issubclass(RUNNERS[s.name], PixelStage)]


def bench_speed(tmp: Path, clip_dir: Path, n: int, workers: int, alone: bool = True) -> dict:
    library = tmp / "photos12mp"
    t0 = time.perf_counter()
    nbytes = make_photos(library, n, MP12, distinct=min(n, 8))
    print(f"made {n} JPEGs of {MP12[0]}x{MP12[1]} ({nbytes / n / 1e6:.1f} MB each) "
          f"in {time.perf_counter() - t0:.0f} s", flush=True)
    stages = default_photo_stages()
    runs = {"together": _child("speed", tmp / "home-all", library, clip_dir, workers, stages)}
    core = ["thumbnail", "clip"]
    if stages != core:
        runs["thumbnail+clip"] = _child("speed", tmp / "home-core", library, clip_dir, workers,
                                        core)
    for stage in stages if alone and len(stages) > 1 else []:
        runs[stage] = _child("speed", tmp / f"home-{stage}", library, clip_dir, workers, [stage])
    shutil.rmtree(library)
    t = runs["together"]
    print(f"\n{n} photos of 12 MP, {t['decode_threads']} decode thread(s)"
          f"{' taking turns with the models' if t['turns'] else ''}, torch "
          f"{t['torch_threads']} threads (the models-only figures too: the fastest here), batch "
          f"{t['clip_batch']}; models alone measured in each run's process between its chunks "
          f"(first..last); ratio: median over chunks [each chunk's]:")
    out = {"photos": n, "jpeg_mb": round(nbytes / n / 1e6, 2), "stages": stages, "runs": runs}
    order = [s for s in stages if s in runs] + [k for k in ("thumbnail+clip", "together")
                                               if k in runs]
    for name, r in [(k, runs[k]) for k in order]:
        label = " + ".join(r["stages"]) if len(r["stages"]) > 1 else f"{name} alone"
        models = ", ".join(f"{k} {v[0]:.1f}..{v[1]:.1f} ms" for k, v in r["model_ms"].items())
        cpu = f"; CPU {r['cpu_ms_per_photo']:.0f} ms a photo"
        if r["models_rate"]:
            print(f"  {label:34s} {r['rate']:6.2f} photos/s = {r['ratio']:.0%} "
                  f"{r['chunk_ratios']} of the {r['models_rate']:.2f}/s its models allow "
                  f"({models} a photo){cpu}, models alone {r['models_cpu_ms_per_photo']:.0f}; "
                  f"load {r['load_1min'][0]}..{r['load_after']}")
        else:
            print(f"  {label:34s} {r['rate']:6.2f} photos/s (no model){cpu}; "
                  f"load {r['load_1min'][0]}..{r['load_after']}")
    c = runs.get("thumbnail+clip", t)
    out.update(rate=round(t["rate"], 2), models_rate=round(t["models_rate"], 2),
               ratio=round(t["ratio"], 3), peak_rss_mb=t["peak_rss_mb"],
               core_rate=round(c["rate"], 2), core_ratio=round(c["ratio"], 3))
    for r in ([c] if c is not t else []) + [t]:
        print(f"==> {' + '.join(r['stages'])}: {r['rate']:.2f} photos/s = {r['ratio']:.0%} of "
              f"the models-only rate {r['models_rate']:.2f}/s (target >= 80%); CPU "
              f"{r['cpu_ms_per_photo']:.0f} ms a photo, {r['models_cpu_ms_per_photo']:.0f} of it "
              f"the models' own", flush=True)
    return out


def _model_only(runners: dict, images: list, jobs: list) -> dict[str, float]:
    """Each model's own time per photo (ms) on pre-decoded views: what no pipeline can beat.
    Same settings as the pipeline's: torch's default threads (one per core; one thread is
    half as fast here) and CLIP's batch. CLIP: the embed on a batch of tensors; any other stage with a model: its finish() (the
    pass thread's work) on views made beforehand. "_cpu": the models' process CPU time per
    photo, summed (what machine load cannot move)."""
    ms: dict[str, float] = {}
    cpu = 0.0
    for name, runner in runners.items():
        if runner.stage.role is None:
            continue
        views = [runner.view(job, img) for job, img in zip(jobs, images)]
        if name == "clip":
            b = runner.batch_size  # the pipeline's batch
            pixels = np.stack(views * (b // len(views) or 1))[:b]
            runner.clip.embed_pixels(pixels)  # warm

            def run(pixels=pixels, clip=runner.clip):
                for _ in range(2):
                    clip.embed_pixels(pixels)
                return 2 * len(pixels)
        else:
            items = list(zip(jobs, views))
            runner.finish(items[:1])  # warm

            def run(items=items, runner=runner):
                step = max(1, runner.batch_size)
                for i in range(0, len(items), step):
                    if any(o.error for o in runner.finish(items[i:i + step])):
                        raise SystemExit(f"{runner.stage.name} failed on a pre-decoded photo")
                return len(items)
        t, c = time.perf_counter(), time.process_time()
        n = run()
        ms[name] = (time.perf_counter() - t) / n * 1000
        cpu += (time.process_time() - c) / n * 1000
    if ms:
        ms["_cpu"] = cpu
    return ms


def speed_child(home: str, library: str, clip_dir: str, workers: int, stages: list[str]) -> None:
    """Runs in a fresh process, as `shoebox index` would: the given stages over the library,
    bracketed by their models' own times. Prints one JSON line."""
    import torch

    from core.media.decode import load_image
    from core.pipeline import jobs as J
    from core.pipeline import tags as tagging
    from core.pipeline.base import Env
    from core.pipeline.pixels import PixelPass
    from core.pipeline.run import index_library
    from core.pipeline.stages import CLIP_BATCH, RUNNERS
    from core.tasks import TaskState

    paths, catalog = open_library(Path(home), Path(library))
    settings, registry = registry_for(paths, Path(clip_dir), workers)
    # nice 0 like the models-only figure it is compared with: on a shared machine a niced
    # process loses to everyone else's work, which is the point of the setting, not a speed
    env = Env(registry, settings, paths, TaskState("bench"))
    runners = {}
    for name in stages:
        stage = J.BY_NAME[name]
        runners[name] = RUNNERS[name](stage, env, stage.version)
        runners[name].prepare()  # model load is not indexing
    if "clip" in runners:  # nor are the label vectors (kept on disk per model after a run)
        tagging.label_vectors(runners["clip"].clip, paths.home / "cache")
    files = sorted(Path(library).rglob("*.jpg"))[:8]
    jobs = [J.Job(0, "", str(f), "photo", "jpeg", f"{i:032x}", 0, None, None)
            for i, f in enumerate(files)]
    side = max(r.needs(jobs[0]) for r in runners.values())
    images = [load_image(str(f), "photo", side) for f in files]
    samples: list[tuple[int, float]] = []
    load = os.getloadavg()  # the machine's load (1, 5, 15 min) as the run starts

    def on_progress(p):
        if p.done and (not samples or p.done - samples[-1][0] >= 100):
            samples.append((p.done, round(rss_mb())))

    # the machine is shared and its load changes by the minute: the models-only figure is
    # measured between chunks of the run, and each chunk is compared with the measurements
    # right before and after it (the headline ratio is the median over chunks: a burst of
    # someone else's work moves one chunk, not the figure)
    n_files = len(list(Path(library).rglob("*.jpg")))
    chunks = max(1, min(4, n_files // 64))
    chunk = -(-n_files // chunks)
    measured = [_model_only(runners, images, jobs)]
    files_done = errors = 0
    seconds = 0.0
    cpu_run = 0.0
    chunk_ratios = []
    while files_done < n_files:
        t0, c0 = time.perf_counter(), time.process_time()
        report = index_library(catalog, registry, settings, paths,
                               TaskState("bench", on_progress=on_progress, min_interval_s=0.2),
                               stages=stages, limit=chunk)
        took = time.perf_counter() - t0
        seconds += took
        cpu_run += time.process_time() - c0
        done = min(report.stages[s].done for s in stages)
        errors += sum(report.stages[s].errors for s in stages)
        if done == 0:
            break
        files_done += done
        measured.append(_model_only(runners, images, jobs))
        around = [m for m in measured[-2:] if m]
        if around:
            model_ms = sum(float(np.mean([m[k] for m in around])) for k in around[0]
                           if k != "_cpu")
            chunk_ratios.append(round(model_ms / (took / done * 1000), 3))
    if errors or files_done < n_files:
        raise SystemExit(f"the run failed: {report.as_dict()}")
    before, after = measured[0], measured[-1]
    model_cpu = float(np.mean([m.pop("_cpu") for m in measured if "_cpu" in m])) \
        if "_cpu" in before else None
    model_ms = {k: [round(before[k], 2), round(after[k], 2)] for k in before}
    per_photo = sum(float(np.mean([m[k] for m in measured])) for k in before)
    rate = files_done / seconds
    pass_ = PixelPass(runners, env)
    out = {"stages": stages, "files": files_done, "seconds": round(seconds, 2),
           "chunks": len(measured) - 1,
           # CPU time per photo (all threads): the run's, and its models' alone
           "cpu_ms_per_photo": round(cpu_run / files_done * 1000, 1),
           "models_cpu_ms_per_photo": round(model_cpu, 1) if model_cpu else None,
           "rate": round(rate, 3), "model_ms": model_ms,
           "models_rate": round(1000 / per_photo, 3) if per_photo else None,
           # each chunk against the models-only measurements around it; their median
           "chunk_ratios": chunk_ratios,
           "ratio": round(float(np.median(chunk_ratios)), 3) if chunk_ratios else None,
           # the whole run against the mean of all models-only measurements
           "ratio_overall": round(rate * per_photo / 1000, 3) if per_photo else None,
           "decode_threads": pass_.workers, "turns": pass_.turns is not None,
           "torch_threads": torch.get_num_threads(), "clip_batch": CLIP_BATCH,
           "load_1min": [round(x, 2) for x in load], "load_after": round(os.getloadavg()[0], 2),
           "peak_rss_mb": round(peak_rss_mb()), "samples": samples}
    print(json.dumps(out))


# --- 2. memory -----------------------------------------------------------------------------

def _child(name: str, home: Path, library: Path, clip_dir: Path, workers: int,
           stages: list[str]) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_pipeline", "--child", str(home),
         str(library), str(clip_dir), str(workers), ",".join(stages)],
        cwd=REPO, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"{name} child failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench_rss(tmp: Path, clip_dir: Path, n: int, workers: int, label: str) -> dict:
    library = tmp / f"small-{label}"
    make_photos(library, n, (640, 480), distinct=50)  # smaller photos: same per-file work
    result = _child("rss", tmp / f"home-rss-{label}", library, clip_dir, workers, ["clip"])
    print(f"CLIP stage ({label} CLIP) over {result['files']} photos: peak RSS "
          f"{result['peak_rss_mb']} MB ({result['files'] / result['seconds']:.1f} img/s); "
          f"RSS along the way (files, MB): {result['samples']}", flush=True)
    shutil.rmtree(library)
    return result


# --- 3. video ------------------------------------------------------------------------------

def make_video(path: Path, seconds: float, size=(1920, 1080), fps=30) -> Path:
    """A phone-like video: 1080p30, a keyframe every second, a cut every 7 s, AAC tone."""
    from fractions import Fraction

    import av
    from PIL import Image

    from benchmarks.media import photos

    sources = photos()
    scenes = [np.asarray(Image.open(s).convert("RGB").resize(size)) for s in sources[:8]]
    with av.open(str(path), "w") as out:
        v = out.add_stream("libx264", rate=fps, options={"preset": "ultrafast", "g": str(fps)})
        v.width, v.height, v.pix_fmt = size[0], size[1], "yuv420p"
        a = out.add_stream("aac", rate=48000)
        a.layout = "stereo"
        for i in range(int(seconds * fps)):
            scene = scenes[int(i / fps / 7) % len(scenes)]
            shift = i % size[0]
            frame = av.VideoFrame.from_ndarray(np.roll(scene, shift, axis=1), format="rgb24")
            for p in v.encode(frame):
                out.mux(p)
        for p in v.encode():
            out.mux(p)
        t = np.arange(int(seconds * 48000)) / 48000
        wave = (0.2 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
        for s in range(0, len(wave), 1024):
            chunk = np.stack([wave[s:s + 1024]] * 2)
            fr = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="stereo")
            fr.sample_rate, fr.pts, fr.time_base = 48000, s, Fraction(1, 48000)
            for p in a.encode(fr):
                out.mux(p)
        for p in a.encode():
            out.mux(p)
    return path


def bench_video(tmp: Path, clip_dir: Path, seconds: float, workers: int) -> dict:
    from core.config import Settings
    from core.media import video
    from core.pipeline.run import index_library
    from core.tasks import TaskState

    folder = tmp / "videos"
    folder.mkdir()
    t0 = time.perf_counter()
    make_video(folder / "phone.mp4", seconds)
    print(f"made a {seconds:.0f} s 1080p30 video in {time.perf_counter() - t0:.0f} s", flush=True)
    t0 = time.perf_counter()
    frames = video.keyframes(str(folder / "phone.mp4"), Settings().keyframe_interval_s,
                             Settings().max_keyframes)
    t_frames = time.perf_counter() - t0
    t0 = time.perf_counter()
    samples = sum(len(c) for _, c in video.audio_chunks(str(folder / "phone.mp4")))
    t_audio = time.perf_counter() - t0
    paths, catalog = open_library(tmp / "home-video", folder)
    settings, registry = registry_for(paths, clip_dir, workers)
    from core.pipeline import tags as tagging

    clip = registry.clip()
    clip.embed_pixels(clip.preprocess([frames[0].image]))  # load first
    tagging.label_vectors(clip, paths.home / "cache")
    t0 = time.perf_counter()
    index_library(catalog, registry, settings, paths, TaskState("bench"), stages=["keyframes"])
    t_stage = time.perf_counter() - t0
    registry.close()
    catalog.close()
    per_min = 60.0 / seconds
    result = {"video_s": seconds, "keyframes": len(frames),
              "keyframe_decode_s_per_min": round(t_frames * per_min, 2),
              "keyframes_stage_s_per_min": round(t_stage * per_min, 2),
              "audio_decode_s_per_min": round(t_audio * per_min, 2),
              "audio_samples": samples}
    print(f"video: {len(frames)} keyframes; per minute of 1080p video: keyframe decode "
          f"{result['keyframe_decode_s_per_min']} s, keyframes stage (decode+CLIP+write) "
          f"{result['keyframes_stage_s_per_min']} s, audio to 16 kHz "
          f"{result['audio_decode_s_per_min']} s", flush=True)
    return result


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        speed_child(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]),
                    sys.argv[6].split(","))
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--photos", type=int, default=200)
    ap.add_argument("--rss-files", type=int, default=10_000)
    ap.add_argument("--rss-full-files", type=int, default=0,
                    help="also a peak-RSS run of this many files with the full model")
    ap.add_argument("--video-seconds", type=float, default=60.0)
    ap.add_argument("--workers", type=int, default=2, help="decode threads (settings.workers)")
    ap.add_argument("--skip", default="", help="comma list of parts to skip: speed,rss,video")
    ap.add_argument("--json", type=Path, help="write the figures to this JSON file")
    ap.add_argument("--no-alone", action="store_true",
                    help="skip the runs of each stage alone (quick variant)")
    args = ap.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    results = {"cpu_count": os.cpu_count()}
    import torch

    results["torch_threads"] = torch.get_num_threads()
    with tempfile.TemporaryDirectory(prefix="shoebox-bench-pipeline-") as name:
        tmp = Path(name)
        clip_dir = full_clip_folder(tmp / "clip-vit-b32")
        if "speed" not in skip:
            results["speed"] = bench_speed(tmp, clip_dir, args.photos, args.workers,
                                           alone=not args.no_alone)
        if "rss" not in skip:
            # 10,000 files through the full model take ~45 min on 2 cores, so the 10k run
            # uses the tiny CLIP (the pipeline's own memory: queues, batches, writes) and a
            # shorter run the full model (the model's memory); see docs/BENCHMARKS.md
            from models.testing import build_tiny_clip

            tiny = build_tiny_clip(tmp / "clip-tiny", image_size=224)
            results["rss_10k_tiny"] = bench_rss(tmp, tiny, args.rss_files, args.workers, "tiny")
            if args.rss_full_files:
                results["rss_full"] = bench_rss(tmp, clip_dir, args.rss_full_files,
                                                args.workers, "full ViT-B/32")
        if "video" not in skip:
            results["video"] = bench_video(tmp, clip_dir, args.video_seconds, args.workers)
    print(json.dumps(results, indent=2))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
