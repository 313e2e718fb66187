"""At scan: what digiKam, Lightroom and Shoebox itself wrote comes into the catalog."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pyexiv2
import pytest
from PIL import Image

from core.catalog import Catalog
from core.scan.scanner import scan
from core.xmp.packet import read_sidecar
from core.xmp.read import restore_names, suggested_names
from core.xmp.write import write_sidecars
from tests.cli_runner import run_ok
from tests.core.xmp import golden
from tests.core.xmp.helpers import plant_face, scanned
from tests.media_factory import write_jpeg

BEN = (0.6, 0.35, 0.2, 0.3)  # where the digiKam sidecar's region is


def search(capsys, query) -> list[str]:
    out = json.loads(run_ok(capsys, "search", query, "--json"))
    return [Path(h["path"]).name for h in out["hits"]]


def _digikam_library(tmp_path) -> Path:
    lib = tmp_path / "lib"
    write_jpeg(lib / "a.jpg", size=(80, 60))
    write_jpeg(lib / "b.jpg", size=(80, 60), seed=1)
    (lib / "a.jpg.xmp").write_text(golden.digikam(), encoding="utf-8")
    return lib


def test_another_programs_keywords_and_description_are_searchable(catalog, tmp_path, capsys):
    scanned(catalog, _digikam_library(tmp_path))
    assert search(capsys, "Lisbon") == ["a.jpg"]
    assert search(capsys, "tram dusk") == ["a.jpg"]
    with catalog.read() as conn:
        assert [tuple(r) for r in conn.execute("SELECT rating, source FROM ratings")] == [
            (4, "xmp")]
        assert [tuple(r) for r in conn.execute("SELECT name, mine FROM xmp_regions")] == [
            ("Ben", 0)]


def test_a_changed_sidecar_is_read_again_and_a_users_rating_wins(catalog, tmp_path, capsys):
    lib = _digikam_library(tmp_path)
    ids = scanned(catalog, lib)
    (lib / "a.jpg.xmp").write_text(golden.digikam(keywords=("Porto",), description="Harbour",
                                                  rating=2),
                                   encoding="utf-8")
    os.utime(lib / "a.jpg.xmp", ns=(1, 1))  # another size and mtime, whatever the clock
    scan(catalog)
    assert search(capsys, "Porto") == ["a.jpg"] and search(capsys, "dusk") == []
    with catalog.read() as conn:
        assert conn.execute("SELECT rating FROM ratings").fetchone()[0] == 2
    catalog.write(lambda c: c.execute("UPDATE ratings SET rating = 5, source = 'user' "
                                      "WHERE file_id = ?", (ids["a.jpg"],)))
    (lib / "a.jpg.xmp").write_text(golden.digikam(rating=1), encoding="utf-8")
    scan(catalog)
    with catalog.read() as conn:
        assert tuple(conn.execute("SELECT rating, source FROM ratings").fetchone()) == (5, "user")


def test_keywords_embedded_in_a_jpeg_are_searchable(catalog, tmp_path, capsys):
    photo = write_jpeg(tmp_path / "lib" / "c.jpg")
    with pyexiv2.Image(str(photo)) as img:  # as a camera app or another program wrote it
        img.modify_xmp({"Xmp.dc.subject": ["Aurora"]})
        img.modify_iptc({"Iptc.Application2.Keywords": ["Tromsø"]})
    scanned(catalog, tmp_path / "lib")
    assert search(capsys, "aurora") == ["c.jpg"]
    assert search(capsys, "Tromsø") == ["c.jpg"]


_PACKET = ('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/'
           '02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/'
           'xap/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmp:Rating="3"><dc:subject>'
           '<rdf:Bag><rdf:li>Aurora</rdf:li></rdf:Bag></dc:subject></rdf:Description>'
           '</rdf:RDF></x:xmpmeta>')


@pytest.mark.parametrize("ext", ["png", "tiff", "webp", "heic"])
def test_keywords_embedded_in_other_formats_are_searchable(catalog, tmp_path, capsys, ext):
    photo = tmp_path / "lib" / f"d.{ext}"
    photo.parent.mkdir(parents=True)
    if ext == "heic":  # exiv2 reads HEIC but does not write it: the encoder puts the XMP in
        Image.new("RGB", (64, 48), "red").save(photo, xmp=_PACKET.encode())
    else:
        Image.new("RGB", (64, 48), "red").save(photo)
        with pyexiv2.Image(str(photo)) as img:
            img.modify_xmp({"Xmp.dc.subject": ["Aurora"], "Xmp.xmp.Rating": "3"})
    scanned(catalog, tmp_path / "lib")
    assert search(capsys, "aurora") == [photo.name]
    with catalog.read() as conn:
        assert conn.execute("SELECT rating FROM ratings").fetchone()[0] == 3


def test_another_programs_region_suggests_a_name_and_never_renames(catalog, tmp_path):
    ids = scanned(catalog, _digikam_library(tmp_path))
    _, unnamed = plant_face(catalog, ids["a.jpg"], (0.62, 0.37, 0.2, 0.3), by="auto")
    plant_face(catalog, ids["a.jpg"], (0.0, 0.0, 0.2, 0.2), by="auto", idx=1)
    with catalog.read() as conn:
        assert suggested_names(conn) == {unnamed: "Ben"}
    catalog.write(lambda c: c.execute("UPDATE people SET name = 'Robert' WHERE id = ?",
                                      (unnamed,)))
    with catalog.read() as conn:
        assert suggested_names(conn) == {}
    assert catalog.write(restore_names) == 0  # another program's region names nobody


def test_a_deleted_catalog_comes_back_with_its_names(paths, tmp_path):
    lib = tmp_path / "lib"
    write_jpeg(lib / "portrait.jpg", size=(80, 60), orientation=6)
    write_jpeg(lib / "other.jpg", size=(80, 60), orientation=8, seed=1)
    box, box2 = (0.1, 0.2, 0.3, 0.25), (0.5, 0.5, 0.2, 0.2)
    catalog = Catalog.open(paths)
    ids = scanned(catalog, lib)
    _, anna = plant_face(catalog, ids["portrait.jpg"], box, name="Anna")
    plant_face(catalog, ids["other.jpg"], box2, person_id=anna)
    plant_face(catalog, ids["other.jpg"], (0.0, 0.0, 0.2, 0.2), name="Ben", idx=1)
    assert write_sidecars(catalog).written == 2
    catalog.close()
    for f in paths.catalog.parent.glob(paths.catalog.name + "*"):
        f.unlink()

    catalog = Catalog.open(paths)
    try:
        ids = scanned(catalog, lib)
        # the faces stage finds the same faces again (a little off), people not yet named
        _, p1 = plant_face(catalog, ids["portrait.jpg"], (0.11, 0.21, 0.3, 0.25), by="auto")
        plant_face(catalog, ids["other.jpg"], (0.51, 0.5, 0.2, 0.2), person_id=p1, by="auto")
        _, p2 = plant_face(catalog, ids["other.jpg"], (0.0, 0.01, 0.2, 0.2), by="auto", idx=1)
        assert catalog.write(restore_names) == 2  # two people named
        with catalog.read() as conn:
            names = dict(conn.execute("SELECT id, name FROM people").fetchall())
        assert names == {p1: "Anna", p2: "Ben"}
    finally:
        catalog.close()


def test_the_suggestion_reaches_the_people_list_and_naming_confirms_it(catalog, tmp_path,
                                                                       capsys):
    ids = scanned(catalog, _digikam_library(tmp_path))
    _, pid = plant_face(catalog, ids["a.jpg"], (0.6, 0.36, 0.2, 0.3), by="auto")
    people = json.loads(run_ok(capsys, "people", "--json"))["people"]
    assert [(p["id"], p["name"], p["suggested_name"]) for p in people] == [(pid, None, "Ben")]
    assert f'shoebox people name {pid} "Ben"' in run_ok(capsys, "people")
    run_ok(capsys, "people", "name", str(pid), "Ben")
    people = json.loads(run_ok(capsys, "people", "--json"))["people"]
    assert [(p["name"], p["suggested_name"]) for p in people] == [("Ben", None)]


def test_a_broken_sidecar_fails_nothing_and_is_never_overwritten(catalog, tmp_path, capsys):
    lib = tmp_path / "lib"
    write_jpeg(lib / "a.jpg")
    write_jpeg(lib / "b.jpg", seed=1)
    (lib / "a.jpg.xmp").write_bytes(b"<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF broken")
    ids = scanned(catalog, lib)
    assert len(ids) == 2  # the scan went on
    plant_face(catalog, ids["a.jpg"], BEN, name="Anna")
    out = run_ok(capsys, "metadata", "write")
    assert "left as it was" in out and str(lib / "a.jpg.xmp") in out
    assert (lib / "a.jpg.xmp").read_bytes().endswith(b"broken")
    assert sorted(os.listdir(lib)) == ["a.jpg", "a.jpg.xmp", "b.jpg"]  # no temporary left


def test_shoebox_show_tells_keywords_description_and_rating(catalog, tmp_path, capsys):
    lib = _digikam_library(tmp_path)
    scanned(catalog, lib)
    out = run_ok(capsys, "show", str(lib / "a.jpg"))
    assert "keywords   Lisbon, Ben" in out and "Tram 28 at dusk" in out and "****" in out


def test_a_sidecars_date_dates_a_photo_that_only_its_name_or_mtime_dated(catalog, tmp_path):
    lib = tmp_path / "lib"
    write_jpeg(lib / "scan.jpg")                                  # no EXIF date
    write_jpeg(lib / "camera.jpg", seed=1, taken="2020:01:02 03:04:05")
    date = ('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/'
            '02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:exif="http://ns.adobe.'
            'com/exif/1.0/" exif:DateTimeOriginal="1987-06-05T04:03:02"/></rdf:RDF></x:xmpmeta>')
    for name in ("scan.jpg", "camera.jpg"):
        (lib / f"{name}.xmp").write_text(date, encoding="utf-8")
    scanned(catalog, lib)

    def dates():
        with catalog.read() as conn:
            return {r[0]: (time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(r[1])), r[2])
                    for r in conn.execute("SELECT name, taken_at, taken_at_source FROM files")}
    assert dates() == {"scan.jpg": ("1987-06-05 04:03:02", "xmp"),
                       "camera.jpg": ("2020-01-02 03:04:05", "exif")}  # EXIF comes first
    os.utime(lib / "scan.jpg", ns=(5, 5))  # touched: the scanner dates it again, then the XMP
    scan(catalog)
    assert dates()["scan.jpg"] == ("1987-06-05 04:03:02", "xmp")
    (lib / "scan.jpg.xmp").unlink()
    scan(catalog)
    assert dates()["scan.jpg"][1] == "mtime"


def test_a_date_shoebox_wrote_keeps_its_own_source(catalog, tmp_path):
    write_jpeg(tmp_path / "lib" / "IMG_20230402_101500.jpg")
    scanned(catalog, tmp_path / "lib")
    catalog.write(lambda c: c.execute("INSERT INTO tags(file_id, tag, source) SELECT id, "
                                      "'kite', 'user' FROM files"))
    assert write_sidecars(catalog).written == 1
    scan(catalog)
    with catalog.read() as conn:
        assert conn.execute("SELECT taken_at_source FROM files").fetchone()[0] == "filename"


def test_latin1_iptc_keywords_are_read(catalog, tmp_path, capsys):
    photo = write_jpeg(tmp_path / "lib" / "e.jpg")
    with pyexiv2.Image(str(photo)) as img:  # an old program: Latin-1, no character set named
        img.modify_iptc({"Iptc.Application2.Keywords": ["Málaga"]}, encoding="latin-1")
    scanned(catalog, tmp_path / "lib")
    assert search(capsys, "Málaga") == ["e.jpg"]


def test_an_empty_sidecar_and_a_bare_rdf_one_are_read_and_merged(catalog, tmp_path):
    lib = tmp_path / "lib"
    write_jpeg(lib / "a.jpg")
    write_jpeg(lib / "b.jpg", seed=1)
    (lib / "a.jpg.xmp").write_bytes(b"")
    (lib / "b.jpg.xmp").write_text(
        '<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:Rating="2"/>'
        '</rdf:RDF>', encoding="utf-8")
    ids = scanned(catalog, lib)
    with catalog.read() as conn:
        assert [tuple(r) for r in conn.execute("SELECT file_id, rating FROM ratings")] == [
            (ids["b.jpg"], 2)]
    for name in ("a.jpg", "b.jpg"):
        plant_face(catalog, ids[name], BEN, name="Anna")
    assert write_sidecars(catalog).written == 2
    assert read_sidecar(str(lib / "b.jpg.xmp")).rating == 2
    assert [r.name for r in read_sidecar(str(lib / "a.jpg.xmp")).regions] == ["Anna"]
