"""Search: CLIP vectors + FTS5 words + text by meaning (sentences), fused, filtered, cut at
relevance floors."""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from core.catalog.chunks import in_chunks
from core.catalog.connection import Connection
from core.catalog.spaces import vector_space
from core.errors import ShoeboxError
from core.query.albums import album_in_query
from core.query.files import resolve_file
from core.query.filters import TAKEN, Filters, allowed_id_array, allowed_ids
from core.query.library import ID, KIND, PATH, TAKEN_AT, list_library
from core.query.people import names_in_query
from core.search.answers import rerank as llm_rerank
from core.search.meaning import meaning_floor, noise, passages, query_vector, text_index
from core.search.ocr_vocab import ocr_vocab
from core.search.photo_text import PREFIX
from core.search.text import query_tokens
from core.search.types import Hit, Results, SearchError
from core.search.vectors import VectorIndex, get_index
from core.search.word_lists import photo_words_list, words_list
from models.registry import QUERY_MAX_AGE_S

log = logging.getLogger(__name__)

MAX_QUERY_CHARS = 1000      # longer queries are cut (and the user told)
CLIP_QUERY_CHARS = 300      # CLIP reads 77 tokens at most; more text only costs time
RRF_K = 60                  # reciprocal rank fusion constant (Cormack et al. 2009)
# Default floor, used when settings.relevance_floor is 0. For CLIP ViT-B/32, text-to-image
# cosines of matching pairs sit around 0.25-0.35 and of unrelated ones around 0.10-0.20, so
# under 0.20 is cut; and a hit far below the query's best one is noise for that query (CLIP
# scores shift from query to query). These come from CLIP's published behaviour, not from a
# calibration here: no real CLIP weights are reachable offline. A user value replaces both
# (absolute cosine; negative keeps everything). Text matches are lexical and are not cut.
DEFAULT_FLOOR = 0.20
RELATIVE_MARGIN = 0.08
MAX_LIMIT = 10_000


def relevance_floor(settings) -> tuple[float, float | None]:
    """(absolute floor on CLIP cosine, relative margin below the best or None)."""
    floor = float(getattr(settings, "relevance_floor", 0.0) or 0.0)
    if floor == 0.0:
        return DEFAULT_FLOOR, RELATIVE_MARGIN
    return floor, None


def search(catalog, registry, settings, query: str, filters: Filters | None = None,
           limit: int = 50, *, rerank: bool = False) -> Results:
    """Find files by a description. See core/search/__init__.py for the contract."""
    notices: list[str] = []
    query = _clean_query(query, notices)
    query, filters = _people_in_query(catalog, query, filters, notices)
    query, filters = _album_in_query(catalog, query, filters, notices)
    clip = meaning = None
    if query and query_tokens(query):
        def clip(notes):
            return _query_vector(registry, query, notes)

        def meaning(notes):
            return _meaning_query_vector(catalog, registry, query, notes)
    results = _search(catalog, settings, query, clip, meaning, filters, limit, notices)
    if rerank and len(results) > 1:
        results = llm_rerank(catalog, registry, query, results)
    return results


def _people_in_query(catalog, query: str, filters: Filters | None, notices: list[str]
                     ) -> tuple[str, Filters | None]:
    """A named person in the query ("Anna beach") becomes a person filter, and the rest of
    the query is searched among their photos ("Anna" alone: all of them, newest first)."""
    if not query:
        return query, filters
    with catalog.read() as conn:
        found, rest = names_in_query(conn, query)
        if not found:
            return query, filters
        names = [conn.execute("SELECT name FROM people WHERE id = ?", (pid,)).fetchone()[0]
                 for pid in found]
    filters = filters or Filters()
    people = tuple(dict.fromkeys((*(filters.people or ()), *found)))
    notices.append(f"photos of {' and '.join(names)}"
                   + (f", searched for {rest!r}" if rest else ""))
    return rest, filters.replace(people=people)


