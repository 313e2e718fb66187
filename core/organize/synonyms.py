"""Folder names compared by meaning (the `sentences` model): "Pets/Dogs" and "Animals/Dog",
"Sea" and "Ocean", "Soccer" and "Football" name the same thing; spelling and the synonym
table in naming.py cannot know every such pair.

Measured with all-MiniLM-L6-v2 on 28 synonym pairs and 48 pairs of different things that
share a frame ("Dogs"/"Cats", "Italy"/"France", "Grandma"/"Grandpa"): names read as
"photos of <name>" separate better than bare words (bare, "Husband"/"Wife" scored 0.87, above
"Pets"/"Animals" at 0.82). Read so, at SYNONYM_COSINE 0.83 about half the synonyms merge by
meaning alone ("Soccer"/"Football" 0.85) and the different things stay under 0.80 — except
kin and times of day ("Husband"/"Wife" 0.90, "Grandma"/"Grandpa" 0.85), which therefore
never merge by meaning. tests/core/organize/test_synonyms.py holds such pairs. The table and
the spelling rules in naming.py still do most of the merging; this catches what they miss.

`score_folder_name` is the plan-quality evaluation's measure of how well a proposed folder
names a true group.
"""

from __future__ import annotations

import logging
import re
import threading

import numpy as np

from core.errors import ShoeboxError

log = logging.getLogger(__name__)

TEMPLATE = "photos of {}"
SYNONYM_COSINE = 0.83
# Words for people and times whose opposites sit as close as synonyms: never merged by meaning
# (a "Grandma" folder and a "Grandpa" folder are two people).
_CONTRAST_WORDS = """
mom mum mother mama dad father papa grandma grandmother granny nana grandpa grandfather
husband wife boyfriend girlfriend brother sister son daughter uncle aunt nephew niece
cousin boy girl man woman men women he she his her morning evening night sunrise sunset
dawn dusk
"""
_CONTRASTS = frozenset(_CONTRAST_WORDS.split())


class FolderMeaning:
    """Names embedded once each (cached), compared by cosine."""

    def __init__(self, model):
        self.model = model
        self._cache: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def vectors(self, names: list[str]) -> list[np.ndarray]:
        keys = [_key(n) for n in names]
        with self._lock:
            todo = list(dict.fromkeys(k for k in keys if k not in self._cache))
        if todo:
            vecs = self.model.embed([TEMPLATE.format(k) for k in todo])
            with self._lock:
                self._cache.update(zip(todo, vecs))
        with self._lock:
            return [self._cache[k] for k in keys]

    def similarity(self, a: str, b: str) -> float:
        if _key(a) == _key(b):
            return 1.0
        va, vb = self.vectors([a, b])
        return float(va @ vb)

    def same(self, a: str, b: str) -> bool:
        """Do two sibling folder names mean the same? Numbers must agree ("Italy 2023" and
        "Italy 2024" are two trips) and people and times of day are never merged."""
        ka, kb = _key(a), _key(b)
        if ka == kb:
            return True
        if not ka or not kb or re.findall(r"\d+", ka) != re.findall(r"\d+", kb):
            return False
        if _CONTRASTS & (set(ka.split()) | set(kb.split())):
            return False
        return self.similarity(a, b) >= SYNONYM_COSINE


def _key(name: str) -> str:
    return " ".join(re.findall(r"\w+", str(name).replace("/", " ").lower()))


def folder_meaning(registry) -> FolderMeaning | None:
    """The comparer over the registry's sentences model; None (logged) when there is none."""
    if registry is None or not hasattr(registry, "sentences"):
        return None
    try:
        return FolderMeaning(registry.sentences())
    except ShoeboxError as e:
        log.info("folder names are compared by spelling only: %s", e)
        return None


# A proposed folder scoring at least this names the true group or a synonym of it. Measured:
# "Nature/Insects" for bugs 0.85, "Solar System" for planets 0.84, "Animals/Penguin" for birds
# 0.80, "Kitchen" for cooking 0.80; unrelated names 0.52-0.58 ("Camera", "Travel/Italy",
# "Vehicles/Trucks" for birds; "Toys" for vehicles), a part for its whole in between
# ("Bus/2023/04" for vehicles 0.70).
NAMES_THE_GROUP = 0.75


def names_the_group(proposed: str, truth: str, meaning: FolderMeaning) -> bool:
    return score_folder_name(proposed, truth, meaning) >= NAMES_THE_GROUP


def score_folder_name(proposed: str, truth: str, meaning: FolderMeaning) -> float:
    """How well a proposed folder path names a true group (cosine, -1..1; 1.0 for the same
    words): the best of its segments and of the whole path, so "Nature/Birds" names "birds"
    as well as "Birds" does."""
    segments = [s for s in str(proposed).split("/") if s.strip()]
    if not segments or not str(truth).strip():
        return 0.0
    candidates = list(dict.fromkeys([*segments, " ".join(segments)]))
    return max(meaning.similarity(c, truth) for c in candidates)
