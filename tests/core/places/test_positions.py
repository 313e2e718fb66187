"""Where a file says it was: EXIF GPS of photos, ISO 6709 tags of videos. Bad positions are
no position — never a crash, never Null Island."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import pytest
from PIL import Image
from PIL.TiffImagePlugin import IFDRational

from core.scan.metadata import parse_iso6709, read_info
from tests.media_factory import gradient, write_jpeg, write_video


def jpeg_with_gps(path: Path, gps_tags: dict) -> Path:
    exif = Image.Exif()
    exif[306] = "2021:05:01 10:00:00"
    g = exif.get_ifd(0x8825)
    g.update(gps_tags)
    gradient().save(path, "JPEG", exif=exif.tobytes())
    return path


def F(*xs):
    return tuple(Fraction(x) for x in xs)


@pytest.mark.parametrize("tags", [
    {1: "N", 2: F(0, 0, 0), 3: "E", 4: F(0, 0, 0)},                      # Null Island
    {1: "N", 2: F(95, 0, 0), 3: "E", 4: F(10, 0, 0)},                     # off the globe
    {1: "N", 2: F(45, 0, 0), 3: "E", 4: F(190, 0, 0)},
    {1: "N", 2: F(45, 75, 0), 3: "E", 4: F(10, 0, 0)},                    # 75 minutes
    {1: "N", 2: (IFDRational(45, 0), IFDRational(0), IFDRational(0)),
     3: "E", 4: F(10, 0, 0)},                                             # x/0
    {1: "N", 2: F(45, 0), 3: "E", 4: F(10, 0, 0)},                        # two numbers
    {1: "N", 2: Fraction(45), 3: "E", 4: F(10, 0, 0)},                    # one number
    {1: "N", 2: F(45, 0, 0)},                                             # no longitude
    {1: "N", 2: F(45, 0, 0), 3: "E", 4: F(10, 0, 0), 9: "V"},             # void fix
])
def test_bad_exif_positions_are_no_position(tmp_path, tags):
    info = read_info(str(jpeg_with_gps(tmp_path / "a.jpg", tags)), "photo", "jpeg")
    assert (info.gps_lat, info.gps_lon) == (None, None)
    assert info.error is None and info.taken_at is not None      # the rest is still read


def test_good_exif_position_south_west(tmp_path):
    info = read_info(str(write_jpeg(tmp_path / "a.jpg", gps=(-33.0458, -71.6197))),
                     "photo", "jpeg")
    assert info.gps_lat == pytest.approx(-33.0458, abs=1e-5)
    assert info.gps_lon == pytest.approx(-71.6197, abs=1e-5)


def test_garbled_gps_block_keeps_the_rest(tmp_path):
    """A GPS IFD pointer into garbage: the photo is read, without a position."""
    path = write_jpeg(tmp_path / "a.jpg", taken="2021:05:01 10:00:00", gps=(45.0, 10.0))
    data = bytearray(path.read_bytes())
    at = max(data.find(b"\x25\x88\x04\x00"), data.find(b"\x88\x25\x00\x04"))  # GPS IFD entry
    assert at > 0
    data[at + 8:at + 12] = b"\xff\xff\xff\x7f"   # its offset now points far past the end
    path.write_bytes(bytes(data))
    info = read_info(str(path), "photo", "jpeg")
    assert (info.gps_lat, info.gps_lon) == (None, None)
    assert info.width == 64


@pytest.mark.parametrize("text, want", [
    ("+35.0116+135.7681+012.345/", (35.0116, 135.7681)),       # Apple, with altitude
    ("+35.0116+135.7681/", (35.0116, 135.7681)),               # Android
    ("-3302.75-07137.18/", (-33.04583, -71.61967)),            # degrees and minutes
    ("+350042.1+1354605.2/", (35.01169, 135.76811)),           # degrees, minutes, seconds
    ("+00.0000+000.0000/", None), ("+95.0+010.0/", None), ("+35.0+999.0/", None),
    ("+3575.0+13546.0/", None), ("", None), ("Kyoto", None), (None, None), (b"\xff", None),
])
def test_iso6709(text, want):
    got = parse_iso6709(text)
    assert got == (pytest.approx(want, abs=1e-4) if want else None)


def _remux_with(src: Path, dst: Path, metadata: dict, options: dict | None = None) -> Path:
    with av.open(str(src)) as i, av.open(str(dst), "w", options=options or {}) as o:
        o.metadata.update(metadata)
        s = o.add_stream_from_template(i.streams.video[0])
        for pk in i.demux(i.streams.video[0]):
            if pk.dts is not None:
                pk.stream = s
                o.mux(pk)
    return dst


def test_video_locations_from_mp4_and_quicktime_tags(tmp_path):
    src = write_video(tmp_path / "src.mp4", audio=None)
    mp4 = _remux_with(src, tmp_path / "phone.mp4", {"location": "+35.0116+135.7681/"})
    info = read_info(str(mp4), "video", "mp4")
    assert (info.gps_lat, info.gps_lon) == (35.0116, 135.7681)
    mov = _remux_with(src, tmp_path / "iphone.mov",
                      {"com.apple.quicktime.location.ISO6709": "-33.0458-071.6197+010.000/"},
                      {"movflags": "use_metadata_tags"})
    with av.open(str(mov)) as c:
        assert "com.apple.quicktime.location.ISO6709" in c.metadata
    info = read_info(str(mov), "video", "mov")
    assert (info.gps_lat, info.gps_lon) == (-33.0458, -71.6197)
    null = _remux_with(src, tmp_path / "null.mp4", {"location": "+00.0000+000.0000/"})
    info = read_info(str(null), "video", "mp4")
    assert (info.gps_lat, info.gps_lon) == (None, None) and info.error is None


def test_old_catalog_migrates_with_its_search_text_and_without_null_island(paths):
    """A catalog made before 0007 (with Null Island stored) keeps its words, loses (0, 0)."""
    from core.catalog import Catalog
    from core.catalog.connection import connect
    from core.catalog.migrate import applied_versions, available_migrations, split_statements

    paths.catalog.parent.mkdir(parents=True, exist_ok=True)
    conn = connect(paths.catalog)
    applied_versions(conn)
    for version, name, sql in available_migrations():
        if version >= 7:
            break
        for st in split_statements(sql):
            conn.execute(st)
        conn.execute("INSERT INTO schema_migrations VALUES (?, ?, 0)", (version, name))
    conn.execute("INSERT INTO roots(path, added_at) VALUES ('/lib', 0)")
    for i, gps in enumerate([(0.0, 0.0), (45.0, 10.0), (120.0, 10.0)]):
        conn.execute("INSERT INTO files(root_id, path, folder, name, kind, format, size, "
                     "mtime_ns, gps_lat, gps_lon, first_seen_at) VALUES (1, ?, '/lib/Lisbon', "
                     "?, 'photo', 'jpeg', 1, 0, ?, ?, 0)", (f"/lib/Lisbon/{i}.jpg", f"{i}.jpg", *gps))
    conn.execute("INSERT INTO captions VALUES (2, 'm', 'a tram on a hill', 0)")
    conn.close()
    cat = Catalog.open(paths)
    try:
        with cat.read() as c:
            assert [tuple(r) for r in c.execute("SELECT gps_lat, gps_lon FROM files ORDER BY id")] == [
                (None, None), (45.0, 10.0), (None, None)]
            c.execute("INSERT INTO fts(fts) VALUES ('integrity-check')")
            hits = c.execute("SELECT d.file_id, d.field FROM fts JOIN fts_docs d ON "
                             "d.id = fts.rowid WHERE fts MATCH 'tram'").fetchall()
            assert [tuple(h) for h in hits] == [(2, "caption")]
            assert len(c.execute("SELECT * FROM fts WHERE fts MATCH 'lisbon'").fetchall()) == 3
        cat.write(lambda c: c.execute("INSERT INTO captions VALUES (1, 'm', 'a tram', 0)"))
        with cat.read() as c:                  # the triggers of schema 1 still work
            assert c.execute("SELECT count(*) FROM fts WHERE fts MATCH 'tram'").fetchone()[0] == 2
    finally:
        cat.close()
