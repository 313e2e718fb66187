"""Folder names merged by meaning (real all-MiniLM-L6-v2), and the folder-name score the
plan-quality evaluation uses."""

from __future__ import annotations

import pytest

from core.config import Paths, Settings
from core.organize.naming import harmonize_paths
from core.organize.synonyms import (
    NAMES_THE_GROUP,
    folder_meaning,
    names_the_group,
    score_folder_name,
)
from models import Registry

# synonyms the spelling rules and the synonym table of naming.py do not know
MEANT_ALIKE = [("Sea", "Ocean"), ("Soccer", "Football"), ("Christmas", "Xmas"),
               ("Snow", "Winter snow"), ("Kids", "Children"), ("Cars", "Automobiles")]
# different things that share a frame: never merged
APART = [("Dogs", "Cats"), ("Beach", "Mountains"), ("Birthday", "Wedding"), ("Italy", "France"),
         ("Food", "Drinks"), ("Summer", "Winter"), ("Christmas", "Easter"), ("Paris", "London"),
         ("Grandma", "Grandpa"), ("Husband", "Wife"), ("Mom", "Dad"), ("Brother", "Sister"),
         ("Sunrise", "Sunset"), ("Football", "Basketball"), ("Tokyo", "Kyoto"),
         ("Coffee", "Tea"), ("Boats", "Trains"), ("Pets", "Wildlife"), ("Italy 2023", "Italy 2024"),
         ("Uncle", "Aunt"), ("Morning", "Evening"), ("Germany", "Austria")]


@pytest.fixture(scope="module")
def reg(tmp_path_factory):
    r = Registry(Settings(device="cpu", model_idle_unload_s=0),
                 Paths(tmp_path_factory.mktemp("models-home")))
    yield r
    r.close()


@pytest.fixture(scope="module")
def meaning(reg):
    return folder_meaning(reg)


def test_names_that_mean_the_same_merge_and_different_things_stay_apart(meaning):
    alike = [p for p in MEANT_ALIKE if meaning.same(*p)]
    apart = [p for p in APART if meaning.same(*p)]
    assert alike == MEANT_ALIKE, [(p, meaning.similarity(*p)) for p in MEANT_ALIKE if p not in alike]
    assert apart == [], [(p, meaning.similarity(*p)) for p in apart]


def test_harmonize_merges_sibling_folders_by_meaning(meaning):
    proposals = {1: "Sea/Sailing", 2: "Ocean/Sailing", 3: "Soccer", 4: "Football",
                 5: "Grandma", 6: "Grandpa", 7: "Italy 2023", 8: "Italy 2024"}
    sizes = {1: 5, 2: 2, 3: 1, 4: 9, 5: 1, 6: 1, 7: 1, 8: 1}
    spelt = harmonize_paths(proposals, sizes)
    assert spelt[1] != spelt[2] and spelt[3] != spelt[4]       # spelling alone cannot
    out = harmonize_paths(proposals, sizes, same_meaning=meaning.same)
    assert out[1] == out[2] == "Sea/Sailing"                   # the bigger one's spelling
    assert out[3] == out[4] == "Football"
    assert len({out[5], out[6], out[7], out[8]}) == 4
    # the library's existing folder spelling wins when it means the same
    out = harmonize_paths({1: "Sea/Sailing", 2: "Ocean"}, {1: 1, 2: 1},
                          existing=["Ocean"], same_meaning=meaning.same)
    assert out[1] == "Ocean/Sailing" and out[2] == "Ocean"


def test_score_folder_name_against_the_true_group(meaning):
    assert score_folder_name("Birds", "birds", meaning) == 1.0
    assert score_folder_name("Nature/Birds", "birds", meaning) == 1.0
    for proposed, truth in [("Animals/Parrots and Finches", "birds"), ("Nature/Insects", "bugs"),
                            ("Solar System", "planets"), ("Clothing/Hats", "clothes")]:
        assert names_the_group(proposed, truth, meaning), (proposed, truth)
    for proposed, truth in [("Vehicles/Trucks", "birds"), ("Camera", "birds"),
                            ("Spring/2023", "clothes"), ("Toys", "vehicles")]:
        score = score_folder_name(proposed, truth, meaning)
        assert score < NAMES_THE_GROUP - 0.1, (proposed, truth, score)
    assert score_folder_name("", "birds", meaning) == 0.0


def test_without_a_sentences_model_folders_are_compared_by_spelling(paths, tmp_path):
    reg = Registry(Settings(device="cpu", models={"sentences": str(tmp_path / "gone")}), paths)
    try:
        assert folder_meaning(reg) is None
        assert folder_meaning(None) is None
    finally:
        reg.close()