def _album_in_query(catalog, query: str, filters: Filters | None, notices: list[str]
                    ) -> tuple[str, Filters | None]:
    """An album named in the query ("Kyoto trip temple") becomes an album filter, as a
    person's name does, and the rest is searched among its photos (alone: all of them)."""
    if not query or (filters is not None and filters.album is not None):
        return query, filters
    with catalog.read() as conn:
        album, rest = album_in_query(conn, query)
    if album is None:
        return query, filters
    notices.append(f"photos of the album {album}" + (f", searched for {rest!r}" if rest else ""))
    return rest, (filters or Filters()).replace(album=album)


def warm(catalog, registry) -> int:
    """Load the current CLIP model's vectors into the process-wide index now (a worker thread
    at app start), so the first query does not pay for it (~2 s at 100k); the same for the
    text vectors of the sentences model, and that model itself when the library has such
    vectors (its first load costs seconds). Returns the number of vectors loaded."""
    n = 0
    with catalog.read() as conn:
        model_id = vector_space(conn, registry)
        if model_id is not None:
            n += len(get_index(catalog.path, conn, model_id))
        _, size = _text_vectors(catalog, conn, registry)
        if size:
            n += size
            with contextlib.suppress(ShoeboxError):   # and its ONNX query path
                registry.sentences().load().prepare_query()
    with contextlib.suppress(ShoeboxError):  # the query encoder too (ONNX, on the CPU)
        if registry is not None and model_id is not None and model_id == registry.identity("clip"):
            registry.clip().prepare_query()
    # The words read in photos, for near spellings: kept per connection, so read on the
    # thread (and connection) that runs the text-in-photos list. FTS5 lists them by walking
    # its whole index: ~80 ms at 1M, which the first query with a misspelt word paid.
    _, photo_thread = _list_threads()
    photo_thread.submit(_warm_photo_vocab, catalog).result()
    return n


def _warm_photo_vocab(catalog) -> None:
    with catalog.read() as conn:
        if conn.execute("SELECT 1 FROM text_lines LIMIT 1").fetchone() is not None:
            ocr_vocab(conn)


def _clean_query(query: str, notices: list[str]) -> str:
    query = " ".join((query or "").split())
    if len(query) > MAX_QUERY_CHARS:
        query = query[:MAX_QUERY_CHARS]
        notices.append(f"the query was cut to its first {MAX_QUERY_CHARS} characters")
    return query


def search_vector_and_text(catalog, settings, query: str, qvec: np.ndarray | None,
                           model_id: str | None, filters: Filters | None = None,
                           limit: int = 50, notices: list[str] | None = None, *,
                           meaning: tuple[np.ndarray, str] | None = None) -> Results:
    """`search` with the query already embedded: `qvec` (L2-normalised, in `model_id`'s
    space) or None for words only; `meaning`: the query's sentence vector and its model id,
    or None."""
    clip_source = (lambda _notes: (qvec, model_id)) if qvec is not None else None
    meaning_source = (lambda _notes: meaning) if meaning is not None else None
    return _search(catalog, settings, query, clip_source, meaning_source, filters, limit,
                   list(notices or []))


# A query's lists are made on these two threads (CLIP's, then the words', on one; the text
# in photos, then meaning's, on the other): the encoders (ONNX Runtime), the vector products
# (BLAS) and SQLite all let go of the GIL, so on two cores a query costs about its slowest
# thread instead of the sum of all its lists (bench_sentences). The same thread each time:
# each keeps its own read connection, so the filter masks cached per connection
# (_filter_mask) and the kept word lists (core.search.word_lists) are found again.
_LISTS: tuple[ThreadPoolExecutor, ThreadPoolExecutor] | None = None
_LISTS_LOCK = threading.Lock()


def _list_threads() -> tuple[ThreadPoolExecutor, ThreadPoolExecutor]:
    global _LISTS
    with _LISTS_LOCK:
        if _LISTS is None:
            _LISTS = (ThreadPoolExecutor(max_workers=1, thread_name_prefix="search-clip"),
                      ThreadPoolExecutor(max_workers=1, thread_name_prefix="search-meaning"))
        return _LISTS


