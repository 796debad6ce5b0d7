"""A broken domain rule, said to a web-UI user in their language (issue 14, finding 7).

Every `DomainError` carries two wordings of the same refusal (aggregates/errors.py): the
English `detail` the API returns, and a Danish sentence template `da` filled from the
error's `facts`. Here the facts are shown the way a user reads them: UUIDs of
organisations, persons, agreements and partnerships as their names (from the read
side's views, `projections.directory.names` and the agreement and registry titles),
dates as dd.mm.åååå, rungs as "5 (samarbejdsaftale)", other enums by their Danish label
(`label_da`), lists as "A, B og C".

English UI: the sentence is the API's own English `detail`, with every UUID in it
replaced by its name. One English wording per rule, the same in the API and the UI, so
nothing is kept twice; the Danish template is the UI's own text.

A rule without a Danish sentence (none in aggregates/ and services/: a test holds every
raise to one, tests/unit/test_danish_errors.py), or a sentence whose facts are missing,
falls back to the rule's general Danish explanation by error code (RULES_DA). The English
`detail` is never shown to a Danish user.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum, IntEnum
from typing import Any
from uuid import UUID

import structlog
from litestar import Request

from aggregates.dates import danish_date, danish_time, plan_horizon_years
from aggregates.errors import DomainError, NotFound
from api.auth import principal_of
from projections.access import DirectoryAccess
from projections.agreements import agreement_titles, partnership_titles
from projections.directory import readable_names
from projections.store import ReadStore

log = structlog.get_logger("tvaers.ui.refusals")

# Danish explanations of the domain's rules by error code: the fallback when a refusal
# has no Danish sentence of its own (and the text of a few field messages).
RULES_DA: dict[str, str] = {
    "not-found": "Det, du henviser til, findes ikke (længere).",
    "already-exists": "Det findes allerede.",
    "invalid-value": "En af værdierne er ikke gyldig.",
    "inconsistent-dates": "To datoer står i forkert rækkefølge (en slutdato før en "
    "startdato), eller en dato ligger uden for den periode, den hører til.",
    "not-a-partner": "Organisationen er ikke partner i partnerskabet på den dato.",
    "already-a-partner": "Organisationen er allerede partner.",
    "lead-organisation": "Det kan ikke gøres for den ledende organisation.",
    "rung-not-backed": "Trinnet passer ikke med partnerens aftaler: trin 5 og 6 kræver en "
    "underskrevet samarbejdsaftale eller partnerskabsaftale i kraft, og så længe en sådan "
    "aftale er i kraft, kan partneren ikke stå lavere.",
    "no-change": "Intet ville ændre sig.",
    "seat-occupied": "Pladsen i styregruppen er allerede besat på den dato.",
    "not-on-steering-group": "Personen sidder ikke i styregruppen.",
    "already-on-steering-group": "Personen sidder allerede i styregruppen.",
    "no-steering-group": "Partnerskabet har ingen styregruppe endnu.",
    "secretariat": "Reglen for sekretariatet er ikke opfyldt.",
    "activity-state": "Aktiviteten er ikke i en tilstand, hvor det kan lade sig gøre.",
    "activity-ended": "Aktiviteten er afsluttet.",
    "role-state": "Rollen er ikke i en tilstand, hvor det kan lade sig gøre.",
    "agreement-state": "Aftalen er ikke i en tilstand, hvor det kan lade sig gøre.",
    "not-a-party": "Organisationen er ikke part i aftalen.",
    "already-signed": "Parten har allerede underskrevet.",
    "not-correctable": "Den registrering kan ikke rettes sådan.",
    "organisation-closed": "Organisationen er lukket.",
    "person-erased": "Personens oplysninger er slettet.",
    "follow-up-state": "Opfølgningen er ikke i en tilstand, hvor det kan lade sig gøre.",
    "access-rule": "Det ville bryde en adgangsregel.",
    "invalid-text": "En tekst indeholder tegn, som ikke kan gemmes (styretegn, usynlige "
    "tegn eller linjeskift i et felt på én linje), eller et link, der ikke begynder med "
    "http://, https:// eller mailto:.",
    "date-out-of-range": "En dato ligger uden for det mulige: det, der er sket, ligger "
    "mellem 1900 og i dag; det, der er planlagt, højst {years} år frem.",
}
GENERAL_DA = "Ændringen bryder en regel og er ikke gemt."
UNKNOWN_DA = "(ukendt)"
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)


def placeholders(template: str) -> set[str]:
    """The names a sentence template fills in (`{organisation}` → "organisation")."""
    return {
        name.split(".", 1)[0].split("[", 1)[0]
        for _text, name, _spec, _conv in string.Formatter().parse(template)
        if name
    }


def uuids_in(facts: Mapping[str, Any]) -> list[UUID]:
    """Every UUID among the facts (also inside lists and tuples)."""
    found: list[UUID] = []
    for value in facts.values():
        items: Iterable[Any] = (
            value if isinstance(value, list | tuple | set | frozenset) else [value]
        )
        found.extend(item for item in items if isinstance(item, UUID))
    return found


async def names_for(
    store: ReadStore, ids: Iterable[UUID], rules: DirectoryAccess
) -> dict[UUID, str]:
    """Names of organisations and of the persons the user may read (`rules`, ADR 0005),
    titles of agreements and partnerships (the facts of a refusal on a form name only
    the form's own partnership and its agreements)."""
    wanted = sorted(set(ids), key=str)
    if not wanted:
        return {}
    known = await readable_names(store, wanted, persons=rules.persons("id"))
    rest = [i for i in wanted if i not in known]
    if rest:
        known.update(await agreement_titles(store, rest))
        rest = [i for i in rest if i not in known]
    if rest:
        known.update(await partnership_titles(store, rest))
    return known


def shown(value: Any, names: Mapping[UUID, str]) -> str:
    """One fact as a Danish reader reads it."""
    if isinstance(value, UUID):
        return names.get(value, UNKNOWN_DA)
    if isinstance(value, datetime):
        return danish_time(value)  # Danish time (H6)
    if isinstance(value, date):
        return danish_date(value)
    if isinstance(value, IntEnum) and hasattr(value, "label_da"):  # a rung
        return f"{int(value)} ({value.label_da})"
    if isinstance(value, Enum):
        label = getattr(value, "label_da", None)
        return str(label) if label else str(value.value).replace("_", " ")
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, Decimal):
        return f"{value:,}".replace(",", "X").replace(".", ",").replace("X", ".")
    if isinstance(value, list | tuple | set | frozenset):
        parts = [shown(item, names) for item in value]
        if len(parts) <= 1:
            return "".join(parts)
        return ", ".join(parts[:-1]) + " og " + parts[-1]
    if value is None:
        return "-"
    return str(value)


