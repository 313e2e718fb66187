-- Sentences (issue 18): the text the library holds — transcript segments, captions, text read
-- in photos — embedded by meaning (models/sentences.py), and collection names.

-- One row per embedded text. model_id names the model that made the vector: a change of model
-- re-embeds, never mixes (as for CLIP). frame_ms is the segment's start in the video (-1 when
-- the text has no time), so the in-process vector index (core/search/vectors.py) reads this
-- table as it reads `embeddings`. The text itself is kept: a hit and an answer quote it.
CREATE TABLE text_vectors (
    id         INTEGER PRIMARY KEY,
    file_id    INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    source     TEXT NOT NULL,              -- 'transcript' | 'caption' | 'text' (read in a photo)
    frame_ms   INTEGER NOT NULL DEFAULT -1,
    end_ms     INTEGER,
    text       TEXT NOT NULL,
    model_id   TEXT NOT NULL,
    vector     BLOB NOT NULL               -- float32 little-endian, L2-normalised
);
CREATE INDEX text_vectors_file ON text_vectors(file_id, model_id);
CREATE INDEX text_vectors_model ON text_vectors(model_id);

-- Change counters for the in-process index of text vectors (same scheme as migration 0002).
INSERT INTO search_state(key, value) VALUES ('text_inserts', 0), ('text_mutations', 0);
CREATE TRIGGER text_vectors_search_ai AFTER INSERT ON text_vectors BEGIN
    UPDATE search_state SET value = value + 1 WHERE key = 'text_inserts';
END;
CREATE TRIGGER text_vectors_search_au AFTER UPDATE ON text_vectors BEGIN
    UPDATE search_state SET value = value + 1 WHERE key = 'text_mutations';
END;
CREATE TRIGGER text_vectors_search_ad AFTER DELETE ON text_vectors BEGIN
    UPDATE search_state SET value = value + 1 WHERE key = 'text_mutations';
END;

-- A file's sentences job is redone when the text it embedded changes: a new transcript, a new
-- or changed caption, text read in it (migration 0008's text_lines) added or removed.
CREATE TRIGGER transcripts_sentences_ai AFTER INSERT ON transcripts BEGIN
    UPDATE jobs SET state = 'pending', error = NULL, attempts = 0,
                    updated_at = (julianday('now') - 2440587.5) * 86400.0
     WHERE file_id = new.file_id AND stage = 'sentences' AND state IN ('done', 'error');
END;
CREATE TRIGGER captions_sentences_ai AFTER INSERT ON captions BEGIN
    UPDATE jobs SET state = 'pending', error = NULL, attempts = 0,
                    updated_at = (julianday('now') - 2440587.5) * 86400.0
     WHERE file_id = new.file_id AND stage = 'sentences' AND state IN ('done', 'error');
END;
CREATE TRIGGER captions_sentences_au AFTER UPDATE OF text ON captions
WHEN new.text IS NOT old.text BEGIN
    UPDATE jobs SET state = 'pending', error = NULL, attempts = 0,
                    updated_at = (julianday('now') - 2440587.5) * 86400.0
     WHERE file_id = new.file_id AND stage = 'sentences' AND state IN ('done', 'error');
END;

CREATE TRIGGER text_lines_sentences_ai AFTER INSERT ON text_lines BEGIN
    UPDATE jobs SET state = 'pending', error = NULL, attempts = 0,
                    updated_at = (julianday('now') - 2440587.5) * 86400.0
     WHERE file_id = new.file_id AND stage = 'sentences' AND state IN ('done', 'error');
END;
CREATE TRIGGER text_lines_sentences_ad AFTER DELETE ON text_lines BEGIN
    UPDATE jobs SET state = 'pending', error = NULL, attempts = 0,
                    updated_at = (julianday('now') - 2440587.5) * 86400.0
     WHERE file_id = old.file_id AND stage = 'sentences' AND state IN ('done', 'error');
END;

-- A collection's name and description, embedded (naming merges near-synonyms; search finds
-- collections by meaning). `text` says what was embedded: a renamed collection is redone.
CREATE TABLE collection_vectors (
    cluster_id INTEGER PRIMARY KEY REFERENCES clusters(id) ON DELETE CASCADE,
    model_id   TEXT NOT NULL,
    text       TEXT NOT NULL,
    vector     BLOB NOT NULL
);
