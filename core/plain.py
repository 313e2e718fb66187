"""Text folded for matching the way a person types it: case, accents and spacing aside. One
fold for people's names, place names and folder names ('Łódź' is found by 'lodz')."""

from __future__ import annotations

import unicodedata

# Letters that carry no combining mark in Unicode, so NFKD cannot take the accent off.
NO_MARK_LETTERS = str.maketrans({
    "ł": "l", "Ł": "l", "ø": "o", "Ø": "o", "đ": "d", "Đ": "d", "ħ": "h", "Ħ": "h", "ı": "i",
    "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "þ": "th", "Þ": "th", "ð": "d", "Ð": "d",
    "ß": "ss"})


def plain(text: object) -> str:
    """'  Zoë  ŁÓDŹ ' -> 'zoe lodz': compatibility form, no accents, casefolded, one space."""
    s = unicodedata.normalize("NFKD", str(text).translate(NO_MARK_LETTERS))
    s = "".join(c for c in s if not unicodedata.combining(c)).casefold()
    return " ".join(s.split())