def danish(error: DomainError, names: Mapping[UUID, str]) -> str:
    """The refusal as a Danish sentence (the rule's general explanation if it has none)."""
    general = RULES_DA.get(error.code, GENERAL_DA).format(years=plan_horizon_years())
    if error.da is None:
        return general
    try:
        return error.da.format(**{key: shown(v, names) for key, v in error.facts.items()})
    except (KeyError, IndexError, ValueError):
        log.warning("a Danish refusal lacks a fact", code=error.code, template=error.da)
        return general


def english(error: DomainError, names: Mapping[UUID, str]) -> str:
    """The API's English detail, UUIDs replaced by names."""

    def name(found: re.Match[str]) -> str:
        try:
            return names.get(UUID(found.group()), found.group())
        except ValueError:
            return found.group()

    return _UUID.sub(name, error.detail)


async def sentence(
    error: DomainError,
    *,
    locale: str,
    store: ReadStore,
    rules: DirectoryAccess,
    names: Mapping[UUID, str] | None = None,
) -> str:
    """The refusal in the user's language, the facts by name (`names`: ones already known;
    a person the user may not read (`rules`) stays unnamed)."""
    known: dict[UUID, str] = dict(names or {})
    # What was not found may be what the user may not see: it is not named.
    ids: list[UUID] = []
    if error.code != NotFound.code:
        ids = uuids_in(error.facts) + [UUID(u) for u in _UUID.findall(error.detail)]
    missing = [i for i in ids if i not in known]
    try:
        known.update(await names_for(store, missing, rules))
    except Exception:  # names are a courtesy: the refusal is said without them
        log.exception("names for a refusal not found")
    return english(error, known) if locale == "en" else danish(error, known)


class Refused:
    """Where a refusal goes on a form: next to a field, or above the form."""

    def __init__(self, field: str | None, text: str) -> None:
        self.field = field
        self.text = text


def directory_rules(request: Request[Any, Any, Any]) -> DirectoryAccess:
    """Whose names the user may read (ADR 0005): no one's when no one is logged in."""
    principal = principal_of(request)
    return principal.directory if principal is not None else DirectoryAccess(UUID(int=0))


async def place(
    error: DomainError,
    *,
    locale: str,
    store: ReadStore,
    rules: DirectoryAccess,
    field_of: Callable[[object], str | None],
    error_fields: Mapping[str, str] | None = None,
    names: Mapping[UUID, str] | None = None,
) -> Refused:
    """The refusal's sentence and the form field it belongs to (`field_of`: the form's
    field for a field a rule names; `error_fields`: fields by error code), if any."""
    text = await sentence(error, locale=locale, store=store, rules=rules, names=names)
    # Only a field the form shows: a message next to a hidden field would go unseen.
    target = field_of(getattr(error, "field", None)) or field_of(
        (error_fields or {}).get(error.code)
    )
    return Refused(target, text)
