"""Vector search, words search, fusion, filters and thresholds on planted catalog rows."""

from __future__ import annotations

import numpy as np
import pytest

from core.config import Settings
from core.query.errors import QueryError
from core.search import Filters, SearchError, similar
from core.search.engine import search_vector_and_text
from core.search.vectors import VectorIndex, drop_cached, get_index
from tests.core.search import planting as P

KEEP_ALL = Settings(relevance_floor=-1.0)
DIM = 32


@pytest.fixture(autouse=True)
def _fresh_index_cache():
    drop_cached()
    yield
    drop_cached()


@pytest.fixture
def q():
    return P.unit(np.random.default_rng(0).normal(size=DIM))


def run(catalog, query, qvec, filters=None, settings=KEEP_ALL, limit=50):
    return search_vector_and_text(catalog, settings, query, qvec, P.MODEL if qvec is not None
                                  else None, filters, limit)


def test_planted_vectors_come_back_in_order(catalog, q):
    rng = np.random.default_rng(1)
    r = P.root(catalog)
    cosines = [0.9, 0.7, 0.5, 0.3, 0.1, -0.2]
    ids = []
    for i, c in enumerate(cosines):
        fid = P.file(catalog, r, f"/lib/p{i}.jpg")
        P.vector(catalog, fid, P.near(q, c, rng))
        ids.append(fid)
    # Vectors of another model never mix in, however close.
    other = P.file(catalog, r, "/lib/other.jpg")
    P.vector(catalog, other, q, model_id="another/clip@1:fp32")
    res = run(catalog, "zzqx", q)
    assert [h.file_id for h in res] == ids
    assert [h.similarity for h in res] == pytest.approx(cosines, abs=1e-4)
    assert all(h.matched == "vector" for h in res)
    assert res[0].score == pytest.approx(1.0)
    assert [h.score for h in res] == sorted((h.score for h in res), reverse=True)


def test_video_hit_reports_best_keyframe(catalog, q):
    rng = np.random.default_rng(2)
    r = P.root(catalog)
    vid = P.file(catalog, r, "/lib/clip.mp4", kind="video")
    for ms, c in [(0, 0.2), (2000, 0.85), (4000, 0.4)]:
        P.vector(catalog, vid, P.near(q, c, rng), frame_ms=ms)
    photo = P.file(catalog, r, "/lib/a.jpg")
    P.vector(catalog, photo, P.near(q, 0.6, rng))
    res = run(catalog, "zzqx", q)
    assert [h.file_id for h in res] == [vid, photo]     # one hit per video, its best moment
    assert res[0].frame_ms == 2000 and res[0].kind == "video"
    assert res[1].frame_ms is None


def test_words_find_transcript_and_time(catalog):
    r = P.root(catalog)
    vid = P.file(catalog, r, "/lib/party.mp4", kind="video")
    P.transcript(catalog, vid, [(0.0, 2.0, "hello everyone"),
                                (12.5, 15.0, "happy birthday dear grandma"),
                                (20.0, 22.0, "thank you")])
    other = P.file(catalog, r, "/lib/x.jpg")
    P.caption(catalog, other, "a cat on a sofa")
    res = run(catalog, "birthday grandma", None)
    assert [h.file_id for h in res] == [vid]
    hit = res[0]
    assert hit.matched == "text" and hit.field == "transcript"
    assert hit.time_s == pytest.approx(12.5)
    assert "[birthday]" in hit.snippet and "[grandma]" in hit.snippet
    assert not res.vector_used


def test_words_match_captions_tags_and_path(catalog):
    r = P.root(catalog)
    a = P.file(catalog, r, "/lib/Holidays_Venice/img_001.jpg")
    b = P.file(catalog, r, "/lib/b.jpg")
    P.caption(catalog, b, "a gondola on a canal")
    c = P.file(catalog, r, "/lib/c.jpg")
    P.tags(catalog, c, "sunset", "beach")
    assert [h.file_id for h in run(catalog, "venice", None)] == [a]
    assert [h.file_id for h in run(catalog, "gondolas", None)] == [b]     # porter stemming
    hit = run(catalog, "the beach", None)[0]
    assert hit.file_id == c and hit.field == "tags"


