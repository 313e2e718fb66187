"""Keeping the catalog in step with the user's folders: walk, detect changes, read metadata, watch."""
