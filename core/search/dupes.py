"""Duplicates: exact (same content hash) and near (CLIP neighbours confirmed by a pHash and
then by the pixels themselves).

Exact duplicates need no model at all; only they are suggested for the trash. Near-duplicates
use the vectors already in the catalog (no model is loaded), a 64-bit DCT perceptual hash
(computed lazily for candidate photos only and stored in `phashes`, migration 0002, against the
file's content hash), and a pixel comparison at a common size: a pHash at its loosest cut-off
also matches different pictures of the same layout (two pliers, a red and a green flag, two
dreidels with different letters), so a pair is only near-duplicate when, centre-cropped to the
same aspect ratio and shrunk to 64x64, nearly every pixel agrees (`pixel_difference`).
Measured (benchmarks/eval_duplicates.py, docs/BENCHMARKS.md): true re-saves/resizes <= 0.15, different
pictures of the same shape >= 0.32.
Screenshots and documents are mostly white: two different ones pass the pixel check. Where
the text stage read text in both files, the texts must agree as well (`same_text`).
"""

from __future__ import annotations

import difflib
import logging
import re
import time
from collections import defaultdict

import numpy as np
from PIL import Image, UnidentifiedImageError

from core.catalog.chunks import in_chunks
from core.catalog.spaces import vector_space
from core.errors import ShoeboxError
from core.media.decode import describe
from core.media.errors import MediaError
from core.media.images import open_image
from core.media.phash import hamming, phash_file, to_signed
from core.search import keeper, video_dupes
from core.search.dupe_decisions import Decisions, dismissed_groups
from core.search.near_pairs import Pairs, candidate_index
from core.search.types import DuplicateFile, DuplicateGroup
from core.search.vectors import get_index
from core.tasks import TaskState

log = logging.getLogger(__name__)

NEAR_COSINE = 0.92      # CLIP image-image cosine at or above which two photos are candidates
# Above the index's exact_max, photos are compared on their codes' estimates (both sides
# estimated: p99 0.0012 off, at most 0.013 over 18M pairs of the 1M bench catalog), from this
# much below the threshold; the pairs found are then scored exactly from the store.
ESTIMATE_MARGIN = 0.02
PHASH_MAX_DISTANCE = 12  # of 64 bits: re-saves, resizes and recompression stay well under
PHASH_STAGE = "phash"    # jobs.stage of a file whose perceptual hash failed
PIXEL_SIZE = 64          # common size of the pixel comparison
PIXEL_MAX_DIFFERENCE = 0.2  # 99th percentile of per-pixel difference (0..1) a near-duplicate may have
TEXT_MIN_CHARS = 8       # letters and digits a file's read text needs to take part
TEXT_MIN_RATIO = 0.8     # how alike two read texts must be (difflib ratio) for one picture


def _crop_to_aspect(img: Image.Image, aspect: float) -> Image.Image:
    w, h = img.size
    if w / h > aspect:
        nw = max(1, round(h * aspect))
        x = (w - nw) // 2
        return img.crop((x, 0, x + nw, h))
    nh = max(1, round(w / aspect))
    y = (h - nh) // 2
    return img.crop((0, y, w, y + nh))


def pixel_difference(a: Image.Image, b: Image.Image, size: int = PIXEL_SIZE) -> float:
    """How differently two pictures look pixel by pixel (0 = the same): both centre-cropped to
    the same aspect ratio (a 16:10 and a 4:3 version of one wallpaper line up), shrunk to
    size x size, and the 99th percentile of each pixel's largest channel difference taken —
    so a small region that differs (another letter, another colour) counts, and JPEG noise
    does not."""
    ra, rb = a.width / a.height, b.width / b.height
    if ra >= 1 and rb >= 1:
        aspect = min(ra, rb)
    elif ra < 1 and rb < 1:
        aspect = max(ra, rb)
    else:
        aspect = 1.0
    xa, xb = (np.asarray(_crop_to_aspect(im, aspect).resize((size, size), Image.Resampling.BOX),
                         dtype=np.float32) / 255.0 for im in (a, b))
    return float(np.quantile(np.abs(xa - xb).max(axis=2), 0.99))


