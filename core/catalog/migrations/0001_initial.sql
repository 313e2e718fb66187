-- Shoebox catalog, schema 1. Times are Unix seconds (REAL) unless named *_ns.

-- Folders the user asked Shoebox to manage.
CREATE TABLE roots (
    id            INTEGER PRIMARY KEY,
    path          TEXT NOT NULL UNIQUE,
    added_at      REAL NOT NULL,
    last_scan_at  REAL,
    error         TEXT                     -- why the last scan could not read it, if it could not
);

-- One row per file Shoebox knows. A moved file keeps its row (and every result keyed on id).
CREATE TABLE files (
    id            INTEGER PRIMARY KEY,
    root_id       INTEGER NOT NULL REFERENCES roots(id) ON DELETE CASCADE,
    path          TEXT NOT NULL UNIQUE,    -- absolute
    folder        TEXT NOT NULL,           -- absolute path of the parent folder
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('photo', 'video', 'other')),
    format        TEXT NOT NULL,           -- jpeg, png, webp, heic, tiff, gif, raw, mp4, mov, ...
    size          INTEGER NOT NULL,
    mtime_ns      INTEGER NOT NULL,
    content_hash  TEXT,                    -- xxh3-128 hex of the whole content; NULL if unreadable
    width         INTEGER,
    height        INTEGER,                 -- as stored; display size swaps them for orientation 5-8
    orientation   INTEGER,                 -- EXIF orientation 1-8
    duration_s    REAL,
    codec         TEXT,
    taken_at      REAL,                    -- when the photo/video was taken
    taken_at_source TEXT CHECK (taken_at_source IN ('exif', 'container', 'mtime')),
    gps_lat       REAL,
    gps_lon       REAL,
    camera_make   TEXT,
    camera_model  TEXT,
    status        TEXT NOT NULL DEFAULT 'present' CHECK (status IN ('present', 'missing')),
    error         TEXT,                    -- last scan-level problem with this file
    first_seen_at REAL NOT NULL,
    missing_since REAL
);
CREATE INDEX files_folder ON files(folder);
CREATE INDEX files_hash ON files(content_hash);
CREATE INDEX files_root_status ON files(root_id, status);
CREATE INDEX files_taken ON files(taken_at);
CREATE INDEX files_kind ON files(kind, status);

-- Problems that belong to no file row: unreadable folders, broken links, undecodable names.
CREATE TABLE problems (
    id        INTEGER PRIMARY KEY,
    root_id   INTEGER REFERENCES roots(id) ON DELETE CASCADE,
    path      TEXT NOT NULL UNIQUE,        -- printable form of the path
    reason    TEXT NOT NULL,
    seen_at   REAL NOT NULL
);

-- Vectors. frame_ms = -1 for a whole photo, else the video time of the keyframe.
-- model_id names the model that made the vector: a change of model re-embeds, never mixes.
CREATE TABLE embeddings (
    id        INTEGER PRIMARY KEY,
    file_id   INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    frame_ms  INTEGER NOT NULL DEFAULT -1,
    model_id  TEXT NOT NULL,
    dim       INTEGER NOT NULL,
    vector    BLOB NOT NULL,               -- float32 little-endian, L2-normalised
    UNIQUE (file_id, frame_ms, model_id)
);
CREATE INDEX embeddings_model ON embeddings(model_id);

CREATE TABLE captions (
    file_id    INTEGER PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
    model_id   TEXT NOT NULL,
    text       TEXT NOT NULL,
    created_at REAL NOT NULL
);

CREATE TABLE tags (
    file_id   INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    tag       TEXT NOT NULL,
    source    TEXT NOT NULL CHECK (source IN ('clip', 'caption', 'llm', 'user')),
    score     REAL,
    model_id  TEXT,
    PRIMARY KEY (file_id, tag, source)
) WITHOUT ROWID;
CREATE INDEX tags_tag ON tags(tag);

CREATE TABLE transcripts (
    file_id    INTEGER PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
    model_id   TEXT NOT NULL,
    language   TEXT,
    created_at REAL NOT NULL
);

