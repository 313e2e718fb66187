import json
import os

import numpy as np
import pytest

from tests.cli_runner import run
from tests.core.organize.helpers import make_files, tree

MODEL = "test/clip@0:fp32"


def plant_vectors(paths, groups: dict[str, int]):
    """Vectors as the pipeline would store them: files whose name starts with a group's
    prefix share a direction."""
    from core.catalog import Catalog

    rng = np.random.default_rng(0)
    centres = {p: rng.normal(size=512) for p in groups}
    with Catalog.open(paths) as cat:
        def write(conn):
            for fid, name in conn.execute(
                    "SELECT id, name FROM files WHERE id NOT IN (SELECT file_id FROM embeddings)"
            ).fetchall():
                c = centres[next(p for p in groups if name.startswith(p))]
                v = c + rng.normal(scale=0.05, size=512)
                v = (v / np.linalg.norm(v)).astype("<f4")
                conn.execute("INSERT INTO embeddings(file_id, model_id, dim, vector) "
                             "VALUES (?, ?, 512, ?)", (fid, MODEL, v.tobytes()))
                tag = "beach" if name.startswith("sea") else "dog"
                conn.execute("INSERT INTO tags(file_id, tag, source, score) VALUES (?, ?, "
                             "'clip', 0.9)", (fid, tag))
        cat.write(write)


@pytest.mark.slow  # end to end: cluster, plan, apply, undo through the CLI
def test_cluster_plan_apply_plans_undo(tmp_path, capsys, paths):
    root = tmp_path / "lib"
    # a camera folder, which tells nothing: the names come from the tags
    make_files(root, {**{f"DCIM/100APPLE/sea{i}.jpg": i for i in range(8)},
                      **{f"DCIM/100APPLE/dog{i}.jpg": 100 + i for i in range(8)}})
    before = tree(root)
    assert run(capsys, "add", str(root))[0] == 0
    assert run(capsys, "scan")[0] == 0
    plant_vectors(paths, {"sea": 0, "dog": 1})

    code, out, err = run(capsys, "collections", "--json", "--no-llm", "--min-size", "4")
    assert code == 0, err
    res = json.loads(out)
    assert res["collections"] == 2 and res["noise"] == 0
    assert sorted(c["name"] for c in res["items"]) == ["Beach", "Dog"]

    code, out, _ = run(capsys, "plan", "--json")
    plan = json.loads(out)
    pid = plan["plan_id"]
    assert set(plan["tree"]) == {"Beach", "Dog"} and len(plan["moves"]) == 16

    code, out, _ = run(capsys, "plan")
    assert "proposed folders (full path" in out and f"{root.resolve()}/Beach/  (8 photos)" in out
    code, out, _ = run(capsys, "plan", "--json")
    assert sorted((os.path.basename(u["folder"]), u["photos"]) for u in json.loads(out)[
        "units"]) == [("Beach", 8), ("Dog", 8)]

    # no capture dates: the event and date layouts have nothing to go on, and say so
    code, out, _ = run(capsys, "plan", "--layout", "event")
    assert code == 0 and "nothing to move" in out and "no capture date" in out
    assert "left where they are: 16 files (" in out
    code, out, err = run(capsys, "plan", "--layout", "date", "--template", "{yr}")
    assert code != 0 and "unknown field(s) yr" in err

    code, out, _ = run(capsys, "apply", str(pid), "--dry-run")
    assert code == 0 and "nothing was touched" in out and tree(root) == before

    code, out, _ = run(capsys, "apply", str(pid), "--json")
    assert code == 0 and json.loads(out)["done"] == 16
    assert (root / "Beach" / "sea0.jpg").exists() and not (root / "DCIM").exists()

    code, out, _ = run(capsys, "plans", "--json")
    assert [p["state"] for p in json.loads(out) if p["id"] == pid] == ["applied"]

    code, out, _ = run(capsys, "undo", str(pid))
    assert code == 0 and "16 files put back" in out
    assert tree(root) == before


def test_apply_of_an_unknown_plan_is_a_clear_error(capsys):
    code, _, err = run(capsys, "apply", "99")
    assert code == 2 and "no plan 99" in err and "Traceback" not in err


def test_cluster_without_vectors_says_what_to_do(capsys):
    code, _, err = run(capsys, "collections")
    assert code == 2 and "index" in err


def test_cluster_new_only_joins_without_reclustering(tmp_path, capsys, paths):
    root = tmp_path / "lib"
    make_files(root, {**{f"dump/sea{i}.jpg": i for i in range(8)},
                      **{f"dump/dog{i}.jpg": 100 + i for i in range(8)}})
    run(capsys, "add", str(root))
    run(capsys, "scan")
    plant_vectors(paths, {"sea": 0, "dog": 1})
    code, out, _ = run(capsys, "collections", "--json", "--no-name", "--min-size", "4")
    assert code == 0 and json.loads(out)["collections"] == 2
    code, out, _ = run(capsys, "cluster", "--new-only", "--json")  # the command's old name
    assert code == 0 and json.loads(out) == {"joined": 0}  # nothing new yet

    # two more beach photos and one unlike anything: the beach ones join, the odd one waits
    make_files(root, {"new/sea8.jpg": 8, "new/sea9.jpg": 9, "new/odd.jpg": 50})
    run(capsys, "scan")
    plant_vectors(paths, {"sea": 0, "dog": 1, "odd": 2})
    code, out, _ = run(capsys, "collections", "--new-only", "--json")
    assert code == 0 and json.loads(out) == {"joined": 2}
    from core.catalog import Catalog

    with Catalog.open(paths) as cat, cat.read() as conn:
        joined = {r[0]: r[1] for r in conn.execute(
            "SELECT f.name, m.cluster_id FROM cluster_members m JOIN files f ON f.id = m.file_id")}
    assert joined["sea8.jpg"] == joined["sea9.jpg"] == joined["sea0.jpg"] != joined["dog0.jpg"]
    assert "odd.jpg" not in joined