def _search(catalog, settings, query: str, clip_source, meaning_source,
            filters: Filters | None, limit: int, notices: list[str]) -> Results:
    """The three lists, fused. `clip_source` / `meaning_source`: None, or a callable taking a
    notices list and giving (query vector or None, model id) - the encoders run inside it,
    on the list's thread."""
    filters = filters or Filters()
    limit = max(1, min(int(limit), MAX_LIMIT))
    query = _clean_query(query, notices)
    if not query and clip_source is None:
        return browse(catalog, filters, limit, notices)
    if clip_source is None and not query_tokens(query):
        notices.append("the query has no words to search for: type some words, "
                       "or clear it to browse")
        return Results([], notices)
    # Each thread runs a list that holds the GIL most of its time (Python over SQLite rows:
    # the word lists) while the other runs one that lets go of it (the encoders, the vector
    # products): the words' list after CLIP's on one, the text in photos before meaning's
    # on the other. With both word lists last, as before, they took turns at the GIL: at 1M
    # search p95 86 ms against 112-118 (docs/BENCHMARKS.md, "Search at 1M: the GIL-bound
    # lists beside the GIL-free ones"). The threads carry about the same work (~50 ms of
    # CPU each) and the calling thread only waits, rather than three threads on two cores.
    clip_thread, other_thread = _list_threads()
    clip_job = clip_thread.submit(_clip_list, catalog, settings, clip_source, filters,
                                  limit) if clip_source is not None else None
    words_job = clip_thread.submit(_words, catalog, query, filters, limit)
    photo_job = other_thread.submit(_photo_words, catalog, query, filters, limit)
    meaning_job = other_thread.submit(_meaning_list, catalog, settings, meaning_source,
                                      filters, limit) if meaning_source is not None else None
    text_hits, all_words = words_job.result()
    photo = photo_job.result()
    vec_hits, vector_used, clip_notes = clip_job.result() if clip_job else ({}, False, [])
    meaning_hits, found, meaning_notes = meaning_job.result() if meaning_job else ({}, {}, [])
    notices += clip_notes + meaning_notes
    if (text_hits or photo[0]) and not ((text_hits and all_words) or (photo[0] and photo[2])):
        notices.append("no file holds all the words; showing files with some of them")
    with catalog.read() as conn:
        hits = _fuse(conn, vec_hits, text_hits, all_words, limit, vector_used, photo,
                     meaning_hits, found)
    return Results(hits, notices, vector_used=vector_used, text_used=bool(query))


def _words(catalog, query: str, filters: Filters, limit: int):
    """(FTS hits that pass the filters, whether they hold all the words)."""
    with catalog.read() as conn:
        text_hits, all_words = words_list(conn, query, max(2 * limit, 100))
        return _passing(conn, filters, text_hits), all_words


def _photo_words(catalog, query: str, filters: Filters, limit: int):
    """(text-in-photo hits that pass the filters, file -> how each was found, whether they
    hold all the words)."""
    with catalog.read() as conn:
        photo_hits, photo_ways, photo_all = photo_words_list(conn, query, max(2 * limit, 100))
        return _passing(conn, filters, photo_hits), photo_ways, photo_all


def _passing(conn: Connection, filters: Filters, hits: list) -> list:
    """The hits whose files pass the filters, in their order (a new list: the kept word
    lists are not changed)."""
    if not hits:
        return hits
    ok = allowed_ids(conn, filters, [h.file_id for h in hits])
    return [h for h in hits if h.file_id in ok]


