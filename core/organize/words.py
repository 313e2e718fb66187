"""Words in names: what counts as vague, which words mean the same, and when two names (or a
name and a folder) say the same thing. Shared by naming, the structure rules and the
evaluation, so they all judge names alike.

`keys_overlap` / `names_match` are the one place two names are compared by their words (the
structure rules' "folder fits the collection", the echo repair, the evaluation's "the folder
names the true group" in benchmarks/eval_plans.py). A meaning-based comparison (sentence
embeddings: "Birds" ~ "a crow, a cuckoo") plugs in here, behind the word match, so every user
of it gains at once; `SYNONYMS` is the hand-made list it would replace.
"""

from __future__ import annotations

import os
import re

from core.files.sanitize import fold
from core.plain import plain
from core.scan.roots import folder_name

VAGUE_NAMES = {"photo", "photos", "image", "images", "picture", "pictures", "misc",
               "miscellaneous", "collection", "untitled", "unsorted", "other", "various",
               "stuff", "media", "video", "videos", "folder", "group", "new folder",
               "mixed", "random", "general", "things"}
STOPWORDS = {
    "a", "an", "the", "and", "or", "of", "in", "on", "at", "to", "with", "for", "from",
    "by", "is", "are", "was", "were", "be", "been", "this", "that", "these", "those",
    "there", "here", "it", "its", "his", "her", "their", "our", "your", "my", "as", "into",
    "over", "under", "near", "next", "some", "many", "several", "two", "three", "four",
    "five", "one", "while", "other", "small", "large", "big", "little", "front", "back",
    "top", "bottom", "side", "up", "down", "out", "off", "very", "image", "photo",
    "picture", "close", "view", "shot",
}

# Near-synonyms merged when they name sibling folders (compared after singularising).
SYNONYMS = [
    {"animal", "pet", "wildlife"}, {"dog", "puppy", "doggy"}, {"cat", "kitten", "kitty"},
    {"travel", "trip", "vacation", "holiday", "journey", "getaway"},
    {"family", "relative"}, {"food", "meal", "dish", "dining", "cooking", "cuisine"},
    {"nature", "outdoor", "landscape", "scenery"}, {"party", "celebration"},
    {"beach", "seaside", "coast", "shore"}, {"mountain", "alp"}, {"hike", "hiking", "trek"},
    {"city", "urban", "cityscape"}, {"kid", "child", "baby", "toddler"},
    {"wedding", "marriage"}, {"sport", "sports"}, {"document", "paperwork"},
    {"screenshot", "screen capture"}, {"flower", "blossom", "bloom"},
    {"car", "automobile", "vehicle"}, {"friend", "buddy"}, {"home", "house"},
]
SYNONYM_OF = {w: min(group) for group in SYNONYMS for w in group}
_IRREGULAR = {"children": "child", "people": "person", "mice": "mouse", "geese": "goose",
              "men": "man", "women": "woman", "teeth": "tooth", "feet": "foot",
              "leaves": "leaf", "knives": "knife", "wolves": "wolf",
              # words that only look plural
              "christmas": "christmas", "xmas": "xmas", "news": "news", "series": "series",
              "species": "species", "lens": "lens", "gas": "gas", "bus": "bus"}
# "Beach Photos and Videos" -> "Beach": the filler says nothing in a photo library
FILLER = re.compile(r"\s+(photos?|pictures?|pics|images?|videos?|shots)"
                     r"(\s+(and|&)\s+(photos?|pictures?|videos?))?\s*$", re.IGNORECASE)
MONTHS = ("january|february|march|april|may|june|july|august|september|october|november|"
           "december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec")
DATEISH = re.compile(rf"(\d{{4}}([-_. ]\d{{1,2}})*|\d{{1,2}}|{MONTHS}|({MONTHS}) \d{{4}}|"
                      rf"\d{{4}} ({MONTHS}))")
# camera, OS and inbox folder names say nothing about what is inside
CAMERA_FOLDER = re.compile(r"(\d{3}[a-z_]*|dcim|camera|camera roll|img|imgs|images?|pictures?|"
                           r"photos?|videos?|movies|downloads?|desktop|documents|new folder|"
                           r"untitled( folder)?|misc|temp|tmp|imports?|imported|inbox|"
                           r"unsorted|to sort|sort|new|\d+)", re.IGNORECASE)


def singular(word: str) -> str:
    w = word.lower()
    if w in _IRREGULAR:
        return _IRREGULAR[w]
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if w.endswith(("sses", "ches", "shes", "xes", "zes")):
        return w[:-2]
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


def segment_key(segment: str) -> str:
    """Comparison key: case- and accent-folded, punctuation-free, singular, synonyms mapped."""
    words = [singular(w) for w in re.findall(r"\w+", plain(segment))]
    words = [SYNONYM_OF.get(w, w) for w in words]
    joined = " ".join(words)
    return SYNONYM_OF.get(joined, joined)


def content_keys(text: str) -> set[str]:
    """The words of a name that say what it is about (singular, synonyms mapped; no numbers,
    stopwords or vague words): 'Beach Photos 2024' -> {'beach'}."""
    return {w for w in segment_key(text).split()
            if not w.isdigit() and len(w) > 1 and w not in STOPWORDS and w not in VAGUE_NAMES}


def keys_overlap(a: set[str], b: set[str]) -> bool:
    """Whether two sets of keys share a word, a compound counting as its head word
    ('blackbird' is a 'bird', 'starfish' a 'fish'; heads of 4+ letters only)."""
    if a & b:
        return True
    return any(len(x) >= 4 and y != x and y.endswith(x) for x in a for y in b) or \
        any(len(y) >= 4 and x != y and x.endswith(y) for x in a for y in b)


def names_match(a: str, b: str) -> bool:
    """Whether two names share a word that says what they are about."""
    return keys_overlap(content_keys(a), content_keys(b))


def telling_folder_name(folder: str, levels: int = 2) -> str | None:
    """The nearest folder name that says something: 'Phone' for Phone/2019, none for DCIM/100APPLE."""
    for _ in range(levels):
        name = folder_name(folder)
        if not name:
            return None
        if not CAMERA_FOLDER.fullmatch(name.strip()) and not DATEISH.fullmatch(fold(name)):
            return name
        folder = os.path.dirname(folder.rstrip("/\\"))
    return None
