-- Places, events and memories (issue 13).

-- fts_docs gets rebuilt without the CHECK on `field`, which named the kinds of text once and
-- for all: place names join here, and later kinds of searchable text (text read in photos,
-- ...) need no table surgery. The code that writes a field owns its name. The rows keep
-- their ids, so the external-content FTS table `fts` stays valid as it is.
DROP TRIGGER files_fts_ai;
DROP TRIGGER files_fts_au;
DROP TRIGGER captions_fts_ai;
DROP TRIGGER captions_fts_au;
DROP TRIGGER captions_fts_ad;
DROP TRIGGER tags_fts_ai;
DROP TRIGGER tags_fts_ad;
DROP TRIGGER segments_fts_ai;
DROP TRIGGER segments_fts_ad;
CREATE TABLE fts_docs_new (
    id         INTEGER PRIMARY KEY,
    file_id    INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    field      TEXT NOT NULL,              -- path, caption, tags, transcript, place, ...
    segment_id INTEGER,                    -- transcript_segments.id for field = 'transcript'
    text       TEXT NOT NULL
);
INSERT INTO fts_docs_new(id, file_id, field, segment_id, text)
    SELECT id, file_id, field, segment_id, text FROM fts_docs;
-- (no trigger fires on DROP TABLE: the fts index keeps its rows, which the new table holds)
DROP TABLE fts_docs;
ALTER TABLE fts_docs_new RENAME TO fts_docs;
CREATE INDEX fts_docs_file ON fts_docs(file_id, field);
CREATE INDEX fts_docs_segment ON fts_docs(segment_id) WHERE segment_id IS NOT NULL;

-- The triggers of schema 1, as they were.
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
CREATE TRIGGER captions_fts_ai AFTER INSERT ON captions BEGIN
    INSERT INTO fts_docs(file_id, field, text) VALUES (new.file_id, 'caption', new.text);
END;
CREATE TRIGGER captions_fts_au AFTER UPDATE OF text ON captions BEGIN
    UPDATE fts_docs SET text = new.text WHERE file_id = new.file_id AND field = 'caption';
END;
CREATE TRIGGER captions_fts_ad AFTER DELETE ON captions BEGIN
    DELETE FROM fts_docs WHERE file_id = old.file_id AND field = 'caption';
END;
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

-- Positions that are no position: (0, 0) "Null Island" (a camera without a fix), and values
-- off the globe, which older scans may have stored.
UPDATE files SET gps_lat = NULL, gps_lon = NULL
 WHERE gps_lat IS NOT NULL AND (
       gps_lon IS NULL OR abs(gps_lat) > 90 OR abs(gps_lon) > 180
       OR (abs(gps_lat) < 1e-4 AND abs(gps_lon) < 1e-4));

-- Events: runs of files close in time and place (a day out, a weekend away, a birthday).
-- Recomputed from files whenever the timeline changes; ids are not stable across recomputes.
CREATE TABLE events (
    id           INTEGER PRIMARY KEY,
    start_at     REAL NOT NULL,
    end_at       REAL NOT NULL,
    file_count   INTEGER NOT NULL,
    located      INTEGER NOT NULL,           -- members with a GPS place of their own
    place        TEXT,                       -- where most located members are
    region       TEXT,
    country      TEXT,
    country_code TEXT,
    lat          REAL,
    lon          REAL,
    away         INTEGER NOT NULL DEFAULT 0  -- 1: far from where the library's photos mostly are
);
CREATE INDEX events_start ON events(start_at);
CREATE TABLE event_members (
    file_id   INTEGER PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
    event_id  INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE
);
CREATE INDEX event_members_event ON event_members(event_id);

-- Where each file was: from its own GPS ('gps'), or, for a file without GPS inside an event,
-- the event's place ('event', shown as inferred). *_key columns are the names folded
-- (lower case, no accents) for filters; the FTS tokenizer folds accents for search itself.
CREATE TABLE file_places (
    file_id      INTEGER PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
    source       TEXT NOT NULL CHECK (source IN ('gps', 'event')),
    place        TEXT,
    region       TEXT,
    country      TEXT,
    country_code TEXT,
    distance_km  REAL,                       -- gps: from the place's centre
    place_key    TEXT,
    region_key   TEXT,
    country_key  TEXT,
    spellings    TEXT                        -- plain-letter forms FTS cannot fold itself (Łódź: lodz)
);
CREATE INDEX file_places_place ON file_places(place_key);
CREATE INDEX file_places_region ON file_places(region_key);
CREATE INDEX file_places_country ON file_places(country_key);

-- The place's words are searchable (field 'place'), in step with file_places.
CREATE TRIGGER file_places_fts_ai AFTER INSERT ON file_places BEGIN
    INSERT INTO fts_docs(file_id, field, text)
    VALUES (new.file_id, 'place', replace(replace(trim(coalesce(new.place, '') || ' '
            || CASE WHEN new.region IS new.place THEN '' ELSE coalesce(new.region, '') END
            || ' ' || coalesce(new.country, '') || ' ' || coalesce(new.spellings, '')),
            '   ', ' '), '  ', ' '));
END;
CREATE TRIGGER file_places_fts_au AFTER UPDATE ON file_places BEGIN
    DELETE FROM fts_docs WHERE file_id = new.file_id AND field = 'place';
    INSERT INTO fts_docs(file_id, field, text)
    VALUES (new.file_id, 'place', replace(replace(trim(coalesce(new.place, '') || ' '
            || CASE WHEN new.region IS new.place THEN '' ELSE coalesce(new.region, '') END
            || ' ' || coalesce(new.country, '') || ' ' || coalesce(new.spellings, '')),
            '   ', ' '), '  ', ' '));
END;
CREATE TRIGGER file_places_fts_ad AFTER DELETE ON file_places BEGIN
    DELETE FROM fts_docs WHERE file_id = old.file_id AND field = 'place';
END;

-- "On this day" memories the user dismissed: the photos of `year` shown on month-day `day`
-- ('MM-DD') do not come back on that day.
CREATE TABLE memory_dismissals (
    day          TEXT NOT NULL,
    year         INTEGER NOT NULL,
    dismissed_at REAL NOT NULL,
    PRIMARY KEY (day, year)
) WITHOUT ROWID;
