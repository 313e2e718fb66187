"""Metadata that travels (issue 28): XMP sidecars other programs read, and what they wrote.

    packet.py   the one place that talks to the XMP library (pyexiv2, exiv2 inside its wheels):
                read a sidecar or a file's embedded XMP/IPTC, merge Shoebox's fields into a
                sidecar keeping every other program's fields
    sidecars.py where a file's sidecar lives (IMG_1.jpg.xmp; a RAW's Lightroom IMG_1.xmp), and
                which sidecar writes were Shoebox's own (the watcher ignores them)
    write.py    `shoebox metadata write`: what the catalog knows, into each file's sidecar
    read.py     at scan: keywords, descriptions, ratings and named regions into the catalog;
                names from regions for the people the faces stage found

pyexiv2 over python-exiv2 (`exiv2`): a 1.6 MB wheel against 15.7 MB and a dict API that
writes MWG regions as flat keys; a sidecar write + read costs both 1.2-1.9 ms
(benchmarks/bench_xmp_libraries.py).
"""