def _clip_list(catalog, settings, source, filters: Filters, limit: int):
    """(file -> (cosine, frame_ms, row), whether a CLIP vector was used, notices)."""
    notes: list[str] = []
    qvec, model_id = source(notes)
    if qvec is None:
        return {}, False, notes
    with catalog.read() as conn:
        index = get_index(catalog.path, conn, model_id)
        if len(index) == 0:
            notes.append("nothing has been embedded yet with the current CLIP model: "
                         "words only (index the library to search by meaning)")
            return {}, True, notes
        return (_vector_side(conn, index, qvec, filters, limit, *relevance_floor(settings)),
                True, notes)


def _meaning_list(catalog, settings, source, filters: Filters, limit: int):
    """(file -> (cosine, frame_ms, passage row), passage row -> Passage, notices)."""
    notes: list[str] = []
    mvec, model_id = source(notes)
    if mvec is None:
        return {}, {}, notes
    with catalog.read() as conn:
        index = text_index(catalog.path, conn, model_id)
        if not len(index):
            return {}, {}, notes
        floor, margin = meaning_floor(settings)
        hits = _vector_side(conn, index, mvec, filters, limit, floor, None)
        found = passages(conn, [v[2] for v in hits.values()])
        # scraps of OCR an older catalog embedded match any made-up word: out before the margin
        hits = {f: v for f, v in hits.items() if v[2] in found and not noise(found[v[2]])}
        if margin is not None and hits:
            top = max(v[0] for v in hits.values())
            hits = {f: v for f, v in hits.items() if v[0] >= top - margin}
        return hits, {r: found[r] for _, _, r in hits.values()}, notes


def _meaning_query_vector(catalog, registry, query: str, notes: list[str]):
    """The query's sentence vector, or (None, None) when the library holds no text embedded
    by the sentences model: nothing to compare it with, so it is not even encoded."""
    if registry is None:
        return None, None
    with catalog.read() as conn:
        model_id, size = _text_vectors(catalog, conn, registry, QUERY_MAX_AGE_S)
    if model_id is not None and not size:
        return None, None
    return query_vector(registry, query, notes)  # (a model that cannot be had: it says why)


def _text_vectors(catalog, conn, registry, max_age_s: float = 0.0) -> tuple[str | None, int]:
    """The sentences model's identity and how many text vectors the library holds for it;
    (None, 0) when there is no such model to be had."""
    try:
        model_id = registry.identity("sentences", max_age_s) if registry is not None else None
    except ShoeboxError:
        return None, 0
    return model_id, len(text_index(catalog.path, conn, model_id)) if model_id else 0


def _query_vector(registry, query: str, notices: list[str]):
    if registry is None:
        notices.append("text search only: no model registry")
        return None, None
    try:
        # the registry's identity, as the stages store it (an OOM move changes the wrapper's)
        model_id = registry.identity("clip", QUERY_MAX_AGE_S)
        clip = registry.clip(QUERY_MAX_AGE_S)
        vec = np.asarray(clip.embed_query(query[:CLIP_QUERY_CHARS]), np.float32)
    except ShoeboxError as e:   # ModelUnavailable and friends: words still work
        notices.append(f"text search only: the CLIP model is not available ({e})")
        return None, None
    except (RuntimeError, ValueError, IndexError) as e:   # the model failed on this text
        log.warning("CLIP could not embed the query %r: %s", query[:80], e)
        notices.append(f"text search only: the CLIP model failed on this query ({e})")
        return None, None
    norm = float(np.linalg.norm(vec))
    return (vec / norm if norm > 0 else vec), model_id