def _phashes(catalog, conn, file_ids) -> dict[int, int]:
    """pHash of each file (unsigned), from the catalog or computed now and stored."""
    ids = sorted({int(i) for i in file_ids})
    if not ids:
        return {}
    out: dict[int, int] = {}
    todo = []
    for chunk, marks in in_chunks(ids):
        for fid, path, chash, stored, stored_hash in conn.execute(
            f"SELECT f.id, f.path, f.content_hash, p.phash, p.content_hash FROM files f "
            f"LEFT JOIN phashes p ON p.file_id = f.id WHERE f.id IN ({marks})", chunk
        ):
            if stored is not None and stored_hash == chash:
                out[fid] = stored & 0xFFFFFFFFFFFFFFFF
            else:
                todo.append((fid, path, chash))
    new, failed = [], []
    for fid, path, chash in todo:
        try:
            h = phash_file(path)
        except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError) as e:
            # the file stays in its exact-duplicate group (by content hash); only near
            # duplicates of it cannot be confirmed, and `shoebox problems` says so
            log.warning("duplicates: no perceptual hash for %s (%s)", path, e)
            reason = f"no perceptual hash, so its near duplicates cannot be confirmed: {describe(e)}"
            failed.append((fid, chash, reason, time.time()))
            continue
        out[fid] = h
        new.append((fid, chash, to_signed(h), time.time()))
    if new or failed:
        catalog.write(_store_phashes, new, failed)
    return out


def _store_phashes(conn, new: list[tuple], failed: list[tuple]) -> None:
    """Hashes go to `phashes`; a failure is an error on its file, as a jobs row of stage
    'phash' (the pipeline never schedules that stage; `shoebox problems` and the problems list
    show it), cleared once the file hashes."""
    conn.executemany(
        "INSERT INTO phashes(file_id, content_hash, phash, computed_at) VALUES (?,?,?,?) "
        "ON CONFLICT(file_id) DO UPDATE SET content_hash = excluded.content_hash, "
        "phash = excluded.phash, computed_at = excluded.computed_at", new)
    conn.executemany("DELETE FROM jobs WHERE file_id = ? AND stage = ?",
                     [(r[0], PHASH_STAGE) for r in new])
    conn.executemany(
        "INSERT INTO jobs(file_id, stage, state, content_hash, attempts, error, updated_at) "
        "VALUES (?, ?, 'error', ?, 1, ?, ?) ON CONFLICT(file_id, stage) DO UPDATE SET "
        "state = 'error', content_hash = excluded.content_hash, attempts = jobs.attempts + 1, "
        "error = excluded.error, updated_at = excluded.updated_at",
        [(fid, PHASH_STAGE, chash, error, now) for fid, chash, error, now in failed])


# --- grouping ------------------------------------------------------------------------------

def duplicates(catalog, registry=None, *, near: bool = True, near_cosine: float = NEAR_COSINE,
               phash_max: int = PHASH_MAX_DISTANCE, task: TaskState | None = None,
               dismissed: bool = False) -> list[DuplicateGroup]:
    """Groups of duplicate files, exact groups first, each with a suggested keeper first.
    Near-duplicates use the vectors of the registry's current CLIP identity (nothing is
    loaded; without a registry, the model with most vectors); near-duplicate videos need no
    model (core/search/video_dupes.py). near=False: exact only.
    What the user kept or called no duplicate (core/search/dupe_decisions.py) is not offered;
    dismissed=True adds those groups at the end, with their `decision` and `batch`."""
    task = task or TaskState("duplicates")
    groups: list[DuplicateGroup] = []
    with catalog.read() as conn:
        decided = Decisions.read(conn)
        # one predicate for the groups and their members: a RAW kept with its JPEG (kind
        # 'other') is never offered, nor counted towards a group
        offered = ("status = 'present' AND content_hash IS NOT NULL "
                   "AND kind IN ('photo', 'video')")
        by_hash: dict[str, list[int]] = defaultdict(list)
        kinds: dict[str, str] = {}
        for h, fid, kind in conn.execute(
                f"SELECT content_hash, id, kind FROM files WHERE {offered} AND content_hash IN "
                f"(SELECT content_hash FROM files WHERE {offered} "
                f"GROUP BY content_hash HAVING count(*) > 1) ORDER BY content_hash"):
            by_hash[h].append(fid)
            kinds[h] = kind
        folders = keeper.Folders.read(conn)
        for h, ids in by_hash.items():
            if not decided.kept_copies(h, len(ids)):
                g = _group(conn, "exact", ids, folders)
                g.media = "video" if kinds[h] == "video" else "photo"
                groups.append(g)
        if near:
            groups += _near_groups(catalog, conn, registry, near_cosine, phash_max, task,
                                   decided, folders)
            groups += _video_groups(catalog, conn, decided, folders, task)
        if dismissed:
            groups += dismissed_groups(conn, folders, _group)
    return groups


