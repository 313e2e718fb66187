-- Cull (issue 30): look-alike shots stacked with the best one on top, and what each shot's
-- pixels say about its quality. Stacks are a view over files: nothing moves when they change.

-- One stack of look-alike photos. cover_id is the photo shown for the stack (the grid's one
-- tile, search's one result): the user's pick where there is one, else the best-scored shot.
CREATE TABLE stacks (
    id          INTEGER PRIMARY KEY,
    cover_id    INTEGER NOT NULL UNIQUE REFERENCES files(id) ON DELETE CASCADE,
    best_id     INTEGER REFERENCES files(id) ON DELETE SET NULL,  -- the machine's choice
    size        INTEGER NOT NULL,          -- members, the cover included
    reason      TEXT,                      -- why the cover is the one, in words
    started_at  REAL,                      -- capture time of the first and last member
    ended_at    REAL,
    created_at  REAL NOT NULL
);
-- hidden = 1 for every member but the cover: the grid folds them under the cover's tile.
CREATE TABLE stack_members (
    file_id     INTEGER PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
    stack_id    INTEGER NOT NULL REFERENCES stacks(id) ON DELETE CASCADE,
    hidden      INTEGER NOT NULL DEFAULT 1,
    rank        INTEGER NOT NULL DEFAULT 0   -- 0: the best-scored; then in score order
);
CREATE INDEX stack_members_stack ON stack_members(stack_id);
CREATE INDEX stack_members_hidden ON stack_members(stack_id) WHERE hidden = 1;

-- "This one is the best of its look-alikes": the user's pick, kept apart from the machine's
-- results so restacking and rescoring never lose it.
CREATE TABLE stack_picks (
    file_id     INTEGER PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
    picked_at   REAL NOT NULL
);

-- What a photo's pixels say, measured once per content (content_hash: a changed file is
-- measured again). sharpness: variance of the Laplacian over the faces, else the centre, on
-- a fixed-size decode; clipped_*: share of pixels blown out / crushed; brightness: mean
-- luma 0-1. eyes_closed: faces with both eyes shut, NULL when no eye model ran. signature:
-- a tiny grey thumbnail and colour histogram (core.cull.quality.scene_signature) that tells a
-- retry of one scene from another scene where no CLIP vector is there.
CREATE TABLE shot_quality (
    file_id      INTEGER PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
    content_hash TEXT,
    sharpness    REAL NOT NULL,
    focus        TEXT NOT NULL CHECK (focus IN ('faces', 'centre')),
    faces        INTEGER NOT NULL DEFAULT 0,
    clipped_high REAL NOT NULL,
    clipped_low  REAL NOT NULL,
    brightness   REAL NOT NULL,
    eyes_closed  INTEGER,
    phash        INTEGER,
    signature    BLOB,
    computed_at  REAL NOT NULL
);
