"""Sentences (text by meaning): embedding speed, query latency, search at 100k, and the floor.

    .venv/bin/python -m benchmarks.bench_sentences [--segments 10000] [--queries 200]
        [--size 100000] [--no-embed] [--no-search] [--calibrate] [--keep DIR] [--json PATH]

Part 1 — the sentences stage over N transcript segments (planted in a catalog: 20 segments a
video, 6-24 words each, the length of Whisper segments), through index_library with the real
all-MiniLM-L6-v2 from the default install: seconds and segments per second.
Part 2 — query encode latency (one short query at a time, as search does), torch and
the ONNX query path.
Part 3 — a text query end to end at `size` items with all three lists, through the real
registry: CLIP text encode (full-size ViT-B/32, random weights, ONNX once warmed, as in
bench_search) + the real MiniLM query encode + CLIP vectors + text vectors (synthetic 384-d:
speed does not depend on the values) + FTS + fusion + filters. Relevance floors off, so every list carries its full candidates
through fusion (the worst case), as bench_search does. Also the same queries without the
meaning list, for the ratio.
--json PATH writes the figures (`make bench` runs the quick variant and compares them with
benchmarks/results/sentences.json).
--calibrate — MiniLM cosines of benchmarks/sentence_pairs.py: each query against its own
sentence and against the others; where the relevance floor (core.search.meaning) cuts.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.bench_search import build_catalog, clip_folder, distinct_queries, fmt, pct
from core.catalog import Catalog
from core.config import Paths, Settings
from core.search import Filters, search
from core.search import warm as search_warm
from core.search.meaning import MEANING_FLOOR, MEANING_MARGIN
from core.search.vectors import drop_cached
from models import Registry

SUBJECTS = ["my grandfather", "the kids", "our neighbour", "the teacher", "my sister", "we",
            "the old fisherman", "the bride", "the coach", "everybody", "the baby", "grandma"]
VERBS = ["remembered", "talked about", "laughed at", "cooked", "painted", "carried", "found",
         "lost", "sang about", "complained about", "fixed", "photographed", "explained"]
OBJECTS = ["the winter of 1944", "a chocolate cake", "the broken fence", "the first goal",
           "an old sailing boat", "the long train journey", "the birthday candles",
           "the snow on the roof", "a box of letters", "the view from the mountain"]
TAILS = ["in the kitchen", "at the harbour", "before dinner", "during the storm", "last summer",
         "after the wedding", "on the way home", "with a big smile", "for the hundredth time",
         "while the radio played", "", "", ""]


def segment_text(rnd: random.Random) -> str:
    words = f"{rnd.choice(SUBJECTS)} {rnd.choice(VERBS)} {rnd.choice(OBJECTS)} {rnd.choice(TAILS)}"
    if rnd.random() < 0.4:
        words += f" and then {rnd.choice(SUBJECTS)} {rnd.choice(VERBS)} {rnd.choice(OBJECTS)}"
    return words.strip().capitalize() + "."


def real_registry(home: Path) -> Registry:
    return Registry(Settings(device="cpu", model_idle_unload_s=0, workers=2), Paths(home))


# --- part 1: embedding ---------------------------------------------------------------------

def bench_embed(n_segments: int, tmp: Path) -> dict:
    from core.pipeline.run import index_library

    print(f"\n== the sentences stage over {n_segments:,} transcript segments ==")
    paths = Paths(tmp / "embed-home")
    catalog = Catalog.open(paths)
    rnd = random.Random(0)
    now = time.time()
    per_video = 20
    n_videos = (n_segments + per_video - 1) // per_video

    def plant(c):
        rid = c.execute("INSERT INTO roots(path, added_at) VALUES ('/lib', ?)", (now,)).lastrowid
        left = n_segments
        for v in range(n_videos):
            fid = c.execute(
                "INSERT INTO files(root_id, path, folder, name, kind, format, size, mtime_ns, "
                "content_hash, first_seen_at) VALUES (?, ?, '/lib', ?, 'video', 'mp4', 1, 1, ?, ?)",
                (rid, f"/lib/v{v}.mp4", f"v{v}.mp4", f"h{v}", now)).lastrowid
            c.execute("INSERT INTO transcripts(file_id, model_id, language, created_at) "
                      "VALUES (?, 'bench', 'en', ?)", (fid, now))
            k = min(per_video, left)
            left -= k
            c.executemany("INSERT INTO transcript_segments(file_id, start_s, end_s, text) "
                          "VALUES (?, ?, ?, ?)",
                          [(fid, 5.0 * i, 5.0 * i + 4.5, segment_text(rnd)) for i in range(k)])
    catalog.write(plant)
    words = statistics.mean(len(segment_text(rnd).split()) for _ in range(1000))
    reg = real_registry(tmp / "models-home")
    settings = Settings(device="cpu", workers=2)
    t0 = time.perf_counter()
    reg.sentences().load()
    t_load = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), time.process_time()
    report = index_library(catalog, reg, settings, paths, stages=["sentences"])
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    sr = report.stages["sentences"]
    with catalog.read() as conn:
        (rows,) = conn.execute("SELECT count(*) FROM text_vectors").fetchone()
    print(f"   model load (warm imports)   {t_load:.2f} s")
    print(f"   embedded {rows:,} passages of {sr.done:,} videos ({words:.1f} words a segment) in "
          f"{wall:.1f} s wall, {cpu:.1f} s CPU: {rows / wall:,.0f} segments/s "
          f"(load average {os.getloadavg()[0]:.1f})")
    t0 = time.perf_counter()
    again = index_library(catalog, reg, settings, paths, stages=["sentences"])
    print(f"   a second run with nothing new: {time.perf_counter() - t0:.2f} s "
          f"({again.stages['sentences'].done} files redone)")
    catalog.close()
    reg.close()
    return {"seconds": wall, "per_s": rows / wall, "passages": rows}


# --- part 2: query encode ------------------------------------------------------------------

def queries(n: int, seed: int = 2) -> list[str]:
    return distinct_queries(n, seed, before_place="in the")


def bench_query_encode(model, n: int) -> dict:
    """One query at a time as search does: torch (embed), then the ONNX query path
    (embed_query once prepare_query made it ready), the same queries in one run."""
    print("\n== query encode (one query at a time) ==")
    qs = queries(n)
    out = {}
    for label, encode in (("torch", lambda q: model.embed([q])),
                          ("ONNX", lambda q: model.embed_query(q, remember=False))):
        if label == "ONNX" and model.prepare_query(wait=True) is None:
            print("   ONNX query path not available here")
            break
        for q in qs[:5]:
            encode(q)
        ms, cpu = [], []
        for q in qs:
            t, c = time.perf_counter(), time.process_time()
            encode(q)
            ms.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)
        print(f"   {label:<6} wall {fmt(ms)}")
        print(f"   {'':<6} CPU  {fmt(cpu)}   (load average {os.getloadavg()[0]:.1f})")
        out[label] = (pct(ms, 50), pct(ms, 95), pct(cpu, 50), pct(cpu, 95))
    if len(out) == 2:
        print(f"   ONNX / torch, CPU p50: {out['ONNX'][2] / out['torch'][2]:.2f}")
    return out


# --- part 3: search at size ----------------------------------------------------------------

TEXT_DIM = 384


def plant_text_vectors(catalog: Catalog, n: int, model_id: str, seed: int = 3) -> None:
    """One passage per file (a tenth of the files are videos with three), clustered 384-d unit
    vectors with a shared offset, as sentence embeddings are."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(max(50, n // 100), TEXT_DIM)).astype(np.float32)
    offset = rng.normal(size=TEXT_DIM).astype(np.float32) * 0.08
    rnd = random.Random(seed)
    step = 20_000
    for s in range(0, n, step):
        def batch(c, s=s):
            rows = []
            for i in range(s, min(n, s + step)):
                fid = i + 1
                times = (0, 5000, 10000) if i % 10 == 0 else (-1,)
                for ms in times:
                    v = centres[rnd.randrange(len(centres))] + rng.normal(size=TEXT_DIM) * 0.9
                    v = (v / np.linalg.norm(v) + offset).astype(np.float32)
                    v /= np.linalg.norm(v)
                    rows.append((fid, "transcript" if ms >= 0 else "caption", ms,
                                 ms + 4500 if ms >= 0 else None, segment_text(rnd), model_id,
                                 v.astype("<f4").tobytes()))
            c.executemany("INSERT INTO text_vectors(file_id, source, frame_ms, end_ms, text, "
                          "model_id, vector) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        catalog.write(batch)


def bench_search_all(size: int, n_queries: int, tmp: Path, keep: Path | None) -> dict:
    print(f"\n== a text query end to end at {size:,} items, CLIP + words + meaning ==")
    where = keep or tmp
    folder = clip_folder(where / "clip-vit-b32")
    with_meaning = Registry(Settings(models={"clip": str(folder)}, device="cpu",
                                     model_idle_unload_s=0), Paths(where / "home-models"))
    # the same, with no sentences model: the search as it was before (words + CLIP)
    without = Registry(Settings(models={"clip": str(folder), "sentences": str(where / "none")},
                                device="cpu", model_idle_unload_s=0), Paths(where / "home-models"))
    clip_id, text_id = with_meaning.identity("clip"), with_meaning.identity("sentences")
    home = where / f"sentences-home-{size}"
    if (home / "catalog.sqlite").exists():
        catalog = Catalog.open(Paths(home))
        print(f"   reusing catalog at {home}")
    else:
        catalog, t_build = build_catalog(home, size, clip_id)
        t0 = time.perf_counter()
        plant_text_vectors(catalog, size, text_id)
        print(f"   catalog built in {t_build:.1f} s, text vectors planted in "
              f"{time.perf_counter() - t0:.1f} s")
    drop_cached()
    t0 = time.perf_counter()
    n = search_warm(catalog, with_meaning)     # what the app does at start
    with_meaning.clip().prepare_query(wait=True)
    with_meaning.sentences().prepare_query(wait=True)
    without.clip().prepare_query(wait=True)
    print(f"   warm-up {time.perf_counter() - t0:.2f} s ({n:,} vectors: CLIP and text)")
    settings = Settings(relevance_floor=-1.0)
    filter_sets = [Filters(), Filters(), Filters(kind="photo"),
                   Filters(date_from=1.4e9, date_to=1.6e9), Filters(has_gps=True),
                   Filters(kind="video", camera="canon"), Filters(folder="/lib/2015")]
    texts = queries(2 * n_queries + 5, 5)   # all different: nothing is served from memory
    warm = [(q, Filters()) for q in texts[:5]]
    runs = {"CLIP + words + meaning": texts[5:5 + n_queries],
            "CLIP + words (before)": texts[5 + n_queries:]}
    out = {}
    for label, reg in (("CLIP + words + meaning", with_meaning),
                       ("CLIP + words (before)", without)):
        for q, f in warm:
            search(catalog, reg, settings, q, f, limit=50)
        qs = [(q, filter_sets[i % len(filter_sets)]) for i, q in enumerate(runs[label])]
        ms, cpu, n_hits = [], [], []
        for q, f in qs:
            t, c = time.perf_counter(), time.process_time()
            res = search(catalog, reg, settings, q, f, limit=50)
            ms.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)
            n_hits.append(len(res))
            assert res.vector_used, res.notices
        print(f"   {label:<24} wall {fmt(ms)}")
        print(f"   {'':<24} CPU  {fmt(cpu)}  (median {statistics.median(n_hits):.0f} hits)")
        out[label] = (pct(ms, 50), pct(ms, 95), pct(cpu, 50), pct(cpu, 95))
    a, b = out["CLIP + words + meaning"], out["CLIP + words (before)"]
    print(f"   the meaning list costs: p95 wall x{a[1] / b[1]:.2f}, p95 CPU x{a[3] / b[3]:.2f} "
          f"(load average {os.getloadavg()[0]:.1f})")
    catalog.close()
    with_meaning.close()
    without.close()
    drop_cached()
    return {"total": [a[0], a[1]], "cpu": [a[2], a[3]], "without_meaning": [b[0], b[1]],
            "without_meaning_cpu": [b[2], b[3]], "meaning_cost_p95": a[1] / b[1],
            "load_average": os.getloadavg()[0]}