CREATE TABLE transcript_segments (
    id        INTEGER PRIMARY KEY,
    file_id   INTEGER NOT NULL REFERENCES transcripts(file_id) ON DELETE CASCADE,
    start_s   REAL NOT NULL,
    end_s     REAL NOT NULL,
    text      TEXT NOT NULL
);
CREATE INDEX transcript_segments_file ON transcript_segments(file_id, start_s);

-- Full-text search. fts_docs holds one row per searchable text (a file's path words, its
-- caption, its tags, each transcript segment); the triggers below keep it in step with the
-- source tables, and the external-content FTS5 table `fts` in step with fts_docs.
CREATE TABLE fts_docs (
    id         INTEGER PRIMARY KEY,
    file_id    INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    field      TEXT NOT NULL CHECK (field IN ('path', 'caption', 'tags', 'transcript')),
    segment_id INTEGER,                    -- transcript_segments.id for field = 'transcript'
    text       TEXT NOT NULL
);
CREATE INDEX fts_docs_file ON fts_docs(file_id, field);
CREATE INDEX fts_docs_segment ON fts_docs(segment_id) WHERE segment_id IS NOT NULL;

CREATE VIRTUAL TABLE fts USING fts5(
    text, content='fts_docs', content_rowid='id',
    tokenize='porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER fts_docs_ai AFTER INSERT ON fts_docs BEGIN
    INSERT INTO fts(rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER fts_docs_ad AFTER DELETE ON fts_docs BEGIN
    INSERT INTO fts(fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER fts_docs_au AFTER UPDATE ON fts_docs BEGIN
    INSERT INTO fts(fts, rowid, text) VALUES ('delete', old.id, old.text);
    INSERT INTO fts(rowid, text) VALUES (new.id, new.text);
END;

-- Path words: folder and file name with separators turned into spaces.
CREATE TRIGGER files_fts_ai AFTER INSERT ON files BEGIN
    INSERT INTO fts_docs(file_id, field, text)
    VALUES (new.id, 'path', replace(replace(replace(replace(new.folder || ' ' || new.name,
            '/', ' '), '\', ' '), '_', ' '), '-', ' '));
END;
CREATE TRIGGER files_fts_au AFTER UPDATE OF path ON files BEGIN
    DELETE FROM fts_docs WHERE file_id = new.id AND field = 'path';
    INSERT INTO fts_docs(file_id, field, text)
    VALUES (new.id, 'path', replace(replace(replace(replace(new.folder || ' ' || new.name,
            '/', ' '), '\', ' '), '_', ' '), '-', ' '));
END;
-- ON DELETE CASCADE from files removes fts_docs rows, and their delete trigger cleans fts.

CREATE TRIGGER captions_fts_ai AFTER INSERT ON captions BEGIN
    INSERT INTO fts_docs(file_id, field, text) VALUES (new.file_id, 'caption', new.text);
END;
CREATE TRIGGER captions_fts_au AFTER UPDATE OF text ON captions BEGIN
    UPDATE fts_docs SET text = new.text WHERE file_id = new.file_id AND field = 'caption';
END;
CREATE TRIGGER captions_fts_ad AFTER DELETE ON captions BEGIN
    DELETE FROM fts_docs WHERE file_id = old.file_id AND field = 'caption';
END;

-- All of a file's tags form one document, rebuilt when any of them changes.
CREATE TRIGGER tags_fts_ai AFTER INSERT ON tags BEGIN
    DELETE FROM fts_docs WHERE file_id = new.file_id AND field = 'tags';
    INSERT INTO fts_docs(file_id, field, text)
    SELECT new.file_id, 'tags', group_concat(DISTINCT tag) FROM tags WHERE file_id = new.file_id;
END;
CREATE TRIGGER tags_fts_ad AFTER DELETE ON tags BEGIN
    DELETE FROM fts_docs WHERE file_id = old.file_id AND field = 'tags';
    INSERT INTO fts_docs(file_id, field, text)
    SELECT old.file_id, 'tags', group_concat(DISTINCT tag) FROM tags WHERE file_id = old.file_id
    HAVING count(*) > 0;
END;

CREATE TRIGGER segments_fts_ai AFTER INSERT ON transcript_segments BEGIN
    INSERT INTO fts_docs(file_id, field, segment_id, text)
    VALUES (new.file_id, 'transcript', new.id, new.text);
END;
CREATE TRIGGER segments_fts_ad AFTER DELETE ON transcript_segments BEGIN
    DELETE FROM fts_docs WHERE segment_id = old.id;
END;

-- Pipeline work: one row per file and stage. content_hash and model_id say what the result
-- was made from, so a changed file or a changed model makes exactly that stage stale.
CREATE TABLE jobs (
    file_id      INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    stage        TEXT NOT NULL,
    state        TEXT NOT NULL DEFAULT 'pending'
                 CHECK (state IN ('pending', 'running', 'done', 'error', 'skipped')),
    priority     INTEGER NOT NULL DEFAULT 0,   -- higher runs first (files on screen)
    content_hash TEXT,
    model_id     TEXT,
    attempts     INTEGER NOT NULL DEFAULT 0,
    error        TEXT,
    updated_at   REAL NOT NULL,
    PRIMARY KEY (file_id, stage)
) WITHOUT ROWID;
CREATE INDEX jobs_queue ON jobs(stage, state, priority DESC);

-- Collections found by clustering.
CREATE TABLE clusters (
    id           INTEGER PRIMARY KEY,
    name         TEXT,
    description  TEXT,
    folder_path  TEXT,                     -- proposed relative folder, e.g. Travel/Italy 2024/Venice
    tags         TEXT,                     -- JSON list
    named_by     TEXT,                     -- 'llm:<model id>', 'fallback', 'user'
    keep_as_is   INTEGER NOT NULL DEFAULT 0,
    created_at   REAL NOT NULL,
    updated_at   REAL NOT NULL
);
CREATE TABLE cluster_members (
    cluster_id     INTEGER NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
    file_id        INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    probability    REAL,
    representative INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (file_id),                 -- a file is in at most one collection
    UNIQUE (cluster_id, file_id)
);

-- Reorganization plans, their items, and the move journal that makes them undoable.
CREATE TABLE plans (
    id          INTEGER PRIMARY KEY,
    root_id     INTEGER REFERENCES roots(id) ON DELETE SET NULL,
    mode        TEXT NOT NULL DEFAULT 'move' CHECK (mode IN ('move', 'copy', 'link')),
    state       TEXT NOT NULL DEFAULT 'draft'
                CHECK (state IN ('draft', 'applying', 'applied', 'undoing', 'undone', 'failed')),
    summary     TEXT,
    created_at  REAL NOT NULL,
    applied_at  REAL,
    undone_at   REAL
);
CREATE TABLE plan_items (
    id          INTEGER PRIMARY KEY,
    plan_id     INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
    file_id     INTEGER REFERENCES files(id) ON DELETE SET NULL,
    src         TEXT NOT NULL,
    dst         TEXT NOT NULL,
    reason      TEXT,
    cluster_id  INTEGER REFERENCES clusters(id) ON DELETE SET NULL,
    confidence  REAL,
    flagged     INTEGER NOT NULL DEFAULT 0,  -- low confidence: needs the user's eye
    decision    TEXT NOT NULL DEFAULT 'accept' CHECK (decision IN ('accept', 'skip'))
);
CREATE INDEX plan_items_plan ON plan_items(plan_id);
CREATE TABLE journal (
    id           INTEGER PRIMARY KEY,
    plan_id      INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
    item_id      INTEGER REFERENCES plan_items(id) ON DELETE SET NULL,
    op           TEXT NOT NULL,            -- move, copy, link, undo
    src          TEXT NOT NULL,
    dst          TEXT NOT NULL,
    content_hash TEXT,
    state        TEXT NOT NULL DEFAULT 'intent'
                 CHECK (state IN ('intent', 'done', 'rolled_back', 'failed')),
    error        TEXT,
    created_at   REAL NOT NULL,
    done_at      REAL
);
CREATE INDEX journal_plan ON journal(plan_id, state);
