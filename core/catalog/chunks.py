"""Statements over many ids: one `IN (?,?,...)` per slice of them, so no statement passes
SQLite's limit on bound parameters."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

# SQLite allows 32,766 bound parameters (since 3.32; 999 before): 5,000 ids leave room for
# the statement's other parameters, and a slice this size costs a few milliseconds.
IN_CHUNK = 5000


def in_chunks(values: Iterable, size: int = IN_CHUNK) -> Iterator[tuple[list, str]]:
    """(slice, its placeholders '?,?,...') for each slice of `values`, in order:

        for chunk, marks in in_chunks(ids):
            conn.execute(f"SELECT ... WHERE id IN ({marks})", chunk)
    """
    values = list(values)
    for start in range(0, len(values), size):
        chunk = values[start:start + size]
        yield chunk, ",".join("?" * len(chunk))