def test_found_by_both_ranks_ahead_of_found_by_one(catalog, q):
    rng = np.random.default_rng(3)
    r = P.root(catalog)
    vec_only = P.file(catalog, r, "/lib/v.jpg")
    P.vector(catalog, vec_only, P.near(q, 0.9, rng))
    text_only = P.file(catalog, r, "/lib/t.jpg")
    P.caption(catalog, text_only, "a red kite over the dunes")
    P.vector(catalog, text_only, P.near(q, -0.5, rng))
    both = P.file(catalog, r, "/lib/b.jpg")
    P.caption(catalog, both, "red kite flying")
    P.vector(catalog, both, P.near(q, 0.7, rng))
    res = run(catalog, "red kite", q, settings=Settings(relevance_floor=0.5))
    assert res[0].file_id == both and res[0].matched == "both"
    assert {h.file_id: h.matched for h in res[1:]} == {vec_only: "vector", text_only: "text"}


def test_filters_cut(catalog, q):
    rng = np.random.default_rng(4)
    r = P.root(catalog, "/lib")
    r2 = P.root(catalog, "/other")
    spec = {
        "old": {"path": "/lib/2019/a.jpg", "taken": 1.55e9, "camera": ("Canon", "EOS 80D")},
        "new": {"path": "/lib/2023/b.jpg", "taken": 1.69e9, "gps": (45.4, 12.3),
                    "camera": ("Apple", "iPhone 12")},
        "vid": {"path": "/lib/2023/c.mp4", "kind": "video", "taken": 1.69e9},
        "mtime": {"path": "/lib/d_%x.jpg", "taken": None, "mtime": 1.7e9},
        "gone": {"path": "/lib/gone.jpg", "status": "missing"},
        "root2": {"path": "/other/e.jpg", "root": r2, "mtime": 1.5e9},
    }
    ids = {}
    for i, (name, kw) in enumerate(spec.items()):
        kw = dict(kw)
        path = kw.pop("path")
        ids[name] = P.file(catalog, kw.pop("root", r), path, **kw)
        P.vector(catalog, ids[name], P.near(q, 0.9 - 0.05 * i, rng))
        P.caption(catalog, ids[name], "a blue boat")

    def found(**kw):
        a = {h.file_id for h in run(catalog, "boat", q, Filters(**kw))}
        b = {h.file_id for h in run(catalog, "", None, Filters(**kw), limit=100)}  # browse
        assert a == b
        return {n for n, i in ids.items() if i in a}

    everything = {"old", "new", "vid", "mtime", "root2"}
    assert found() == everything                               # missing files never show
    assert found(kind="video") == {"vid"}
    assert found(kind="photo") == everything - {"vid"}
    assert found(date_from=1.6e9) == {"new", "vid"}   # a file date is never a capture date
    assert found(date_to=1.6e9) == {"old"}          # root2 has a file date only
    assert found(has_gps=True) == {"new"}
    assert found(camera="iphone") == {"new"}
    assert found(camera="canon eos") == {"old"}
    assert found(folder="/lib/2023") == {"new", "vid"}
    assert found(folder="/lib/202") == set()                    # a folder, not a prefix
    assert found(root_id=r2) == {"root2"}
    assert found(camera="%") == set()                           # LIKE wildcards are literal

    def add_cluster(c):
        cid = c.execute("INSERT INTO clusters(name, created_at, updated_at) VALUES "
                        "('boats', 0, 0)").lastrowid
        c.execute("INSERT INTO cluster_members(cluster_id, file_id) VALUES (?, ?)",
                  (cid, ids["old"]))
        return cid
    cid = catalog.write(add_cluster)
    assert found(collection_id=cid) == {"old"}


