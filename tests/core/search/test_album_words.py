"""An album's name is a search word: typed alone it lists the album's photos, with other
words it searches among them (as a person's name does), and `--album` filters the same way."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.importers.takeout import import_takeout
from tests.cli_runner import run_ok
from tests.takeout_factory import jpeg_bytes, sidecar, write_zip

Y = "Photos from 2016"
T0 = 1468318210


@pytest.fixture
def albums(catalog, tmp_path):
    files = {}
    for name, seed, desc, album in (("a.jpg", 1, "temple at dawn", "Kyoto trip"),
                                    ("b.jpg", 2, "noodles", "Kyoto trip"),
                                    ("c.jpg", 3, "temple in Nara", "Nara"),
                                    ("d.jpg", 4, "a kyoto postcard", None)):
        files[f"{Y}/{name}"] = jpeg_bytes(seed)
        files[f"{Y}/{name}.json"] = sidecar(name, T0 + seed, description=desc)
        if album:
            files[f"{album}/{name}"] = jpeg_bytes(seed)
    import_takeout(catalog, [write_zip(tmp_path / "t.zip", files)], tmp_path / "Library")
    return catalog


def _search(capsys, *args) -> tuple[list[str], list[str]]:
    out = json.loads(run_ok(capsys, "search", *args, "--json"))
    return sorted(Path(h["path"]).name for h in out["hits"]), out["notices"]


@pytest.mark.parametrize("query, found, note", [
    ("Kyoto trip", ["a.jpg", "b.jpg"], "photos of the album Kyoto trip"),
    ("kyoto TRIP temple", ["a.jpg"], "photos of the album Kyoto trip, searched for 'temple'"),
    ("temple", ["a.jpg", "c.jpg"], None),            # no album named: every temple
    # a word of an album's name is no filter: its photos are found by the word, with others
    ("kyoto", ["a.jpg", "b.jpg", "d.jpg"], None),
])
def test_an_album_name_in_the_query_is_a_filter(albums, capsys, query, found, note):
    hits, notices = _search(capsys, query)
    assert hits == found
    assert (note in notices) if note else not any("album" in n for n in notices)


def test_the_album_option_filters_the_same_way(albums, capsys):
    assert _search(capsys, "temple", "--album", "nara")[0] == ["c.jpg"]