class _Groups:
    """Files joined pair by pair into groups (union-find with path halving)."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        parent = self.parent
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def join(self, a: int, b: int) -> None:
        self.parent[self.find(a)] = self.find(b)

    def groups(self) -> dict[int, list[int]]:
        """Each group's root -> its files (every file seen, alone or not)."""
        out: dict[int, list[int]] = defaultdict(list)
        for x in list(self.parent):
            out[self.find(x)].append(x)
        return out


def _near_groups(catalog, conn, registry, near_cosine, phash_max, task, decided: Decisions,
                 folders: keeper.Folders) -> list[DuplicateGroup]:
    try:
        model_id = vector_space(conn, registry)
    except ShoeboxError as e:
        log.info("duplicates: near-duplicates skipped (%s)", e)
        return []
    if model_id is None:
        return []
    index = get_index(catalog.path, conn, model_id)
    photo_rows = np.flatnonzero(index.frame_ms == -1)
    if len(photo_rows) < 2:
        return []
    present = {r[0]: r[1] for r in conn.execute(
        "SELECT id, content_hash FROM files WHERE status = 'present' AND kind = 'photo'")}
    photo_rows = np.array([r for r in photo_rows if int(index.file_ids[r]) in present], np.int64)
    if len(photo_rows) < 2:
        return []
    fids = index.file_ids[photo_rows]
    n = len(photo_rows)
    task.start(n, "comparing photos")

    # Candidates: each photo's nearest neighbours above the threshold (core/search/near_pairs).
    # A photo is compared in ~4 cells: read from the store each time, its vector cost more
    # than the comparing (3.9 million reads, 20 of 97 s at 1M: docs/BENCHMARKS.md,
    # "Near-duplicate candidates from the codes"), so a large index is compared on its codes.
    estimated = index.binary
    vectors_of = index.estimated_vectors_of if estimated else index.vectors_of

    def vectors(positions: np.ndarray) -> np.ndarray:
        task.check()
        return vectors_of(photo_rows[positions])

    found = candidate_index(catalog.path, model_id,
                            near_cosine - ESTIMATE_MARGIN if estimated else near_cosine).pairs(
        index.emb_ids[photo_rows], vectors, task.advance)
    if estimated:
        found = _scored_exactly(index, photo_rows, found, near_cosine)
    pairs: list[tuple[int, int, float]] = []
    for a, b, cos in zip(fids[found.a].tolist(), fids[found.b].tolist(), found.cos.tolist()):
        ha, hb = present.get(a), present.get(b)
        # exact pairs are reported apart; what the user dismissed is not offered again
        if a != b and ha != hb and not decided.dismissed(ha, hb):
            pairs.append((a, b, cos))
    if not pairs:
        return []
    task.status("confirming with perceptual hashes")
    hashes = _phashes(catalog, conn, {f for p in pairs for f in p[:2]})
    joined = _Groups()
    lowest: dict[int, float] = {}
    confirmed = []
    paths, decoded, texts = {}, {}, {}
    task.status("comparing the pixels of likely pairs")
    for a, b, cos in sorted(pairs, key=lambda p: -p[2]):
        if a in hashes and b in hashes and hamming(hashes[a], hashes[b]) <= phash_max:
            if not paths:   # the pairs' photos only, not every photo of the library
                paths = {fid: path for chunk, marks in in_chunks(sorted(hashes))
                         for fid, path in conn.execute(
                             f"SELECT id, path FROM files WHERE kind = 'photo' "
                             f"AND id IN ({marks})", chunk)}
            if (_same_pixels(paths.get(a), paths.get(b), decoded)
                    and same_text(conn, a, b, texts)):
                confirmed.append((a, b, cos))
                joined.join(a, b)
    members = joined.groups()
    for a, b, cos in confirmed:
        r = joined.find(a)
        lowest[r] = min(lowest.get(r, 1.0), cos)
    out = []
    for root, ids in members.items():
        if len(ids) > 1:
            g = _group(conn, "near", ids, folders)
            g.similarity = round(lowest.get(root, 1.0), 4)
            out.append(g)
    return out


