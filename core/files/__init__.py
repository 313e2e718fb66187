"""What Shoebox knows of a file from its name and metadata alone, with no catalog and no
decoding: its kind, its capture date, whether a GPS position is real, a safe name. The lowest
rooms of core: every other subpackage may import them, they import none."""
