"""Danish first, English second: the UI's texts and how a request picks its language.

Templates write their texts in Danish and wrap them in `_()`; `ENGLISH` maps each to its
English text. A text without an English entry shows in Danish (a test lists the missing
ones). Taxonomy values show with their Danish label (`Labelled.label_da`) or, in English,
with `ENGLISH_LABELS` (else the value, readable).

A refused change (a broken domain rule) is not in this catalogue: its Danish sentence
comes with the error (`DomainError.da` and its facts), and in English the UI shows the
API's own English `detail`, ids replaced by names (api/ui/refusals.py). One English
wording per rule, the same in the API and the UI.

The language comes from `?lang=da|en` (remembered in a cookie), else the cookie, else
the browser's Accept-Language, else Danish.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any

LOCALES = ("da", "en")
DEFAULT_LOCALE = "da"
LANG_COOKIE = "tvaers_lang"
MISSING_ENGLISH: set[str] = set()  # texts shown in English without a translation (tests)


def locale_from(query: str | None, cookie: str | None, accept_language: str | None) -> str:
    for choice in (query, cookie):
        if choice in LOCALES:
            return choice
    for part in (accept_language or "").split(","):
        tag = part.split(";", 1)[0].strip().lower()
        if tag.startswith("da") or tag.startswith("nb") or tag.startswith("nn"):
            return "da"
        if tag.startswith("en"):
            return "en"
    return DEFAULT_LOCALE


def english(texts: dict[str, str]) -> None:
    """Add a page module's English texts (Danish text → English) to the catalogue."""
    clash = {k for k, v in texts.items() if ENGLISH.get(k, v) != v}
    assert not clash, f"two English texts for {sorted(clash)}"
    ENGLISH.update(texts)


def translator(locale: str) -> Callable[..., str]:
    """`_("Dansk tekst {navn}", navn=...)` in the request's language."""
    table = ENGLISH if locale == "en" else None

    def translate(text: str, **values: Any) -> str:
        chosen = text
        if table is not None:
            found = table.get(text)  # not `is`-compared: "Arena" is English too
            if found is None:
                MISSING_ENGLISH.add(text)
            else:
                chosen = found
        return chosen.format(**values) if values else chosen

    return translate


def labeller(locale: str) -> Callable[[Any], str]:
    """The label of a taxonomy value (an enum member or its raw value) in the language."""

    def label(member: Any) -> str:
        if member is None:
            return ""
        if locale == "en":
            value = member.value if isinstance(member, Enum) else member
            return ENGLISH_LABELS.get(str(value), str(value).replace("_", " "))
        danish = getattr(member, "label_da", None)
        if danish:
            return str(danish)
        if isinstance(member, Enum):
            return str(member.value).replace("_", " ")
        return str(member)

    return label


# English labels of taxonomy values, by value (shared by all vocabularies; none collide).
ENGLISH_LABELS: dict[str, str] = {
    # sectors
    "health": "health and prevention",
    "social": "social services",
    "employment": "employment (job centre)",
    "children_youth": "children and youth (school, day care, SSP)",
    "culture_leisure": "culture and leisure",
    "technical_environment": "technical services and environment",
    "elderly": "elderly care",
    "administration": "secretariat/management",
    "region_hospital": "region/hospital",
    "general_practice": "general practice",
    "sports_club": "sports club",
    "patient_association": "patient association",
    "voluntary": "voluntary organisation/volunteer centre",
    "sports_organisation": "sports organisation (DGI, DIF)",
    "interest_organisation": "interest organisation",
    "trade_union": "trade union",
    "education": "educational institution",
    "research": "research",
    "private_company": "private company",
    "social_housing": "social housing plan",
    "citizens": "citizens of the target group",
}

