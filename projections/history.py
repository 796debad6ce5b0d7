"""What each event means to its readers, declared once per event class.

For every event class of every aggregate (the class object, not its name): the audit
sentence in Danish and in English, the group the history files it under, and the
corrections that may put it right (`Partnership.correct_date`, `correct_rung`,
`correct_milestone`). The audit view (projections/audit.py), the JSON API, the web UI's
history and filters, the story, the exports and the event catalogue (docs/events.md) all
read it from here; tests/unit/test_event_readers.py fails when an event lacks any of it.

A sentence is a function of the stored payload and a name lookup (`Names`): it is
rendered when read, so an erased person's name never appears. It is written as one or
more templates; the first whose placeholders can all be filled is used (the last one is
the fallback, with `?` for what is unknown). Placeholders are the payload's fields (taxonomy
values shown by their label), and for a field `x_id` the name or title `x` of what it
names: an organisation, person, party, signatory, activity, agreement, milestone, factor
or follow-up; `role` for a role's position, `person` and `seat` for a steering seat.
"""

from __future__ import annotations

import contextlib
import string
import typing
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum, StrEnum
from typing import Any
from uuid import UUID

from aggregates import Agreement, Annotation, Organisation, Partnership, Person
from aggregates.account import Account
from aggregates.base import TvaersAggregate
from aggregates.idempotency import IdempotentRequest
from aggregates.taxonomy import RoleKind, SeatRole
from projections.directory import names as directory_names
from projections.helpers import chunks, marks
from projections.store import ReadStore

AGGREGATES: tuple[type[TvaersAggregate], ...] = (
    Organisation,
    Person,
    Partnership,
    Agreement,
    Annotation,
    Account,
    IdempotentRequest,
)
"""Every aggregate of Tværs (tests/unit/test_event_readers.py checks none is missing)."""


def aggregate_type(aggregate: type[TvaersAggregate]) -> str:
    """The aggregate's name as the audit view stores it (`partnership`, `agreement`, ...)."""
    return aggregate.__name__.lower()


def written_events(aggregate: type[TvaersAggregate]) -> list[type[TvaersAggregate.Event]]:
    """The event classes written in the aggregate's source, in the order they are defined.

    eventsourcing's metaclass re-creates each nested event class as a subclass of the one
    written in the source (so that class sits one step up the MRO, with the same name);
    the `Event` and `Created` classes the library defines on every aggregate have a base
    of another name. A `Created` written in the source (Account's) counts.
    """
    found: list[type[TvaersAggregate.Event]] = []
    for value in vars(aggregate).values():
        if not (isinstance(value, type) and issubclass(value, TvaersAggregate.Event)):
            continue
        written = value.__mro__[1]
        if written.__qualname__ == value.__qualname__ and "apply" in vars(written):
            found.append(value)
    return found


def all_events() -> list[type[TvaersAggregate.Event]]:
    return [cls for aggregate in AGGREGATES for cls in written_events(aggregate)]


# -- what a reader sees -------------------------------------------------------------------


class Group(StrEnum):
    """Where the history files an event (the web UI's filter, the API's `group`)."""

    label_da: str
    label_en: str

    def __new__(cls, value: str, label_da: str = "", label_en: str = "") -> Group:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label_da = label_da
        member.label_en = label_en
        return member

    REGISTRY = ("registry", "Stamdata", "Registry data")
    PARTNERS = ("partners", "Partnere", "Partners")
    LADDER = ("ladder", "Partnerskabstrappen", "Partnership ladder")
    GOVERNANCE = (
        "governance",
        "Styregruppe, sekretariat og beslutninger",
        "Steering group, secretariat and decisions",
    )
    ROLES = ("roles", "Roller", "Roles")
    ACTIVITIES = ("activities", "Aktiviteter og opfølgning", "Activities and follow-up")
    ANCHORING = ("anchoring", "Forankring", "Anchoring")
    EVALUATION = ("evaluation", "Evaluering", "Evaluation")
    AGREEMENTS = ("agreements", "Aftaler", "Agreements")
    CORRECTIONS = ("corrections", "Rettelser", "Corrections")
    DIRECTORY = ("directory", "Organisationer og personer", "Organisations and people")
    ACCESS = ("access", "Brugere og adgang", "Users and access")
    SYSTEM = ("system", "System", "System")

    def label(self, locale: str) -> str:
        return self.label_en if locale == "en" else self.label_da


