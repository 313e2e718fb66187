"""A made-up word finds nothing in the app, and the page says so (issue 25 item 6): scraps
of OCR ("0 C", "A") an older catalog embedded by meaning matched any such word at 0.5."""

from __future__ import annotations

import numpy as np

from core.search.vectors import drop_cached
from tests.core.search import planting as P


def test_a_made_up_word_says_nothing_found(services, make_window, qtbot):
    drop_cached()
    cat, reg = services.catalog, services.registry
    r = P.root(cat)
    model_id = reg.identity("sentences")
    texts = ["0 C", "A", "EXIT"]
    ids = [P.file(cat, r, f"/lib/scrap{i}.jpg") for i in range(len(texts))]
    vecs = reg.sentences().embed(texts)
    cat.write(lambda c: c.executemany(
        "INSERT INTO text_vectors(file_id, source, frame_ms, end_ms, text, model_id, vector) "
        "VALUES (?, 'text', -1, NULL, ?, ?, ?)",
        [(f, t, model_id, np.asarray(v, "<f4").tobytes()) for f, t, v in zip(ids, texts, vecs)]))
    win = make_window(size=(1200, 800))
    try:
        for word in ("zzqqxx", "Hollowbrook"):
            win.search_edit.setText(word)
            win.search.run_now()
            qtbot.waitUntil(lambda word=word: win.library.mode == "search"
                            and win.library.stack.currentWidget() is win.library.no_results
                            and f"Nothing found for “{word}”" in win.library.no_results.text(),
                            timeout=60000)
            assert win.library.model.rowCount() == 0
    finally:
        drop_cached()
