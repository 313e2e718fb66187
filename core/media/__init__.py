"""Decoding media files into pixels and samples (images here; video and audio beside it)."""
