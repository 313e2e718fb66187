-- Search, schema 2: change counters that let the in-process vector index know when to
-- reload, and perceptual hashes that confirm near-duplicates.

-- The vector index (core/search/vectors.py) keeps the current model's vectors in memory.
-- These counters say whether it is stale: 'vec_inserts' alone moving means rows were only
-- added (the index appends them); 'vec_mutations' moving means rows changed or went (reload).
CREATE TABLE search_state (
    key   TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO search_state(key, value) VALUES ('vec_inserts', 0), ('vec_mutations', 0);

CREATE TRIGGER embeddings_search_ai AFTER INSERT ON embeddings BEGIN
    UPDATE search_state SET value = value + 1 WHERE key = 'vec_inserts';
END;
CREATE TRIGGER embeddings_search_au AFTER UPDATE ON embeddings BEGIN
    UPDATE search_state SET value = value + 1 WHERE key = 'vec_mutations';
END;
CREATE TRIGGER embeddings_search_ad AFTER DELETE ON embeddings BEGIN
    UPDATE search_state SET value = value + 1 WHERE key = 'vec_mutations';
END;

-- 64-bit perceptual hash (DCT pHash) of a photo, computed lazily for near-duplicate
-- candidates. content_hash says which content it was computed from: a changed file is
-- recomputed. Stored as a signed 64-bit integer (SQLite's INTEGER).
CREATE TABLE phashes (
    file_id      INTEGER PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
    content_hash TEXT,
    phash        INTEGER NOT NULL,
    computed_at  REAL NOT NULL
);

-- Browsing sorts by when a file was taken, falling back to its modification time.
CREATE INDEX files_taken_or_mtime ON files(COALESCE(taken_at, mtime_ns / 1e9));
