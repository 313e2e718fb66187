-- Text read in photos and video keyframes (OCR), and the kind of picture a photo is.

-- One row per line of text. frame_ms = -1 for a photo, else the video time of the keyframe.
-- box: the line's four corners as JSON [[x, y], ...], fractions of the image's width and
-- height (draw it on any size of the picture). The text stage replaces a file's rows whole.
CREATE TABLE text_lines (
    id          INTEGER PRIMARY KEY,
    file_id     INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    frame_ms    INTEGER NOT NULL DEFAULT -1,
    line_no     INTEGER NOT NULL,
    text        TEXT NOT NULL,
    confidence  REAL NOT NULL,
    box         TEXT NOT NULL,
    model_id    TEXT NOT NULL
);
CREATE INDEX text_lines_file ON text_lines(file_id, frame_ms, line_no);

-- Whole words and prefixes (stemmed like the other texts), and any substring of three or more
-- characters (trigram), which finds part of a word and survives some OCR slips.
CREATE VIRTUAL TABLE text_words USING fts5(
    text, content='text_lines', content_rowid='id',
    tokenize='porter unicode61 remove_diacritics 2', prefix='2 3'
);
CREATE VIRTUAL TABLE text_grams USING fts5(
    text, content='text_lines', content_rowid='id', tokenize='trigram'
);
-- Unstemmed terms, for the near-spelling match of OCR errors (fts5vocab reads its terms).
CREATE VIRTUAL TABLE text_terms USING fts5(
    text, content='text_lines', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
);
CREATE VIRTUAL TABLE text_terms_vocab USING fts5vocab('text_terms', 'row');

CREATE TRIGGER text_lines_ai AFTER INSERT ON text_lines BEGIN
    INSERT INTO text_words(rowid, text) VALUES (new.id, new.text);
    INSERT INTO text_grams(rowid, text) VALUES (new.id, new.text);
    INSERT INTO text_terms(rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER text_lines_ad AFTER DELETE ON text_lines BEGIN
    INSERT INTO text_words(text_words, rowid, text) VALUES ('delete', old.id, old.text);
    INSERT INTO text_grams(text_grams, rowid, text) VALUES ('delete', old.id, old.text);
    INSERT INTO text_terms(text_terms, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER text_lines_au AFTER UPDATE OF text ON text_lines BEGIN
    INSERT INTO text_words(text_words, rowid, text) VALUES ('delete', old.id, old.text);
    INSERT INTO text_grams(text_grams, rowid, text) VALUES ('delete', old.id, old.text);
    INSERT INTO text_terms(text_terms, rowid, text) VALUES ('delete', old.id, old.text);
    INSERT INTO text_words(rowid, text) VALUES (new.id, new.text);
    INSERT INTO text_grams(rowid, text) VALUES (new.id, new.text);
    INSERT INTO text_terms(rowid, text) VALUES (new.id, new.text);
END;

-- What kind of picture a photo is, when it is not an ordinary camera photo: a screenshot or a
-- document (a page, receipt, ticket, note). Decided by the text stage from the file name,
-- format, size, EXIF and how much of the picture is text; reason says which evidence decided.
CREATE TABLE picture_kinds (
    file_id   INTEGER PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
    kind      TEXT NOT NULL CHECK (kind IN ('screenshot', 'document')),
    reason    TEXT NOT NULL,
    model_id  TEXT NOT NULL
);
CREATE INDEX picture_kinds_kind ON picture_kinds(kind);
