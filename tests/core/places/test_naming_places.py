"""Collections are named by where they were: 'Kyoto 2023-04', 'Iceland trip 2019-06' —
never coordinates."""

from __future__ import annotations

import time

from core.cli.main import main
from core.organize.evidence import gather_evidence
from core.organize.naming import fallback_name
from core.places.events import where_and_when
from tests.media_factory import write_jpeg

HOME = (48.137, 11.575)            # Munich
KYOTO = (35.0116, 135.7681)
ICELAND = [(64.1466, -21.9426), (63.4186, -19.0060), (65.6835, -18.0878)]  # Reykjavík, Vík, Akureyri


def library(tmp_path, capsys):
    lib = tmp_path / "lib"
    for d in range(1, 10):
        write_jpeg(lib / "DCIM" / "100APPLE" / f"{d}.jpg", seed=d, taken=f"2022:03:0{d} 12:00:00", gps=HOME)
    for i in range(4):
        write_jpeg(lib / "DCIM" / "101APPLE" / f"{i}.jpg", seed=20 + i, taken=f"2023:04:0{1 + i // 2} 1{i}:00:00",
                   gps=KYOTO if i != 1 else None)
    for i, pos in enumerate(ICELAND):
        write_jpeg(lib / "DCIM" / "102APPLE" / f"{i}.jpg", seed=40 + i, taken=f"2019:06:0{2 + i} 12:00:00",
                   gps=pos)
    for argv in (["add", str(lib)], ["scan"], ["index", "--stage", "places"]):
        assert main(argv) == 0
    capsys.readouterr()
    return lib


def collection(catalog, folder: str) -> int:
    def plant(c):
        ids = [r[0] for r in c.execute("SELECT id FROM files WHERE folder LIKE ?",
                                       (f"%/{folder}",))]
        taken = [r[0] for r in c.execute(
            f"SELECT taken_at FROM files WHERE id IN ({','.join('?' * len(ids))})", ids)]
        cid = c.execute("INSERT INTO clusters(created_at, updated_at, member_count, date_from, "
                        "date_to, lat, lon) VALUES (?, ?, ?, ?, ?, 1.234, 5.678)",
                        (time.time(), time.time(), len(ids), min(taken), max(taken))).lastrowid
        c.executemany("INSERT INTO cluster_members(cluster_id, file_id) VALUES (?, ?)",
                      [(cid, i) for i in ids])
        return cid
    return catalog.write(plant)


def test_collections_are_named_by_place_and_date(tmp_path, capsys, catalog):
    library(tmp_path, capsys)
    kyoto, iceland = collection(catalog, "101APPLE"), collection(catalog, "102APPLE")
    with catalog.read() as conn:
        ev_k, ev_i = gather_evidence(conn, kyoto), gather_evidence(conn, iceland)
        ww = where_and_when(conn, [r[0] for r in conn.execute(
            "SELECT file_id FROM cluster_members WHERE cluster_id = ?", (kyoto,))])
    assert ww.place == "Kyoto" and ww.located == 4 and ww.total == 4   # one inferred
    assert [e[2] for e in ww.events] == ["Kyoto"]
    assert ev_k.places[0] == "Kyoto" and ev_k.events == ["Kyoto"]
    assert fallback_name(ev_k).name == "Kyoto 2023-04"
    assert ev_i.places[0] == "Iceland" and ev_i.events == ["Iceland trip"]
    assert fallback_name(ev_i).name == "Iceland trip 2019-06"
    for ev in (ev_k, ev_i):
        prompt = ev.prompt()
        assert "GPS" not in prompt and "1.234" not in prompt and "5.678" not in prompt
    assert "Places: Iceland; Reykjavík, Iceland" in ev_i.prompt()