# --- calibration ---------------------------------------------------------------------------

def calibrate(tmp: Path) -> None:
    from benchmarks.sentence_pairs import PAIRS

    print("\n== relevance floor: MiniLM cosines of benchmarks/sentence_pairs.py ==")
    reg = real_registry(tmp / "models-home-cal")
    m = reg.sentences()
    d = m.embed([s for s, _ in PAIRS])
    q = m.embed([x for _, x in PAIRS])
    sim = q @ d.T
    n = len(PAIRS)
    related = np.diag(sim)
    unrelated = sim[~np.eye(n, dtype=bool)]
    print(f"   related   ({n}): min {related.min():.2f} median {np.median(related):.2f} "
          f"max {related.max():.2f}")
    print(f"   unrelated ({len(unrelated)}): median {np.median(unrelated):.2f} "
          f"p95 {np.percentile(unrelated, 95):.2f} max {unrelated.max():.2f}")
    print(f"   top-1 by cosine alone: {(sim.argmax(1) == np.arange(n)).sum()}/{n}")
    for floor in (0.15, 0.2, MEANING_FLOOR, 0.25, 0.3):
        kept = (related >= floor).mean()
        leaked = (unrelated >= floor).mean()
        within = (sim >= np.maximum(floor, sim.max(1, keepdims=True) - MEANING_MARGIN))
        leaked_m = within[~np.eye(n, dtype=bool)].mean()
        print(f"   floor {floor:.2f}: related kept {kept:.0%}, unrelated over it {leaked:.1%}"
              f" (with the {MEANING_MARGIN} margin below each query's best: {leaked_m:.1%})")
    reg.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--segments", type=int, default=10_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--size", type=int, default=100_000)
    ap.add_argument("--no-embed", action="store_true")
    ap.add_argument("--no-search", action="store_true")
    ap.add_argument("--calibrate", action="store_true", help="only the floor calibration")
    ap.add_argument("--keep", type=Path, help="keep (and reuse) the search catalog here")
    ap.add_argument("--json", type=Path, help="write the figures to this JSON file")
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    tmp = Path(tempfile.mkdtemp(prefix="bench-sentences-"))
    out: dict = {}
    try:
        if args.calibrate:
            calibrate(tmp)
            return
        if not args.no_embed:
            out["embed"] = bench_embed(args.segments, tmp)
        if not args.no_search:
            real = real_registry(tmp / "models-home-q")
            encode = bench_query_encode(real.sentences(), args.queries)
            out["encode"] = {k: list(v) for k, v in encode.items()}
            real.close()
            out[f"e2e_{args.size}"] = bench_search_all(args.size, args.queries, tmp, args.keep)
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(out, indent=1, default=float) + "\n")
            print(f"\nfigures written to {args.json}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
