import os
import random
import unicodedata

import pytest

from core.files import sanitize
from core.files.sanitize import (
    InsideCheck,
    UnsafeDestination,
    fold,
    is_inside,
    safe_destination,
    sanitize_filename,
    sanitize_relpath,
    sanitize_segment,
)

RESERVED = ["CON", "con", "PRN", "AUX", "NUL", "nul.txt", "Com1", "COM9", "LPT1", "lpt9.jpg",
            "CON .jpg", "CONIN$", "COM¹"]
HOSTILE = [
    "..", ".", "../..", "../../etc/passwd", "..\\..\\Windows\\System32", "/etc/passwd",
    "C:\\Users\\x", "a/b", "a\\b", "a:b", "x\x00y", "tab\there", "new\nline", "\x1b[31mred",
    "bell\x07", "  spaced  ", "...dots...", ". .", " .hidden", "trailing.", "trailing ",
    "x" * 1000, "é" * 400, "🏖️" * 200, "👨‍👩‍👧‍👦 family", "\u202eevil\u202c.jpg",
    "rtl \u200fmark\u200e", "zero\u200bwidth", "<>:\"|?*", "e\u0301te", "ﬁle", "\ud7ff",
    "\u2028sep\u2029", "-", "—", "", "   ", "\u3000ideographic\u3000", *RESERVED,
]


def _valid_segment(s: str) -> None:
    assert s and s not in (".", "..")
    assert "/" not in s and "\\" not in s and ":" not in s
    assert not any(unicodedata.category(c).startswith("C") for c in s if c != "\u200d")
    assert not any(c in s for c in '<>"|?*')
    assert s == s.strip(" .")
    assert len(s.encode("utf-8")) <= 255 and len(s.encode("utf-16-le")) // 2 <= 255
    assert unicodedata.normalize("NFC", s) == s
    assert s.split(".")[0].rstrip().upper() not in {r.split(".")[0].strip().upper() for r in
                                                     ["CON", "PRN", "AUX", "NUL", "COM1", "COM9",
                                                      "LPT1", "LPT9", "CONIN$", "COM¹"]}


@pytest.mark.parametrize("raw", HOSTILE)
def test_every_hostile_segment_is_repaired_into_one_plain_name(raw):
    _valid_segment(sanitize_segment(raw))
    _valid_segment(sanitize_filename(raw + ".jpg"))
    rel = sanitize_relpath(raw)
    assert not os.path.isabs(rel) and len(rel.split("/")) <= 3
    for seg in rel.split("/"):
        _valid_segment(seg)


def test_repairs_keep_what_can_be_kept():
    assert sanitize_segment("Travel: Italy/Venice") == "Travel - Italy - Venice"
    assert sanitize_segment("CON") == "CON_"
    assert sanitize_filename("nul.txt") == "nul_.txt"
    assert sanitize_relpath("../../Travel/./Italy 2024//Venice/extra") == "Travel/Italy 2024/Venice"
    assert sanitize_relpath("C:\\Users\\me") == "Users/me"
    assert sanitize_segment("🏖️ Beach") == "🏖️ Beach"  # emoji are fine in names
    assert sanitize_segment("\u202eevil") == "evil"   # bidi overrides are not
    assert sanitize_segment("e\u0301te") == "\u00e9te"  # NFC
    long = sanitize_filename("x" * 1000 + ".jpeg")
    assert long.endswith(".jpeg") and len(long.encode()) <= 255
    assert len(sanitize_segment("x" * 1000)) <= 64


def test_names_differing_only_in_case_fold_to_one_key():
    assert fold("Beach") == fold("BEACH") == fold("beach")
    assert fold("Straße") == fold("STRASSE")


def test_no_destination_escapes_the_root(tmp_path):
    root = tmp_path / "lib"
    root.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    for raw in HOSTILE:
        dest = safe_destination(root, raw, raw + ".jpg")
        assert is_inside(dest, root), (raw, dest)
        assert str(dest.resolve()).startswith(str(root.resolve()) + os.sep)
    # a link inside the root that points outside is caught on the resolved path
    (root / "Sneaky").symlink_to(outside, target_is_directory=True)
    with pytest.raises(UnsafeDestination):
        safe_destination(root, "Sneaky/Inner", "a.jpg")


def _names() -> list[str]:
    """Names at the edges of what sanitising leaves as it is, and many random ones."""
    rng = random.Random(7)
    alphabet = "aZ09_ ()-.'&+,é\t:/\u200d"
    edges = ["IMG_0001.JPG", "IMG_0001 (2).JPG", "a.b c", "a..jpg", "a. jpg", "abc.", ".hidden",
             ".hidden.jpg", "file.tar.gz", "x.verylongextension1", "x.verylongexten",
             "x" * 250 + ".jpeg", "x" * 251 + ".jpeg", "x" * 255, "x" * 256, "x" * 64, "x" * 65,
             "a  b.jpg", "-a.jpg", "a-.jpg", "(1).jpg", "con.jpg", "Com1.txt", "CON .jpg",
             "lpt9", "x.con", "nul", "NUL.tar.gz", "aux .txt", "COM0", "conx.jpg", "con_.jpg",
             "xcon.jpg", "Lpt1 .jpg", "com10.jpg", "prn.", "ok .jpg", "ok. .jpg", "'quoted'.png", "a,b&c+d.jpg"]
    randoms = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12)))
               for _ in range(4000)]
    devices = ["".join(rng.choice("CONPRAUXLMcon19 .") for _ in range(rng.randint(3, 7)))
               for _ in range(2000)]   # reserved device names, and their near misses
    return edges + HOSTILE + randoms + devices


def test_the_quick_paths_leave_every_name_as_the_full_repair_does(monkeypatch):
    """A plan sanitises every name of the library, so names that need no repair skip it: the
    answers must be the full repair's, at every length limit."""
    names = _names()

    def answers():
        return ([sanitize_filename(n) for n in names],
                [[sanitize_segment(n, max_chars=m) for n in names] for m in (None, 8, 16, 64)],
                [sanitize_relpath(n) for n in names])

    quick = answers()
    monkeypatch.setattr(sanitize, "_plain", lambda s, max_chars: False)
    assert answers() == quick


def test_many_destinations_checked_at_once_answer_as_one_at_a_time(tmp_path):
    root = tmp_path / "lib"
    (root / "In").mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x.jpg").write_bytes(b"")
    (root / "Out").symlink_to(outside, target_is_directory=True)
    (root / "In" / "escape.jpg").symlink_to(outside / "x.jpg")   # a link as the name itself
    (root / "In" / "dangling.jpg").symlink_to(outside / "gone.jpg")
    paths = [root / "In" / "a.jpg", root / "In" / "escape.jpg", root / "In" / "dangling.jpg",
             root / "In" / "b.jpg", root / "Out" / "a.jpg", root / "New" / "2024" / "a.jpg",
             root / "In" / ".." / ".." / "a.jpg", tmp_path / "a.jpg"]
    check = InsideCheck()
    for _ in range(2):  # the second round answers from what the first learnt of each folder
        assert [check(str(p), str(root)) for p in paths] == \
            [is_inside(p, root) for p in paths] == [True, False, False, True, False, True,
                                                     False, False]
