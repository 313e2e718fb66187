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

-- Event titles, once given, stay: re-planning, or the LLM asked again, cannot rename an event.
-- key: the event's members (core.organize.units.event_key); a title the fallback made is
-- replaced once an LLM names the event; one the user typed never is.
CREATE TABLE event_names (
    key        TEXT PRIMARY KEY,
    title      TEXT NOT NULL,
    named_by   TEXT NOT NULL,           -- fallback | llm:<model> | user
    facts      TEXT,                    -- JSON: the fact sheet it was named from
    created_at REAL NOT NULL
);

-- What unit a planned move belongs to: the review lists units (an event, a kind, a topic, a
-- month), each with its folder, count, date span and place.
ALTER TABLE plan_items ADD COLUMN unit_kind TEXT;    -- event | screenshots | documents | scans | topic | month | undated
ALTER TABLE plan_items ADD COLUMN unit_key TEXT;     -- stable within a plan: 'event:<key>', 'month:2023-05', ...
ALTER TABLE plan_items ADD COLUMN unit_title TEXT;   -- 'Kyoto, Japan', 'Screenshots 2023', 'May 2023'
