-- Google Takeout imports (issue 29).

-- What a Takeout's JSON said about a content, keyed by its hash: it applies to the file with
-- these bytes wherever it lies (a copy already in the library, a file moved later), and the
-- scanner applies it again when it re-reads a file (core.scan.takeout_meta).
-- taken_at is the wall-clock time where the photo was taken, as EXIF dates are kept; tz says
-- which zone made it: a zone name found from the position, or 'machine' (no position).
CREATE TABLE takeout_items (
    content_hash TEXT PRIMARY KEY,
    json_path    TEXT NOT NULL,           -- where the JSON was: zip::member or a path
    taken_at     REAL,
    taken_utc    REAL,                    -- photoTakenTime as written (UTC)
    tz           TEXT,
    tz_source    TEXT CHECK (tz_source IN ('position', 'machine')),
    gps_lat      REAL,
    gps_lon      REAL,
    description  TEXT,
    favorite     INTEGER NOT NULL DEFAULT 0,
    companion    INTEGER NOT NULL DEFAULT 0, -- a motion photo's movie: kept with its photo
    imported_at  REAL NOT NULL
);
-- A content can be in several albums.
CREATE TABLE takeout_albums (
    content_hash TEXT NOT NULL,
    album        TEXT NOT NULL,
    PRIMARY KEY (content_hash, album)
) WITHOUT ROWID;

-- people[].name of the JSON: names without a face box, kept (the JSON is not copied) for the
-- people issue to offer as a person's name only where it is unambiguous.
CREATE TABLE takeout_people (
    content_hash TEXT NOT NULL,
    name         TEXT NOT NULL,
    PRIMARY KEY (content_hash, name)
) WITHOUT ROWID;

-- The import's journal: one row per media file of a Takeout once it is settled (copied, or
-- found to be a duplicate), so an interrupted import goes on where it stopped.
CREATE TABLE takeout_journal (
    source       TEXT PRIMARY KEY,        -- zip path::member, or the file's path
    size         INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    dest         TEXT,                    -- where it was copied; NULL for a duplicate
    outcome      TEXT NOT NULL CHECK (outcome IN ('copied', 'duplicate')),
    done_at      REAL NOT NULL
);

-- Albums (from Takeout now): a file can be in several, unlike collections.
CREATE TABLE albums (
    id     INTEGER PRIMARY KEY,
    name   TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL                  -- takeout
);
CREATE TABLE album_files (
    album_id INTEGER NOT NULL REFERENCES albums(id) ON DELETE CASCADE,
    file_id  INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    PRIMARY KEY (album_id, file_id)
) WITHOUT ROWID;
CREATE INDEX album_files_file ON album_files(file_id);

-- A favourite (Takeout's `favorited`). Ratings belong to the metadata issue.
ALTER TABLE files ADD COLUMN favorite INTEGER NOT NULL DEFAULT 0;

-- Descriptions written by people (Takeout's `description`; XMP's dc:description can share
-- the table with its own source), searchable like captions.
CREATE TABLE descriptions (
    file_id INTEGER PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
    text    TEXT NOT NULL,
    source  TEXT NOT NULL
);

-- Descriptions and album names are fts_docs documents (fields 'description', 'album'), kept
-- in step by these triggers.
CREATE TRIGGER descriptions_fts_ai AFTER INSERT ON descriptions BEGIN
    INSERT INTO fts_docs(file_id, field, text) VALUES (new.file_id, 'description', new.text);
END;
CREATE TRIGGER descriptions_fts_au AFTER UPDATE OF text ON descriptions BEGIN
    UPDATE fts_docs SET text = new.text WHERE file_id = new.file_id AND field = 'description';
END;
CREATE TRIGGER descriptions_fts_ad AFTER DELETE ON descriptions BEGIN
    DELETE FROM fts_docs WHERE file_id = old.file_id AND field = 'description';
END;
-- A file's album names form one document, rebuilt when it joins or leaves an album.
CREATE TRIGGER album_files_fts_ai AFTER INSERT ON album_files BEGIN
    DELETE FROM fts_docs WHERE file_id = new.file_id AND field = 'album';
    INSERT INTO fts_docs(file_id, field, text)
    SELECT new.file_id, 'album', group_concat(a.name, ' ') FROM album_files af
    JOIN albums a ON a.id = af.album_id WHERE af.file_id = new.file_id;
END;
CREATE TRIGGER album_files_fts_ad AFTER DELETE ON album_files BEGIN
    DELETE FROM fts_docs WHERE file_id = old.file_id AND field = 'album';
    INSERT INTO fts_docs(file_id, field, text)
    SELECT old.file_id, 'album', group_concat(a.name, ' ') FROM album_files af
    JOIN albums a ON a.id = af.album_id WHERE af.file_id = old.file_id HAVING count(*) > 0;
END;
