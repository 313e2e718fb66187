"""Near spellings come from an in-memory OCR vocabulary: the same words as comparing every
word of about the query's length, and a word read after the vocabulary was kept is found."""

from __future__ import annotations

from core.search.ocr_vocab import ocr_vocab
from core.search.photo_text import edit_distance, max_edits, near_terms
from tests.core.search import planting as P
from tests.core.search.test_photo_text import plant, words


def every_word(conn, token):
    k = max_edits(token)
    rows = conn.execute("SELECT term FROM text_terms_vocab").fetchall()
    return [r[0] for r in rows if abs(len(r[0]) - len(token)) <= k and r[0] != token
            and edit_distance(token, r[0], k) <= k]


def test_near_terms_are_those_of_the_whole_vocabulary(catalog):
    r = P.root(catalog)
    lines = ["Harbour ferry tirnetable", "timetables timetab1e", "Kyoto station Kycto",
             "stasion staton statoin", "Ünïcode wörds Unicode", "abcdefgh hgfedcba abcdefhg"]
    for i, line in enumerate(lines):
        plant(catalog, P.file(catalog, r, f"/lib/{i}.jpg"), [line])
    with catalog.read() as conn:
        vocab = [t for (t,) in conn.execute("SELECT term FROM text_terms_vocab")]
        for token in [*vocab, "timetable", "station", "unicodes", "abcdefgh", "zzzz"]:
            if len(token) >= 4:
                assert near_terms(conn, token) == every_word(conn, token), token
        assert near_terms(conn, "timetable") == ["timetab1e", "timetables", "tirnetable"]


def test_words_read_later_are_found(catalog):
    r = P.root(catalog)
    plant(catalog, P.file(catalog, r, "/lib/a.jpg"), ["Nothing to see"])
    assert not words(catalog, "tirnetable")     # the vocabulary is kept now
    with catalog.read() as conn:
        kept = ocr_vocab(conn)
    late = P.file(catalog, r, "/lib/b.jpg")
    plant(catalog, late, ["Harbour ferry timetable"])
    with catalog.read() as conn:
        assert ocr_vocab(conn) is not kept
    assert [h.file_id for h in words(catalog, "tirnetable")] == [late]
