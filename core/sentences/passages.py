"""The passages of a file worth embedding by meaning: what its transcript says (with times),
its caption, and text read in it — cleaned, split when long, and refused with a reason when
there is nothing to read (empty, only symbols or emoji).

Every source is a function (conn, file_id) -> list[Passage] in TEXT_SOURCES; a new kind of
text joins by adding one, and a trigger that re-queues the sentences job when it changes (as
migration 0009 does for transcripts, captions and text lines).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from core.catalog import Connection

log = logging.getLogger(__name__)

WINDOW_CHARS = 800          # a longer text is embedded in windows of about this size ...
MAX_WINDOWS = 50            # ... at most this many per text (the rest is not embedded)
MAX_PASSAGES = 5000         # per file: about five hours of speech
SHORT_WORDS = 4             # a segment shorter than this joins the next one (context)
MERGE_MAX_CHARS = 400       # ... unless together they get longer than this


@dataclass(frozen=True)
class Passage:
    source: str             # 'transcript' | 'caption' | 'text'
    text: str
    start_ms: int = -1      # where it is said in the video; -1 when the text has no time
    end_ms: int | None = None

    @property
    def key(self) -> tuple[str, int, str]:
        return self.source, self.start_ms, self.text


def unusable(text: str) -> str | None:
    """Why a text cannot be embedded, or None when it can."""
    if not text:
        return "empty"
    if not any(ch.isalpha() for ch in text):
        return "no words (only digits, symbols or emoji)"
    return None


def windows(text: str, size: int = WINDOW_CHARS) -> list[str]:
    """A long text cut at word boundaries into pieces of about `size` characters."""
    if len(text) <= size:
        return [text]
    out: list[str] = []
    start = 0
    while start < len(text) and len(out) < MAX_WINDOWS:
        end = min(len(text), start + size)
        if end < len(text):
            space = text.rfind(" ", start + size // 2, end)
            end = space if space > start else end
        out.append(text[start:end].strip())
        start = end
    if start < len(text):
        log.info("a text of %d characters: only its first %d are embedded", len(text), start)
    return [w for w in out if w]


def _clean(text: str) -> str:
    return " ".join(str(text or "").split())


_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=\S)")


def sentences(start: float, end: float, text: str) -> list[tuple[float, float, str]]:
    """A segment cut into its sentences, each timed in proportion to where it sits in the
    text. Whisper often puts two sentences in one segment; embedded together, a query about
    the second one scored 0.20 where the sentence alone scored 0.39 (measured), and the time
    the hit gives would be the first sentence's."""
    parts = [p for p in _SENTENCE_END.split(text) if p]
    if len(parts) < 2:
        return [(start, end, text)]
    out, pos, n, span = [], 0, len(text), float(end) - float(start)
    for p in parts:
        i = text.find(p, pos)
        pos = i + len(p)
        out.append((float(start) + span * i / n, float(start) + span * pos / n, p))
    return out


def transcript_passages(conn: Connection, file_id: int) -> list[Passage]:
    """One passage a sentence, with its time. A sentence of a few words ("Yes it is.") says
    little alone: it joins the one before it, or the next one at the start."""
    rows = conn.execute("SELECT start_s, end_s, text FROM transcript_segments "
                        "WHERE file_id = ? ORDER BY start_s, id", (file_id,)).fetchall()
    out: list[Passage] = []
    pending: tuple[float, float, str] | None = None   # a short first sentence
    for start, end, text in (s for seg in rows for s in sentences(seg[0], seg[1], _clean(seg[2]))):
        if not text:
            continue
        if unusable(text):   # kept apart, so it is refused with its reason, not hidden in another
            out.append(_timed(start, end, text))
            continue
        short = len(text.split()) < SHORT_WORDS
        prev = out[-1] if out and not unusable(out[-1].text) else None
        if short and prev is not None and len(prev.text) + len(text) < MERGE_MAX_CHARS:
            out[-1] = Passage("transcript", f"{prev.text} {text}", prev.start_ms,
                              round(float(end) * 1000))
            continue
        if pending is not None:
            joined = f"{pending[2]} {text}"
            if len(joined) <= MERGE_MAX_CHARS:
                start, text = pending[0], joined
            else:
                out.append(_timed(*pending))
            pending = None
        if short and not out:
            pending = (start, end, text)
            continue
        out.append(_timed(start, end, text))
    if pending is not None:
        out.append(_timed(*pending))
    return out


