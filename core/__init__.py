"""Shoebox's domain: catalog, scanning, pipeline, search, clustering, organizing. No Qt here."""

__version__ = "0.1.0"
