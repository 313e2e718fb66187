-- Camera RAW files become photos (decoded from their embedded preview), except a RAW beside
-- its JPEG or HEIC twin, which stays kind 'other' as that photo's companion. RAWs were
-- recorded without reading them (no date, size or camera), so the next scan re-examines each
-- one: an mtime no file has makes it look changed. Its content hash is kept, so nothing that
-- refers to the file is lost, and the scan settles its kind.
UPDATE files SET mtime_ns = -1 WHERE format = 'raw';
