"""The app makes the first search as quick as the next: once the models are checked, a worker
loads the library's vectors and prepares the query encoders' ONNX path."""

from __future__ import annotations

import numpy as np
import pytest

from tests.core.search import planting as P


@pytest.mark.timeout(240)
def test_the_app_warms_search_once_the_models_are_checked(make_services, registry, qtbot):
    from core.search import vectors
    from desktop import actions

    services = make_services(registry.settings, registry=registry)
    catalog = services.catalog
    clip_id, text_id = registry.identity("clip"), registry.identity("sentences")
    r = P.root(catalog)
    fid = P.file(catalog, r, "/lib/a.jpg")
    P.vector(catalog, fid, P.unit(np.ones(registry.clip().dim)), model_id=clip_id)
    catalog.write(lambda c: c.execute(
        "INSERT INTO text_vectors(file_id, source, frame_ms, text, model_id, vector) "
        "VALUES (?, 'caption', -1, 'a dog on a beach', ?, ?)",
        (fid, text_id, P.unit(np.ones(384)).astype("<f4").tobytes())))
    registry.release("clip")            # nothing loaded or prepared before the app starts
    assert registry.clip()._query_tower is None

    actions.warm_up_models(services)    # what the app does at start
    qtbot.waitUntil(lambda: services.models_warm, timeout=60_000)
    qtbot.waitUntil(lambda: registry.clip()._query_tower is not None
                    and registry.sentences()._query_tower is not None, timeout=120_000)
    assert {k[1] for k in vectors._CACHE if k[0] == str(catalog.path)} >= {
        "embeddings", "text_vectors"}
