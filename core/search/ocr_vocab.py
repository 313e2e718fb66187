"""The words read in photos (text_terms' vocabulary), kept in memory for near-spelling lookups.

`photo_text.near_terms` compared a query word with every OCR'd word of about its length, in
Python, reading the vocabulary from FTS5 each query: ~22 ms a word at 100k files (5,700 words)
and growing with the library. Here the vocabulary is read once per catalog state, with a
letter histogram per word: an edit changes the histograms' L1 distance by at most 2 (a swap
by 0), so a word more than 2k apart cannot be within k edits and is skipped without running
the edit distance. The same words come out, in the same order.
"""

from __future__ import annotations

import threading

import numpy as np

from core.catalog.connection import Connection

BUCKETS = 64        # letters by code point mod 64: merging letters only lowers the bound
KEPT = 4            # vocabularies kept (catalogs x connections)


class Vocab:
    def __init__(self, terms: list[str]):
        self.terms = terms
        self.lengths = np.fromiter((len(t) for t in terms), np.int32, len(terms))
        codes = np.frombuffer("".join(terms).encode("utf-32-le"), np.uint32) % BUCKETS
        self.hist = np.zeros((len(terms), BUCKETS), np.int16)
        np.add.at(self.hist, (np.repeat(np.arange(len(terms)), self.lengths), codes), 1)

    def candidates(self, token: str, k: int, limit: int) -> list[str]:
        """Words of length len(token) +- k, the first `limit` of them in vocabulary order (as
        the SQL LIMIT took them), less those whose letters differ too much to be k edits."""
        rows = np.flatnonzero((self.lengths >= len(token) - k)
                              & (self.lengths <= len(token) + k))[:limit]
        q = np.zeros(BUCKETS, np.int16)
        for ch in token:
            q[ord(ch) % BUCKETS] += 1
        close = rows[np.abs(self.hist[rows] - q).sum(axis=1) <= 2 * k]
        return [self.terms[i] for i in close.tolist()]


_CACHE: dict[tuple, Vocab] = {}
_LOCK = threading.Lock()


def ocr_vocab(conn: Connection) -> Vocab:
    """The OCR vocabulary as of this connection's view of the catalog. Kept until the catalog
    changes: PRAGMA data_version (commits by other connections), total_changes (this one's),
    the file, and the last text line's id (a closed connection's id can be reused)."""
    (version,) = conn.execute("PRAGMA data_version").fetchone()
    db = next((r[2] for r in conn.execute("PRAGMA database_list") if r[1] == "main"), "")
    (last,) = conn.execute("SELECT max(id) FROM text_lines").fetchone()
    key = (db, id(conn), version, conn.total_changes, last)
    vocab = _CACHE.get(key)
    if vocab is None:
        vocab = Vocab([r[0] for r in conn.execute("SELECT term FROM text_terms_vocab")])
        with _LOCK:
            while len(_CACHE) >= KEPT:
                _CACHE.pop(next(iter(_CACHE)))
            _CACHE[key] = vocab
    return vocab
