"""Is an answer grounded? The words a model quotes for its answer, looked up in the facts it
was given: found there verbatim or nearly (case, accents, punctuation and a slip of a few
letters aside), the answer is confident; else it is not, whatever the model says of itself.

Small models often wrap what they quote in a sentence of their own ("The camera used is an
Apple iPhone 12."), so a fact (or one line of speech or text) found whole inside the quote or
the answer grounds it too.
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


def grounding(quote: str, answer: str, facts: dict[str, str], *, skip=()
              ) -> tuple[str, str] | None:
    """(fact name, the words that ground the answer) or None: the quote found in a fact, else
    a whole fact, or a whole line of one, found in the quote or the answer."""
    name = quoted_fact(quote, facts, skip=skip)
    if name is not None:
        return name, quote.strip()
    said = f" {' '.join(_words(quote or ''))} {' '.join(_words(answer or ''))} "
    for name, text in facts.items():
        if name in skip:
            continue
        for unit in _units(text):
            words = _words(unit)
            if sum(len(w) for w in words) >= MIN_QUOTE_CHARS and f" {' '.join(words)} " in said:
                return name, unit
    return None


def _units(fact: str) -> list[str]:
    """A fact's parts that state something whole: each line of speech (without its time) or
    of text, else the fact without its note in brackets ('2021-05-03 10:00')."""
    lines = [ln.split("] ", 1)[-1].strip() for ln in fact.splitlines()[1:]] if "\n" in fact \
        else [x.strip() for x in fact.split(" | ")]
    return [re.sub(r"\s*\((?:from|named|the photo|a long)[^)]*\)\s*$", "", ln) for ln in lines
            if ln and ln != "…"]
