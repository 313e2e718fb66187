-- Faces found by the faces stage, and the people they are grouped into.
-- User decisions live apart from the machine's: faces.assigned_by = 'user' (the user put the
-- face there: naming, merging, hiding a person confirms its faces), face_rejections ("not
-- this person"), people.name / people.hidden. A regroup rewrites only what the machine did.

CREATE TABLE people (
    id          INTEGER PRIMARY KEY,
    name        TEXT,                       -- NULL until the user names the person
    hidden      INTEGER NOT NULL DEFAULT 0,
    created_at  REAL NOT NULL,
    updated_at  REAL NOT NULL
);

CREATE TABLE faces (
    id          INTEGER PRIMARY KEY,
    file_id     INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    frame_ms    INTEGER NOT NULL DEFAULT -1,   -- video keyframe time; -1 for a photo
    idx         INTEGER NOT NULL,              -- order in its image (biggest first): crop name
    x           REAL NOT NULL,                 -- box as fractions of the upright picture
    y           REAL NOT NULL,
    w           REAL NOT NULL,
    h           REAL NOT NULL,
    size_px     INTEGER NOT NULL,              -- smaller side, in pixels of the analysed image
    score       REAL NOT NULL,                 -- detector confidence
    sharpness   REAL NOT NULL,                 -- variance of the Laplacian of the aligned chip
    groupable   INTEGER NOT NULL,              -- 0: tiny or blurry: shown, never forms people
    model_id    TEXT NOT NULL,
    descriptor  BLOB NOT NULL,                 -- 128 float32 little-endian
    person_id   INTEGER REFERENCES people(id) ON DELETE SET NULL,
    assigned_by TEXT CHECK (assigned_by IN ('auto', 'user')),
    UNIQUE (file_id, frame_ms, idx)
);
CREATE INDEX faces_person ON faces(person_id);
CREATE INDEX faces_unassigned ON faces(model_id) WHERE person_id IS NULL;

CREATE TABLE face_rejections (                 -- "not this person": never put it back there
    face_id     INTEGER NOT NULL REFERENCES faces(id) ON DELETE CASCADE,
    person_id   INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    PRIMARY KEY (face_id, person_id)
) WITHOUT ROWID;
