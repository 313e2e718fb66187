"""Speech to text with faster-whisper (CTranslate2): language detection, timestamped segments,
voice-activity filtering, and a bounded temperature fallback so time stays predictable."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from models.base import ModelWrapper

SAMPLE_RATE = 16_000


@dataclass
class Segment:
    start_s: float
    end_s: float
    text: str


@dataclass
class Transcript:
    language: str | None
    language_prob: float
    segments: list[Segment] = field(default_factory=list)
    duration_s: float = 0.0

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.segments).strip()


class Transcriber(ModelWrapper):
    role = "whisper"
    cpu_precision = "int8"   # CTranslate2's CPU compute type

    # At most two retries at higher temperature (whisper's default ladder has five), each only
    # when a window looks like a hallucination loop or has a very low log-probability.
    TEMPERATURES = (0.0, 0.2, 0.6)

    def __init__(self, path, cpu_threads: int = 0, beam_size: int = 1, **kw):
        kw.setdefault("batch_size", 1)
        super().__init__(path, **kw)
        self.cpu_threads = max(0, int(cpu_threads or 0))
        self.beam_size = beam_size
        self._model = None

    def _load(self) -> None:
        from faster_whisper import WhisperModel

        compute = {"float16": "float16", "int8": "int8"}.get(self.precision, "default")
        self._model = WhisperModel(str(self.path), device="cuda" if self.device == "cuda" else "cpu",
                                   compute_type=compute, cpu_threads=self.cpu_threads)

    def _unload(self) -> None:
        self._model = None

    def transcribe(self, audio: np.ndarray, language: str | None = None, vad: bool = True,
                   max_new_tokens: int | None = None) -> Transcript:
        """audio: float32 mono samples at 16 kHz. Music or silence give no segments."""
        audio = np.asarray(audio, dtype=np.float32).reshape(-1)
        duration = len(audio) / SAMPLE_RATE
        if len(audio) < SAMPLE_RATE // 10 or not np.isfinite(audio).all() or float(np.abs(audio).max()) < 1e-4:
            return Transcript(None, 0.0, [], duration)  # too short, broken or silent: nothing said
        with self._session():
            segments, info = self._model.transcribe(
                audio, language=language, vad_filter=vad, beam_size=self.beam_size, best_of=1,
                temperature=list(self.TEMPERATURES), condition_on_previous_text=False,
                no_speech_threshold=0.6, log_prob_threshold=-1.0, compression_ratio_threshold=2.4,
                max_new_tokens=max_new_tokens, hallucination_silence_threshold=2.0)
            out = []
            for s in segments:  # a generator: decoding happens while iterating, inside the lock
                text = s.text.strip()
                if not text:
                    continue
                if s.no_speech_prob > 0.6 and s.avg_logprob < -1.0:
                    continue  # whisper itself thinks nothing was said here
                start, end = float(s.start), min(float(s.end), duration)
                if start >= duration:
                    continue  # a timestamp past the end of the audio is invented
                out.append(Segment(start, max(start, end), text))
        lang = info.language if out else (info.language if language else None)
        prob = float(info.language_probability or 0.0) if out or language else 0.0
        return Transcript(lang, prob, out, duration)