def _scored_exactly(index, photo_rows: np.ndarray, found: Pairs, threshold: float,
                    chunk: int = 65_536) -> Pairs:
    """The pairs whose photos' vectors (read in store order, `chunk` pairs at a time: a
    library of look-alikes may pair most of its photos) are at or above the threshold, with
    that cosine."""
    cos = np.zeros(len(found), np.float32)
    for s in range(0, len(found), chunk):
        a, b = found.a[s:s + chunk], found.b[s:s + chunk]
        both = np.unique(np.concatenate([a, b]))
        vecs = index.vectors_of(photo_rows[both])
        cos[s:s + chunk] = np.einsum("ij,ij->i", vecs[np.searchsorted(both, a)],
                                     vecs[np.searchsorted(both, b)])
    keep = cos >= threshold
    return Pairs(found.a[keep], found.b[keep], cos[keep])


def _video_groups(catalog, conn, decided: Decisions, folders: keeper.Folders, task
                  ) -> list[DuplicateGroup]:
    """Near-duplicate videos: lengths that agree, then frames through the whole clip."""
    rows = {r[0]: r[1:] for r in conn.execute(
        "SELECT id, path, content_hash, duration_s FROM files WHERE status = 'present' "
        "AND kind = 'video' AND content_hash IS NOT NULL AND duration_s > 0")}
    wanted = video_dupes.with_length_twins([(f, r[2]) for f, r in rows.items()])
    if not wanted:
        return []
    task.status("comparing frames through the videos")
    failed = []

    def failed_as(fid, chash, e) -> None:
        reason = f"no video signature, so its near duplicates cannot be confirmed: {describe(e)}"
        failed.append((fid, chash, reason, time.time()))

    sigs = video_dupes.signatures(catalog, conn, [(f, rows[f][0], rows[f][1]) for f in wanted],
                                  failed_as)
    if failed:
        catalog.write(_store_phashes, [], failed)
    joined = _Groups()
    for a, b in video_dupes.candidate_pairs(sigs):
        if rows[a][1] != rows[b][1] and not decided.dismissed(rows[a][1], rows[b][1]) \
                and video_dupes.same_video(sigs[a], sigs[b]):
            joined.join(a, b)
    out = []
    for ids in joined.groups().values():
        if len(ids) > 1:
            g = _group(conn, "near", ids, folders)
            g.media = "video"
            out.append(g)
    return out


BURST_S = 600   # near-duplicates among a few files: compared only when taken this close


