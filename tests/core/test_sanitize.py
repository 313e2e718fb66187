import os
import unicodedata

import pytest

from core.files.sanitize import (
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
