"""Is an answer grounded? The words a model quotes for its answer, looked up in the facts it
was given: found there verbatim or nearly (case, accents, punctuation and a slip of a few
letters aside), the answer is confident; else it is not, whatever the model says of itself.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from core.plain import plain

MIN_QUOTE_CHARS = 4       # letters and digits: "a", "it" or "OK" ground nothing
NEAR = 0.9                # similarity of a quote to the closest stretch of a fact
_WORD = re.compile(r"\w+")


def _words(text: str) -> list[str]:
    return _WORD.findall(plain(text))


def quoted_fact(quote: str, facts: dict[str, str], *, skip=()) -> str | None:
    """The name of the first fact that holds `quote` verbatim or nearly; None when none does
    (or the quote is too short to ground anything). Facts named in `skip` are not evidence
    (another model's guess, such as a visual answer)."""
    q = _words(quote or "")
    if sum(len(w) for w in q) < MIN_QUOTE_CHARS:
        return None
    wanted = " ".join(q)
    for name, text in facts.items():
        if name in skip:
            continue
        words = _words(text)
        if f" {wanted} " in f" {' '.join(words)} ":
            return name
        if _near(q, words):
            return name
    return None


def _near(q: list[str], words: list[str]) -> bool:
    """A stretch of `words` about as long as the quote that reads almost the same."""
    wanted = " ".join(q)
    for size in {max(1, len(q) - 1), len(q), len(q) + 1}:
        for i in range(max(1, len(words) - size + 1)):
            m = SequenceMatcher(None, wanted, " ".join(words[i:i + size]), autojunk=False)
            if m.real_quick_ratio() >= NEAR and m.quick_ratio() >= NEAR and m.ratio() >= NEAR:
                return True
    return False