def _vector_side(conn: Connection, index: VectorIndex, qvec: np.ndarray, filters: Filters,
                 limit: int, floor: float, margin: float | None
                 ) -> dict[int, tuple[float, int, int]]:
    """file_id -> (best cosine, frame_ms of the best row, its row id in the vectors table) for
    files over the floor (and within `margin` of the best file, when given)."""
    n = len(index)
    k = min(n, max(4 * limit, 200))
    mask = _filter_mask(conn, index, filters, build=False) if filters != Filters() else None
    while mask is None:
        nb = index.search(qvec, k)
        passed = _passing_files(conn, index, nb.rows, nb.scores, filters, floor)
        spared = False
        if len(passed) < limit and len(nb.rows) == k < n and nb.scores[-1] >= floor:
            # files with many rows (passages, keyframes) fill the top k: the spare rows of
            # the same search (its candidates are not ranked again) give the rest, up to
            # `limit` files
            nb = index.search(qvec, k, spare=True)
            if len(nb.rows) > k:
                more = _passing_files(conn, index, nb.rows, nb.scores, filters, floor)
                passed = dict(list(more.items())[:max(limit, len(passed))])
                k = len(nb.rows)
                spared = True
        exhausted = len(nb.rows) < k or (len(nb.scores) and nb.scores[-1] < floor)
        if len(passed) >= limit or exhausted or k >= n:
            if spared and filters != Filters():
                # A filter the top k fell short of is a widening too: the spare rows' files
                # are checked against it in SQL (~2,000 rows at 1M, against ~0 inside a kept
                # mask), so the same filter asked again while the catalog is quiet gets its
                # mask, as below (docs/BENCHMARKS.md, "Filtered searches at 1M").
                _filter_mask(conn, index, filters, build="again")
            break
        wider = min(n, k * 10)
        # A selective filter: search inside it (the mask is cached while nothing changes),
        # at once when so few files passed that a ten times wider top-k would fall short too,
        # or when this filter was widened before and the catalog has not changed since (the
        # user runs several queries in one folder: ~24 ms once at 100k, then ~10 ms a query
        # less; while the library is being indexed the mask would be out of date each time).
        if k >= PREFILTER_AFTER_K or len(passed) * wider < limit * k:
            mask = _filter_mask(conn, index, filters)
            break
        mask = _filter_mask(conn, index, filters, build="again")
        if mask is not None:
            break
        k = wider
    if mask is not None:   # a filter whose mask is at hand: one search inside it
        nb = index.search(qvec, min(n, max(4 * limit, 200)), mask=mask)
        passed = _best_per_file(index, nb.rows, nb.scores, floor)
    if margin is not None and passed:
        top = max(v[0] for v in passed.values())
        passed = {f: v for f, v in passed.items() if v[0] >= top - margin}
    return passed


def _passing_files(conn: Connection, index: VectorIndex, rows, scores, filters: Filters,
                   floor: float) -> dict[int, tuple[float, int, int]]:
    """_best_per_file of those rows, less the files the filters leave out, best first."""
    best = _best_per_file(index, rows, scores, floor)
    ok = allowed_ids(conn, filters, best.keys())
    return {f: v for f, v in best.items() if f in ok}


PREFILTER_AFTER_K = 2000    # widen the global top-k to this before filtering first
MASKS_KEPT = 32             # filter masks kept per index (100k rows: 100 KB each)


def _filter_mask(conn: Connection, index: VectorIndex, filters: Filters,
                 build: bool | str = True) -> np.ndarray | None:
    """Bool array over the index rows: does the row's file pass the filters? Kept on the
    index, per connection and filters, until the catalog changes (PRAGMA data_version, which
    only compares within one connection). `build`: True = make it if needed; False = only a
    kept one, else None; "again" = make it if this was asked before with the catalog
    unchanged, else note the ask (a None under the key) and return None."""
    (version,) = conn.execute("PRAGMA data_version").fetchone()
    key = (id(conn), len(index), filters, version)
    masks = index.filter_masks
    mask = masks.get(key)
    if mask is None and build == "again":
        build = key in masks        # asked before: now make it
        if not build:
            _keep(masks, key, None)
    if mask is None and build:
        mask = rows_allowed(index.file_ids, allowed_id_array(conn, filters))
        _keep(masks, key, mask)
    return mask