@pytest.mark.parametrize("videos_on_top, widened", [(0, False), (1, True)])
def test_selective_filter_searches_inside_the_filter(catalog, q, monkeypatch,
                                                     videos_on_top, widened):
    """The one match of a filter lies far below the global top rows: still found, by
    widening the global top-k when the first one held a share of the filter's files that
    promises enough (one in 200 here, for 5 results), else by searching inside its mask."""
    from core.search import engine

    masks = []
    real_mask = engine._filter_mask

    def spy(*a, **k):
        mask = real_mask(*a, **k)
        if mask is not None:
            masks.append(1)
        return mask
    monkeypatch.setattr(engine, "_filter_mask", spy)
    rng = np.random.default_rng(5)
    r = P.root(catalog)
    for i in range(1500):
        on_top = i < videos_on_top
        f = P.file(catalog, r, f"/lib/p{i}.{'mp4' if on_top else 'jpg'}",
                   kind="video" if on_top else "photo")
        P.vector(catalog, f, P.near(q, 0.9 if on_top else 0.8, rng))
    vid = P.file(catalog, r, "/lib/v.mp4", kind="video")
    P.vector(catalog, vid, P.near(q, 0.1, rng), frame_ms=500)
    res = run(catalog, "zzqx", q, Filters(kind="video"), limit=5)
    assert [h.file_id for h in res][-1] == vid and res[-1].frame_ms == 500
    assert len(res) == 1 + videos_on_top
    assert bool(masks) is not widened


def _masks_used(monkeypatch) -> list:
    """Each call of the engine's _filter_mask, in order: how it was asked (its `build`) when
    it gave a mask, else None."""
    from core.search import engine

    used = []
    real_mask = engine._filter_mask

    def spy(*a, **k):
        mask = real_mask(*a, **k)
        used.append(k.get("build", True) if mask is not None else None)
        return mask
    monkeypatch.setattr(engine, "_filter_mask", spy)
    return used


def _videos_among_photos(catalog, q, every: int, seed: int) -> int:
    """1,500 files, one in `every` a video, with vectors at cosines 0.2-0.9 to q; their
    root's id."""
    rng = np.random.default_rng(seed)
    r = P.root(catalog)
    for i in range(1500):
        video = i % every == 0
        f = P.file(catalog, r, f"/lib/p{i}.{'mp4' if video else 'jpg'}",
                   kind="video" if video else "photo")
        P.vector(catalog, f, P.near(q, rng.uniform(0.2, 0.9), rng))
    return r


def test_a_filter_used_again_is_searched_inside_its_mask_while_the_catalog_is_quiet(
        catalog, q, monkeypatch):
    """The first query in a filter widens its top-k; the second, with nothing changed in the
    catalog, builds the filter's mask; later ones reuse it; the hits are the same each way.
    A change in the catalog makes it widen again (a mask would be out of date)."""
    used = _masks_used(monkeypatch)
    # 1 in 150: the first top-200 holds too few, a wider one enough
    r = _videos_among_photos(catalog, q, every=150, seed=15)
    got = []
    for _ in range(3):
        used.clear()
        got.append([h.file_id for h in run(catalog, "zzqx", q, Filters(kind="video"), limit=5)])
        got[-1].append(tuple(u for u in used if u is not None))
    assert got[0][-1] == ()                     # widened
    assert got[1][-1] == ("again",)             # built: the same filter, nothing changed
    assert got[2][-1] == (False,)               # reused
    assert got[0][:-1] == got[1][:-1] == got[2][:-1] and len(got[0]) == 6
    P.file(catalog, r, "/lib/new.jpg")          # the catalog changes
    used.clear()
    assert [h.file_id for h in run(catalog, "zzqx", q, Filters(kind="video"), limit=5)] \
        == got[0][:-1]
    assert [u for u in used if u is not None] == []


