"""What a read can refuse, with a message for the user."""

from __future__ import annotations

from core.errors import ShoeboxError


class QueryError(ShoeboxError):
    """A read could not run as asked (bad filter value, unknown file, ...)."""


class FilterError(QueryError):
    """A filter value Shoebox cannot use; the message says which and what to use instead."""
