"""Near-duplicate videos: a re-encoded or resized copy is found; clips that share an intro,
or a copy cut short, are not (lengths and frames through the whole clip must agree)."""

from __future__ import annotations

import numpy as np
import pytest

from core.scan.roots import add_root
from core.scan.scanner import scan
from core.search import duplicates
from core.search import video_dupes as V
from core.search.dupe_decisions import NOT_DUPLICATE, remember
from tests.media_factory import shapes
from tests.video_clips import reencode, write_clip

SIZE = (160, 120)


def _pictures(*seeds):
    return [shapes(SIZE, s) for s in seeds]


@pytest.fixture
def clips(tmp_path):
    lib = tmp_path / "lib"
    intro = (1, 2)                                      # the same 2 s at the start of both
    a = write_clip(lib / "holiday.mp4", _pictures(*intro, 10, 11, 12))
    write_clip(lib / "party.mp4", _pictures(*intro, 20, 21, 22))
    reencode(a, lib / "Shared" / "holiday-small.mp4", size=(120, 90), bitrate=60_000)
    reencode(a, lib / "Shared" / "holiday-big.mp4", size=(320, 240), bitrate=400_000)
    write_clip(lib / "holiday-cut.mp4", _pictures(*intro, 10))   # its first 3 s only
    return lib


def _names(group):
    return {f.path.rsplit("/", 1)[1] for f in group.files}


def test_reencoded_copies_are_found_and_a_shared_intro_is_not(clips, catalog, paths):
    add_root(catalog, clips, paths.home)
    scan(catalog)
    groups = duplicates(catalog, None)
    assert [(g.kind, g.media, _names(g)) for g in groups] == [
        ("near", "video", {"holiday.mp4", "holiday-small.mp4", "holiday-big.mp4"})]
    assert groups[0].files[0].width == 320 and "largest resolution" in groups[0].reason
    with catalog.read() as conn:   # stored by content: a rescan decodes nothing again
        assert conn.execute("SELECT count(*) FROM video_signatures").fetchone()[0] >= 3
    assert duplicates(catalog, None, near=False) == []

    remember(catalog, groups[0], NOT_DUPLICATE)        # and the group remembers
    scan(catalog)
    assert duplicates(catalog, None) == []


def test_first_frames_alike_decide_nothing(clips):
    sig = {p.stem: V.signature_of(str(p)) for p in clips.rglob("*.mp4")}
    holiday, party = sig["holiday"], sig["party"]
    # the first two samples (10%, 30%: in the intro) agree, the rest do not
    assert [V.hamming(a, b) <= V.FRAME_PHASH_MAX
            for a, b in zip(holiday.phashes, party.phashes)][:2] == [True, True]
    assert V.lengths_agree(holiday.duration_s, party.duration_s)
    assert not V.same_video(holiday, party)
    assert V.same_video(holiday, sig["holiday-small"])
    assert not V.lengths_agree(holiday.duration_s, sig["holiday-cut"].duration_s)
    assert not V.same_video(holiday, sig["holiday-cut"])
    blob = holiday.to_blob()                             # the stored form reads back
    again = V.Signature.from_blob(holiday.duration_s, blob)
    assert again.phashes == holiday.phashes and (again.grey == holiday.grey).all()


def test_only_videos_with_a_length_twin_need_a_signature():
    videos = [(1, 10.0), (2, 10.3), (3, 30.0), (4, 30.4), (5, 31.5), (6, 100.0), (7, 100.0)]
    assert sorted(V.with_length_twins(videos)) == [1, 2, 3, 4, 6, 7]
    assert V.with_length_twins([(1, 5.0)]) == []


def _sig(duration: float, hashes) -> V.Signature:
    return V.Signature(duration, list(hashes), np.zeros((len(V.FRACTIONS), V.GREY, V.GREY),
                                                        np.uint8))


def test_candidates_need_agreeing_lengths_and_every_frame_near_among_thousands_of_one_length():
    """5,000 clips of exactly one length (a phone's fixed-length clips): 12.5 million pairs of
    agreeing lengths, of which only the two whose frames all agree are candidates."""
    rng = np.random.default_rng(3)
    frames = rng.integers(0, 2**63, size=(5000, len(V.FRACTIONS)), dtype=np.uint64)
    sigs = {i: _sig(12.0, frames[i]) for i in range(5000)}
    near = frames[10] ^ np.uint64(0b111)            # 3 bits off in every frame: the same clip
    sigs[5000] = _sig(12.2, near)
    off = frames[20].copy()
    off[4] ^= np.uint64((1 << 20) - 1)              # 20 bits off in its last frame: another
    sigs[5001] = _sig(12.0, off)
    sigs[5002] = _sig(12.0, frames[30])
    sigs[5003] = _sig(12.0, [None, *frames[40][1:]])   # a frame that could not be decoded
    sigs[5004] = _sig(20.0, frames[50])            # same frames, another length
    assert sorted(tuple(sorted(p)) for p in V.candidate_pairs(sigs)) == [(10, 5000), (30, 5002)]


def test_an_unreadable_video_is_left_out_and_reported(tmp_path, catalog, paths, clips):
    (clips / "broken.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(4000))
    add_root(catalog, clips, paths.home)
    scan(catalog)
    with catalog.read() as conn:   # a video the scanner could not measure has no length
        fid = conn.execute("SELECT id FROM files WHERE name = 'broken.mp4'").fetchone()[0]
    catalog.write(lambda c: c.execute("UPDATE files SET duration_s = 5.0 WHERE id = ?", (fid,)))
    groups = duplicates(catalog, None)
    assert len(groups) == 1 and "broken.mp4" not in _names(groups[0])
    with catalog.read() as conn:
        (error,) = conn.execute("SELECT error FROM jobs WHERE file_id = ? AND stage = 'phash'",
                                (fid,)).fetchone()
    assert "no video signature" in error
