-- The library grid's order (core.query.library, group "date": camera-dated files first, newest
-- first) as an index: its first page at 1M files was a sort of every row (4-9 s before the
-- first screen); with this, SQLite reads the first rows in order (~2 ms). The expressions are
-- those of _ORDERS["date"] without the table alias (tests/core/query/test_library_order.py
-- fails if they drift apart).
CREATE INDEX files_library_date ON files(
    (taken_at IS NULL OR NOT coalesce(taken_at_source IN ('exif', 'container', 'takeout', 'xmp', 'filename'), 0)),
    COALESCE(taken_at, mtime_ns / 1e9) DESC, id DESC);
