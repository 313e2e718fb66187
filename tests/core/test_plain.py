"""One fold for matching names as people type them: people, places and folder names agree."""

from core.organize.words import segment_key
from core.places.store import place_key
from core.plain import plain


def test_case_accents_and_spacing_aside():
    assert plain("  Zoë  ÅSA ") == "zoe asa"
    assert plain("Łódź") == plain("LODZ") == "lodz"          # ł has no combining mark
    assert plain("Straße") == "strasse" and plain("Ærø") == "aero"
    assert plain("") == ""


def test_people_places_and_folders_fold_alike():
    assert place_key("Łódź") == plain("Łódź") == segment_key("Łódź")
    assert place_key("   ") is None and place_key(None) is None
