"""Denmark's 98 municipalities (issue 16): the names a partnership's "Kommune" is chosen
from in the web UI.

Source: the municipalities of the 2007 structural reform, as listed by Danmarks Statistik
and the Danish Agency for Data Supply's register of municipalities (DAGI, "kommuner",
https://api.dataforsyningen.dk/kommuner), in the short form used there and in everyday
speech (København, not Københavns Kommune; Bornholm, not Bornholms Regionskommune).
Unchanged since 2007; checked 2026-12.
"""

from __future__ import annotations

from aggregates.danish import fold, sort_key

MUNICIPALITIES: tuple[str, ...] = tuple(
    sorted(
        (
            # Region Hovedstaden (29)
            "Albertslund", "Allerød", "Ballerup", "Bornholm", "Brøndby", "Dragør", "Egedal",
            "Fredensborg", "Frederiksberg", "Frederikssund", "Furesø", "Gentofte", "Gladsaxe",
            "Glostrup", "Gribskov", "Halsnæs", "Helsingør", "Herlev", "Hillerød", "Hvidovre",
            "Høje-Taastrup", "Hørsholm", "Ishøj", "København", "Lyngby-Taarbæk", "Rudersdal",
            "Rødovre", "Tårnby", "Vallensbæk",
            # Region Sjælland (17)
            "Faxe", "Greve", "Guldborgsund", "Holbæk", "Kalundborg", "Køge", "Lejre", "Lolland",
            "Næstved", "Odsherred", "Ringsted", "Roskilde", "Slagelse", "Solrød", "Sorø",
            "Stevns", "Vordingborg",
            # Region Syddanmark (22)
            "Aabenraa", "Assens", "Billund", "Esbjerg", "Faaborg-Midtfyn", "Fanø", "Fredericia",
            "Haderslev", "Kerteminde", "Kolding", "Langeland", "Middelfart", "Nordfyns",
            "Nyborg", "Odense", "Svendborg", "Sønderborg", "Tønder", "Varde", "Vejen", "Vejle",
            "Ærø",
            # Region Midtjylland (19)
            "Aarhus", "Favrskov", "Hedensted", "Herning", "Holstebro", "Horsens",
            "Ikast-Brande", "Lemvig", "Norddjurs", "Odder", "Randers", "Ringkøbing-Skjern",
            "Samsø", "Silkeborg", "Skanderborg", "Skive", "Struer", "Syddjurs", "Viborg",
            # Region Nordjylland (11)
            "Aalborg", "Brønderslev", "Frederikshavn", "Hjørring", "Jammerbugt", "Læsø",
            "Mariagerfjord", "Morsø", "Rebild", "Thisted", "Vesthimmerlands",
        ),
        key=sort_key,
    )
)  # fmt: skip
"""The 98 names, in Danish alphabetical order (Aabenraa, Aalborg and Aarhus last)."""

_BY_FOLD = {fold(name): name for name in MUNICIPALITIES}
_FULL_FORM = (" kommune", " regionskommune", "s kommune", "s regionskommune")


def municipality_named(text: str) -> str | None:
    """The municipality `text` names, spelt as in the list, or None: case, the Danish
    letters (Ishoj, Aero) and a trailing "Kommune" ("Københavns Kommune") do not matter."""
    key = fold(" ".join(text.split()))
    if key in _BY_FOLD:
        return _BY_FOLD[key]
    for tail in _FULL_FORM:
        if key.endswith(tail) and key[: -len(tail)] in _BY_FOLD:
            return _BY_FOLD[key[: -len(tail)]]
    return None
