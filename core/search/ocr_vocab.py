"""The words read in photos (text_terms' vocabulary), kept in memory for near-spelling lookups.

`photo_text.near_terms` compared a query word with every OCR'd word of about its length, in
Python, reading the vocabulary from FTS5 each query: ~22 ms a word at 100k files (5,700 words)
and growing with the library. Here the vocabulary is read once per catalog state, with a
letter histogram per word: an edit changes the histograms' L1 distance by at most 2 (a swap
by 0), so a word more than 2k apart cannot be within k edits and is skipped without running
the edit distance. The same words come out, in the same order. Before the histograms, the set
of letters each word holds (one bit a bucket): an edit adds or drops at most 2 of them, so a
word whose set differs from the query's in more than 2k is out at the cost of a XOR (the
histograms of every word of about the query's length were ~30 ms a word at 1M files).
"""

from __future__ import annotations

import numpy as np

from core.catalog.connection import Connection
from core.search.kept import KeptWhileUnchanged

BUCKETS = 64        # letters by code point mod 64: merging letters only lowers the bound
KEPT = 4            # vocabularies kept (catalogs x connections)


class Vocab:
    def __init__(self, terms: list[str]):
        self.terms = terms
        self.lengths = np.fromiter((len(t) for t in terms), np.int32, len(terms))
        codes = np.frombuffer("".join(terms).encode("utf-32-le"), np.uint32) % BUCKETS
        self.hist = np.zeros((len(terms), BUCKETS), np.int16)
        np.add.at(self.hist, (np.repeat(np.arange(len(terms)), self.lengths), codes), 1)
        self.letters = _letter_sets(self.hist)

    def candidates(self, token: str, k: int, limit: int) -> list[str]:
        """Words of length len(token) +- k, the first `limit` of them in vocabulary order (as
        the SQL LIMIT took them), less those whose letters differ too much to be k edits."""
        rows = np.flatnonzero((self.lengths >= len(token) - k)
                              & (self.lengths <= len(token) + k))[:limit]
        q = np.zeros(BUCKETS, np.int16)
        for ch in token:
            q[ord(ch) % BUCKETS] += 1
        rows = rows[np.bitwise_count(self.letters[rows] ^ _letter_sets(q[None])[0]) <= 2 * k]
        close = rows[np.abs(self.hist[rows] - q).sum(axis=1) <= 2 * k]
        return [self.terms[i] for i in close.tolist()]


def _letter_sets(hist: np.ndarray) -> np.ndarray:
    """One uint64 a row: bit b set when the word holds a letter of bucket b."""
    bits = (hist > 0).astype(np.uint64) << np.arange(BUCKETS, dtype=np.uint64)
    return np.bitwise_or.reduce(bits, axis=1)


_KEPT = KeptWhileUnchanged(KEPT)


def ocr_vocab(conn: Connection) -> Vocab:
    """The OCR vocabulary as of this connection's view of the catalog, kept until the catalog
    changes (core.search.kept)."""
    return _KEPT.get(conn, id(conn), lambda: Vocab(
        [r[0] for r in conn.execute("SELECT term FROM text_terms_vocab")]))
