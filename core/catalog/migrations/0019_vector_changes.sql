-- Which vector rows were changed or deleted (issue 31): the in-process vector indexes
-- (core/search/vectors.py) replay this instead of reloading a million vectors when a file is
-- re-embedded or removed. Inserts need no entry (new rows have larger ids, except an id
-- reused after the largest row was deleted, whose delete is journalled). Only the newest
-- 200,000 entries are kept: an index older than that reloads from its table.
CREATE TABLE vector_changes (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    tbl     TEXT NOT NULL,              -- 'embeddings' | 'text_vectors'
    row_id  INTEGER NOT NULL
);

CREATE TRIGGER embeddings_changes_au AFTER UPDATE ON embeddings BEGIN
    INSERT INTO vector_changes(tbl, row_id) VALUES ('embeddings', old.id);
END;
CREATE TRIGGER embeddings_changes_ad AFTER DELETE ON embeddings BEGIN
    INSERT INTO vector_changes(tbl, row_id) VALUES ('embeddings', old.id);
END;
CREATE TRIGGER text_vectors_changes_au AFTER UPDATE ON text_vectors BEGIN
    INSERT INTO vector_changes(tbl, row_id) VALUES ('text_vectors', old.id);
END;
CREATE TRIGGER text_vectors_changes_ad AFTER DELETE ON text_vectors BEGIN
    INSERT INTO vector_changes(tbl, row_id) VALUES ('text_vectors', old.id);
END;
CREATE TRIGGER vector_changes_prune AFTER INSERT ON vector_changes
WHEN new.seq % 1000 = 0 BEGIN
    DELETE FROM vector_changes WHERE seq <= new.seq - 200000;
END;
