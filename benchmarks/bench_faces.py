"""Faces and people: quality on labelled real photos, false people, and stage speed.

    .venv/bin/python -m benchmarks.bench_faces [--photos 40] [--skip quality,false,speed]

Everything runs through the real code path (scan -> thumbnail stage -> faces stage -> people)
with the real dlib weights of the default install, in a throw-away SHOEBOX_HOME.

1. quality, on labelled face photos: `--faces DIR`, by default tests/data/faces (8 public-domain
   photos: Obama, Biden, one astronaut), or a folder laid out as face_recognition's examples
   (train/<person>/, single/, test/; docs/BENCHMARKS.md's figures: 24 photos, 5 labelled people + one
   stranger + one child):
   - all at once: pairwise accuracy over labelled face pairs (same person <=> same label;
     an unassigned face is nobody's), the same over pairs whose two faces are both in a
     person, and ARI (unassigned faces count as singletons);
   - incrementally: train/ and single/ first, then test/ (in a flat folder: the portraits
     first, then the rest): every later face must end in the person of its label.
2. false people: real photos without people (benchmarks/media.py: the sample library by
   default): faces found and people formed (target 0 people).
3. speed: the faces stage on --photos 12 MP JPEGs (real face photos enlarged, with sensor
   noise), in the pixel pass: the faces stage's view of the one decode (1000x750, the 1024 px
   preview's size), with dlib in helper processes; target >= 4 photos/s on 2 cores. First
   the thumbnail stage alone (the decode), then the faces stage alone (its own decode pass
   included, so this is a floor on what it costs inside the shared pass).
"""

from __future__ import annotations

import argparse
import io
import itertools
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
FACES = REPO / "tests" / "data" / "faces"   # --faces replaces it


def label(rel: str, x: float) -> str | None:
    """The person of a face, from its photo and (in group photos) where it is across."""
    name = rel.rsplit("/", 1)[-1]
    if rel.startswith("train/"):
        return rel.split("/")[1]
    if "two_people" in name or "obama_biden" in name:
        return "obama" if x < 0.5 else "biden"
    if "kit_with_rose" in name:
        return "rose_leslie" if x < 0.3 else "kit_harington"
    if "obama_and_biden" in name:
        return "biden" if x < 0.45 else ("obama" if x < 0.7 else None)  # None: a child
    for key, who in (("alex", "alex_lacamoire"), ("biden", "biden"), ("obama", "obama"),
                     ("astronaut", "eileen_collins"),
                     ("johnsnow", "kit_harington"), ("lin-manuel", "lin_manuel_miranda")):
        if key in name:
            return who
    raise ValueError(f"no label for {rel}")


class Library:
    """A throw-away Shoebox home with one library root."""

    def __init__(self, work: Path, processes: int | None = None):
        from core.catalog import Catalog
        from core.config import Paths, Settings
        from models import Registry

        self.root = work / "library"
        self.root.mkdir(parents=True)
        self.paths = Paths(work / "home")
        extra = {} if processes is None else {"face_processes": processes}
        self.settings = Settings(device="cpu", model_idle_unload_s=0, extra=extra)
        self.catalog = Catalog.open(self.paths)
        self.registry = Registry(self.settings, self.paths)

    def add(self, src: Path, rel: str) -> None:
        target = self.root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, target)

    def index(self):
        from core.pipeline import index_library
        from core.scan.roots import add_root
        from core.scan.scanner import scan

        if not any(True for _ in self._roots()):
            add_root(self.catalog, self.root)
        scan(self.catalog)
        return index_library(self.catalog, self.registry, self.settings, self.paths,
                             stages=["thumbnail", "faces"])

    def _roots(self):
        with self.catalog.read() as conn:
            return conn.execute("SELECT id FROM roots").fetchall()

    def faces(self) -> list[tuple[str, float, int | None]]:
        """(path relative to the root, box centre x, person id) of every face."""
        with self.catalog.read() as conn:
            rows = conn.execute("SELECT f.path, fa.x + fa.w / 2, fa.person_id FROM faces fa "
                                "JOIN files f ON f.id = fa.file_id").fetchall()
        return [(str(Path(p).relative_to(self.root)), x, pid) for p, x, pid in rows]

    def close(self):
        self.registry.close()
        self.catalog.close()