def rows_allowed(file_ids: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """np.isin(file_ids, allowed), read from a table by file id: ids are the catalog's
    rowids, dense, so the table is ~1 byte a file (~5 ms at 1M rows, ~30 ms for isin's
    sort); ids far sparser than that go through isin."""
    if not len(file_ids) or not len(allowed):
        return np.zeros(len(file_ids), bool)
    low = min(int(file_ids.min()), int(allowed.min()))
    top = max(int(file_ids.max()), int(allowed.max())) + 1
    if low < 0 or top > 4 * (len(file_ids) + len(allowed)) + 1024:
        return np.isin(file_ids, allowed)
    table = np.zeros(top, bool)
    table[allowed] = True
    return table[file_ids]


_KEEP_LOCK = threading.Lock()


def _keep(cache: dict, key, value) -> None:
    with _KEEP_LOCK:   # searches from two threads may share an index
        while len(cache) >= MASKS_KEPT:
            cache.pop(next(iter(cache)))
        cache[key] = value


def _best_per_file(index: VectorIndex, rows, scores, floor: float
                   ) -> dict[int, tuple[float, int, int]]:
    out: dict[int, tuple[float, int, int]] = {}
    for row, s in zip(rows.tolist(), scores.tolist()):
        if s < floor:
            break  # rows come best first
        fid = int(index.file_ids[row])
        if fid not in out:
            out[fid] = (s, int(index.frame_ms[row]), int(index.emb_ids[row]))
    return out


def _fuse(conn, vec_hits, text_hits, all_words: bool, limit: int, vector_used: bool,
          photo_text=((), {}, True), meaning_hits=None, found=None) -> list[Hit]:
    """Reciprocal rank fusion of up to three kinds of list (CLIP; words in captions, tags,
    transcripts, paths and photos; meaning), scaled so that first place in every list used
    scores 1.0. photo_text: (hits, file -> way, all words) from core.search.photo_text; a word
    found only inside a word or by a near spelling counts half of a whole word or prefix.
    Files that hold all the query's words come first: meaning and pictures rank what words
    cannot find, never above an exact match."""
    meaning_hits, found = meaning_hits or {}, found or {}
    w_vec = 1.0 if vector_used else 0.0
    w_text = 1.0 if all_words else 0.5      # files with only some of the words count less
    fused: dict[int, float] = {}
    for hits_of, weight in ((vec_hits, w_vec), (meaning_hits, 1.0)):
        order_ = sorted(hits_of.items(), key=lambda kv: (-kv[1][0], kv[0]))
        for rank, (fid, _) in enumerate(order_, 1):
            fused[fid] = fused.get(fid, 0.0) + weight / (RRF_K + rank)
    text_by_file = {}
    for rank, th in enumerate(text_hits, 1):
        fused[th.file_id] = fused.get(th.file_id, 0.0) + w_text / (RRF_K + rank)
        text_by_file[th.file_id] = th
    photo_hits, photo_ways, photo_all = photo_text
    exact = set(text_by_file) if all_words else set()
    for rank, th in enumerate(photo_hits, 1):
        w = (1.0 if photo_all else 0.5) * (1.0 if photo_ways.get(th.file_id, 0) <= PREFIX else 0.5)
        fused[th.file_id] = fused.get(th.file_id, 0.0) + w / (RRF_K + rank)
        other = text_by_file.get(th.file_id)
        if other is None or photo_ways.get(th.file_id, 0) <= PREFIX:
            text_by_file[th.file_id] = th  # the hit shows the line read in the picture
        if photo_all and photo_ways.get(th.file_id, 0) <= PREFIX:
            exact.add(th.file_id)
    any_text = bool(text_hits or photo_hits)
    best_possible = (w_vec + (1.0 if any_text or not vector_used else 0.0)
                     + (1.0 if meaning_hits else 0.0)) / (RRF_K + 1)
    order = sorted(fused, key=lambda f: (f not in exact, -fused[f], f))[:limit]
    info = file_rows(conn, order)
    hits = []
    for fid in order:
        if fid not in info:
            continue
        path, kind, taken = info[fid]
        v, t, m = vec_hits.get(fid), text_by_file.get(fid), meaning_hits.get(fid)
        p = found.get(m[2]) if m else None
        matched = ("both" if v and (t or m) else "vector" if v else "text" if t else "meaning")
        frame = v[1] if v and v[1] >= 0 and kind == "video" else None
        if t and (t.file_id in exact or not p):
            snippet, field, time_s = t.snippet, t.field, t.time_s
        elif p:   # what was said (or written) that means what the query asks
            snippet, field, time_s = _cut(p.text), p.source, p.start_s
        else:
            snippet = field = time_s = None
        hits.append(Hit(
            file_id=fid, path=path, kind=kind, matched=matched,
            score=round(min(1.0, fused[fid] / best_possible), 4) if best_possible else 0.0,
            frame_ms=frame, snippet=snippet, field=field, time_s=time_s,
            similarity=round(v[0], 4) if v else None, taken_at=taken,
            text_similarity=round(m[0], 4) if m else None,
        ))
    return hits


def _cut(text: str, n: int = 200) -> str:
    return text if len(text) <= n else text[:n].rsplit(" ", 1)[0] + "…"


def browse(catalog, filters: Filters | None, limit: int, notices=None, offset: int = 0
           ) -> Results:
    """Files passing the filters, newest first (no query): the library listing itself."""
    rows = list_library(catalog, filters, "date", limit=limit, offset=offset).rows
    hits = [Hit(file_id=r[ID], path=r[PATH], kind=r[KIND], score=1.0, matched="browse",
                taken_at=r[TAKEN_AT]) for r in rows]
    return Results(hits, notices or [])


def file_rows(conn: Connection, ids) -> dict[int, tuple]:
    """file_id -> (path, kind, taken) for the given ids."""
    ids = [int(i) for i in ids]
    out: dict[int, tuple] = {}
    for chunk, marks in in_chunks(ids):
        for r in conn.execute(
            f"SELECT f.id, f.path, f.kind, {TAKEN} FROM files AS f WHERE f.id IN ({marks})", chunk
        ):
            out[r[0]] = (r[1], r[2], r[3])
    return out


# --- more like this ----------------------------------------------------------------------

def similar(catalog, registry, file: int | str | os.PathLike, *, frame_ms: int | None = None,
            limit: int = 20, filters: Filters | None = None) -> Results:
    """Nearest neighbours of a photo (or of a video frame; of the whole video by default)."""
    filters = filters or Filters()
    limit = max(1, min(int(limit), MAX_LIMIT))
    with catalog.read() as conn:
        fid, path, _kind = resolve_file(conn, file)
        model_id = vector_space(conn, registry)
        if model_id is None:
            raise SearchError("no file has been embedded yet: index the library first")
        index = get_index(catalog.path, conn, model_id)
        own = index.rows_of_file(fid)
        if not len(own):
            raise SearchError(f"{path} has no vector from the current CLIP model yet: "
                              "index it first")
        if frame_ms is not None:
            row = own[np.argmin(np.abs(index.frame_ms[own] - int(frame_ms)))]
            q = index.vector_of(int(row))
        else:
            q = np.mean([index.vector_of(int(r)) for r in own], axis=0)
        q = q / (np.linalg.norm(q) or 1.0)
        k = min(len(index), 4 * limit + len(own) + 50)
        nb = index.search(q, k)
        best = _best_per_file(index, nb.rows, nb.scores, -2.0)
        best.pop(fid, None)
        ok = allowed_ids(conn, filters, best.keys())
        order = [f for f in sorted(best, key=lambda f: -best[f][0]) if f in ok][:limit]
        info = file_rows(conn, order)
        hits = []
        for f in order:
            if f not in info:
                continue
            p, kind, taken = info[f]
            s, fm = best[f][:2]
            hits.append(Hit(file_id=f, path=p, kind=kind, score=round(max(0.0, s), 4),
                            matched="similar", similarity=round(s, 4), taken_at=taken,
                            frame_ms=fm if fm >= 0 and kind == "video" else None))
    return Results(hits, vector_used=True)
