-- Plans a person would accept (issue 15): what the naming step repaired in an LLM's answer,
-- and why (a JSON list of sentences, shown in the review next to the collection).
ALTER TABLE clusters ADD COLUMN notes TEXT;
