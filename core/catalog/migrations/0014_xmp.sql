-- Metadata that travels (issue 28): what XMP sidecars and embedded XMP/IPTC say about a file.

-- Ratings and favourites, whoever set them: 'xmp' (a sidecar or the file's own XMP),
-- 'takeout' (Google Takeout's JSON), 'user' (set in Shoebox). One row per file.
CREATE TABLE ratings (
    file_id   INTEGER PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
    rating    INTEGER CHECK (rating BETWEEN -1 AND 5),  -- xmp:Rating; -1: rejected
    favorite  INTEGER NOT NULL DEFAULT 0,
    source    TEXT NOT NULL
);

-- What was read from a file's sidecar (or embedded XMP), and from which sidecar state: the
-- scan reads again only when the file or its sidecar changed. Keywords and description are
-- searchable through fts_docs (field 'keywords').
CREATE TABLE xmp_reads (
    file_id     INTEGER PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
    stamp       TEXT NOT NULL,            -- content hash + sidecar path, size and mtime
    keywords    TEXT,                     -- dc:subject and lr:hierarchicalSubject, one a line
    description TEXT,
    taken_at    REAL                      -- a capture date in the sidecar (source 'xmp')
);

-- Named regions other programs (or Shoebox, `mine` = 1) wrote: areas as fractions of the
-- displayed (upright) picture, top-left corner, as faces.x/y/w/h.
CREATE TABLE xmp_regions (
    id       INTEGER PRIMARY KEY,
    file_id  INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    name     TEXT NOT NULL,
    x        REAL NOT NULL,
    y        REAL NOT NULL,
    w        REAL NOT NULL,
    h        REAL NOT NULL,
    mine     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX xmp_regions_file ON xmp_regions(file_id);
