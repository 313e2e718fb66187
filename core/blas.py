"""The process's BLAS on one thread, once, for everything that multiplies small matrices."""

from __future__ import annotations

import sys
import threading

from threadpoolctl import threadpool_limits

_BLAS_LIMITED_AT = -1   # len(sys.modules) when the limit was last put on every BLAS loaded
_BLAS_LOCK = threading.Lock()


def one_blas_thread() -> None:
    """A matrix-vector product is memory-bound: a second BLAS thread adds nothing, and on a
    busy 2-core machine OpenBLAS's spinning threads made a 2000x512 product cost 8 ms of CPU
    instead of 0.2 ms (measured). So searches and people grouping put the process's BLAS on one
    thread, for good: the setting is process-wide, searches overlap (a query makes its CLIP and
    meaning lists at once), and limits that each restored what they found left the count at whatever the last
    one out saw - OpenBLAS even ignores a raise while another thread it ran on is alive
    (tests/core/search/test_engine.py). A BLAS loaded later is limited at the next search
    (scipy carries an OpenBLAS of its own): a new module imported since is the cheap sign, and
    limiting again costs 0.3 ms. What else in the app uses BLAS is memory-bound too, or small:
    clustering's randomized PCA at 100k takes about a second."""
    global _BLAS_LIMITED_AT
    if len(sys.modules) != _BLAS_LIMITED_AT:
        with _BLAS_LOCK:
            if len(sys.modules) != _BLAS_LIMITED_AT:
                threadpool_limits(limits=1, user_api="blas")
                _BLAS_LIMITED_AT = len(sys.modules)
