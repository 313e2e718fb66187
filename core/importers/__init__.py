"""Bringing a library in from elsewhere (Google Takeout)."""