def duplicate_groups_among(catalog, conn, file_ids) -> list[DuplicateGroup]:
    """Duplicate groups inside a small set of files (e.g. one day's memories), keeper first:
    identical content, and photos taken within BURST_S of each other that the pHash and the
    pixel check confirm (no model needed). Files in no group are not returned."""
    ids = sorted({int(i) for i in file_ids})
    if len(ids) < 2:
        return []
    marks = ",".join("?" * len(ids))
    rows = conn.execute(f"SELECT id, content_hash, kind, path, COALESCE(taken_at, mtime_ns / 1e9)"
                        f" FROM files WHERE id IN ({marks})", ids).fetchall()
    joined = _Groups()
    by_hash: dict[str, list[int]] = defaultdict(list)
    for fid, chash, *_ in rows:
        if chash:
            by_hash[chash].append(fid)
    for same in by_hash.values():
        for other in same[1:]:
            joined.join(other, same[0])
    photos = sorted((r[4], r[0], r[3]) for r in rows if r[2] == "photo")
    pairs = [(a[1], b[1], a[2], b[2]) for i, a in enumerate(photos) for b in photos[i + 1:]
             if b[0] - a[0] <= BURST_S and joined.find(a[1]) != joined.find(b[1])]
    if pairs:
        hashes = _phashes(catalog, conn, {p for pair in pairs for p in pair[:2]})
        decoded: dict = {}
        texts: dict = {}
        for a, b, pa, pb in pairs:
            if (a in hashes and b in hashes and hamming(hashes[a], hashes[b]) <= PHASH_MAX_DISTANCE
                    and joined.find(a) != joined.find(b) and _same_pixels(pa, pb, decoded)
                    and same_text(conn, a, b, texts)):
                joined.join(a, b)
    folders = keeper.Folders.read(conn)
    return [_group(conn, "near", g, folders) for g in joined.groups().values() if len(g) > 1]


def _read_text(conn, file_id: int, cache: dict) -> str:
    """The photo's read text, lower case, one space between words ('' if none was read)."""
    if file_id not in cache:
        lines = [r[0] for r in conn.execute(
            "SELECT text FROM text_lines WHERE file_id = ? AND frame_ms = -1 ORDER BY line_no",
            (file_id,))]
        cache[file_id] = " ".join(re.findall(r"\w+", " ".join(lines).casefold()))
    return cache[file_id]


def same_text(conn, a: int, b: int, cache: dict) -> bool:
    """False when both photos carry text and the texts differ: two screenshots or pages of
    the same layout are different files, however alike their pixels. A photo without text
    (or not read yet) leaves the decision to the pixels."""
    ta, tb = _read_text(conn, a, cache), _read_text(conn, b, cache)
    if min(sum(c.isalnum() for c in ta), sum(c.isalnum() for c in tb)) < TEXT_MIN_CHARS:
        return True
    return difflib.SequenceMatcher(None, ta, tb, autojunk=False).ratio() >= TEXT_MIN_RATIO


def _small(path: str | None, cache: dict) -> Image.Image | None:
    if path is None:
        return None
    if path not in cache:
        try:
            cache[path] = open_image(path, target=PIXEL_SIZE * 2)
        except (OSError, MediaError) as e:
            log.info("duplicates: cannot compare the pixels of %s (%s)", path, e)
            cache[path] = None
    return cache[path]


def _same_pixels(a: str | None, b: str | None, cache: dict) -> bool:
    """The pixel check of a pHash-matched pair; a picture that cannot be read is no duplicate."""
    ia, ib = _small(a, cache), _small(b, cache)
    return ia is not None and ib is not None and pixel_difference(ia, ib) <= PIXEL_MAX_DIFFERENCE


def _group(conn, kind: str, ids: list[int], folders: keeper.Folders) -> DuplicateGroup:
    marks = ",".join("?" * len(ids))
    files = []
    for r in conn.execute(
        "SELECT id, path, width, height, size, taken_at, taken_at_source, camera_make, gps_lat "
        "FROM files WHERE id IN (" + marks + ")", ids
    ):
        has_exif = r[6] == "exif" or r[7] is not None or r[8] is not None
        files.append(DuplicateFile(r[0], r[1], r[2], r[3], r[4], r[5], has_exif))
    files, reason = keeper.order(files, keeper.facts_for(conn, files, folders),
                                 near=kind == "near")
    return DuplicateGroup(kind=kind, files=files, keep=files[0].file_id, reason=reason)
