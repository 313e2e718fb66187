"""Video decoding: keyframes, frames for thumbnails, audio that survives bad packets."""

import numpy as np
import pytest

from core.media import video
from tests.media_factory import corrupt_audio_packet, write_video


def test_keyframes_about_every_interval_and_capped(tmp_path):
    path = str(write_video(tmp_path / "v.mp4", seconds=6.0, audio=None))
    frames = video.keyframes(path, interval_s=2.0, max_frames=60)
    assert [k.ms // 2000 for k in frames] == [0, 1, 2]
    assert all(min(k.image.size) <= 256 and k.image.mode == "RGB" for k in frames)
    # 0.5 s would ask for 12 frames; the cap spreads 4 over the 6 s, one in each 1.5 s bucket
    capped = video.keyframes(path, interval_s=0.5, max_frames=4)
    assert [k.ms // 1500 for k in capped] == [0, 1, 2, 3]


def test_frame_at_and_unreadable_video(tmp_path):
    path = write_video(tmp_path / "v.mp4", seconds=1.0)
    assert video.frame_at(str(path)).size == (64, 48)
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 100)
    with pytest.raises(video.VideoError):
        video.frame_at(str(bad))
    with pytest.raises(FileNotFoundError):
        video.keyframes(str(tmp_path / "gone.mp4"))


def test_a_video_whose_codec_is_unknown_says_so(tmp_path):
    # a damaged sample description: FFmpeg opens the file but has no decoder to offer
    from core.scan.metadata import read_info

    path = write_video(tmp_path / "v.mp4", seconds=1.0, audio=None)
    data = path.read_bytes()
    assert b"avc1" in data or b"mp4v" in data
    path.write_bytes(data.replace(b"avc1", b"zzzz").replace(b"mp4v", b"zzzz"))
    for read in (video.frame_at, video.keyframes):
        with pytest.raises(video.VideoError, match="codec is unknown"):
            read(str(path))
    assert "codec is unknown" in read_info(str(path), "video", "mp4").error


def test_audio_is_16k_mono_and_absent_audio_gives_nothing(tmp_path):
    tone = write_video(tmp_path / "tone.mp4", seconds=2.0, audio="tone")
    track = video.AudioTrack()
    chunks = list(video.audio_chunks(str(tone), track=track))
    samples = np.concatenate([c for _, c in chunks])
    assert samples.dtype == np.float32 and abs(len(samples) / 16000 - 2.0) < 0.1
    assert 0.2 < np.abs(samples).max() < 0.4  # the 0.3 tone
    assert track.present and track.bad_packets == 0
    silent = write_video(tmp_path / "none.mp4", seconds=1.0, audio=None)
    track = video.AudioTrack()
    assert list(video.audio_chunks(str(silent), track=track)) == []
    assert not track.present


def test_one_corrupt_audio_packet_is_skipped_and_timing_kept(tmp_path):
    good = write_video(tmp_path / "good.mp4", seconds=3.0)
    bad = corrupt_audio_packet(write_video(tmp_path / "bad.mp4", seconds=3.0), index=10)
    a = np.concatenate([c for _, c in video.audio_chunks(str(good))])
    track = video.AudioTrack()
    b = np.concatenate([c for _, c in video.audio_chunks(str(bad), track=track)])
    assert track.bad_packets == 1
    assert len(b) == len(a)  # the gap is filled, so later timestamps stay true
    tail = slice(len(a) // 2, None)  # after the damaged packet the audio is the same
    assert np.allclose(a[tail], b[tail], atol=1e-3)


def test_audio_comes_in_bounded_chunks(tmp_path):
    tone = write_video(tmp_path / "tone.mp4", seconds=3.0)
    chunks = list(video.audio_chunks(str(tone), chunk_s=1.0))
    assert [round(s, 3) for s, _ in chunks][:3] == [0.0, 1.0, 2.0]
    assert all(len(c) <= 16000 for _, c in chunks)
