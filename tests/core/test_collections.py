import time

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from core.collections import (
    CollectionError,
    assign_new,
    cluster_vectors,
    load_vectors,
    recluster,
    rename_collection,
)
from core.collections.grouping import representatives, split_events
from core.query import list_collections

DIM = 512
MODEL = "test/clip@0:fp32"


def blobs(n_groups=6, per=60, noise=20, spread=0.08, seed=0):
    """Well-separated unit-vector blobs in 512-d, plus scattered noise points."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(n_groups, DIM))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    xs, labels = [], []
    for g, c in enumerate(centres):
        pts = c + rng.normal(scale=spread / np.sqrt(DIM) * 4, size=(per, DIM))
        xs.append(pts)
        labels += [g] * per
    xs.append(rng.normal(size=(noise, DIM)))
    labels += [-1] * noise
    x = np.concatenate(xs).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True), np.array(labels)


def test_blobs_are_recovered_and_noise_stays_noise():
    x, truth = blobs()
    res = cluster_vectors(x, min_cluster_size=10)
    real = truth >= 0
    assert adjusted_rand_score(truth[real], res.labels[real]) >= 0.9
    assert len(set(res.labels[real])) == 6
    # the scattered points are not forced into collections
    assert (res.labels[~real] == -1).mean() >= 0.9
    assert (res.labels[real] == -1).mean() < 0.05


def test_too_few_points_are_all_noise():
    x, _ = blobs(n_groups=1, per=3, noise=0)
    assert (cluster_vectors(x, min_cluster_size=5).labels == -1).all()


def test_time_and_place_split_a_visual_cluster_into_events():
    labels = np.array([0] * 12 + [1] * 6 + [-1])
    day = 86400.0
    times = [0.0 + i * 600 for i in range(6)] + [40 * day + i * 600 for i in range(6)] + \
        [i * 60.0 for i in range(6)] + [None]
    gps = [None] * 19
    out = split_events(labels, times, gps, min_size=5)
    assert len(set(out[:6])) == 1 and len(set(out[6:12])) == 1 and out[0] != out[6]
    assert len(set(out[12:18])) == 1 and out[18] == -1
    # a piece smaller than min_size is not split off
    times2 = times[:11] + [80 * day] + times[12:]
    out2 = split_events(labels, times2, gps, min_size=5)
    assert out2[11] == out2[10]
    # a jump of 1,000 km within a day is a new event too
    gps3 = [(45.4, 12.3)] * 6 + [(52.5, 13.4)] * 6 + [None] * 7
    times3 = [i * 7200.0 for i in range(12)] + [i * 60.0 for i in range(6)] + [None]
    out3 = split_events(labels, times3, gps3, min_size=5)
    assert out3[0] != out3[6]


def test_representatives_are_central_and_diverse():
    rng = np.random.default_rng(1)
    c = rng.normal(size=DIM)
    c /= np.linalg.norm(c)
    near = c + rng.normal(scale=0.01, size=(10, DIM))
    dup = np.repeat(near[:1], 5, axis=0)  # five copies of one photo
    far = c + rng.normal(scale=0.05, size=(10, DIM))
    m = np.concatenate([dup, near[1:], far])
    m /= np.linalg.norm(m, axis=1, keepdims=True)
    reps = representatives(m, k=4)
    assert len(reps) == 4 and len(set(reps)) == 4
    assert sum(1 for r in reps if r < 5) <= 1  # not all copies of one shot


# ----------------------------------------------------------------------------- catalog side

def plant_files(catalog, vectors, *, taken=None, video_frames=None):
    """Rows for files and their vectors, as the scanner and the pipeline would write them."""
    now = time.time()

    def write(conn):
        rid = conn.execute("INSERT INTO roots(path, added_at) VALUES ('/lib', ?)", (now,)).lastrowid
        ids = []
        for i, v in enumerate(vectors):
            kind = "video" if video_frames and i in video_frames else "photo"
            t = taken[i] if taken else None
            fid = conn.execute(
                "INSERT INTO files(root_id, path, folder, name, kind, format, size, mtime_ns, "
                "taken_at, taken_at_source, first_seen_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (rid, f"/lib/f{i}.jpg", "/lib", f"f{i}.jpg", kind, "jpeg", 1, 1, t,
                 "exif" if t else None, now)).lastrowid
            frames = video_frames.get(i) if video_frames and i in video_frames else [(-1, v)]
            for ms, vec in frames:
                conn.execute("INSERT INTO embeddings(file_id, frame_ms, model_id, dim, vector) "
                             "VALUES (?,?,?,?,?)", (fid, ms, MODEL, DIM,
                                                    np.asarray(vec, "<f4").tobytes()))
            ids.append(fid)
        return ids

    return catalog.write(write)


def members(catalog):
    with catalog.read() as conn:
        return {r[0]: r[1] for r in conn.execute("SELECT file_id, cluster_id FROM cluster_members")}


def test_recluster_stores_collections_and_keeps_user_names(catalog):
    x, truth = blobs(n_groups=3, per=20, noise=5, seed=3)
    ids = plant_files(catalog, x)
    rep = recluster(catalog, model_id=MODEL, min_cluster_size=5)
    assert rep.collections == 3 and rep.files == len(ids)
    m = members(catalog)
    got = np.array([m.get(f, -1) for f in ids])
    assert adjusted_rand_score(truth[truth >= 0], got[truth >= 0]) >= 0.9
    cols = list_collections(catalog)
    assert all(c.representatives and c.size == 20 for c in cols)
    # the user names one; a recluster keeps the name on the collection that overlaps it
    target = m[ids[0]]
    rename_collection(catalog, target, name="Grandma's garden", folder_path="Family/../Garden")
    rep2 = recluster(catalog, model_id=MODEL, min_cluster_size=5)
    assert rep2.kept_user_collections == 1
    m2 = members(catalog)
    col = {c.id: c for c in list_collections(catalog)}[m2[ids[0]]]
    assert col.name == "Grandma's garden" and col.named_by == "user"
    assert col.folder_path == "Family/Garden"  # the traversal was dropped


def test_video_is_the_mean_of_its_keyframes(catalog):
    rng = np.random.default_rng(5)
    a = rng.normal(size=DIM)
    b = rng.normal(size=DIM)
    unit = lambda v: v / np.linalg.norm(v)
    ids = plant_files(catalog, [unit(a), unit(a)],
                      video_frames={1: [(0, unit(a + b)), (2000, unit(a - b))]})
    with catalog.read() as conn:
        fids, vecs = load_vectors(conn, MODEL)
    assert list(fids) == ids
    assert np.allclose(vecs[1], unit(unit(a + b) + unit(a - b)), atol=1e-5)


def test_new_files_join_a_collection_only_when_clearly_inside(catalog):
    x, truth = blobs(n_groups=2, per=20, noise=0, seed=7)
    plant_files(catalog, x)
    recluster(catalog, model_id=MODEL, min_cluster_size=5)
    before = members(catalog)
    rng = np.random.default_rng(8)
    inside = x[truth == truth[0]].mean(axis=0) + rng.normal(scale=0.0005, size=DIM)
    outside = rng.normal(size=DIM)
    now = time.time()

    def add(conn):
        out = []
        for i, v in enumerate([inside, outside]):
            v = v / np.linalg.norm(v)
            fid = conn.execute("INSERT INTO files(root_id, path, folder, name, kind, format, size, "
                               "mtime_ns, first_seen_at) VALUES (1, ?, '/lib', 'n', 'photo', "
                               "'jpeg', 1, 1, ?)", (f"/lib/new{i}.jpg", now)).lastrowid
            conn.execute("INSERT INTO embeddings(file_id, model_id, dim, vector) VALUES (?,?,?,?)",
                         (fid, MODEL, DIM, v.astype("<f4").tobytes()))
            out.append(fid)
        return out

    new_in, new_out = catalog.write(add)
    assert assign_new(catalog, model_id=MODEL) == 1
    after = members(catalog)
    assert after[new_in] == before[1] and new_out not in after


@pytest.mark.parametrize("n", [0, 3])
def test_recluster_of_a_tiny_library_makes_no_collections(catalog, n):
    if n:
        x, _ = blobs(n_groups=1, per=n, noise=0)
        plant_files(catalog, x)
        rep = recluster(catalog, model_id=MODEL)
        assert rep.collections == 0 and rep.noise == n
    else:
        from core.collections import CollectionError

        with pytest.raises(CollectionError):
            recluster(catalog)


def test_many_unrelated_photos_do_not_become_a_collection():
    # after PCA, scattered points all land near the centre and HDBSCAN sees a dense blob there;
    # the coherence check in the full space turns that back into noise
    x, truth = blobs(n_groups=5, per=80, noise=300, spread=0.3, seed=11)
    res = cluster_vectors(x, min_cluster_size=10)
    real = truth >= 0
    assert (res.labels[~real] == -1).mean() >= 0.95
    assert adjusted_rand_score(truth[real], res.labels[real]) >= 0.9


def test_large_libraries_cluster_a_sample_and_extend_it():
    x, truth = blobs(n_groups=8, per=150, noise=100, seed=12)
    res = cluster_vectors(x, min_cluster_size=10, sample_max=400)
    real = truth >= 0
    assert adjusted_rand_score(truth[real], res.labels[real]) >= 0.9
    assert (res.labels[~real] == -1).mean() >= 0.9
    assert ((res.probabilities > 0) == (res.labels >= 0)).all()


def test_user_merges_and_moves_survive_a_recluster(catalog):
    from core.collections import merge_collections, move_to_collection

    x, _ = blobs(n_groups=3, per=20, noise=0, seed=21)
    ids = plant_files(catalog, x)
    recluster(catalog, model_id=MODEL, min_cluster_size=5)
    m = members(catalog)
    a, b = m[ids[0]], m[ids[20]]
    keep = merge_collections(catalog, [a, b])
    col = {c.id: c for c in list_collections(catalog)}[keep]
    assert col.size == 40 and col.named_by == "user" and b not in members(catalog).values()
    move_to_collection(catalog, [ids[40]], None)
    assert ids[40] not in members(catalog)
    recluster(catalog, model_id=MODEL, min_cluster_size=5)
    m2 = members(catalog)
    assert m2[ids[0]] == m2[ids[20]] == keep  # the merge holds, under its id and name


def test_split_off_makes_a_user_collection_that_survives_a_recluster(catalog):
    from core.collections import split_collection

    x, _ = blobs(n_groups=2, per=20, noise=0, seed=22)
    ids = plant_files(catalog, x)
    recluster(catalog, model_id=MODEL, min_cluster_size=5)
    old = members(catalog)[ids[0]]
    new = split_collection(catalog, old, ids[:5], "  Best of  ")
    m = members(catalog)
    assert all(m[f] == new for f in ids[:5]) and m[ids[5]] == old
    cols = {c.id: c for c in list_collections(catalog)}
    assert (cols[new].name, cols[new].named_by, cols[new].size) == ("Best of", "user", 5)
    assert cols[old].size == 15
    recluster(catalog, model_id=MODEL, min_cluster_size=5)
    assert {members(catalog)[f] for f in ids[:5]} == {new}
    with pytest.raises(CollectionError):
        split_collection(catalog, 999_999, ids[:1], "nope")
    # a name is kept as people's names are: one line, single spaces, at most 100 characters
    rename_collection(catalog, new, name="  Best\n of   all ")
    assert {c.id: c for c in list_collections(catalog)}[new].name == "Best of all"
    with pytest.raises(CollectionError, match="at most 100"):
        rename_collection(catalog, new, name="x" * 101)


def _add_vectors(catalog, vectors) -> list[int]:
    now = time.time()

    def add(conn):
        out = []
        for v in vectors:
            v = np.asarray(v, np.float64) / np.linalg.norm(v)
            fid = conn.execute("INSERT INTO files(root_id, path, folder, name, kind, format, size, "
                               "mtime_ns, first_seen_at) VALUES (1, ?, '/lib', 'n', 'photo', "
                               "'jpeg', 1, 1, ?)", (f"/lib/new{now}{len(out)}.jpg", now)).lastrowid
            conn.execute("INSERT INTO embeddings(file_id, model_id, dim, vector) VALUES (?,?,?,?)",
                         (fid, MODEL, DIM, v.astype("<f4").tobytes()))
            out.append(fid)
        return out

    return catalog.write(add)


def test_newcomers_follow_the_users_merge_and_join_by_distance_without_a_join_model(catalog):
    from core.collections import join_model_path, merge_collections

    x, _ = blobs(n_groups=3, per=20, noise=0, seed=11)
    ids = plant_files(catalog, x)
    recluster(catalog, model_id=MODEL, min_cluster_size=5)
    assert join_model_path(catalog).is_file()
    m = members(catalog)
    a, b = m[ids[0]], m[ids[20]]
    merged = merge_collections(catalog, [a, b])
    # a fresh photo of the second group: its cluster's files are in the merged collection now
    rng = np.random.default_rng(12)
    (new,) = _add_vectors(catalog, [x[20:40].mean(axis=0) + rng.normal(scale=0.002, size=DIM)])
    assert assign_new(catalog, model_id=MODEL) == 1
    assert members(catalog)[new] == merged

    # a catalog clustered before join models existed: the centre-and-radius rule still joins
    join_model_path(catalog).unlink()
    (new2,) = _add_vectors(catalog, [x[40:60].mean(axis=0)])
    assert assign_new(catalog, model_id=MODEL) == 1
    assert members(catalog)[new2] == m[ids[40]]


def test_a_damaged_vector_is_left_out_of_the_recluster_and_logged(catalog, caplog):
    x, _ = blobs(n_groups=2, per=20, noise=0, seed=13)
    ids = plant_files(catalog, x)
    catalog.write(lambda c: c.execute("UPDATE embeddings SET vector = ? WHERE file_id = ?",
                                      (np.ones(7, "<f4").tobytes(), ids[0])))
    with caplog.at_level("WARNING", logger="core.collections.store"):
        rep = recluster(catalog, model_id=MODEL, min_cluster_size=5)
    assert rep.files == len(ids) - 1 and rep.collections == 2
    assert "1 vectors of" in caplog.text and "left out" in caplog.text
    assert ids[0] not in members(catalog)


def test_a_newcomer_joins_reading_only_its_vector_and_its_collections(catalog):
    """Joining reads the vectors of the files in no collection and of the collection a
    newcomer may join, not the library's (a million at most, read after every index)."""
    import re

    x, _ = blobs(n_groups=3, per=20, noise=0, seed=11)
    ids = plant_files(catalog, x)
    recluster(catalog, model_id=MODEL, min_cluster_size=5)
    m = members(catalog)
    rng = np.random.default_rng(12)
    (new,) = _add_vectors(catalog, [x[:20].mean(axis=0) + rng.normal(scale=0.002, size=DIM)])
    statements: list[str] = []
    with catalog.read() as conn:
        conn.set_trace_callback(statements.append)
    try:
        assert assign_new(catalog, model_id=MODEL) == 1
    finally:
        with catalog.read() as conn:
            conn.set_trace_callback(None)
    assert members(catalog)[new] == m[ids[0]]
    reads = [s for s in statements if "e.vector" in s]
    assert reads and all("e.file_id IN (" in s for s in reads)
    read = {int(i) for s in reads for i in re.findall(r"\d+", s.split("IN (", 1)[1])}
    assert read == {new} | {f for f, c in m.items() if c == m[ids[0]]}