def test_a_filter_the_spare_rows_fill_gets_its_mask_when_asked_again(catalog, q,
                                                                      monkeypatch):
    """Above exact_max, a filter whose files the first top k holds too few of, and the same
    search's spare rows enough, was read from the store and checked file by file on every
    query (~25 ms at 1M). It is a widening too: asked again with nothing changed, the
    filter's mask is built, and later queries search inside it. The hits are the same."""
    from core.search import vectors

    monkeypatch.setattr(vectors, "EXACT_MAX", 500)
    used = _masks_used(monkeypatch)
    # the top 200 rows hold ~5 videos, the spare rows all 38
    _videos_among_photos(catalog, q, every=40, seed=23)
    got = []
    for _ in range(3):
        used.clear()
        hits = run(catalog, "zzqx", q, Filters(kind="video"), limit=10)
        got.append(([h.file_id for h in hits], tuple(u for u in used if u is not None)))
    assert [ways for _, ways in got] == [(), ("again",), (False,)]   # spare, built, reused
    assert got[0][0] == got[1][0] == got[2][0] and len(got[0][0]) == 10
    used.clear()
    run(catalog, "zzqx", q, limit=10)           # no filter: no mask is made for it
    assert [u for u in used if u is not None] == []


def test_top_k_is_exact(q):
    from core.search.vectors import _top_k

    rng = np.random.default_rng(16)
    for n, k in ((100_000, 200), (100_000, 1), (50_000, 50), (3000, 200), (200, 200)):
        scores = rng.normal(size=n).astype(np.float32)
        scores[rng.integers(0, n, 500)] = -np.inf          # masked rows
        scores[rng.integers(0, n, 50)] = scores.max()       # ties at the top
        got = np.sort(scores[_top_k(scores, k)])
        want = np.sort(scores)[-k:]
        np.testing.assert_array_equal(got, want)
        assert len(set(_top_k(scores, k).tolist())) == k


def test_relevance_floor_cuts(catalog, q):
    rng = np.random.default_rng(6)
    r = P.root(catalog)
    ids = {}
    for c in (0.33, 0.30, 0.27, 0.22, 0.15, 0.05):
        ids[c] = P.file(catalog, r, f"/lib/{c}.jpg")
        P.vector(catalog, ids[c], P.near(q, c, rng))
    got = lambda s: [h.similarity for h in run(catalog, "zzqx", q, settings=s)]
    # Default (0): absolute 0.20 and within 0.08 of the best.
    assert got(Settings()) == pytest.approx([0.33, 0.30, 0.27], abs=1e-4)
    assert got(Settings(relevance_floor=0.21)) == pytest.approx([0.33, 0.30, 0.27, 0.22],
                                                                abs=1e-4)
    assert len(got(KEEP_ALL)) == 6
    assert got(Settings(relevance_floor=0.5)) == []


def test_index_follows_catalog_changes(catalog, q):
    rng = np.random.default_rng(7)
    r = P.root(catalog)
    a = P.file(catalog, r, "/lib/a.jpg")
    P.vector(catalog, a, P.near(q, 0.5, rng))
    assert [h.file_id for h in run(catalog, "zzqx", q)] == [a]
    b = P.file(catalog, r, "/lib/b.jpg")                         # insert: appended
    P.vector(catalog, b, P.near(q, 0.9, rng))
    assert [h.file_id for h in run(catalog, "zzqx", q)] == [b, a]
    catalog.write(lambda c: c.execute("DELETE FROM files WHERE id = ?", (b,)))  # cascade
    assert [h.file_id for h in run(catalog, "zzqx", q)] == [a]
    # INSERT OR REPLACE deletes without delete triggers: the count check catches it.
    v = np.asarray(P.near(q, 0.2, rng), "<f4").tobytes()
    catalog.write(lambda c: c.execute(
        "INSERT OR REPLACE INTO embeddings(file_id, frame_ms, model_id, dim, vector) "
        "VALUES (?, -1, ?, ?, ?)", (a, P.MODEL, DIM, v)))
    assert [h.similarity for h in run(catalog, "zzqx", q)] == pytest.approx([0.2], abs=1e-4)


