-- Plans from what Shoebox knows (issue 24).

-- Capture dates from more sources than EXIF and the container (a file's name now; Takeout and
-- XMP sidecars later): the code owns the list (core.scan.dates.DATE_SOURCES), so the column
-- loses the CHECK that named three sources once and for all. SQLite cannot drop a CHECK in
-- place; rebuilding `files` would cascade through every table that points at it, so the
-- table's recorded definition is edited (SQLite's documented way for changes that leave the
-- stored rows as they are). The CREATE TABLE below changes the schema cookie, so every
-- connection reads the edited definition.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema SET sql = replace(sql,
    ' CHECK (taken_at_source IN (''exif'', ''container'', ''mtime''))', '')
 WHERE type = 'table' AND name = 'files';
PRAGMA writable_schema = OFF;
-- Files dated only by their modification time may carry a date in their name: the next scan
-- reads the names of the files left without a source (core.scan.scanner._named_dates), once,
-- without reading the files again.
UPDATE files SET taken_at_source = NULL WHERE taken_at_source = 'mtime';

-- Event titles, once given, stay: re-planning, or the LLM asked again, cannot rename an event
-- (core.organize.event_names). key: a digest of the event's members; an event that gained or
-- lost a few photos keeps the title of the stored one it mostly overlaps. '' is "the day
-- names it". A title the user typed is never replaced.
CREATE TABLE event_names (
    key        TEXT PRIMARY KEY,
    title      TEXT NOT NULL,
    named_by   TEXT NOT NULL,           -- fallback (the LLM failed) | llm:<model> | user
    members    TEXT NOT NULL,           -- JSON list of the event's file ids
    facts      TEXT,                    -- JSON: the fact sheet it was named from
    created_at REAL NOT NULL
);

-- What unit a planned move belongs to: the review lists units (an event, a kind, a topic, a
-- month), each with its folder, count, date span and place.
ALTER TABLE plan_items ADD COLUMN unit_kind TEXT;    -- event | screenshots | documents | scans | topic | month | undated
ALTER TABLE plan_items ADD COLUMN unit_key TEXT;     -- stable within a plan: 'event:<key>', 'month:2023-05', ...
ALTER TABLE plan_items ADD COLUMN unit_title TEXT;   -- 'Kyoto, Japan', 'Screenshots 2023', 'May 2023'
