"""Where the timeline can be cut so that events on each side are made alone, and which
stretches between such cuts new, changed or removed files touched: core.places.events
re-cuts only those stretches (pure; events.py's segment() is the cut itself).

segment() walks sessions left to right and carries only a trip in progress from one session
to the next. A gap between two sessions is a cut (segment(all) = segment(left) followed by
segment(right)) when
- it is longer than the trip gap: no trip carries across it; or
- the session on either side of it is located and not away (at home): such a session always
  starts its own event and leaves no trip in progress.
It is a cut of both the old and the new timeline when no changed file was, or is, inside the
gap, and a home session that makes it one is "stable": none of its files changed and no changed
file was or is within the session gap of it (so it is the same session, at the same place,
before and after). Between two such cuts, the events of the old timeline are exactly those of
the stretch, and the new ones are segment() of the stretch's new files.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Stretch:
    """Files [start, stop) of the loaded piece of timeline, and the times between which the
    old events they replace lie (-inf/inf at the timeline's ends)."""

    start: int
    stop: int
    lo: float
    hi: float


def dirty_stretches(times: np.ndarray, starts: np.ndarray, ends: np.ndarray,
                    at_home: np.ndarray, changed: np.ndarray, affected: np.ndarray, *,
                    lo: float, hi: float, from_start: bool, to_end: bool,
                    session_gap: float, trip_gap: float) -> list[Stretch] | None:
    """The stretches of a loaded piece of the new timeline (its files taken between lo and
    hi, times sorted; sessions starts/ends, inclusive indexes; at_home: each session is
    located and not away) that hold a changed file (changed: per file) or an affected time
    (where changed files were or are). from_start/to_end: the piece begins/ends where the
    whole timeline does. None: a touched stretch reaches an edge of the piece that is not the
    timeline's (load more and ask again)."""
    affected = np.sort(np.asarray(affected, np.float64))
    n = len(times)
    if n == 0:
        if not len(affected):
            return []
        return [Stretch(0, 0, -np.inf, np.inf)] if from_start and to_end else None
    t_first, t_last = times[starts], times[ends]

    def count_in(lo, hi, *, closed: bool):     # affected times in [lo, hi] or (lo, hi)
        side_lo, side_hi = ("left", "right") if closed else ("right", "left")
        return np.searchsorted(affected, hi, side_hi) - np.searchsorted(affected, lo, side_lo)

    touched = np.add.reduceat(changed.astype(np.int64), starts) > 0
    complete = np.ones(len(starts), bool)       # the piece holds the whole session
    complete[0] = from_start or t_first[0] - lo > session_gap
    complete[-1] &= to_end or hi - t_last[-1] > session_gap
    stable = complete & ~touched & (count_in(t_first - session_gap, t_last + session_gap,
                                             closed=True) == 0)
    gap_lo, gap_hi = t_last[:-1], t_first[1:]
    keeps = at_home & stable
    cut = (count_in(gap_lo, gap_hi, closed=False) == 0) & (
        (gap_hi - gap_lo > trip_gap) | keeps[:-1] | keeps[1:])
    # stretches between cuts: sessions [a, b]
    bounds = np.concatenate([[0], np.flatnonzero(cut) + 1, [len(starts)]])
    out = []
    for a, b in zip(bounds[:-1], bounds[1:] - 1):
        s_lo = -np.inf if a == 0 and from_start else t_first[a]
        s_hi = np.inf if b == len(starts) - 1 and to_end else t_last[b]
        if not (touched[a:b + 1].any() or count_in(s_lo, s_hi, closed=True)):
            continue
        if (a == 0 and not from_start) or (b == len(starts) - 1 and not to_end):
            return None
        out.append(Stretch(int(starts[a]), int(ends[b]) + 1, float(s_lo), float(s_hi)))
    # an affected time before the first or after the last loaded file, outside every stretch
    if (not from_start and affected[:1].size and affected[0] < times[0]) or \
            (not to_end and affected[-1:].size and affected[-1] > times[-1]):
        return None
    return out
