"""Transcription with a tiny random Whisper converted to CTranslate2 (what faster-whisper loads)."""

from __future__ import annotations

import numpy as np

from models.transcriber import Transcript


def test_transcript_shape_and_bounds(registry):
    tr = registry.whisper()
    rng = np.random.default_rng(0)
    t = np.arange(16000 * 3) / 16000
    audio = (0.3 * np.sin(2 * np.pi * 220 * t) + rng.normal(0, 0.05, t.size)).astype(np.float32)
    out = tr.transcribe(audio, vad=False, max_new_tokens=8)
    assert isinstance(out, Transcript) and out.duration_s == 3.0
    for s in out.segments:
        assert 0 <= s.start_s <= s.end_s <= 3.0 and s.text  # never past the end of the audio
    assert out.language is None or isinstance(out.language, str)


def test_silence_noise_and_music_give_no_text(registry):
    tr = registry.whisper()
    rng = np.random.default_rng(1)
    t = np.arange(16000 * 5) / 16000
    chord = sum(0.2 * np.sin(2 * np.pi * f * t) for f in (440, 554, 659)).astype(np.float32)
    for audio in (np.zeros(16000 * 2, np.float32), rng.normal(0, 0.02, 16000 * 4).astype(np.float32),
                  chord, np.zeros(10, np.float32)):
        out = tr.transcribe(audio)
        assert out.segments == [] and out.text == ""
