"""Questions about one photo or video, and the optional LLM rerank of search results.

The LLM only sees facts the catalog holds (caption, tags, date, place, event, the people you
named, camera), what is said in the video (its whole transcript with times; a long one by the
passages closest in meaning to the question, as many as the context holds) and the text read
in the picture, and, when the caption model can answer visual questions, that model's
answer. It must say which facts it used, quote the words that state its answer, and say
"I don't know" when the facts do not hold it. The answer is confident only when that quote is
found in the facts (core/search/grounding.py), never on the model's word. When the LLM is
unavailable or returns garbage, the answer falls back to the lines that mean what the
question asks, the visual answer or the plain facts.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re

from pydantic import BaseModel, Field

from core.errors import ShoeboxError
from core.files.dates import SOURCE_WORDS, is_capture_source
from core.places.events import event_of_file
from core.places.geocoder import place_label
from core.places.store import file_place
from core.query.display import camera_label, clock
from core.query.files import resolve_file
from core.query.people import named_people_of_files
from core.search.grounding import grounding
from core.search.meaning import MEANING_FLOOR, MEANING_MARGIN, best_passages, query_vector
from core.search.types import Answer, Hit, Results, SearchError

log = logging.getLogger(__name__)

DONT_KNOW = "I don't know"
MAX_QUESTION_CHARS = 500
FACT_NAMES = ("caption", "tags", "date", "place", "event", "people", "camera", "speech",
              "text in the picture", "visual answer")
QUOTES = 3                   # lines of speech or text retrieved for a question
QUOTE_FACT = {"transcript": "speech", "text": "text in the picture"}
# What is said, up to this many characters (~1,500 tokens): the packaged GGUF LLM runs with a
# 4,096-token context, and the instructions, the other facts and the reply take under 1,000.
SPEECH_CHARS = 6000
PICTURE_TEXT_CHARS = 1500    # text read in the picture (a document page is ~2,000)
NOT_EVIDENCE = ("visual answer",)   # another model's guess: quoting it grounds nothing

SYSTEM_PROMPT = (
    "You answer a question about one photo or video using ONLY the facts given. Speech is "
    "given line by line with the time each line is said, text in the picture as it was read. "
    "Never guess or add anything that is not in the facts. If the facts do not hold the "
    f'answer, the answer is exactly "{DONT_KNOW}". Reply in JSON: "answer" (one or two short '
    'sentences), "based_on" (the names of the facts you used, from: ' + ", ".join(FACT_NAMES)
    + '), "quote" (the words of the facts that state the answer, copied exactly; empty when '
    "no fact states it)."
)


class AskReply(BaseModel):
    answer: str = Field(max_length=1000)
    based_on: list[str] = Field(default_factory=list)
    quote: str = Field(default="", max_length=1000)


def photo_facts(conn, file_id: int) -> dict[str, str]:
    """The facts the catalog holds about a file, by name (only the known ones)."""
    facts: dict[str, str] = {}
    row = conn.execute("SELECT text FROM captions WHERE file_id = ?", (file_id,)).fetchone()
    if row and row[0].strip():
        facts["caption"] = row[0].strip()
    tags = [r[0] for r in conn.execute(
        "SELECT DISTINCT tag FROM tags WHERE file_id = ? ORDER BY tag", (file_id,))]
    if tags:
        facts["tags"] = ", ".join(tags)
    f = conn.execute(
        "SELECT taken_at, taken_at_source, gps_lat, gps_lon, camera_make, camera_model "
        "FROM files WHERE id = ?", (file_id,)).fetchone()
    if f is not None:
        taken, source, lat, lon, make, model = f
        if taken is not None and is_capture_source(source):
            when = dt.datetime.fromtimestamp(taken)   # local, as the scanner read it
            facts["date"] = f"{when:%Y-%m-%d %H:%M} ({SOURCE_WORDS[source]})"
        place = file_place(conn, file_id)
        if place is not None and place.label():
            facts["place"] = place_fact(place)
        elif lat is not None and lon is not None:   # not named yet (index the library)
            facts["place"] = f"GPS {lat:.5f}, {lon:.5f}"
        camera = camera_label(make, model)
        if camera:
            facts["camera"] = camera
    event = event_of_file(conn, file_id)
    if event:
        facts["event"] = event
    people = named_people_of_files(conn, [file_id])     # named and not hidden
    if people:
        facts["people"] = ", ".join(people) + " (named by you, recognised by their faces)"
    return facts


def speech_fact(conn, file_id: int, ranked=()) -> str | None:
    """What is said in the video, a line a sentence with its time: the whole transcript, or,
    past SPEECH_CHARS, the passages closest in meaning to the question (`ranked`, best first)
    that fit, in the order they are said (without a ranking: the beginning)."""
    rows = conn.execute("SELECT start_s, text FROM transcript_segments WHERE file_id = ? "
                        "ORDER BY start_s, id", (file_id,)).fetchall()
    lines = [(s, " ".join(t.split())) for s, t in rows if t and t.strip()]
    if not lines:
        return None
    whole = [_line(s, t) for s, t in lines]
    if sum(len(x) + 1 for x in whole) <= SPEECH_CHARS:
        return "\n" + "\n".join(whole)
    said = [p for p in ranked if p.source == "transcript"]
    chosen, used = [], 0
    for start, text in ([(p.start_s, p.text) for p in said] or lines):
        line = _line(start, text)
        if used + len(line) + 1 > SPEECH_CHARS:
            if said:
                continue        # a shorter passage further down may still fit
            break
        chosen.append((start if start is not None else -1.0, line))
        used += len(line) + 1
    chosen.sort(key=lambda x: x[0])
    how = ("the parts closest to the question" if said else "its beginning")
    return (f" (a long transcript: {how}, in the order said)\n"
            + "\n".join(line for _, line in chosen))


def _line(start: float | None, text: str) -> str:
    return f"[{clock(start)}] {text}" if start is not None else text


def picture_text_fact(conn, file_id: int) -> str | None:
    """The text read in the picture (video keyframes: each once), in reading order."""
    seen, lines, used = set(), [], 0
    for (text,) in conn.execute("SELECT text FROM text_lines WHERE file_id = ? "
                                "ORDER BY frame_ms, line_no", (file_id,)):
        text = " ".join(str(text or "").split())
        if not text or text in seen:
            continue
        if used + len(text) + 3 > PICTURE_TEXT_CHARS:
            lines.append("…")
            break
        seen.add(text)
        lines.append(text)
        used += len(text) + 3
    return " | ".join(lines) or None


def place_fact(place) -> str:
    """'Reykjavík, Capital Region, Iceland (from the photo's GPS)' — or, for a file without
    GPS, where its event was, said as a likelihood."""
    words = place_label(place.place, place.region, place.country, with_region=True)
    if place.inferred:
        return (f"probably {words} (the photo has no GPS; other photos taken around the "
                "same time were there)")
    return f"{words} (from the photo's GPS)"


def ask(catalog, registry, file: int | str | os.PathLike, question: str) -> Answer:
    """Answer a question about one photo. Never raises for model trouble: it falls back and
    says so in `notices`; raises QueryError for an unknown file, SearchError for an empty
    question."""
    question = " ".join((question or "").split())[:MAX_QUESTION_CHARS]
    if not question:
        raise SearchError("ask needs a question, e.g. shoebox ask photo.jpg \"where was this?\"")
    with catalog.read() as conn:
        fid, path, kind = resolve_file(conn, file)
        facts = photo_facts(conn, fid)
    notices: list[str] = []
    ranked = _ranked(catalog, registry, fid, question, notices)
    quotes = _quotes(ranked)
    with catalog.read() as conn:
        for name, fact in (("speech", speech_fact(conn, fid, ranked)),
                           ("text in the picture", picture_text_fact(conn, fid))):
            if fact:
                facts[name] = fact
    if registry is not None and kind == "photo":
        vqa = _visual_answer(registry, path, question, notices)
        if vqa:
            facts["visual answer"] = vqa
    if not facts:
        return Answer(DONT_KNOW + ": nothing is known about this file yet (no caption, tags, "
                      "date, place or camera; index it first)", [], False, "none", notices, facts)
    if registry is None:
        notices.append("no language model: answering from the facts alone")
        return _with_quotes(_fallback(question, facts, notices, quotes), quotes)
    try:
        llm = registry.llm()
        reply = llm.complete_json(
            [{"role": "system", "content": SYSTEM_PROMPT},
             {"role": "user", "content": _facts_text(facts) + f"\n\nQuestion: {question}"}],
            AskReply, max_tokens=250)
    except ShoeboxError as e:   # ModelUnavailable, LLMOutputError: fall back, and say so
        notices.append(f"the language model could not answer ({e}); answering from the facts")
        return _with_quotes(_fallback(question, facts, notices, quotes), quotes)
    return _with_quotes(_checked(reply, facts, notices), quotes)


def _ranked(catalog, registry, file_id: int, question: str, notices: list[str]) -> list:
    """Every embedded passage of the file (speech, caption, text in the picture), closest in
    meaning to the question first; [] without the sentences model."""
    if registry is None or not hasattr(registry, "sentences"):
        return []
    qvec, model_id = query_vector(registry, question, notices)
    if qvec is None:
        return []
    with catalog.read() as conn:
        return best_passages(catalog.path, conn, qvec, model_id, file_id, k=1_000_000,
                             floor=-1.0)


def _quotes(ranked) -> list:
    """The lines of speech and text that mean what the question asks, best first: over the
    meaning floor, and not far below the best one (those are about something else)."""
    # the caption is a fact already
    found = [p for p in ranked[:QUOTES + 1]
             if p.source in QUOTE_FACT and p.similarity >= MEANING_FLOOR]
    return [p for p in found if p.similarity >= found[0].similarity - MEANING_MARGIN][:QUOTES]


def _quote(p) -> str:
    return f"“{p.text}”" + (f" (at {clock(p.start_s)})" if p.start_s is not None else "")


def _with_quotes(answer: Answer, quotes) -> Answer:
    answer.quotes = [{"text": p.text, "source": p.source, "start_s": p.start_s,
                      "end_s": p.end_s, "similarity": p.similarity} for p in quotes]
    return answer


def _visual_answer(registry, path: str, question: str, notices: list[str]) -> str | None:
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        captioner = registry.captioner()
        if not captioner.can_answer:
            return None
        with Image.open(path) as img:
            image = ImageOps.exif_transpose(img).convert("RGB")
        answer = captioner.answer(image, question).strip()
    except ShoeboxError as e:
        notices.append(f"no visual answer ({e})")
        return None
    except (OSError, UnidentifiedImageError, ValueError) as e:
        notices.append(f"no visual answer: the photo could not be read ({e})")
        return None
    return answer or None


def _facts_text(facts: dict[str, str]) -> str:
    # speech comes as lines of its own: "- speech:" and "[0:02] ..." under it
    return "Facts:\n" + "\n".join(
        f"- {k}:" + (v if v.startswith(("\n", " (")) else f" {v}") for k, v in facts.items())


def _checked(reply: AskReply, facts: dict[str, str], notices: list[str]) -> Answer:
    """Keep the LLM honest: it may only claim facts that exist, and it is confident only when
    the words it quotes are in those facts."""
    answer = reply.answer.strip() or DONT_KNOW
    based_on = [b for b in dict.fromkeys(x.strip().lower() for x in reply.based_on) if b in facts]
    dont_know = answer.lower().startswith(("i don't know", "i do not know", "unknown"))
    if dont_know:
        return Answer(DONT_KNOW, [], False, "llm", notices, facts)
    found = grounding(reply.quote, answer, facts, skip=NOT_EVIDENCE)
    where = found[0] if found else None
    if where is not None and where not in based_on:
        based_on.append(where)
    if not based_on:
        notices.append("the language model did not say which facts it used: "
                       "treat this answer with care")
    elif where is None:
        notices.append("not certain: the answer quotes nothing Shoebox knows about this file")
    return Answer(answer, based_on, where is not None, "llm", notices, facts,
                  quoted=found[1] if found else None)


_QUESTION_FACTS = (
    (re.compile(r"\b(when|date|year|month|day|time|old)\b", re.IGNORECASE), "date"),
    (re.compile(r"\b(where|place|location|country|city|gps)\b", re.IGNORECASE), "place"),
    (re.compile(r"\b(camera|phone|device|lens|shot with|taken with)\b", re.IGNORECASE), "camera"),
    (re.compile(r"\b(who|whom|whose|person|people)\b", re.IGNORECASE), "people"),
)
_ABOUT_SPEECH = re.compile(r"\b(talks?|talking|says?|said|saying|speaks?|speaking|tells?|told|"
                           r"mentions?|story|conversation|speech|voice)\b", re.IGNORECASE)
SPEECH_SHOWN = 400   # characters of what is said, in an answer without the LLM


def _fallback(question: str, facts: dict[str, str], notices: list[str], quotes=()) -> Answer:
    """Without the LLM: the lines of speech or text that mean what the question asks, quoted;
    else the visual answer, else the one fact the question plainly asks for, else
    "I don't know" with the facts shown."""
    if quotes:
        best = quotes[0]
        name = QUOTE_FACT[best.source]
        said = "It is said" if best.source == "transcript" else "The picture reads"
        more = [_quote(p) for p in quotes[1:]]
        return Answer(f"{said}: {_quote(best)}" + (f"; also {'; '.join(more)}" if more else ""),
                      sorted({QUOTE_FACT[p.source] for p in quotes}, key=name.__eq__,
                             reverse=True), False, "facts", notices, facts)
    if "speech" in facts and _ABOUT_SPEECH.search(question):
        said = " ".join(x.split("] ", 1)[-1] for x in facts["speech"].splitlines()[1:])
        cut = said if len(said) <= SPEECH_SHOWN else said[:SPEECH_SHOWN].rsplit(" ", 1)[0] + " …"
        return Answer(f"It is said: “{cut}”", ["speech"], False, "facts", notices, facts)
    if "visual answer" in facts:
        return Answer(facts["visual answer"], ["visual answer"], False, "vqa", notices, facts)
    for pattern, name in _QUESTION_FACTS:
        if pattern.search(question) and name in facts:
            fact = facts[name]
            if name == "place" and not fact.startswith("GPS"):
                sure = not fact.startswith("probably")
                text = f"Taken in {fact}" if sure else f"Probably taken in {fact[9:]}"
                return Answer(text, [name], sure, "facts", notices, facts)
            return Answer(f"{name.capitalize()}: {fact}", [name], True, "facts",
                          notices, facts)
    summary = "; ".join(f"{k}: {_short(v)}" for k, v in facts.items())
    return Answer(f"{DONT_KNOW}. What is known: {summary}", [], False, "facts", notices, facts)


def _short(fact: str, chars: int = 200) -> str:
    fact = " ".join(fact.split())
    return fact if len(fact) <= chars else fact[:chars].rsplit(" ", 1)[0] + " …"


# --- rerank ----------------------------------------------------------------------------------

class RerankReply(BaseModel):
    order: list[int]


RERANK_TOP_K = 10


def rerank(catalog, registry, query: str, results: Results, top_k: int = RERANK_TOP_K
           ) -> Results:
    """Reorder the first top_k results by how well their captions fit the query, using the
    LLM. Never adds or drops a result; on any model trouble the order is kept, with a notice."""
    head, tail = list(results[:top_k]), list(results[top_k:])
    out = Results(results, list(results.notices), results.vector_used, results.text_used)
    if len(head) < 2 or registry is None:
        return out
    with catalog.read() as conn:
        captions = {r[0]: r[1] for r in conn.execute(
            f"SELECT file_id, text FROM captions WHERE file_id IN ({','.join('?' * len(head))})",
            [h.file_id for h in head])}
    lines = [f"{i}: {captions.get(h.file_id) or os.path.basename(h.path)}"
             for i, h in enumerate(head)]
    try:
        reply = registry.llm().complete_json(
            [{"role": "system", "content": "Order photos by how well their caption matches the "
              "search. Reply in JSON: \"order\", the numbers of ALL the photos, best first."},
             {"role": "user", "content": f"Search: {query[:300]}\n" + "\n".join(lines)}],
            RerankReply, max_tokens=80)
    except ShoeboxError as e:
        out.notices.append(f"rerank skipped: the language model could not do it ({e})")
        return out
    seen: list[int] = []
    for i in reply.order:
        if isinstance(i, int) and 0 <= i < len(head) and i not in seen:
            seen.append(i)
    seen += [i for i in range(len(head)) if i not in seen]   # anything it forgot keeps its place
    reordered: list[Hit] = [head[i] for i in seen] + tail
    return Results(reordered, out.notices, results.vector_used, results.text_used)