def test_binary_prefilter_recall(catalog):
    """Above EXACT_MAX the index prefilters on sign bits: recall@20 against exact stays high."""
    rng = np.random.default_rng(8)
    centres = rng.normal(size=(50, 64))
    data = np.array([P.unit(centres[i % 50] + rng.normal(scale=1.2, size=64))
                     for i in range(6000)], np.float32)
    exact, binary = VectorIndex("m"), VectorIndex("m", exact_max=1000)
    n = len(data)
    for ix in (exact, binary):
        ix._build(np.arange(n), np.arange(n), np.full(n, -1), data.copy())
    assert binary.binary and not exact.binary
    recalls = []
    for _ in range(30):
        qq = P.unit(centres[rng.integers(50)] + rng.normal(scale=1.2, size=64))
        want = set(exact.search(qq, 20).rows.tolist())
        got = set(binary.search(qq, 20).rows.tolist())
        recalls.append(len(want & got) / 20)
    assert np.mean(recalls) >= 0.98


def test_similar_finds_neighbours_not_itself(catalog, q):
    rng = np.random.default_rng(9)
    r = P.root(catalog)
    me = P.file(catalog, r, "/lib/me.jpg")
    P.vector(catalog, me, q)
    close = P.file(catalog, r, "/lib/close.jpg")
    P.vector(catalog, close, P.near(q, 0.95, rng))
    far = P.file(catalog, r, "/lib/far.jpg")
    P.vector(catalog, far, P.near(q, 0.1, rng))
    vid = P.file(catalog, r, "/lib/v.mp4", kind="video")
    P.vector(catalog, vid, P.near(q, 0.0, rng), frame_ms=0)
    P.vector(catalog, vid, P.near(q, 0.8, rng), frame_ms=3000)
    res = similar(catalog, None, "/lib/me.jpg", limit=10)
    assert [h.file_id for h in res] == [close, vid, far]
    assert res[1].frame_ms == 3000
    # From a video frame.
    res = similar(catalog, None, vid, frame_ms=2900, limit=1)
    assert res[0].file_id in (me, close)
    with pytest.raises(QueryError, match="not in the library"):
        similar(catalog, None, "/nowhere.jpg")
    nov = P.file(catalog, r, "/lib/novec.jpg")
    with pytest.raises(SearchError, match="no vector"):
        similar(catalog, None, nov)


def test_get_index_is_cached_per_model(catalog, q):
    r = P.root(catalog)
    P.vector(catalog, P.file(catalog, r, "/lib/a.jpg"), q)
    with catalog.read() as conn:
        one = get_index(catalog.path, conn, P.MODEL)
        assert get_index(catalog.path, conn, P.MODEL) is one
        assert len(get_index(catalog.path, conn, "other")) == 0


