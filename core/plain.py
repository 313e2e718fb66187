"""Names as people type them: folded for matching (case, accents and spacing aside: one fold
for people's names, place names and folder names, 'Łódź' is found by 'lodz'), and a typed
name as it is kept."""

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


NAME_MAX_CHARS = 100


def typed_name(text: object, error: type[Exception] = ValueError) -> str:
    """A name a person gave (a person's, a collection's) as it is kept: one line, single
    spaces; `error` when it is longer than NAME_MAX_CHARS (an empty name is the caller's to
    judge: for a person it takes the name away)."""
    name = " ".join(str(text).split())
    if len(name) > NAME_MAX_CHARS:
        raise error(f"a name can be at most {NAME_MAX_CHARS} characters")
    return name
