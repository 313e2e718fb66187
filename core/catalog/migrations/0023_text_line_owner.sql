-- Each OCR line's file read from an index alone (issue 31): the text-in-photos list ranks up
-- to 2,000 lines a way and needs each one's file (core.search.photo_text). Looked up in the
-- table, each line's wide row (text, box, model) is read for its file_id: ~2 ms of a way's
-- ~4.5 ms at 1M files; from this narrow index, ~0.7 ms less a way (docs/BENCHMARKS.md,
-- "Lines' files from an index").
CREATE INDEX text_lines_owner ON text_lines(id, file_id);
