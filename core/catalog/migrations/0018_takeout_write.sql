-- Takeout import with --write-metadata (issue 29): a copy given the JSON's date and position
-- in its own EXIF has other bytes than the Takeout's. takeout_journal.content_hash stays the
-- exported content (the same photo exported again is recognised); library_hash is the copy's.
ALTER TABLE takeout_journal ADD COLUMN library_hash TEXT;  -- NULL: the copy is as exported