def _photos(folder: str) -> list[Path]:
    return sorted(p for p in (FACES / folder).rglob("*") if p.suffix.lower() in
                  (".jpg", ".jpeg", ".png"))


def _stages() -> tuple[list[Path], list[Path]]:
    """The photos indexed first and those indexed after, for the incremental check."""
    if (FACES / "test").is_dir():
        return _photos("train") + _photos("single"), _photos("test")
    everything = _photos(".")
    first = [p for p in everything if "portrait" in p.name or "congress" in p.name]
    return first, [p for p in everything if p not in first]


def quality(work: Path) -> None:
    from sklearn.metrics import adjusted_rand_score

    lib = Library(work / "all")
    for p in _photos("."):
        lib.add(p, str(p.relative_to(FACES)))
    t0 = time.perf_counter()
    report = lib.index()
    took = time.perf_counter() - t0
    faces = [(rel, label(rel, x), pid) for rel, x, pid in lib.faces()]
    labelled = [f for f in faces if f[1] is not None]
    right = total = right_both = total_both = 0
    for (_, la, pa), (_, lb, pb) in itertools.combinations(labelled, 2):
        same_pred = pa is not None and pa == pb
        total += 1
        right += same_pred == (la == lb)
        if pa is not None and pb is not None:
            total_both += 1
            right_both += same_pred == (la == lb)
    singles = itertools.count(-1, -1)
    pred = [pid if pid is not None else next(singles) for _, _, pid in labelled]
    ari = adjusted_rand_score([lab for _, lab, _ in labelled], pred)
    people = {pid for *_, pid in faces if pid is not None}
    print(f"quality, all {len(_photos('.'))} photos at once ({took:.1f} s, "
          f"{report.stages['faces'].done} photos): {len(faces)} faces, {len(people)} people, "
          f"{sum(1 for f in faces if f[2] is None)} faces unassigned")
    print(f"  pairwise accuracy over {total} labelled face pairs: {right / total:.1%}; over the "
          f"{total_both} pairs with both faces in a person: {right_both / max(1, total_both):.1%}")
    print(f"  ARI (unassigned = singletons): {ari:.3f}")
    majority = _majority(faces)
    for pid in sorted(people):
        print(f"  person {pid}: {majority.get(pid)} "
              f"({sum(1 for f in faces if f[2] == pid)} faces)")
    lib.close()

    # incremental: train/ and single/ (or the portraits) first, then the rest
    lib = Library(work / "incremental")
    early, late = _stages()
    for p in early:
        lib.add(p, str(p.relative_to(FACES)))
    first = lib.index().people
    for p in late:
        lib.add(p, str(p.relative_to(FACES)))
    then = lib.index().people
    later = {str(p.relative_to(FACES)) for p in late}
    faces = [(rel, label(rel, x), pid) for rel, x, pid in lib.faces()]
    majority = _majority([f for f in faces if f[0] not in later])
    tests = [f for f in faces if f[0] in later and f[1] is not None]
    ok = [f for f in tests if f[2] is not None and majority.get(f[2]) == f[1]]
    print(f"incremental: {len(early)} photos first {first}, then {len(late)} more {then}")
    print(f"  later faces in the right person: {len(ok)} of {len(tests)}")
    for rel, lab, pid in tests:
        if (rel, lab, pid) not in ok:
            print(f"    wrong or unassigned: {rel} ({lab}) -> person {pid} "
                  f"({majority.get(pid)})")
    lib.close()


def _majority(faces) -> dict[int, str]:
    from collections import Counter

    votes: dict[int, Counter] = {}
    for _, lab, pid in faces:
        if pid is not None and lab is not None:
            votes.setdefault(pid, Counter())[lab] += 1
    return {pid: c.most_common(1)[0][0] for pid, c in votes.items()}


def false_people(work: Path) -> None:
    lib = Library(work / "things")
    from benchmarks.media import media_folder
    from benchmarks.media import photos as real_photos

    photos = real_photos()
    for p in photos:
        lib.add(p, p.name)
    report = lib.index()
    faces = lib.faces()
    people = {pid for *_, pid in faces if pid is not None}
    print(f"false people, {len(photos)} photos of {media_folder()}: "
          f"{len(faces)} faces found ({', '.join(sorted({f[0] for f in faces})) or 'none'}), "
          f"{len(people)} people formed; stage {report.stages['faces'].done} done")
    lib.close()


