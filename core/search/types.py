"""The values search hands out: filters in (core.query.filters, the one filter dialect),
hits / duplicate groups / answers out."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

from core.errors import ShoeboxError


class SearchError(ShoeboxError):
    """A search could not run (bad filter value, unknown file, ...). The message says why."""


@dataclass
class Hit:
    file_id: int
    path: str
    kind: str
    score: float                        # 0..1, higher is better; the list is sorted by it
    # vector: CLIP only; text: words (maybe meaning too); meaning: what was said or written
    # means the query, with no word in common; both: CLIP and words or meaning
    matched: Literal["vector", "text", "both", "meaning", "browse", "similar"]
    frame_ms: int | None = None         # video: the best-matching keyframe's time
    snippet: str | None = None          # the text that matched, matched words in [brackets]
    field: str | None = None            # which text matched: caption, tags, transcript, path, text
    time_s: float | None = None         # transcript match: where to jump to
    similarity: float | None = None     # CLIP cosine of the best vector, when vectors were used
    taken_at: float | None = None
    text_similarity: float | None = None  # sentence cosine of the best passage, by meaning

    def to_dict(self) -> dict:
        return asdict(self)


class Results(list):
    """A list of Hit, plus what the user should be told about how it was made
    (e.g. "text search only: the CLIP model is not available")."""

    def __init__(self, hits=(), notices: list[str] | None = None, vector_used: bool = False,
                 text_used: bool = False):
        super().__init__(hits)
        self.notices: list[str] = list(notices or [])
        self.vector_used = vector_used
        self.text_used = text_used

    def to_dict(self) -> dict:
        return {"hits": [h.to_dict() for h in self], "notices": self.notices,
                "vector_used": self.vector_used, "text_used": self.text_used}


@dataclass
class DuplicateFile:
    file_id: int
    path: str
    width: int | None
    height: int | None
    size: int
    taken_at: float | None
    has_exif: bool


@dataclass
class DuplicateGroup:
    kind: Literal["exact", "near"]
    files: list[DuplicateFile]          # the suggested keeper first
    keep: int                           # file_id of the suggested keeper
    reason: str                         # why that one: "not a backup or a copy", ...
    similarity: float | None = None     # near: lowest CLIP cosine within the group
    media: Literal["photo", "video"] = "photo"
    # a group the user dismissed ("Show dismissed"): 'keep_both' or 'not_duplicate', and the
    # decision's batch (core/search/dupe_decisions.py: forget(batch) offers it again)
    decision: str | None = None
    batch: int | None = None

    @property
    def suggested_trash(self) -> list[int]:
        """What may be ticked for the trash before the user looks: the other copies of an
        exact group (same bytes: nothing is lost). Never anything of a near group: those are
        different files that look alike, for the user to compare and choose."""
        if self.kind != "exact" or self.decision is not None:   # kept: nothing to trash
            return []
        return [f.file_id for f in self.files if f.file_id != self.keep]

    def to_dict(self) -> dict:
        return asdict(self) | {"suggested_trash": self.suggested_trash}


@dataclass
class Answer:
    answer: str
    based_on: list[str] = field(default_factory=list)   # e.g. ["caption", "EXIF date"]
    confident: bool = False
    source: Literal["llm", "vqa", "facts", "none"] = "none"
    notices: list[str] = field(default_factory=list)
    context: dict = field(default_factory=dict)          # the facts the answer could use
    # lines of speech / text in the picture retrieved by meaning for the question, best first:
    # {"text", "source" ('transcript' | 'text'), "start_s", "end_s", "similarity"}
    quotes: list[dict] = field(default_factory=list)
    # the words of the facts the LLM quoted for its answer, found there: why it is confident
    quoted: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)
