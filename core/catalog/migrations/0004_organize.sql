-- Organize (issue 6): what clustering, planning, applying and undoing need beyond schema 1.

-- A collection remembers the vector space it was found in, its centre and its spread, so new
-- files can join it without a full recluster, and when a recluster made it.
ALTER TABLE clusters ADD COLUMN model_id TEXT;
ALTER TABLE clusters ADD COLUMN centroid BLOB;            -- float32, L2-normalised, in CLIP space
ALTER TABLE clusters ADD COLUMN radius REAL;              -- a member "clearly belongs" within this
ALTER TABLE clusters ADD COLUMN member_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE clusters ADD COLUMN date_from REAL;
ALTER TABLE clusters ADD COLUMN date_to REAL;
ALTER TABLE clusters ADD COLUMN lat REAL;                 -- median place of members with GPS
ALTER TABLE clusters ADD COLUMN lon REAL;

-- How a file came into its collection: the clustering itself, an incremental join, the user.
ALTER TABLE cluster_members ADD COLUMN source TEXT NOT NULL DEFAULT 'cluster';

-- Plan items travel in groups: a photo, its RAW twin, its Live Photo movie, its .xmp/.aae
-- sidecars. The photo is the group's head; the others point at it and follow its decision.
ALTER TABLE plan_items ADD COLUMN group_item_id INTEGER REFERENCES plan_items(id) ON DELETE CASCADE;
ALTER TABLE plan_items ADD COLUMN role TEXT NOT NULL DEFAULT 'file';   -- file | companion | sidecar
ALTER TABLE plan_items ADD COLUMN edited INTEGER NOT NULL DEFAULT 0;   -- destination set by the user
CREATE INDEX plan_items_group ON plan_items(group_item_id);
ALTER TABLE plans ADD COLUMN target TEXT;                 -- base folder of destinations (NULL: each file's root)
ALTER TABLE plans ADD COLUMN report TEXT;                 -- JSON: what the last apply/undo left alone, and why

-- The journal knows which catalog file each operation moved (NULL for sidecars), how it was
-- done (rename, copy, hardlink, symlink, rmdir, mkdir), and which operation an undo reverses.
ALTER TABLE journal ADD COLUMN file_id INTEGER REFERENCES files(id) ON DELETE SET NULL;
ALTER TABLE journal ADD COLUMN method TEXT;
ALTER TABLE journal ADD COLUMN undo_of INTEGER REFERENCES journal(id) ON DELETE SET NULL;
CREATE INDEX journal_state ON journal(state);

-- Folders the user asked Shoebox to leave as they are: nothing inside is planned to move.
CREATE TABLE keep_folders (
    path      TEXT PRIMARY KEY,                           -- absolute
    added_at  REAL NOT NULL
);