def _timed(start: float, end: float, text: str) -> Passage:
    return Passage("transcript", text, round(float(start) * 1000), round(float(end) * 1000))


def caption_passages(conn: Connection, file_id: int) -> list[Passage]:
    row = conn.execute("SELECT text FROM captions WHERE file_id = ?", (file_id,)).fetchone()
    text = _clean(row[0]) if row else ""
    return [Passage("caption", text)] if text else []


# Text read in photos and video keyframes (the OCR `text` stage, migration 0008): the lines of
# one picture (or one keyframe) are read together, since one line alone is often a word or two
# with little meaning of its own. Lines the reader was unsure of are left out, and so is a
# picture whose sure lines hold too few letters to mean anything: all-MiniLM-L6-v2 gives such
# scraps ("0 C", "A", "EXIT") a vector near everything short, so a made-up query word
# ("zzqqxx", "Hollowbrook") scored 0.23-0.27 against them, over the meaning floor (measured).
# Their words stay searchable as words (FTS and near spellings).
MIN_LINE_CONFIDENCE = 0.8    # the reader keeps lines from 0.6 (models/ocr.py); meaning wants more
MIN_MEANING_LETTERS = 5      # letters in words of two or more letters
_WORD = re.compile(r"[^\W\d_]{2,}")


def too_short_to_mean(text: str) -> bool:
    """True for text read in a picture that is too short to embed by meaning (also applied
    at query time to what older catalogs embedded before this rule: core.search.meaning)."""
    return sum(len(w) for w in _WORD.findall(text or "")) < MIN_MEANING_LETTERS


def photo_text_passages(conn: Connection, file_id: int) -> list[Passage]:
    rows = conn.execute("SELECT frame_ms, text FROM text_lines WHERE file_id = ? "
                        "AND confidence >= ? ORDER BY frame_ms, line_no",
                        (file_id, MIN_LINE_CONFIDENCE)).fetchall()
    groups: dict[int, list[str]] = {}
    for ms, text in rows:
        text = _clean(text)
        if _WORD.search(text):      # "0 C", "A", "|" alone add nothing but noise
            groups.setdefault(int(ms), []).append(text)
    return [Passage("text", " ".join(lines), ms) for ms, lines in groups.items()]


TEXT_SOURCES = (transcript_passages, caption_passages, photo_text_passages)


@dataclass
class FilePassages:
    passages: list[Passage]
    refused: dict[str, int]         # reason -> how many texts were not embedded for it


def file_passages(conn: Connection, file_id: int) -> FilePassages:
    """Every passage of a file to embed, split and de-duplicated, and what was refused."""
    out: dict[tuple, Passage] = {}
    refused: dict[str, int] = {}
    for source in TEXT_SOURCES:
        for p in source(conn, file_id):
            reason = unusable(p.text)
            if reason is None and p.source == "text" and too_short_to_mean(p.text):
                reason = "text in the picture too short to mean anything (kept for words)"
            if reason:
                refused[reason] = refused.get(reason, 0) + 1
                continue
            for piece in windows(p.text):
                q = Passage(p.source, piece, p.start_ms, p.end_ms)
                out.setdefault(q.key, q)
    passages = list(out.values())
    if len(passages) > MAX_PASSAGES:
        refused[f"more than {MAX_PASSAGES} passages in one file"] = len(passages) - MAX_PASSAGES
        passages = passages[:MAX_PASSAGES]
    return FilePassages(passages, refused)
