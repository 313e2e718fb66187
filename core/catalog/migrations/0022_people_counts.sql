-- People's counts read from an index alone (issue 31): the People page counts each person's
-- faces and files (core.query.people.list_people). With (person_id, file_id) that is a scan of
-- this index, not a read of every face row with its descriptor (1.5 s -> 0.5 s at 1M files,
-- 675,000 faces; docs/BENCHMARKS.md, "People's counts from an index"). It serves every lookup
-- by person the narrower index served.
CREATE INDEX faces_person_file ON faces(person_id, file_id);
DROP INDEX faces_person;