def test_cli_browse_filters_and_similar(catalog, q, capsys):
    import json

    from core.cli.main import main

    rng = np.random.default_rng(10)
    r = P.root(catalog)
    a = P.file(catalog, r, "/lib/a.jpg", taken=1.5e9, camera=("Canon", "EOS"))
    b = P.file(catalog, r, "/lib/b.jpg", taken=1.7e9)
    P.vector(catalog, a, q)
    P.vector(catalog, b, P.near(q, 0.9, rng))
    catalog.close()
    assert main(["search", "--to", "2020-12-31", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [h["file_id"] for h in out["hits"]] == [a]
    assert main(["search", "--camera", "canon"]) == 0
    assert "/lib/a.jpg" in capsys.readouterr().out
    from core.catalog import Catalog
    from core.config import Paths

    with Catalog.open(Paths.default()) as cat:  # b in a collection of its own
        cat.write(lambda c: (
            c.execute("INSERT INTO clusters(id, created_at, updated_at) VALUES (7, 0, 0)"),
            c.execute("INSERT INTO cluster_members(cluster_id, file_id) VALUES (7, ?)", (b,))))
    for flag in ("--collection", "--cluster"):  # --cluster: the flag's older name
        assert main(["search", flag, "7", "--json"]) == 0
        assert [h["file_id"] for h in json.loads(capsys.readouterr().out)["hits"]] == [b]
    for command in ("more-like", "similar"):  # similar: the command's older name
        assert main([command, "/lib/a.jpg", "--json"]) == 0
        out = json.loads(capsys.readouterr().out)
        assert [h["file_id"] for h in out["hits"]] == [b]
        assert out["hits"][0]["similarity"] == pytest.approx(0.9, abs=1e-3)
    assert main(["more-like", "/lib/none.jpg"]) == 2
    assert "not in the library" in capsys.readouterr().err


def test_warm_loads_the_index(catalog, q):
    from core.search import warm

    assert warm(catalog, None) == 0
    r = P.root(catalog)
    P.vector(catalog, P.file(catalog, r, "/lib/a.jpg"), q)
    assert warm(catalog, None) == 1


def test_warm_reads_the_words_in_photos_where_the_text_in_photos_list_runs(catalog, q,
                                                                           monkeypatch):
    """The OCR vocabulary (near spellings) is kept per connection: warm reads it on the
    thread of the text-in-photos list, so a first misspelt query reads it no more (FTS5 walks
    its whole index to list its words: ~80 ms at 1M)."""
    from core.search import ocr_vocab, warm
    from tests.core.search.test_photo_text import plant

    made = []
    real = ocr_vocab.Vocab.__init__

    def counted(self, terms):
        made.append(len(terms))
        real(self, terms)
    monkeypatch.setattr(ocr_vocab.Vocab, "__init__", counted)
    assert warm(catalog, None) == 0 and made == []       # no text in photos: nothing read
    r = P.root(catalog)
    fid = P.file(catalog, r, "/lib/ferry.jpg")
    plant(catalog, fid, ["Harbour ferry timetable"])
    warm(catalog, None)
    assert made == [3]
    res = search_vector_and_text(catalog, KEEP_ALL, "tirnetable", None, None, None, 10)
    assert [h.file_id for h in res] == [fid]               # found by its near spelling
    assert made == [3]


def test_searches_run_their_products_on_one_blas_thread_whatever_overlaps():
    """A query's two lists search at once. The BLAS thread count is one setting for the whole
    process: limits that each put back what they found, overlapping, left it at whatever the
    last one out saw. So the first search sets one thread for good, and overlapping searches
    in any order find and leave one."""
    import threading

    from threadpoolctl import threadpool_info

    from core.blas import one_blas_thread

    def blas_threads():
        return {i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"}

    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    seen = []

    def a():
        one_blas_thread()
        a_in.set()
        b_in.wait(5)
        seen.append(blas_threads())
        a_out.set()

    def b():
        a_in.wait(5)
        one_blas_thread()
        b_in.set()
        a_out.wait(5)            # a is done, while b is still searching
        seen.append(blas_threads())
    for _ in range(2):
        threads = [threading.Thread(target=f) for f in (a, b)]
        [t.start() for t in threads]
        [t.join(10) for t in threads]
        a_in.clear(), b_in.clear(), a_out.clear()
        assert blas_threads() == {1}
    assert seen == [{1}] * 4


def test_a_blas_loaded_after_the_first_search_is_put_on_one_thread_too():
    """scipy carries an OpenBLAS of its own: imported after the first search (people grouping
    imports it), it ran its products on every core until the suite caught it."""
    import os
    import subprocess
    import sys

    script = (
        "from threadpoolctl import threadpool_info\n"
        "from core.blas import one_blas_thread\n"
        "one_blas_thread()\n"
        "import scipy.linalg\n"
        "assert len([i for i in threadpool_info() if i['user_api'] == 'blas']) == 2\n"
        "one_blas_thread()\n"
        "print(sorted({i['num_threads'] for i in threadpool_info() if i['user_api'] == 'blas'}))\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False,
                         env={**os.environ, "OPENBLAS_NUM_THREADS": "2"}, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[1]"


def test_files_with_many_rows_fill_the_list_from_one_compact_search(catalog, q, monkeypatch):
    """Above exact_max, a search ranks more rows by their codes than it reads: when the top
    rows belong to a few files (keyframes of videos, passages of a transcript), the spare
    rows of that same search fill `limit` files (its candidates are not ranked again), rather
    than a second search ten times as wide (20,000 rows read from the store at 1M). The
    files are the exact ones. A file found in the spare rows scores its best-estimated row,
    read: frames 0.0004 apart may swap under the codes' rounding (~1e-3), so the score can be
    a near frame's, a few thousandths under the best one's."""
    from core.search import vectors

    monkeypatch.setattr(vectors, "EXACT_MAX", 500)
    calls = []
    real = VectorIndex._search

    def counting(self, *a):
        calls.append(a[1])
        return real(self, *a)
    monkeypatch.setattr(VectorIndex, "_search", counting)
    scans = []
    real_scan = vectors.Codes.sketch_scores
    monkeypatch.setattr(vectors.Codes, "sketch_scores",
                        lambda self, *a: scans.append(1) or real_scan(self, *a))
    rng = np.random.default_rng(21)
    r = P.root(catalog)
    best = {}
    for v in range(100):
        fid = P.file(catalog, r, f"/lib/v{v}.mp4", kind="video")
        # ten frames of each video close to its best, the best 0.006 apart from the next
        # video's (float16 rescoring is ~1e-3 off): the top 200 rows hold ~20 videos
        top = 0.3 + 0.006 * v
        frames = [P.near(q, top - 0.0004 * i if i < 10 else rng.uniform(0.0, 0.25), rng)
                  for i in range(30)]
        for i, vec in enumerate(frames):
            P.vector(catalog, fid, vec, frame_ms=i * 1000)
        best[fid] = max(float(vec @ q) for vec in frames)
    res = run(catalog, "zzqx", q, limit=50)
    assert len(scans) == 1 and max(calls) < 2000     # one search, for the usual top-k
    want = sorted(best, key=lambda f: -best[f])[:50]
    assert [h.file_id for h in res] == want
    assert [h.similarity for h in res] == pytest.approx([best[f] for f in want], abs=5e-3)


def test_each_word_list_runs_beside_a_vector_list_not_beside_the_other(catalog, q,
                                                                      monkeypatch):
    """The word lists hold the GIL most of their time and the vector lists let go of it: the
    text in photos runs first on its thread while CLIP's list runs on the other, and the
    words' list last, while meaning's list runs (docs/BENCHMARKS.md, "Search at 1M: the
    GIL-bound lists beside the GIL-free ones")."""
    import threading

    from core.search import engine

    r = P.root(catalog)
    P.vector(catalog, P.file(catalog, r, "/lib/a.jpg"), q)
    order: list[tuple[str, str]] = []

    def recorded(name):
        real = getattr(engine, name)

        def run_list(*a, **k):
            order.append((name, threading.current_thread().name))
            return real(*a, **k)
        monkeypatch.setattr(engine, name, run_list)
    for name in ("_clip_list", "_words", "_photo_words", "_meaning_list"):
        recorded(name)
    meaning = (lambda _notes: (None, None))
    engine._search(catalog, KEEP_ALL, "beach", lambda _notes: (q, P.MODEL), meaning,
                   None, 10, [])
    thread = dict(order)
    assert thread["_clip_list"] == thread["_words"] != thread["_photo_words"]
    assert thread["_photo_words"] == thread["_meaning_list"]
    on_clips = [n for n, t in order if t == thread["_clip_list"]]
    on_other = [n for n, t in order if t == thread["_photo_words"]]
    assert on_clips == ["_clip_list", "_words"]
    assert on_other == ["_photo_words", "_meaning_list"]
