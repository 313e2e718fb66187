"""Matching people's names the way a person types them: case and accents aside."""

from __future__ import annotations

import re
import unicodedata


def fold(text: str) -> str:
    """'  Zoë  ÅSA ' -> 'zoe asa' (compatibility form, no accents, casefolded, one space)."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.casefold().split())


def words(text: str) -> list[str]:
    return re.findall(r"\w+", fold(text))