def _twelve_mp(n: int, folder: Path) -> list[Path]:
    """Real face photos enlarged to 4000x3000 with sensor-like noise (camera-weight JPEGs)."""
    from PIL import Image

    sources = _photos(".")
    rng = np.random.default_rng(0)
    out = []
    for i in range(n):
        with Image.open(sources[i % len(sources)]) as im:
            img = im.convert("RGB")
        canvas = Image.new("RGB", (4000, 3000), (120, 110, 100))
        img.thumbnail((4000, 3000))
        canvas.paste(img.resize((round(img.width * 3000 / img.height), 3000))
                     if img.width * 3000 / img.height <= 4000 else img.resize((4000, 3000)),
                     (0, 0))
        arr = np.asarray(canvas).astype(np.int16)
        arr += rng.integers(-6, 7, arr.shape, dtype=np.int16)
        buf = io.BytesIO()
        Image.fromarray(arr.clip(0, 255).astype(np.uint8)).save(buf, "JPEG", quality=90)
        path = folder / f"p{i:03d}.jpg"
        path.write_bytes(buf.getvalue())
        out.append(path)
    return out


def speed(work: Path, n: int, processes: int | None) -> None:
    from core.pipeline import index_library
    from core.scan.roots import add_root
    from core.scan.scanner import scan

    lib = Library(work / f"speed{processes}", processes)
    _twelve_mp(n, lib.root)
    add_root(lib.catalog, lib.root)
    scan(lib.catalog)
    r1 = index_library(lib.catalog, lib.registry, lib.settings, lib.paths, stages=["thumbnail"])
    lib.registry.faces()  # loaded before the clock starts (0.4 s, once per run)
    r2 = index_library(lib.catalog, lib.registry, lib.settings, lib.paths, stages=["faces"])
    fs = r2.stages["faces"]
    with lib.catalog.read() as conn:
        found = conn.execute("SELECT count(*) FROM faces").fetchone()[0]
    helpers = lib.registry.faces().processes
    print(f"speed, {n} 12 MP JPEGs on {os.cpu_count()} cores, {helpers} helper processes "
          f"(load {os.getloadavg()[0]:.1f}): faces stage {fs.done / fs.seconds:.2f} photos/s "
          f"from the 1024 px preview ({found} faces, {r2.people}); the thumbnail stage "
          f"(the one decode) {r1.stages['thumbnail'].done / r1.stages['thumbnail'].seconds:.2f}"
          f" photos/s")
    if processes in (None, 0):
        _cpu_cost(lib.root)
    lib.close()


def _cpu_cost(folder: Path) -> None:
    """CPU seconds (not wall: this machine is shared) of the two halves of the work, per
    photo: the decode at the faces stage's size, and detection + alignment + descriptor."""
    from core.media.decode import load_image
    from models.faces import DETECT_SCALE, FaceEngine, packaged_folder

    engine = FaceEngine(packaged_folder(), "hog", DETECT_SCALE)
    files = sorted(folder.glob("*.jpg"))
    t0 = time.process_time()
    images = [load_image(str(f), "photo", 750) for f in files]
    t1 = time.process_time()
    for img in images:
        engine.faces(img)
    t2 = time.process_time()
    dec, det = (t1 - t0) / len(files), (t2 - t1) / len(files)
    print(f"  CPU per photo: decode {dec * 1000:.0f} ms ({images[0].size[0]}x{images[0].size[1]}), "
          f"faces {det * 1000:.0f} ms; on 2 free cores (decode beside one helper) that is "
          f"{1 / max(dec, det):.1f} photos/s, {2 / (dec + det):.1f} with two helpers")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--photos", type=int, default=40)
    ap.add_argument("--faces", type=Path, default=None,
                    help="labelled face photos (default: tests/data/faces; see above)")
    ap.add_argument("--skip", default="")
    ap.add_argument("--processes", default="",
                    help="face helper processes to compare, e.g. 0,1,2 (default: the app's)")
    args = ap.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    global FACES
    FACES = (args.faces or FACES).resolve()
    work = Path(tempfile.mkdtemp(prefix="bench-faces-"))
    os.environ["SHOEBOX_HOME"] = str(work / "home")
    try:
        if "quality" not in skip:
            quality(work)
        if "false" not in skip:
            false_people(work)
        if "speed" not in skip:
            for p in [int(x) for x in args.processes.split(",") if x] or [None]:
                speed(work, args.photos, p)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