# English texts of the templates' Danish ones.
ENGLISH: dict[str, str] = {
    "Tværs": "Tværs",
    "Gå til indhold": "Skip to content",
    "Hovedmenu": "Main menu",
    "Overblik": "Dashboard",
    "Register": "Registry",
    "Tilbudskort": "Map of offers",
    "Krydscase": "Cross-case",
    "Log ind": "Log in",
    "Log ud": "Log out",
    "Logget ind som {name}": "Logged in as {name}",
    "Sprog": "Language",
    "Brugernavn": "Username",
    "Adgangskode": "Password",
    "Forkert brugernavn eller adgangskode.": "Wrong username or password.",
    "Skriv dit brugernavn.": "Enter your username.",
    "Skriv din adgangskode.": "Enter your password.",
    "Log ind for at se partnerskaber, du har adgang til.": (
        "Log in to see the partnerships you have access to."
    ),
    "Siden findes ikke": "Page not found",
    # error pages (issue 16)
    "Der er ingen side på denne adresse. Tjek adressen, eller gå til forsiden.": (
        "There is no page at this address. Check the address, or go to the front page."
    ),
    "Partnerskabet findes ikke": "The partnership does not exist",
    # the footer, the privacy page, the session warning (issue 16)
    "Tilgængelighedserklæring": "Accessibility statement",
    "Personoplysninger": "Personal data",
    "Du bliver snart logget ud": "You will soon be logged out",
    "Din session slutter om {minutes} minutter. Vil du fortsætte?": (
        "Your session ends in {minutes} minutes. Do you want to continue?"
    ),
    "Din session slutter snart. Vil du fortsætte?": (
        "Your session ends soon. Do you want to continue?"
    ),
    "Din session er slut. Log ind igen: det, du har skrevet i en formular, bliver sat ind igen.": (
        "Your session has ended. Log in again: what you wrote in a form is put back."
    ),
    "Sessionen kunne ikke forlænges. Gem det, du er i gang med, og log ind igen.": (
        "The session could not be extended. Save what you are doing, and log in again."
    ),
    "Log ind igen": "Log in again",
    "Der er intet partnerskab med denne adresse, som du har adgang til. Tjek "
    "adressen, eller find partnerskabet i registret.": (
        "There is no partnership at this address that you have access to. Check the "
        "address, or find the partnership in the registry."
    ),
    "Det kan ikke lade sig gøre her": "That cannot be done here",
    "Siden kan ikke bruges på den måde (metoden er ikke tilladt). Gå tilbage, og prøv "
    "igen fra siden selv.": (
        "The page cannot be used that way (the method is not allowed). Go back, and try "
        "again from the page itself."
    ),
    "Adressen kan ikke læses: et tal, en dato eller et id i den er skrevet forkert. "
    "Gå tilbage, og prøv igen fra siden selv.": (
        "The address cannot be read: a number, a date or an id in it is written wrongly. "
        "Go back, and try again from the page itself."
    ),
    "Databasen svarer ikke lige nu. Prøv igen om et øjeblik.": (
        "The database is not answering just now. Try again in a moment."
    ),
    "Ingen adgang": "No access",
    "Du har ikke en tildeling, der giver adgang til denne side.": (
        "You have no grant that gives access to this page."
    ),
    "Noget gik galt": "Something went wrong",
    "Forkert forespørgsel": "Bad request",
    "Fejlen er logget med id {id}. Prøv igen, eller kontakt en administrator.": (
        "The error is logged with id {id}. Try again, or contact an administrator."
    ),
    "Til forsiden": "To the front page",
    "Mine partnerskaber": "My partnerships",
    "Min dagsorden": "My agenda",
    "Du har ingen partnerskaber endnu.": "You have no partnerships yet.",
    "Nyt partnerskab": "New partnership",
    "Kommune": "Municipality",
    "Titel": "Title",
    "Periode": "Period",
    "Aftaler der udløber": "Agreements expiring",
    "Opfølgninger der forfalder": "Follow-ups due",
    "Ledige roller": "Vacant roles",
    "Projekter uden driftsforankring": "Projects without anchoring in operations",
    "Intet på dagsordenen.": "Nothing on the agenda.",
    "udløber {date}": "expires {date}",
    "forfalder {date}": "due {date}",
    "ledig siden {date}": "vacant since {date}",
    "sluttede {date}": "ended {date}",
    "Dagsorden for de næste {days} dage.": "Agenda for the next {days} days.",
    "Gyldig fra": "Valid from",
    "Begrundelse": "Reason",
    "Gem": "Save",
    "Annuller": "Cancel",
    "Rettelserne er ikke gemt. Ret fejlene herunder.": (
        "Nothing was saved. Correct the errors below."
    ),
    "Feltet skal udfyldes.": "This field is required.",
    "Skriv en dato som åååå-mm-dd.": "Enter a date as yyyy-mm-dd.",
    "Skriv et helt tal.": "Enter a whole number.",
    "Skriv et tal.": "Enter a number.",
    "Vælg en af mulighederne.": "Choose one of the options.",
    "Teksten er for lang (højst {n} tegn).": "The text is too long (at most {n} characters).",
    "Nogen har ændret partnerskabet, mens du arbejdede. Genindlæs siden for at se "
    "ændringen, og prøv igen.": (
        "Someone changed the partnership while you were working. Reload the page to see "
        "the change, and try again."
    ),
    "Gemt.": "Saved.",
    "Nogen har ændret aftalen, mens du arbejdede. Genindlæs siden for at se "
    "ændringen, og prøv igen.": (
        "Someone changed the agreement while you were working. Reload the page to see "
        "the change, and try again."
    ),
    "Datoen hvor ændringen gælder fra (kan ligge tilbage i tiden).": (
        "The date the change takes effect (may be in the past)."
    ),
    "Hvorfor? Vises i historikken.": "Why? Shown in the history.",
    "Skriv en gyldig e-mailadresse.": "Enter a valid e-mail address.",
    "Skriv en dato mellem år 1900 og 2200.": "Enter a date between the years 1900 and 2200.",
    "Skriv et tal fra {lo} til {hi}.": "Enter a number from {lo} to {hi}.",
    "Ændringen bryder en regel og er ikke gemt.": "The change breaks a rule and was not saved.",
    "Detaljer": "Details",
    "Partnerskaber på tværs af sektorer": "Partnerships across sectors",
    "Se alle i registret": "See all in the registry",
    # the cross-case page's heat maps (scrollable: reachable by keyboard)
    "Varmekort: forvaltninger": "Heat map: municipal departments",
    "Varmekort: eksterne partnere": "Heat map: external partners",
    "Varmekort: faktorer": "Heat map: factors",
    # the partnership page's links to the forms, row by row
    "Handlinger": "Actions",
    "Flyt {name} på trappen": "Move {name} on the ladder",
    "{name} forlader partnerskabet": "{name} leaves the partnership",
    "Overdrag {role}": "Hand over {role}",
    "Gør {role} ledig": "Vacate {role}",
    "Besæt {role}": "Fill {role}",
    "{name} træder ud": "{name} steps down",
    "Sekretariat og medarbejdere": "Secretariat and staff",
    "Justér {title}": "Adjust {title}",
    "Skift status for {title}": "Change the status of {title}",
    "Visningerne er ved at indhente de seneste ændringer. Prøv igen om et øjeblik.": (
        "The views are catching up with the latest changes. Try again in a moment."
    ),
}
