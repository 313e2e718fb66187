"""The best shot of a stack, and why, in words; and the shots worth a look on their own
(blurry, very dark, eyes closed). Pure functions over core.cull.quality measures.

Within a stack every frame shows the same scene, so the measures are compared with each
other, not with absolute bars: the sharpest frame, exposure nearest the stack's own typical
brightness with the fewest clipped pixels, and no closed eyes. Outside stacks only a clear
case is named, and never ticked for the trash.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import median

from core.cull.quality import Quality

CLIP_WEIGHT = 4.0        # score lost per unit share of clipped pixels beyond the stack's
CLIP_SLACK = 0.02        # median and this slack (blur alone moves clipping by a few %)
EXPOSURE_WEIGHT = 1.5    # ... per unit of |log| brightness away from the stack's median
EYES_WEIGHT = 3.0        # ... per face with its eyes closed
SHARP_MARGIN = 1.15      # "sharpest" only when this much sharper than the runner-up
# Outside stacks (absolute bars, chosen to name only clear cases; docs/BENCHMARKS.md):
BLURRY_BELOW = 1.0       # sharpness (core.cull.quality.sharpness)
DARK_BELOW = 0.08        # mean luma


@dataclass(frozen=True)
class Pick:
    best: int                     # file id
    ranked: list[int]             # best first
    reason: str                   # "sharpest faces, eyes open"


def _score(q: Quality, top_sharp: float, med_bright: float, med_clipped: float) -> float:
    s = math.log(max(q.sharpness, 1e-6) / max(top_sharp, 1e-6))
    extra = q.clipped_high + q.clipped_low - med_clipped - CLIP_SLACK
    s -= CLIP_WEIGHT * max(0.0, extra)
    s -= EXPOSURE_WEIGHT * abs(math.log(max(q.brightness, 1e-3) / max(med_bright, 1e-3)))
    if q.eyes_closed:
        s -= EYES_WEIGHT * q.eyes_closed
    return s


def pick_best(shots: dict[int, Quality]) -> Pick:
    """Rank a stack's shots (file id -> measures) and say why the first is first."""
    if not shots:
        raise ValueError("an empty stack has no best shot")
    top_sharp = max(q.sharpness for q in shots.values())
    med_bright = median(q.brightness for q in shots.values())
    med_clipped = median(q.clipped_high + q.clipped_low for q in shots.values())
    scores = {i: _score(q, top_sharp, med_bright, med_clipped) for i, q in shots.items()}
    ranked = sorted(shots, key=lambda i: (-scores[i], i))
    return Pick(ranked[0], ranked, reason(shots[ranked[0]], [shots[i] for i in ranked[1:]]))


def reason(best: Quality, others: list[Quality]) -> str:
    """Why `best` beats `others`, in a few words."""
    words = []
    where = "faces" if best.focus == "faces" else "detail"
    runner = max((q.sharpness for q in others), default=0.0)
    if best.sharpness >= runner * SHARP_MARGIN:
        words.append(f"sharpest {where}")
    elif best.sharpness >= runner:
        words.append(f"sharp {where}")
    clipped = best.clipped_high + best.clipped_low
    if others and clipped < min(q.clipped_high + q.clipped_low for q in others) - 0.005:
        words.append("fewest blown-out or black areas")
    elif others and not words:
        words.append("best exposed")
    if best.eyes_closed == 0 and best.faces:
        words.append("eyes open" if best.faces > 1 else "both eyes open")
    return ", ".join(words) or "the first of equals"


def flaws(q: Quality) -> list[str]:
    """What is clearly wrong with a shot on its own, in words (empty: nothing clear)."""
    out = []
    if q.sharpness < BLURRY_BELOW:
        out.append("blurry faces" if q.focus == "faces" else "blurry")
    if q.brightness < DARK_BELOW:
        out.append("very dark")
    if q.eyes_closed:
        out.append("eyes closed")
    return out
