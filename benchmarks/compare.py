"""`make bench`: the quick variants of the benchmarks, compared with the last committed figures.

    .venv/bin/python -m benchmarks.compare [--update]

Runs bench_pipeline (64 photos of 12 MP, speed only, the stages together), bench_search (text
queries end to end at 100k), bench_sentences (the same with the meaning list) and bench_scale
(every cost that grows with the library, at 10k files), then prints, for each tracked figure, this run's value, the committed one
(benchmarks/results/*.json, written by a full run with --json) and their ratio, marked when
it is more than TOLERANCE worse. The machine may be shared: the figures that matter most are
themselves ratios measured inside one run (pipeline vs its models alone, ONNX vs torch), which
load moves far less than absolute times. --update writes this run's figures as the new
reference (commit them with the change that moved them). Exit status 1 on a regression of an
in-run ratio; absolute times only warn.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
TOLERANCE = 0.15

# (file, path in the JSON, higher is better, an in-run ratio?)
TRACKED = [
    ("pipeline", "speed.ratio", True, True),
    ("pipeline", "speed.core_ratio", True, True),
    ("pipeline", "speed.rate", True, False),
    ("pipeline", "speed.models_rate", True, False),
    ("search", "e2e_100000.total.1", False, False),
    ("search", "e2e_100000.total.0", False, False),
    ("search", "e2e_100000.encode.0", False, False),
    ("search", "e2e_100000.cpu.1", False, False),
    ("search", "e2e_100000.encode_vs_torch", False, False),  # tens of ms: load moves it
    ("sentences", "e2e_100000.total.1", False, False),
    ("sentences", "e2e_100000.cpu.1", False, False),
    ("sentences", "e2e_100000.meaning_cost_p95", False, True),
    ("scale", "10000.first_screen_s", False, False),
    ("scale", "10000.page_cpu_ms", False, False),
    ("scale", "10000.search_p95_ms", False, False),
    ("scale", "10000.rescan_s", False, False),
    ("scale", "10000.people_s", False, False),
    ("scale", "10000.events_s", False, False),
    ("scale", "10000.plan_s", False, False),
    ("scale", "10000.review_cpu_max_ms", False, False),
    ("scale", "10000.rss_search_mb", False, False),
]

QUICK = {
    "pipeline": ["benchmarks.bench_pipeline", "--photos", "64", "--skip", "rss,video",
                 "--no-alone"],
    "search": ["benchmarks.bench_search", "--no-stores", "--queries", "100",
               "--e2e-sizes", "100000"],
    "sentences": ["benchmarks.bench_sentences", "--no-embed", "--queries", "100"],
    # the 10k catalog is built once into $TMPDIR/shoebox-bench-scale (~15 s), then reused
    "scale": ["benchmarks.bench_scale", "--sizes", "10000", "--queries", "20",
              "--dupes-limit", "120"],
}


def value(data: dict, path: str):
    for key in path.split("."):
        if isinstance(data, list):
            data = data[int(key)]
        elif isinstance(data, dict) and key in data:
            data = data[key]
        elif key == "encode_vs_torch" and isinstance(data, dict):  # derived: p50 ratio
            return data["encode"][0] / data["encode_torch"][0]
        else:
            return None
    return data


def compare(name: str, new: dict, old: dict | None) -> bool:
    """Print the tracked figures; False when an in-run ratio regressed."""
    ok = True
    for file, path, higher, in_run in TRACKED:
        if file != name:
            continue
        a = value(new, path)
        b = value(old, path) if old else None
        if a is None:
            print(f"  {name}.{path:28s} missing from this run")
            continue
        if b in (None, 0):
            print(f"  {name}.{path:28s} {a:10.3f}   (no committed figure)")
            continue
        better = a / b if higher else b / a
        flag = ""
        if better < 1 - TOLERANCE:
            flag = "  << REGRESSION" if in_run else "  << slower (absolute: check the load)"
            ok = ok and not in_run
        print(f"  {name}.{path:28s} {a:10.3f}  committed {b:10.3f}  ratio {a / b:6.2f}{flag}")
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--update", action="store_true",
                    help="write this run's figures to benchmarks/results/")
    ap.add_argument("--only", choices=sorted(QUICK), action="append")
    args = ap.parse_args()
    ok = True
    with tempfile.TemporaryDirectory(prefix="shoebox-bench-") as tmp:
        for name in args.only or sorted(QUICK):
            out = Path(tmp) / f"{name}.json"
            print(f"== {name}: {' '.join(QUICK[name])}", flush=True)
            run = subprocess.run([sys.executable, "-m", *QUICK[name], "--json", str(out)],
                                 cwd=REPO, check=False)
            if run.returncode != 0 or not out.exists():
                print(f"  {name} benchmark failed (exit {run.returncode})")
                ok = False
                continue
            new = json.loads(out.read_text())
            ref = RESULTS / f"{name}.json"
            old = json.loads(ref.read_text()) if ref.exists() else None
            print(f"-- {name} against {ref.relative_to(REPO)}")
            ok = compare(name, new, old) and ok
            if args.update:
                RESULTS.mkdir(parents=True, exist_ok=True)
                ref.write_text(json.dumps(new, indent=1) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