class Correction(StrEnum):
    """A correction of an earlier partnership event, by the aggregate method that makes it."""

    DATE = "date"
    RUNG = "rung"
    MILESTONE = "milestone"

    @property
    def method(self) -> str:
        """The Partnership method that records this correction."""
        return f"correct_{self.value}"


@dataclass(frozen=True)
class Sentence:
    """One line saying what happened: the first template whose placeholders are all known."""

    templates: tuple[str, ...]

    def __post_init__(self) -> None:
        assert self.templates, "a sentence needs a template"

    @property
    def text(self) -> str:
        """The fullest template (for the event catalogue)."""
        return self.templates[0]

    def render(self, fields: Mapping[str, Any]) -> str:
        for template in self.templates:
            if all(name in fields for name in _placeholders(template)):
                return template.format_map(fields)
        return self.templates[-1].format_map(_Unknown(fields))


def _placeholders(template: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(template) if name]


class _Unknown(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "?"


@dataclass(frozen=True)
class Reading:
    """What the readers of one event class need."""

    da: Sentence
    en: Sentence
    group: Group
    corrections: frozenset[Correction] = frozenset()

    def sentence(self, locale: str) -> Sentence:
        return self.en if locale == "en" else self.da


READINGS: dict[type, Reading] = {}
"""The reading of every event class, keyed by the class."""

READ_BY_NONE: dict[type, str] = {
    IdempotentRequest.Recorded: (
        "the write side's own record: a repeated request with the same idempotency key "
        "is answered from this aggregate (services/application.py); no view shows it"
    ),
}
"""Event classes no projection reads, each with the reason."""


def _declare(
    cls: type,
    group: Group,
    da: str | tuple[str, ...],
    en: str | tuple[str, ...],
    *corrections: Correction,
) -> None:
    assert cls not in READINGS, f"{cls.__qualname__} declared twice"
    READINGS[cls] = Reading(
        da=Sentence(da if isinstance(da, tuple) else (da,)),
        en=Sentence(en if isinstance(en, tuple) else (en,)),
        group=group,
        corrections=frozenset(corrections),
    )


def reading(cls: type) -> Reading:
    return READINGS[cls]


G = Group
DATE, RUNG, MILESTONE = Correction.DATE, Correction.RUNG, Correction.MILESTONE
P = Partnership

# -- partnership
_declare(P.Registered, G.REGISTRY, "Registreret: {title}", "Registered: {title}")
_declare(
    P.RegistryUpdated,
    G.REGISTRY,
    ("Stamdata opdateret: {title}", "Stamdata opdateret"),
    ("Registry data updated: {title}", "Registry data updated"),
)
_declare(
    P.PartnerJoined,
    G.PARTNERS,
    "{organisation} indtrådt som partner (trin {rung})",
    "{organisation} joined as a partner (rung {rung})",
    DATE,
    RUNG,
)
_declare(
    P.PartnerLeft,
    G.PARTNERS,
    "{organisation} udtrådt som partner",
    "{organisation} left the partnership",
    DATE,
)
_declare(
    P.RungChanged,
    G.LADDER,
    "{organisation} flyttet til trin {rung} på partnerskabstrappen",
    "{organisation} moved to rung {rung} on the partnership ladder",
    DATE,
    RUNG,
)
_declare(
    P.AgreementBacked,
    G.AGREEMENTS,
    (
        "Aftale »{agreement}« underskrevet af alle parter; gyldig {valid_from} - {valid_to}",
        "Aftale underskrevet af alle parter; gyldig {valid_from} - {valid_to}",
    ),
    (
        'Agreement "{agreement}" signed by all parties; valid {valid_from} - {valid_to}',
        "Agreement signed by all parties; valid {valid_from} - {valid_to}",
    ),
)
_declare(
    P.AgreementRenewed,
    G.AGREEMENTS,
    ("Aftale »{agreement}« forlænget til {valid_to}", "Aftale forlænget til {valid_to}"),
    ('Agreement "{agreement}" extended to {valid_to}', "Agreement extended to {valid_to}"),
)
_declare(
    P.AgreementEnded,
    G.AGREEMENTS,
    ("Aftale »{agreement}« ophørt {ended_on}", "Aftale ophørt {ended_on}"),
    ('Agreement "{agreement}" ended {ended_on}', "Agreement ended {ended_on}"),
)
_declare(
    P.SteeringMemberAppointed,
    G.GOVERNANCE,
    "{person} udpeget til styregruppen ({seat})",
    "{person} appointed to the steering group ({seat})",
    DATE,
)
_declare(
    P.SteeringSeatChanged,
    G.GOVERNANCE,
    (
        "{person} skifter plads i styregruppen: {from_seat} → {seat}",
        "Plads i styregruppen skiftet: {from_seat} → {seat}",
    ),
    (
        "{person} changes seat on the steering group: {from_seat} → {seat}",
        "Steering-group seat changed: {from_seat} → {seat}",
    ),
)
_declare(
    P.SteeringMemberSteppedDown,
    G.GOVERNANCE,
    ("{person} udtrådt af styregruppen ({seat})", "Styregruppemedlem udtrådt"),
    ("{person} stepped down from the steering group ({seat})", "Steering member stepped down"),
    DATE,
)
_declare(
    P.SecretariatAssigned,
    G.GOVERNANCE,
    "Sekretariatet placeret hos {organisation}",
    "Secretariat placed with {organisation}",
)
_declare(
    P.SecretariatStaffed,
    G.GOVERNANCE,
    "{person} tilknyttet sekretariatet",
    "{person} joined the secretariat",
)
_declare(
    P.SecretariatStaffLeft,
    G.GOVERNANCE,
    "{person} ikke længere i sekretariatet",
    "{person} no longer in the secretariat",
)
_declare(
    P.ActivityLaunched, G.ACTIVITIES, "Aktivitet oprettet: {title}", "Activity launched: {title}"
)
_declare(
    P.ActivityStatusChanged,
    G.ACTIVITIES,
    ("Aktiviteten »{activity}« ændret til status {status}", "Aktivitet ændret til status {status}"),
    ('Activity "{activity}" changed to status {status}', "Activity changed to status {status}"),
)
_declare(
    P.ActivityAdjusted,
    G.ACTIVITIES,
    ("Aktiviteten »{activity}« justeret: {description}", "Aktivitet justeret: {description}"),
    ('Activity "{activity}" adjusted: {description}', "Activity adjusted: {description}"),
)
_declare(
    P.TermsOfReferenceIssued,
    G.GOVERNANCE,
    "Kommissorium version {number} udsendt",
    "Terms of reference version {number} issued",
)
_declare(
    P.DecisionRecorded,
    G.GOVERNANCE,
    "Styregruppebeslutning: {title}",
    "Steering group decision: {title}",
)
_declare(
    P.RoleAssigned,
    G.ROLES,
    "{person} tildelt rollen {role}",
    "{person} given the role {role}",
    DATE,
)
_declare(
    P.RoleHandedOver,
    G.ROLES,
    ("Rollen {role} overdraget til {person}", "Rolle overdraget til {person}"),
    ("The role {role} handed over to {person}", "Role handed over to {person}"),
    DATE,
)
_declare(
    P.RoleVacated,
    G.ROLES,
    ("Rolle ledig: {role}", "Rolle ledig"),
    ("Role vacant: {role}", "Role vacant"),
    DATE,
)
_declare(
    P.MilestoneRecorded,
    G.ANCHORING,
    "Forankring ({dimension}, {status}): {title}",
    "Anchoring ({dimension}, {status}): {title}",
    DATE,
    MILESTONE,
)
_declare(
    P.FactorRecorded,
    G.ANCHORING,
    "Faktor ({effect}): {description}",
    "Factor ({effect}): {description}",
)
_declare(
    P.FactorLinked,
    G.ANCHORING,
    ("Faktoren »{factor}« koblet til milepælen »{milestone}«", "Faktor koblet til milepæl"),
    ('Factor "{factor}" linked to the milestone "{milestone}"', "Factor linked to a milestone"),
)
_declare(
    P.AnchoringRated,
    G.EVALUATION,
    "Selvevaluering af forankring ({dimension}): {rating} af 7",
    "Self-assessment of anchoring ({dimension}): {rating} of 7",
    DATE,
)
_declare(
    P.EvaluationRecorded,
    G.EVALUATION,
    "Evaluering ({kind}) ved {evaluator}",
    "Evaluation ({kind}) by {evaluator}",
)
_declare(
    P.AssessmentRecorded,
    G.EVALUATION,
    "Vurdering: {question} - {answer}",
    "Assessment: {question} - {answer}",
)
_declare(
    P.FollowUpScheduled,
    G.ACTIVITIES,
    "Opfølgning planlagt: {label} ({due_on})",
    "Follow-up scheduled: {label} ({due_on})",
)
_declare(
    P.FollowUpRecorded,
    G.ACTIVITIES,
    (
        "Opfølgning »{follow_up}«: {retained} af {reached} fastholdt",
        "Opfølgning: {retained} af {reached} fastholdt",
    ),
    (
        'Follow-up "{follow_up}": {retained} of {reached} retained',
        "Follow-up: {retained} of {reached} retained",
    ),
)
_declare(
    P.PhaseEntered,
    G.ACTIVITIES,
    "Implementeringscirklen: {phase}",
    "Implementation circle: {phase}",
)
_declare(
    P.DateCorrected,
    G.CORRECTIONS,
    "Rettelse: dato for hændelse {corrects_version} er {corrected_valid_on}",
    "Correction: the date of event {corrects_version} is {corrected_valid_on}",
)
_declare(
    P.RungCorrected,
    G.CORRECTIONS,
    "Rettelse: trin for hændelse {corrects_version} rettet til {rung}",
    "Correction: the rung of event {corrects_version} corrected to {rung}",
)
_declare(
    P.MilestoneCorrected,
    G.CORRECTIONS,
    "Rettelse af milepæl (hændelse {corrects_version}): {title}",
    "Correction of a milestone (event {corrects_version}): {title}",
)

# -- agreement
_declare(Agreement.Drafted, G.AGREEMENTS, "Aftaleudkast: {title}", "Draft agreement: {title}")
_declare(
    Agreement.Amended,
    G.AGREEMENTS,
    ("Aftaleudkast ændret: {title}", "Aftaleudkast ændret"),
    ("Draft agreement amended: {title}", "Draft agreement amended"),
)
_declare(
    Agreement.PartySigned,
    G.AGREEMENTS,
    "{party} har underskrevet ved {signatory}",
    "{party} has signed, by {signatory}",
)
_declare(
    Agreement.Renewed,
    G.AGREEMENTS,
    "Aftale fornyet til {valid_to}",
    "Agreement renewed until {valid_to}",
)
_declare(Agreement.Expired, G.AGREEMENTS, "Aftale udløbet", "Agreement expired")
_declare(Agreement.Terminated, G.AGREEMENTS, "Aftale opsagt", "Agreement terminated")

# -- directory: organisations and persons (a person's contact details are never shown)
_declare(Organisation.Registered, G.DIRECTORY, "Registreret: {name}", "Registered: {name}")
_declare(Organisation.Renamed, G.DIRECTORY, "Omdøbt til {name}", "Renamed to {name}")
_declare(Organisation.Merged, G.DIRECTORY, "Fusioneret ind i {into}", "Merged into {into}")
_declare(Organisation.Closed, G.DIRECTORY, "Lukket", "Closed")
_declare(Person.Registered, G.DIRECTORY, "Registreret", "Registered")
_declare(Person.ContactChanged, G.DIRECTORY, "Kontaktoplysninger ændret", "Contact details changed")
_declare(
    Person.MovedOrganisation, G.DIRECTORY, "Skiftet til {organisation}", "Moved to {organisation}"
)
_declare(Person.Erased, G.DIRECTORY, "Personoplysninger slettet", "Personal data erased")

# -- the evaluator's notes
_declare(
    Annotation.Recorded,
    G.EVALUATION,
    "Evaluatornotat skrevet ({kind})",
    "Evaluator's note written ({kind})",
)
_declare(
    Annotation.Revised,
    G.EVALUATION,
    "Evaluatornotat omskrevet ({kind})",
    "Evaluator's note rewritten ({kind})",
)
_declare(
    Annotation.Published,
    G.EVALUATION,
    "Evaluatornotat offentliggjort",
    "Evaluator's note published",
)
_declare(
    Annotation.Withdrawn,
    G.EVALUATION,
    "Evaluatornotat trukket tilbage",
    "Evaluator's note withdrawn",
)

# -- users and access (no password hash or token hash is ever shown)
_declare(
    Account.Created,
    G.ACCESS,
    "Brugerkonto oprettet: {username}",
    "User account created: {username}",
)
_declare(Account.PasswordChanged, G.ACCESS, "Adgangskode skiftet", "Password changed")
_declare(Account.AdminChanged, G.ACCESS, "Administrator: {is_admin}", "Administrator: {is_admin}")
_declare(Account.Deactivated, G.ACCESS, "Brugerkonto deaktiveret", "User account deactivated")
_declare(Account.Reactivated, G.ACCESS, "Brugerkonto genaktiveret", "User account reactivated")
_declare(Account.Granted, G.ACCESS, "Adgang tildelt: {role}", "Access granted: {role}")
_declare(Account.GrantRevoked, G.ACCESS, "Adgang frataget", "Access revoked")
_declare(
    Account.TokenIssued,
    G.ACCESS,
    "Adgangsnøgle udstedt: {label} ({kind})",
    "Access token issued: {label} ({kind})",
)
_declare(Account.TokenRevoked, G.ACCESS, "Adgangsnøgle tilbagekaldt", "Access token revoked")

# -- the write side's own records
_declare(
    IdempotentRequest.Recorded,
    G.SYSTEM,
    "Gentaget forespørgsel genkendes fremover",
    "Repeated request recognised from now on",
)

del G, P


# -- rendering ----------------------------------------------------------------------------

_NAMED = ("organisation", "person", "party", "signatory", "into")
"""`x_id` fields naming an organisation or person: shown by name (or a short id)."""
_SECRET = frozenset({"password_hash", "token_hash", "fingerprint", "contact"})
"""Payload fields no sentence may show."""


@dataclass(frozen=True)
class Seat:
    person_id: UUID | None
    seat: str | None


@dataclass(frozen=True)
class Names:
    """What a sentence may name besides its payload, by id."""

    names: Mapping[UUID, str] = field(default_factory=dict)
    """Organisations and persons (an erased person reads `(slettet)`)."""
    titles: Mapping[UUID, str] = field(default_factory=dict)
    """Activities, agreements, milestones, factors and follow-ups."""
    roles: Mapping[UUID, str] = field(default_factory=dict)
    """A role's position -> the role (its value)."""
    seats: Mapping[UUID, Seat] = field(default_factory=dict)
    """A steering appointment -> its person and seat."""


_ENUMS: dict[type, dict[str, type[Enum]]] = {}


def _enum_fields(cls: type) -> dict[str, type[Enum]]:
    """The event's fields typed by a string enum (shown by their label)."""
    found = _ENUMS.get(cls)
    if found is None:
        found = {}
        for name, hint in typing.get_type_hints(cls).items():
            for tp in (hint, *typing.get_args(hint)):
                if isinstance(tp, type) and issubclass(tp, Enum) and issubclass(tp, str):
                    found[name] = tp
        _ENUMS[cls] = found
    return found


def _label(enum: type[Enum], value: Any, locale: str) -> str:
    try:
        member = enum(value)
    except ValueError:  # a word the vocabulary no longer has: shown as stored
        return str(value)
    if locale == "en":
        return str(member.value).replace("_", " ")
    return str(getattr(member, "label_da", "") or str(member.value).replace("_", " "))


def _uuid(value: Any) -> UUID | None:
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return UUID(value)
    return None


def fields_of(cls: type, payload: Mapping[str, Any], names: Names, locale: str) -> dict[str, Any]:
    """The placeholders a sentence of `cls` may use, from the payload and the names."""
    yes, no = ("yes", "no") if locale == "en" else ("ja", "nej")
    enums = _enum_fields(cls)
    fields: dict[str, Any] = {}
    for key, value in payload.items():
        if key in _SECRET:
            continue
        if isinstance(value, bool):
            fields[key] = yes if value else no
        elif key in enums and isinstance(value, str):
            fields[key] = _label(enums[key], value, locale)
        elif isinstance(value, str | int | float):
            fields[key] = value
    for key in ("registry", "terms"):
        nested = payload.get(key)
        if isinstance(nested, dict) and isinstance(nested.get("title"), str):
            fields.setdefault("title", nested["title"])
    for key, value in payload.items():
        if not key.endswith("_id"):
            continue
        subject, uid = key[:-3], _uuid(value)
        if uid is None:
            continue
        if uid in names.names:
            fields[subject] = names.names[uid]
        elif uid in names.titles:
            fields[subject] = names.titles[uid]
        elif subject in _NAMED:
            fields[subject] = str(value)[:8]
    position = _uuid(payload.get("position_id"))
    if position is not None and position in names.roles:
        fields.setdefault("role", _label(RoleKind, names.roles[position], locale))
    appointment = _uuid(payload.get("appointment_id"))
    seat = names.seats.get(appointment) if appointment is not None else None
    if seat is not None:
        if seat.person_id is not None and seat.person_id in names.names:
            fields.setdefault("person", names.names[seat.person_id])
        if seat.seat is not None:
            fields.setdefault("seat", _label(SeatRole, seat.seat, locale))
    return fields


def render(cls: type, payload: Mapping[str, Any], names: Names, locale: str = "da") -> str:
    """The event's sentence in the language (`da` or `en`)."""
    return READINGS[cls].sentence(locale).render(fields_of(cls, payload, names, locale))


# -- from a stored row back to its class -----------------------------------------------------

_BY_TYPE: dict[str, dict[str, type]] = {
    aggregate_type(a): {cls.__name__: cls for cls in written_events(a)} for a in AGGREGATES
}
# An audit row names its event by (aggregate type, class name); without the type, a
# partnership's (or its agreements') events come first: they are what the history shows.
_SEARCH_ORDER = ("partnership", "agreement", "organisation", "person", "annotation", "account")


def event_class(kind: str, aggregate: str | None = None) -> type | None:
    """The event class an audit row's `kind` (and `aggregate_type`) names."""
    if aggregate is not None:
        return _BY_TYPE.get(aggregate, {}).get(kind)
    for name in _SEARCH_ORDER:
        found = _BY_TYPE[name].get(kind)
        if found is not None:
            return found
    return None


def aggregate_of(cls: type) -> type[TvaersAggregate]:
    for aggregate in AGGREGATES:
        if cls in written_events(aggregate):
            return aggregate
    raise LookupError(cls)


def kinds_by_type(classes: Iterable[type]) -> dict[str, tuple[str, ...]]:
    """(aggregate type -> class names) of the classes, as the audit view stores them."""
    found: dict[str, list[str]] = {}
    for cls in classes:
        found.setdefault(aggregate_type(aggregate_of(cls)), []).append(cls.__name__)
    return {key: tuple(value) for key, value in found.items()}


def in_group(group: Group) -> list[type]:
    return [cls for cls, r in READINGS.items() if r.group is group]


def correctable_by(correction: Correction) -> list[type]:
    """The event classes `correction` may put right."""
    return [cls for cls, r in READINGS.items() if correction in r.corrections]


def kinds(classes: Iterable[type]) -> tuple[str, ...]:
    """The class names (the audit view's `kind`) of partnership and agreement events."""
    return tuple(cls.__name__ for cls in classes)


# -- looking names up ----------------------------------------------------------------------

_TITLES = (
    # (payload field, SQL giving (id, title) for `IN (...)`; the last row per id wins)
    (
        "activity_id",
        "SELECT activity_id AS id, title FROM activity_facts"
        " WHERE title IS NOT NULL AND activity_id IN ({m}) ORDER BY row_version",
    ),
    ("agreement_id", "SELECT id, title FROM agreements WHERE id IN ({m})"),
    (
        "milestone_id",
        "SELECT milestone_id AS id, title FROM milestone_facts"
        " WHERE superseded_at IS NULL AND milestone_id IN ({m}) ORDER BY row_version",
    ),
    (
        "factor_id",
        "SELECT factor_id AS id, description AS title FROM factors WHERE factor_id IN ({m})",
    ),
    (
        "follow_up_id",
        "SELECT follow_up_id AS id, label AS title FROM follow_ups WHERE follow_up_id IN ({m})",
    ),
)


def _ids_of(payloads: Sequence[Mapping[str, Any]], key: str) -> list[UUID]:
    found = {_uuid(p.get(key)) for p in payloads}
    return sorted((i for i in found if i is not None), key=str)


async def _pairs(store: ReadStore, sql: str, ids: Sequence[UUID]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for chunk in chunks(ids):
        rows += await store.fetch(sql.format(m=marks(chunk)), *chunk)
    return rows


async def look_up(store: ReadStore, payloads: Sequence[Mapping[str, Any]]) -> Names:
    """The names and titles the payloads' sentences may show, from the views.

    Only what the payloads name is asked for; what a view does not hold (yet) is left
    out, and the sentence falls back to a shorter template.
    """
    titles: dict[UUID, str] = {}
    for key, sql in _TITLES:
        ids = _ids_of(payloads, key)
        if ids:
            for row in await _pairs(store, sql, ids):
                titles[UUID(str(row["id"]))] = str(row["title"])
    roles: dict[UUID, str] = {}
    positions = _ids_of(payloads, "position_id")
    if positions:
        sql = "SELECT position_id, role FROM role_positions WHERE position_id IN ({m})"
        for row in await _pairs(store, sql, positions):
            roles[UUID(str(row["position_id"]))] = str(row["role"])
    seats: dict[UUID, Seat] = {}
    appointments = _ids_of(payloads, "appointment_id")
    if appointments:
        sql = (
            # the latest seat wins (a step-down names the seat left, after any change)
            "SELECT appointment_id, person_id, seat FROM steering_facts"
            " WHERE seated = 1 AND appointment_id IN ({m}) ORDER BY row_version"
        )
        for row in await _pairs(store, sql, appointments):
            seats[UUID(str(row["appointment_id"]))] = Seat(
                person_id=_uuid(str(row["person_id"])) if row["person_id"] else None,
                seat=str(row["seat"]) if row["seat"] else None,
            )
    people = [i for key in _NAMED for i in _ids_of(payloads, f"{key}_id")]
    people += [s.person_id for s in seats.values() if s.person_id is not None]
    names = await directory_names(store, people)
    return Names(names=names, titles=titles, roles=roles, seats=seats)
