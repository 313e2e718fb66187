"""Where the timeline can be cut: the rules one by one, on sessions of one photo each."""

from __future__ import annotations

import numpy as np

from core.places.events import SESSION_GAP_S, TRIP_GAP_S
from core.places.timeline_cuts import dirty_stretches

H = 3600.0


def stretches(hours, at_home, changed=(), affected=(), *, lo=None, hi=None, ends=(True, True)):
    """(first, last) session of each touched stretch, for one-photo sessions at `hours`."""
    times = np.array(hours, np.float64) * H
    idx = np.arange(len(times))
    marked = np.isin(idx, list(changed))
    found = dirty_stretches(
        times, idx, idx, np.array(at_home, bool), marked, np.array(affected, np.float64) * H,
        lo=times[0] - H if lo is None else lo * H, hi=times[-1] + H if hi is None else hi * H,
        from_start=ends[0], to_end=ends[1], session_gap=SESSION_GAP_S, trip_gap=TRIP_GAP_S)
    return None if found is None else [(s.start, s.stop - 1) for s in found]


def test_a_home_session_on_either_side_cuts():
    # away, away, [changed], home, away: the home session ends the stretch
    assert stretches([0, 10, 20, 30, 40], [0, 0, 0, 1, 0], changed=[2]) == [(0, 2)]
    assert stretches([0, 10, 20, 30, 40], [0, 1, 0, 0, 0], changed=[2]) == [(2, 4)]


def test_a_gap_longer_than_a_trip_cuts_even_between_trips():
    assert stretches([0, 10, 70, 80], [0, 0, 0, 0], changed=[2]) == [(2, 3)]


def test_where_a_changed_file_was_is_touched_too():
    # a file went from hour 25 (between two home sessions): the gap it was in is no cut
    assert stretches([0, 10, 40, 50], [1, 1, 1, 1], affected=[25]) == [(1, 2)]


def test_a_home_session_a_change_was_near_is_no_cut():
    """A file was moved away from 5 h before the home session at 20 h: before, it was part of
    that session (and could have made it a session away), so the session cuts nothing."""
    assert stretches([0, 20, 40], [1, 1, 0], affected=[15]) == [(0, 2)]
    assert stretches([0, 20, 40], [1, 1, 0], affected=[13]) == [(0, 1)]   # 7 h before: a cut


def test_a_stretch_reaching_the_loaded_piece_asks_for_more():
    assert stretches([0, 10, 20], [0, 0, 0], changed=[1], ends=(False, True)) is None
    # the piece begins over a session gap before its first photo: that session is whole
    assert stretches([0, 10, 20], [1, 0, 0], changed=[2], lo=-7, ends=(False, True)) == [(1, 2)]
    assert stretches([0, 10, 20], [1, 0, 0], changed=[2], lo=-5, ends=(False, True)) is None
