-- Duplicates that remember (issue 30).

-- What the user said about a duplicate group, keyed by content (the files' content hashes),
-- so a rescan, a move or a rename keeps it. One row per pair of contents, hash_a < hash_b:
-- 'keep_both' (they look alike and both stay) or 'not_duplicate' (the finder was wrong).
-- hash_a = hash_b: identical copies of one content the user keeps; `copies` says how many
-- there were, and the group is offered again only when a further copy appears.
-- batch: one decision (one group, one click); "Show dismissed" lists and undoes it whole.
CREATE TABLE duplicate_decisions (
    hash_a     TEXT NOT NULL,
    hash_b     TEXT NOT NULL,
    decision   TEXT NOT NULL CHECK (decision IN ('keep_both', 'not_duplicate')),
    batch      INTEGER NOT NULL,
    copies     INTEGER,
    decided_at REAL NOT NULL,
    PRIMARY KEY (hash_a, hash_b),
    CHECK (hash_a <= hash_b)
) WITHOUT ROWID;
CREATE INDEX duplicate_decisions_batch ON duplicate_decisions(batch);

-- A video's signature for near-duplicates, computed lazily for videos whose length matches
-- another's: its length, and for frames at fixed fractions of it a 64-bit pHash and a 16x16
-- grey picture (layout: core/search/video_dupes.py). content_hash: the content it was
-- computed from (a changed file is recomputed).
CREATE TABLE video_signatures (
    file_id      INTEGER PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
    content_hash TEXT,
    duration_s   REAL NOT NULL,
    frames       BLOB NOT NULL,
    computed_at  REAL NOT NULL
);
