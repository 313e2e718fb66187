"""A synthetic library of N files for the scale benchmark (benchmarks/bench_scale.py), written
through the project's own migrations (core.catalog.Catalog) with bulk inserts, no image
decoded: what the pipeline would have left in the catalog after indexing N files.

    build(home, n, seed, clip_id, text_id, face_id) -> Built

- files: 20 years of events (80% at home, 20% trips of 2-10 days to 40 places), sessions of
  photos minutes apart, 5% videos, folders by year and day, GPS on the phone's photos;
  every file exists on disk as an empty placeholder whose size and mtime the catalog holds,
  so a no-change rescan walks and compares real files (it reads no contents);
- a second root ("Unsorted", min(20,000, n/2) files) for the review's plan;
- exact copies (0.5%: the same content hash) and near copies (1%: a vector a hair from
  the original's, a pHash 2 bits away);
- CLIP vectors (512-d, clustered, one per photo and one keyframe per video) and sentence
  vectors (384-d, one per caption, three per video transcript), stored as the pipeline
  stores them (float32 blobs, the models' identities);
- captions for every file, transcripts (3 segments) for videos, OCR lines for 5% of photos
  (screenshots/documents with their picture kind), and what the scan read of each file's
  XMP (nothing: no sidecars);
- faces (0.65 a photo) as 128-d descriptors around 20 + n/400 people with Zipf-like sizes
  (dlib's scale: one person's faces ~0.4 apart, two people ~0.95), 10% strangers; 95% of the
  faces already grouped, the newest 5% not yet (people grouping is timed on them);
- places for GPS files, collections (20 + n/2000) and events (core.places.events).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from core.catalog import Catalog
from core.config import Paths
from core.xmp.read import stamp as xmp_stamp

CLIP_DIM = 512
TEXT_DIM = 384
FACE_DIM = 128
START = 1136073600.0          # 2006-01-01
SPAN = 20 * 365.25 * 86400    # 20 years
HOME = (52.37, 4.89, "Amsterdam", "North Holland", "Netherlands", "NL")
DESTINATIONS = [
    (41.39, 2.17, "Barcelona", "Catalonia", "Spain", "ES"),
    (38.72, -9.14, "Lisbon", "Lisbon", "Portugal", "PT"),
    (45.44, 12.33, "Venice", "Veneto", "Italy", "IT"),
    (48.86, 2.35, "Paris", "Ile-de-France", "France", "FR"),
    (35.01, 135.77, "Kyoto", "Kyoto", "Japan", "JP"),
    (64.15, -21.94, "Reykjavik", "Capital Region", "Iceland", "IS"),
    (40.71, -74.01, "New York", "New York", "United States", "US"),
    (-33.92, 18.42, "Cape Town", "Western Cape", "South Africa", "ZA"),
    (47.37, 8.54, "Zurich", "Zurich", "Switzerland", "CH"),
    (50.06, 19.94, "Krakow", "Lesser Poland", "Poland", "PL"),
] + [(30 + i * 1.7, -10 + i * 3.1, f"Town {i}", f"Region {i}", f"Country {i % 7}", f"C{i % 7}")
     for i in range(30)]
_WORDS = ("dog cat child woman man car bicycle boat house tree mountain lake beach bridge castle "
         "flower cake train horse market park garden street river forest city village harbour "
         "field kitchen church stadium desert island valley museum station farm school temple "
         "birthday wedding snow sunset dinner picnic")
WORDS = _WORDS.split()
CHUNK = 20_000


@dataclass
class Built:
    n: int
    seed: int
    root: str
    unsorted_root: str
    unsorted_root_id: int
    faces: int
    new_faces: int            # faces awaiting grouping (the newest 5%)
    first_new_face: int       # their smallest id
    people: int
    face_model: str
    clip_model: str
    text_model: str
    seconds: float

    def save(self, home: Path) -> None:
        (home / "built.json").write_text(json.dumps(asdict(self), indent=1))

    @classmethod
    def load(cls, home: Path) -> Built | None:
        try:
            return cls(**json.loads((home / "built.json").read_text()))
        except (OSError, ValueError, TypeError):
            return None


def _timeline(n: int, rng: np.random.Generator):
    """Capture times (sorted), place index (-1 home, -2 unknown, else a destination) and the
    event start day of each of n files."""
    times, places, days = [], [], []
    total = 0
    while total < n:
        start = START + rng.random() * SPAN
        if rng.random() < 0.8:                     # an afternoon at home
            sessions = [(start, int(rng.geometric(1 / 12)))]
            dest = -1
        else:                                      # a trip: 1-3 sessions a day
            ndays = int(rng.integers(2, 11))
            dest = int(rng.integers(len(DESTINATIONS)))
            sessions = [(start + d * 86400 + s * 4 * 3600, int(rng.geometric(1 / 15)))
                        for d in range(ndays) for s in range(int(rng.integers(1, 4)))]
        camera = rng.random() < 0.3               # a camera without GPS
        for t0, k in sessions:
            gaps = rng.exponential(120.0, k)
            times.append(t0 + np.cumsum(gaps))
            places.append(np.full(k, -2 if camera else dest))
            days.append(np.full(k, start))
            total += k
    order = np.argsort(np.concatenate(times), kind="stable")[:n]
    return (np.concatenate(times)[order], np.concatenate(places)[order],
            np.concatenate(days)[order])


def _unit(v: np.ndarray) -> np.ndarray:
    return (v / np.linalg.norm(v, axis=1, keepdims=True)).astype("<f4")


def build(home: Path, n: int, seed: int, clip_id: str, text_id: str,
          face_id: str = "bench/dlib-face-v1", progress=print, *, clip_dim: int = CLIP_DIM,
          text_dim: int = TEXT_DIM, n_people: int | None = None) -> Built:
    """Write the catalog (home/catalog.sqlite) and the placeholder files (home/library).
    The dimensions are the models' (tests build with tiny ones); n_people: 20 + n/400."""
    t_start = time.perf_counter()
    rng = np.random.default_rng(seed)
    home.mkdir(parents=True, exist_ok=True)
    lib, unsorted = home / "library", home / "unsorted"
    catalog = Catalog.open(Paths(home))
    now = time.time()
    times, place_of, day_of = _timeline(n, rng)
    kinds = np.where(rng.random(n) < 0.05, "video", "photo")
    m_unsorted = min(20_000, n // 2)
    in_unsorted = np.zeros(n, bool)
    in_unsorted[rng.choice(n, m_unsorted, replace=False)] = True
    exact_of = np.full(n, -1)                      # a copy of an earlier file's bytes
    near_of = np.full(n, -1)                       # a resized/re-saved copy of an earlier one
    pick = rng.random(n)
    idx = np.arange(n)
    exact = (pick < 0.005) & (idx > 10)
    near = (pick >= 0.005) & (pick < 0.015) & (idx > 10) & (kinds == "photo")
    exact_of[exact] = (rng.random(exact.sum()) * idx[exact]).astype(int)
    near_of[near] = np.maximum(idx[near] - rng.integers(1, 10, near.sum()), 0)
    near_of[near] = np.where(kinds[near_of[near]] == "photo", near_of[near], -1)
    hashes = [f"{seed:04x}{i:028x}" for i in range(n)]
    for i in np.flatnonzero(exact_of >= 0):
        hashes[i] = hashes[exact_of[i]]
    # CLIP space: topic centres (a shared offset, as CLIP's image vectors have)
    n_topics = max(50, n // 200)
    clip_centres = rng.normal(size=(n_topics, clip_dim)).astype(np.float32)
    clip_centres /= np.linalg.norm(clip_centres, axis=1, keepdims=True)
    clip_offset = rng.normal(size=clip_dim).astype(np.float32)
    clip_offset *= 0.9 / np.linalg.norm(clip_offset)
    text_centres = rng.normal(size=(max(50, n // 100), text_dim)).astype(np.float32)
    # faces: people (Zipf-like sizes) in dlib's scale
    n_people = n_people or 20 + n // 400
    person_centres = rng.normal(scale=0.06, size=(n_people, FACE_DIM)).astype(np.float32)
    weights = 1.0 / np.arange(1, n_people + 1) ** 1.1
    weights /= weights.sum()
    phashes = rng.integers(-2**63, 2**63 - 1, n, dtype=np.int64)
    for i in np.flatnonzero(near_of >= 0):
        flip = (1 << int(rng.integers(0, 60))) | (1 << int(rng.integers(0, 60)))
        phashes[i] = phashes[near_of[i]] ^ flip
    for i in np.flatnonzero(exact_of >= 0):
        phashes[i] = phashes[exact_of[i]]

    def roots(c):
        a = c.execute("INSERT INTO roots(path, added_at, last_scan_at) VALUES (?, ?, ?)",
                      (str(lib), now, now)).lastrowid
        b = c.execute("INSERT INTO roots(path, added_at, last_scan_at) VALUES (?, ?, ?)",
                      (str(unsorted), now, now)).lastrowid
        c.executemany("INSERT INTO people(id, created_at, updated_at) VALUES (?, ?, ?)",
                      [(p + 1, now, now) for p in range(n_people)])
        return a, b

    root_id, unsorted_id = catalog.write(roots)
    clip_vecs = np.empty((n, clip_dim), np.float32)  # kept for the near copies
    face_total = 0
    all_faces: list[int] = []                          # face counts per chunk, for the split
    folders_made: set[str] = set()
    for s in range(0, n, CHUNK):
        e = min(n, s + CHUNK)
        k = e - s
        topics = rng.integers(0, n_topics, k)
        noise = rng.normal(scale=1.0 / np.sqrt(clip_dim), size=(k, clip_dim)).astype(np.float32)
        clip_vecs[s:e] = _unit(clip_offset + clip_centres[topics] + 0.9 * noise)
        for i in range(s, e):
            if near_of[i] >= 0:
                clip_vecs[i] = _unit((clip_vecs[near_of[i]] + rng.normal(
                    scale=0.01, size=clip_dim).astype(np.float32))[None])[0]
            elif exact_of[i] >= 0:
                clip_vecs[i] = clip_vecs[exact_of[i]]
        files, embs, caps, tvecs, places, kinds_rows, lines, segs, trans = \
            [], [], [], [], [], [], [], [], []
        faces_rows = []
        n_tv = k + 3 * int((kinds[s:e] == "video").sum())
        tv = _unit(text_centres[rng.integers(0, len(text_centres), n_tv)]
                   + rng.normal(scale=0.9 / np.sqrt(text_dim) * 4, size=(n_tv, text_dim)))
        tvi = 0
        n_faces = rng.choice([0, 1, 2, 3, 4], size=k, p=[0.6, 0.2, 0.12, 0.05, 0.03])
        words = rng.integers(0, len(WORDS), (k, 4))
        jitter = rng.normal(scale=0.03, size=(k, 2)).tolist()
        for j, i in enumerate(range(s, e)):
            t = float(times[i])
            y = time.gmtime(t).tm_year
            video = kinds[i] == "video"
            ext = "MP4" if video else "JPG"
            if in_unsorted[i]:
                folder = f"{unsorted}/Phone {y}"
                rid = unsorted_id
            else:
                ev = time.gmtime(float(day_of[i]))
                p = int(place_of[i])
                where = DESTINATIONS[p][2] if p >= 0 else ("Home" if p == -1 else "Camera")
                folder = f"{lib}/{ev[0]}/{ev[0]}-{ev[1]:02d}-{ev[2]:02d} {where}"
                rid = root_id
            name = f"IMG_{i:07d}.{ext}"
            p = int(place_of[i])
            lat = lon = None
            if p != -2:
                c = HOME if p == -1 else DESTINATIONS[p]
                lat, lon = c[0] + jitter[j][0], c[1] + jitter[j][1]
                places.append((i + 1, "gps", c[2], c[3], c[4], c[5], 1.0, c[2].lower(),
                               c[3].lower(), c[4].lower(), None))
            mtime_ns = int(t * 1e9)
            files.append((i + 1, rid, f"{folder}/{name}", folder, name, kinds[i],
                          "mp4" if video else "jpeg", 0, mtime_ns, hashes[i],
                          1920 if video else 4032, 1080 if video else 3024,
                          12.0 if video else None, t, "container" if video else "exif", lat, lon,
                          "Apple" if p != -2 else "Canon", "iPhone" if p != -2 else "EOS",
                          now))
            folders_made.add(folder)
            blob = clip_vecs[i].tobytes()
            embs.append((i + 1, 0 if video else -1, clip_id, clip_dim, blob))
            w = [WORDS[x] for x in words[j]]
            caption = f"a {w[0]} and a {w[1]} near the {w[2]} with a {w[3]}"
            caps.append((i + 1, "bench/captioner", caption, now))
            tvecs.append((i + 1, "caption", -1, None, caption, text_id, tv[tvi].tobytes()))
            tvi += 1
            if video:
                trans.append((i + 1, "bench/whisper", "en", now))
                for q in range(3):
                    text = f"we talked about the {w[q]} and the {w[(q + 1) % 4]} at the {w[2]}"
                    segs.append((i + 1, q * 4.0, q * 4.0 + 3.5, text))
                    tvecs.append((i + 1, "transcript", q * 4000, q * 4000 + 3500, text, text_id,
                                  tv[tvi].tobytes()))
                    tvi += 1
            elif (i * 7919) % 20 == 0:                 # 5%: a screenshot or a document
                kinds_rows.append((i + 1, "screenshot" if i % 2 else "document", "bench",
                                   "bench/ocr"))
                for q in range(4):
                    lines.append((i + 1, -1, q, f"invoice {i} {w[q]} total {i % 997} euro",
                                  0.95, "[0,0,1,1]", "bench/ocr"))
            if not video:
                for q in range(int(n_faces[j])):
                    faces_rows.append((i + 1, q))
        # faces: 10% strangers, the rest one of the people
        nf = len(faces_rows)
        who = rng.choice(n_people, size=nf, p=weights)
        stranger = rng.random(nf) < 0.10
        desc = person_centres[who] + rng.normal(scale=0.025, size=(nf, FACE_DIM))
        desc[stranger] = rng.normal(scale=0.06, size=(int(stranger.sum()), FACE_DIM))
        desc = desc.astype("<f4")
        groupable = rng.random(nf) < 0.9
        face_rows = [(fid, -1, q, 0.3, 0.2, 0.1, 0.12, 120, 0.99, 80.0, int(g), face_id,
                      desc[r].tobytes(), None if st or not g else int(p) + 1,
                      None if st or not g else "auto")
                     for r, ((fid, q), p, st, g) in enumerate(zip(faces_rows, who, stranger,
                                                                   groupable))]
        face_total += nf
        all_faces.append(nf)

        def write(c, files=files, embs=embs, caps=caps, tvecs=tvecs, places=places,
                  kinds_rows=kinds_rows, lines=lines, segs=segs, trans=trans,
                  face_rows=face_rows, s=s, e=e):
            c.executemany(
                "INSERT INTO files(id, root_id, path, folder, name, kind, format, size, "
                "mtime_ns, content_hash, width, height, duration_s, taken_at, taken_at_source, "
                "gps_lat, gps_lon, camera_make, camera_model, first_seen_at) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", files)
            c.executemany("INSERT INTO embeddings(file_id, frame_ms, model_id, dim, vector) "
                          "VALUES (?,?,?,?,?)", embs)
            c.executemany("INSERT INTO captions(file_id, model_id, text, created_at) "
                          "VALUES (?,?,?,?)", caps)
            c.executemany("INSERT INTO text_vectors(file_id, source, frame_ms, end_ms, text, "
                          "model_id, vector) VALUES (?,?,?,?,?,?,?)", tvecs)
            c.executemany("INSERT INTO file_places(file_id, source, place, region, country, "
                          "country_code, distance_km, place_key, region_key, country_key, "
                          "spellings) VALUES (?,?,?,?,?,?,?,?,?,?,?)", places)
            c.executemany("INSERT INTO transcripts(file_id, model_id, language, created_at) "
                          "VALUES (?,?,?,?)", trans)
            c.executemany("INSERT INTO transcript_segments(file_id, start_s, end_s, text) "
                          "VALUES (?,?,?,?)", segs)
            c.executemany("INSERT INTO picture_kinds(file_id, kind, reason, model_id) "
                          "VALUES (?,?,?,?)", kinds_rows)
            c.executemany("INSERT INTO text_lines(file_id, frame_ms, line_no, text, confidence,"
                          " box, model_id) VALUES (?,?,?,?,?,?,?)", lines)
            c.executemany("INSERT INTO faces(file_id, frame_ms, idx, x, y, w, h, size_px, "
                          "score, sharpness, groupable, model_id, descriptor, person_id, "
                          "assigned_by) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", face_rows)
            c.executemany("INSERT INTO xmp_reads(file_id, stamp) VALUES (?, ?)",
                          [(i + 1, xmp_stamp(hashes[i], None)) for i in range(s, e)])
            c.executemany("INSERT INTO phashes(file_id, content_hash, phash, computed_at) "
                          "VALUES (?,?,?,?)", [(i + 1, hashes[i], int(phashes[i]), now)
                                               for i in range(s, e) if kinds[i] == "photo"])
        catalog.write(write)
        progress(f"   rows {e:,}/{n:,} ({time.perf_counter() - t_start:.0f} s)")
    # the newest 5% of faces: not grouped yet (update_people places them)
    new_faces = face_total // 20

    def finish(c):
        first = c.execute("SELECT id FROM faces ORDER BY id DESC LIMIT 1 OFFSET ?",
                          (max(new_faces - 1, 0),)).fetchone()
        first = first[0] if first else 0
        c.execute("UPDATE faces SET person_id = NULL, assigned_by = NULL WHERE id >= ?", (first,))
        c.execute("DELETE FROM people WHERE id NOT IN (SELECT person_id FROM faces "
                  "WHERE person_id IS NOT NULL)")
        _collections(c, n, rng, now)
        c.execute("INSERT INTO fts(fts) VALUES ('optimize')")
        return first

    first_new = catalog.write(finish)
    people = catalog.write(lambda c: c.execute("SELECT count(*) FROM people").fetchone()[0])
    progress(f"   placeholder files ({len(folders_made):,} folders) "
             f"({time.perf_counter() - t_start:.0f} s)")
    _placeholders(catalog)
    from core.places.events import update_events

    update_events(catalog, force=True)
    catalog.close()
    built = Built(n, seed, str(lib), str(unsorted), unsorted_id, face_total, new_faces,
                  first_new, people, face_id, clip_id, text_id,
                  round(time.perf_counter() - t_start, 1))
    built.save(home)
    return built


def _collections(c, n: int, rng: np.random.Generator, now: float) -> None:
    """Collections as the grouping leaves them: 20 + n/2000, covering 80% of the files."""
    k = 20 + n // 2000
    c.executemany("INSERT INTO clusters(id, name, folder_path, named_by, created_at, updated_at,"
                  " member_count) VALUES (?, ?, ?, 'fallback', ?, ?, 0)",
                  [(j + 1, f"Collection {j + 1}", f"Topic {j + 1}", now, now) for j in range(k)])
    ids = np.flatnonzero(rng.random(n) < 0.8) + 1
    which = rng.integers(1, k + 1, len(ids))
    c.executemany("INSERT INTO cluster_members(cluster_id, file_id, probability, "
                  "representative) VALUES (?, ?, 0.9, 0)",
                  zip(which.tolist(), ids.tolist()))
    c.execute("UPDATE cluster_members SET representative = 1 WHERE rowid IN (SELECT min(rowid) "
              "FROM cluster_members GROUP BY cluster_id)")
    c.execute("UPDATE clusters SET member_count = (SELECT count(*) FROM cluster_members m "
              "WHERE m.cluster_id = clusters.id)")


def _placeholders(catalog: Catalog) -> None:
    """Every file on disk, empty, with the mtime the catalog holds: a rescan finds it unchanged
    (size and mtime the same), as it would a library that did not change."""
    with catalog.read() as conn:
        rows = conn.execute("SELECT folder, path, mtime_ns FROM files ORDER BY folder")
        last = None
        for folder, path, mtime_ns in rows:
            if folder != last:
                os.makedirs(folder, exist_ok=True)
                last = folder
            fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
            os.close(fd)
            os.utime(path, ns=(mtime_ns, mtime_ns))
