-- Which files changed what events are made from (issue 31): core/places/events.py re-cuts
-- only the stretch of the timeline around these instead of the whole library. A file's row
-- says where it was (old_at) and where it is now (new_at); file_places rows with their own
-- GPS place (what an event is named after) note the file with no times: its own is read.
-- The events code deletes the rows it has used; 'events_seq' in search_state is the last seq
-- it saw (a catalog from before this migration has none: its events are recomputed whole).
CREATE TABLE timeline_changes (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    file_id  INTEGER NOT NULL,
    old_at   REAL,                 -- taken_at before the change (NULL: new, or not a move)
    new_at   REAL                  -- after it (NULL: deleted, or not a move)
);

CREATE TRIGGER files_timeline_ai AFTER INSERT ON files BEGIN
    INSERT INTO timeline_changes(file_id, new_at) VALUES (new.id, new.taken_at);
END;
CREATE TRIGGER files_timeline_au AFTER UPDATE OF taken_at, taken_at_source, gps_lat, gps_lon,
    status, kind ON files
WHEN old.taken_at IS NOT new.taken_at OR old.taken_at_source IS NOT new.taken_at_source
     OR old.gps_lat IS NOT new.gps_lat OR old.gps_lon IS NOT new.gps_lon
     OR old.status IS NOT new.status OR old.kind IS NOT new.kind BEGIN
    INSERT INTO timeline_changes(file_id, old_at, new_at) VALUES (new.id, old.taken_at, new.taken_at);
END;
CREATE TRIGGER files_timeline_ad AFTER DELETE ON files BEGIN
    INSERT INTO timeline_changes(file_id, old_at) VALUES (old.id, old.taken_at);
END;
CREATE TRIGGER file_places_timeline_ai AFTER INSERT ON file_places WHEN new.source = 'gps' BEGIN
    INSERT INTO timeline_changes(file_id) VALUES (new.file_id);
END;
CREATE TRIGGER file_places_timeline_au AFTER UPDATE ON file_places
WHEN new.source = 'gps' OR old.source = 'gps' BEGIN
    INSERT INTO timeline_changes(file_id) VALUES (new.file_id);
END;
CREATE TRIGGER file_places_timeline_ad AFTER DELETE ON file_places WHEN old.source = 'gps' BEGIN
    INSERT INTO timeline_changes(file_id) VALUES (old.file_id);
END;

DELETE FROM search_state WHERE key = 'events_fingerprint';
