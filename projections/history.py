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

What an event changed from (old -> new values, the holder a vacancy leaves, the entry a
correction corrects) is not in its payload: the audit reader folds the stream before it
(projections/trail.py, ADR 0019) and merges what that gives into the payload; a change
of a structure (registry, terms, milestone, activity) is listed field by field
(`CHANGES`, `{changes}`). Dates in Danish sentences are dd.mm.åååå.
"""

from __future__ import annotations

import contextlib
import string
import typing
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum, StrEnum
from typing import Any
from uuid import UUID

from aggregates import Agreement, Annotation, Organisation, Partnership, Person
from aggregates.account import AccessRole, Account
from aggregates.base import TvaersAggregate
from aggregates.dates import DENMARK, danish_date
from aggregates.idempotency import IdempotentRequest
from aggregates.numbers import format_number
from aggregates.taxonomy import (
    ActivityStatus,
    AnchoringStatus,
    AnnotationKind,
    Dimension,
    ImplementationPhase,
    PartnershipType,
    PreventionCategory,
    RoleKind,
    SeatRole,
)
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
_declare(
    P.Registered,
    G.REGISTRY,
    ("Partnerskabet »{title}« registreret, ledet af {lead_organisation}", "Registreret: {title}"),
    ('The partnership "{title}" registered, led by {lead_organisation}', "Registered: {title}"),
)
_declare(
    P.RegistryUpdated,
    G.REGISTRY,
    ("Stamdata opdateret: {changes}", "Stamdata opdateret: {title}", "Stamdata opdateret"),
    ("Registry data updated: {changes}", "Registry data updated: {title}", "Registry data updated"),
)
_declare(
    P.PartnerJoined,
    G.PARTNERS,
    "{organisation} indtrådt som partner på trin {rung}",
    "{organisation} joined as a partner on rung {rung}",
    DATE,
    RUNG,
)
_declare(
    P.PartnerLeft,
    G.PARTNERS,
    (
        "{organisation} udtrådt som partner (stod på trin {old_rung})",
        "{organisation} udtrådt som partner",
    ),
    (
        "{organisation} left the partnership (stood on rung {old_rung})",
        "{organisation} left the partnership",
    ),
    DATE,
)
_declare(
    P.RungChanged,
    G.LADDER,
    (
        "{organisation} flyttet fra trin {old_rung} til trin {rung} på partnerskabstrappen",
        "{organisation} flyttet til trin {rung} på partnerskabstrappen",
    ),
    (
        "{organisation} moved from rung {old_rung} to rung {rung} on the partnership ladder",
        "{organisation} moved to rung {rung} on the partnership ladder",
    ),
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
    (
        "Aftale »{agreement}« forlænget fra {old_valid_to} til {valid_to}",
        "Aftale »{agreement}« forlænget til {valid_to}",
        "Aftale forlænget til {valid_to}",
    ),
    (
        'Agreement "{agreement}" extended from {old_valid_to} to {valid_to}',
        'Agreement "{agreement}" extended to {valid_to}',
        "Agreement extended to {valid_to}",
    ),
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
    (
        "Sekretariatet flyttet fra {old_organisation} til {organisation}",
        "Sekretariatet placeret hos {organisation}",
    ),
    (
        "Secretariat moved from {old_organisation} to {organisation}",
        "Secretariat placed with {organisation}",
    ),
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
    P.ActivityLaunched,
    G.ACTIVITIES,
    "Aktivitet oprettet: »{title}« (status {status})",
    'Activity launched: "{title}" (status {status})',
)
_declare(
    P.ActivityStatusChanged,
    G.ACTIVITIES,
    (
        "Aktiviteten »{activity}« ændret fra status {old_status} til {status}",
        "Aktiviteten »{activity}« ændret til status {status}",
        "Aktivitet ændret til status {status}",
    ),
    (
        'Activity "{activity}" changed from status {old_status} to {status}',
        'Activity "{activity}" changed to status {status}',
        "Activity changed to status {status}",
    ),
)
_declare(
    P.ActivityAdjusted,
    G.ACTIVITIES,
    (
        "Aktiviteten »{activity}« justeret: {description}; {changes}",
        "Aktiviteten »{activity}« justeret: {description}",
        "Aktivitet justeret: {description}",
    ),
    (
        'Activity "{activity}" adjusted: {description}; {changes}',
        'Activity "{activity}" adjusted: {description}',
        "Activity adjusted: {description}",
    ),
)
_declare(
    P.TermsOfReferenceIssued,
    G.GOVERNANCE,
    ("Kommissorium version {number} udsendt: {changes}", "Kommissorium version {number} udsendt"),
    (
        "Terms of reference version {number} issued: {changes}",
        "Terms of reference version {number} issued",
    ),
)
_declare(
    P.DecisionRecorded,
    G.GOVERNANCE,
    ("Styregruppebeslutning: {title} (godkendt: {approved})", "Styregruppebeslutning: {title}"),
    ("Steering group decision: {title} (approved: {approved})", "Steering group decision: {title}"),
)
_declare(
    P.RoleAssigned,
    G.ROLES,
    (
        "{person} ({organisation}) tildelt rollen {role} for aktiviteten »{activity}«",
        "{person} ({organisation}) tildelt rollen {role}",
        "{person} tildelt rollen {role}",
    ),
    (
        '{person} ({organisation}) given the role {role} for the activity "{activity}"',
        "{person} ({organisation}) given the role {role}",
        "{person} given the role {role}",
    ),
    DATE,
)
_declare(
    P.RoleHandedOver,
    G.ROLES,
    (
        "Rollen {role} overdraget fra {old_person} til {person} ({organisation})",
        "Rollen {role} overdraget til {person}",
        "Rolle overdraget til {person}",
    ),
    (
        "The role {role} handed over from {old_person} to {person} ({organisation})",
        "The role {role} handed over to {person}",
        "Role handed over to {person}",
    ),
    DATE,
)
_declare(
    P.RoleVacated,
    G.ROLES,
    (
        "Rolle ledig: {role}; {old_person} ({old_organisation}) er fratrådt",
        "Rolle ledig: {role}; {old_person} er fratrådt",
        "Rolle ledig: {role}",
        "Rolle ledig",
    ),
    (
        "Role vacant: {role}; {old_person} ({old_organisation}) has left it",
        "Role vacant: {role}; {old_person} has left it",
        "Role vacant: {role}",
        "Role vacant",
    ),
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
    (
        "Faktor ({effect}): {description}; knyttet til: {linked}",
        "Faktor ({effect}): {description}; knyttet til hændelse {events}",
        "Faktor ({effect}): {description}",
    ),
    (
        "Factor ({effect}): {description}; linked to: {linked}",
        "Factor ({effect}): {description}; linked to event {events}",
        "Factor ({effect}): {description}",
    ),
)
_declare(
    P.FactorLinked,
    G.ANCHORING,
    ("Faktoren »{factor}« koblet til milepælen »{milestone}«", "Faktor koblet til milepæl"),
    ('Factor "{factor}" linked to the milestone "{milestone}"', "Factor linked to a milestone"),
)
_declare(
    P.FactorEventLinked,
    G.ANCHORING,
    (
        "Faktoren »{factor}« knyttet til: {linked}",
        "Faktoren »{factor}« knyttet til hændelse #{event_version}",
        "Faktor knyttet til hændelse #{event_version}",
    ),
    (
        'Factor "{factor}" linked to: {linked}',
        'Factor "{factor}" linked to event #{event_version}',
        "Factor linked to event #{event_version}",
    ),
)
_declare(
    P.AnchoringRated,
    G.EVALUATION,
    (
        "Selvevaluering af forankring ({dimension}): {old_rating} → {rating} af 7",
        "Selvevaluering af forankring ({dimension}): {rating} af 7",
    ),
    (
        "Self-assessment of anchoring ({dimension}): {old_rating} → {rating} of 7",
        "Self-assessment of anchoring ({dimension}): {rating} of 7",
    ),
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
    ("Implementeringscirklen: {old_phase} → {phase}", "Implementeringscirklen: {phase}"),
    ("Implementation circle: {old_phase} → {phase}", "Implementation circle: {phase}"),
)
_declare(
    P.DateCorrected,
    G.CORRECTIONS,
    (
        "Rettelse: datoen for »{corrected}« rettet fra {old_valid_on} til {corrected_valid_on}",
        "Rettelse: datoen for »{corrected}« rettet til {corrected_valid_on}",
        "Rettelse: dato for en tidligere registrering rettet til {corrected_valid_on}",
    ),
    (
        'Correction: the date of "{corrected}" corrected from {old_valid_on} to'
        " {corrected_valid_on}",
        'Correction: the date of "{corrected}" corrected to {corrected_valid_on}',
        "Correction: the date of an earlier record corrected to {corrected_valid_on}",
    ),
)
_declare(
    P.RungCorrected,
    G.CORRECTIONS,
    (
        "Rettelse: trinnet for »{corrected}« rettet fra trin {old_rung} til trin {rung}",
        "Rettelse: trinnet for »{corrected}« rettet til trin {rung}",
        "Rettelse: trin for en tidligere registrering rettet til trin {rung}",
    ),
    (
        'Correction: the rung of "{corrected}" corrected from rung {old_rung} to rung {rung}',
        'Correction: the rung of "{corrected}" corrected to rung {rung}',
        "Correction: the rung of an earlier record corrected to rung {rung}",
    ),
)
_declare(
    P.MilestoneCorrected,
    G.CORRECTIONS,
    (
        "Rettelse af milepælen »{milestone}«: {changes}",
        "Rettelse af »{corrected}«: {changes}",
        "Rettelse af milepæl: {title}",
    ),
    (
        'Correction of the milestone "{milestone}": {changes}',
        'Correction of "{corrected}": {changes}',
        "Correction of a milestone: {title}",
    ),
)

# -- agreement
_declare(
    Agreement.Drafted,
    G.AGREEMENTS,
    "Aftaleudkast ({kind}): »{title}«",
    'Draft agreement ({kind}): "{title}"',
)
_declare(
    Agreement.Amended,
    G.AGREEMENTS,
    (
        "Aftaleudkastet »{agreement}« ændret: {changes}",
        "Aftaleudkast ændret: {title}",
        "Aftaleudkast ændret",
    ),
    (
        'Draft agreement "{agreement}" amended: {changes}',
        "Draft agreement amended: {title}",
        "Draft agreement amended",
    ),
)
_declare(
    Agreement.PartySigned,
    G.AGREEMENTS,
    (
        "{party} har underskrevet aftalen »{agreement}« ved {signatory}",
        "{party} har underskrevet ved {signatory}",
    ),
    (
        '{party} has signed the agreement "{agreement}", by {signatory}',
        "{party} has signed, by {signatory}",
    ),
)
_declare(
    Agreement.Renewed,
    G.AGREEMENTS,
    (
        "Aftalen »{agreement}« fornyet fra {old_valid_to} til {valid_to}",
        "Aftale fornyet til {valid_to}",
    ),
    (
        'Agreement "{agreement}" renewed from {old_valid_to} until {valid_to}',
        "Agreement renewed until {valid_to}",
    ),
)
_declare(
    Agreement.Expired,
    G.AGREEMENTS,
    ("Aftalen »{agreement}« udløbet (gyldig til {old_valid_to})", "Aftale udløbet"),
    ('Agreement "{agreement}" expired (valid until {old_valid_to})', "Agreement expired"),
)
_declare(
    Agreement.Terminated,
    G.AGREEMENTS,
    ("Aftalen »{agreement}« opsagt (gyldig til {old_valid_to})", "Aftale opsagt"),
    ('Agreement "{agreement}" terminated (valid until {old_valid_to})', "Agreement terminated"),
)

# -- directory: organisations and persons (a person's contact details are never shown)
_declare(
    Organisation.Registered,
    G.DIRECTORY,
    ("Organisationen {name} registreret ({sector})", "Organisationen {name} registreret"),
    ("The organisation {name} registered ({sector})", "The organisation {name} registered"),
)
_declare(
    Organisation.Renamed,
    G.DIRECTORY,
    ("Organisationen omdøbt fra {old_name} til {name}", "Omdøbt til {name}"),
    ("The organisation renamed from {old_name} to {name}", "Renamed to {name}"),
)
_declare(
    Organisation.Merged,
    G.DIRECTORY,
    ("{old_name} fusioneret ind i {into}", "Fusioneret ind i {into}"),
    ("{old_name} merged into {into}", "Merged into {into}"),
)
_declare(
    Organisation.Closed,
    G.DIRECTORY,
    ("Organisationen {old_name} lukket", "Lukket"),
    ("The organisation {old_name} closed", "Closed"),
)
_declare(
    Person.Registered,
    G.DIRECTORY,
    ("{person} registreret ved {organisation}", "Person registreret ved {organisation}"),
    ("{person} registered at {organisation}", "Person registered at {organisation}"),
)
_declare(
    Person.ContactChanged,
    G.DIRECTORY,
    ("Kontaktoplysninger for {person} ændret", "Kontaktoplysninger ændret"),
    ("Contact details of {person} changed", "Contact details changed"),
)
_declare(
    Person.MovedOrganisation,
    G.DIRECTORY,
    (
        "{person} skiftet fra {old_organisation} til {organisation}",
        "Skiftet til {organisation}",
    ),
    ("{person} moved from {old_organisation} to {organisation}", "Moved to {organisation}"),
)
_declare(
    Person.Erased,
    G.DIRECTORY,
    ("Personoplysninger slettet for en person ved {old_organisation}", "Personoplysninger slettet"),
    ("Personal data erased of a person at {old_organisation}", "Personal data erased"),
)

# -- the evaluator's notes
_declare(
    Annotation.Recorded,
    G.EVALUATION,
    "Evaluatornotat skrevet ({kind}): »{text}«",
    'Evaluator\'s note written ({kind}): "{text}"',
)
_declare(
    Annotation.Revised,
    G.EVALUATION,
    ("Evaluatornotat omskrevet: {changes}", "Evaluatornotat omskrevet ({kind})"),
    ("Evaluator's note rewritten: {changes}", "Evaluator's note rewritten ({kind})"),
)
_declare(
    Annotation.Published,
    G.EVALUATION,
    ("Evaluatornotat offentliggjort ({old_kind}): »{old_text}«", "Evaluatornotat offentliggjort"),
    ('Evaluator\'s note published ({old_kind}): "{old_text}"', "Evaluator's note published"),
)
_declare(
    Annotation.Withdrawn,
    G.EVALUATION,
    (
        "Evaluatornotat trukket tilbage ({old_kind}): »{old_text}«",
        "Evaluatornotat trukket tilbage",
    ),
    ('Evaluator\'s note withdrawn ({old_kind}): "{old_text}"', "Evaluator's note withdrawn"),
)

# -- users and access (no password hash or token hash is ever shown)
_declare(
    Account.Created,
    G.ACCESS,
    ("Brugerkonto oprettet: {display_name} ({username})", "Brugerkonto oprettet: {username}"),
    ("User account created: {display_name} ({username})", "User account created: {username}"),
)
_declare(
    Account.PasswordChanged,
    G.ACCESS,
    ("Adgangskode skiftet for {username}", "Adgangskode skiftet"),
    ("Password changed for {username}", "Password changed"),
)
_declare(
    Account.AdminChanged,
    G.ACCESS,
    ("Administrator ({username}): {old_is_admin} → {is_admin}", "Administrator: {is_admin}"),
    ("Administrator ({username}): {old_is_admin} → {is_admin}", "Administrator: {is_admin}"),
)
_declare(
    Account.Deactivated,
    G.ACCESS,
    ("Brugerkontoen {username} deaktiveret", "Brugerkonto deaktiveret"),
    ("User account {username} deactivated", "User account deactivated"),
)
_declare(
    Account.Reactivated,
    G.ACCESS,
    ("Brugerkontoen {username} genaktiveret", "Brugerkonto genaktiveret"),
    ("User account {username} reactivated", "User account reactivated"),
)
_declare(
    Account.Granted,
    G.ACCESS,
    ("Adgang tildelt {username}: {role} ({scope})", "Adgang tildelt: {role}"),
    ("Access granted to {username}: {role} ({scope})", "Access granted: {role}"),
)
_declare(
    Account.GrantRevoked,
    G.ACCESS,
    ("Adgang frataget {username}: {old_role} ({scope})", "Adgang frataget"),
    ("Access revoked from {username}: {old_role} ({scope})", "Access revoked"),
)
_declare(
    Account.TokenIssued,
    G.ACCESS,
    (
        "Adgangsnøgle udstedt til {username}: {label} ({kind})",
        "Adgangsnøgle udstedt: {label} ({kind})",
    ),
    (
        "Access token issued to {username}: {label} ({kind})",
        "Access token issued: {label} ({kind})",
    ),
)
_declare(
    Account.TokenRevoked,
    G.ACCESS,
    ("Adgangsnøgle tilbagekaldt for {username}: {old_label}", "Adgangsnøgle tilbagekaldt"),
    ("Access token revoked for {username}: {old_label}", "Access token revoked"),
)
_declare(
    Account.IdentityBound,
    G.ACCESS,
    (
        "Brugerkontoen {username} knyttet til login hos {issuer}",
        "Brugerkonto knyttet til login hos {issuer}",
    ),
    (
        "User account {username} linked to the login at {issuer}",
        "User account linked to the login at {issuer}",
    ),
)
_declare(
    Account.ProfileUpdated,
    G.ACCESS,
    (
        "Navn og e-mail fra identitetsudbyderen ({username}): {display_name}",
        "Navn og e-mail fra identitetsudbyderen: {display_name}",
    ),
    (
        "Name and e-mail from the identity provider ({username}): {display_name}",
        "Name and e-mail from the identity provider: {display_name}",
    ),
)

# -- the write side's own records
_declare(
    IdempotentRequest.Recorded,
    G.SYSTEM,
    "Gentaget forespørgsel genkendes fremover",
    "Repeated request recognised from now on",
)

del G, P


# -- rendering ----------------------------------------------------------------------------

_NAMED = (
    "organisation",
    "person",
    "party",
    "signatory",
    "into",
    "lead_organisation",
    "old_person",
    "old_organisation",
)
"""`x_id` fields naming an organisation or person: shown by name (or a short id)."""
_NAMED_LISTS = ("owner_ids", "party_ids")
"""List fields of organisation ids (shown as their names)."""
_SECRET = frozenset({"password_hash", "token_hash", "fingerprint", "contact"})
"""Payload fields no sentence may show."""
_TEXT_LIMIT = 120
"""A changed text longer than this is shown by its beginning (and …)."""


def danish_midnight(day: date) -> datetime:
    """The start of a day in Denmark (a recorded-time bound of a date filter)."""
    return datetime(day.year, day.month, day.day, tzinfo=DENMARK)


def day_text(value: Any, locale: str) -> str:
    """A stored date (ISO text or a date) as the locale writes it: dd.mm.åååå in Danish."""
    if isinstance(value, str | date) and value:
        with contextlib.suppress(ValueError):
            return (
                danish_date(value[:10] if isinstance(value, str) else value)
                if locale != "en"
                else str(value)[:10]
            )
    return str(value)


# -- who did it --------------------------------------------------------------------------

SYSTEM_ACTORS: dict[str, tuple[str, str]] = {
    # actor: (Danish, English)
    "system:housekeeping": ("automatisk: aftalens udløb", "automatic: agreement expiry"),
    "system:login-throttle": ("automatisk: spærring af login", "automatic: login lock"),
    "demo:loader": ("automatisk: indlæsning af demodata", "automatic: demo data load"),
}
_ACTOR_PREFIXES: dict[str, tuple[str, str]] = {
    "system:": ("automatisk", "automatic"),
    "cli:": ("kommandolinjen", "command line"),
    "demo:": ("automatisk: demodata", "automatic: demo data"),
}


def system_actor(actor: str, locale: str = "da") -> str | None:
    """A system actor in words (`automatisk: aftalens udløb`); None for a user's name."""
    index = 1 if locale == "en" else 0
    if actor in SYSTEM_ACTORS:
        return SYSTEM_ACTORS[actor][index]
    for prefix, words in _ACTOR_PREFIXES.items():
        if actor.startswith(prefix):
            rest = actor[len(prefix) :]
            return f"{words[index]} ({rest})" if rest else words[index]
    return None


# -- the fields of a structure whose change a sentence lists -------------------------------


class Kind(StrEnum):
    """How a changed value is shown."""

    TEXT = "text"
    LIST = "list"
    DATE = "date"
    NUMBER = "number"
    ORGS = "orgs"  # organisation ids, shown by name
    EVIDENCE = "evidence"


@dataclass(frozen=True)
class Part:
    """One field of a structure (a registry, terms, a milestone) as a change shows it."""

    key: str
    da: str
    en: str
    kind: Kind = Kind.TEXT
    enum: type[Enum] | None = None
    unit: tuple[str, str] | None = None  # a number's unit (Danish, English): ("kr.", "DKK")
    exact: bool = False  # a number shows all its decimals (1.480,5 hours), not two (money)


REGISTRY_PARTS = (
    Part("title", "Titel", "Title"),
    Part("municipality", "Kommune", "Municipality"),
    Part("purpose", "Formål", "Purpose"),
    Part("target_groups", "Målgrupper", "Target groups", Kind.LIST),
    Part("arenas", "Arenaer", "Arenas", Kind.LIST),
    Part("kind", "Type", "Kind", enum=PartnershipType),
    Part("period_start", "Periode fra", "Period from", Kind.DATE),
    Part("period_end", "Periode til", "Period to", Kind.DATE),
    Part(
        "prevention_categories",
        "Forebyggelsespakkernes kategorier",
        "Prevention categories",
        Kind.LIST,
        PreventionCategory,
    ),
    Part("bearings", "KL's pejlemærker", "KL bearings", Kind.LIST),
    Part("tags", "Tags", "Tags", Kind.LIST),
    Part("yearly_budget_dkk", "Årligt budget", "Yearly budget", Kind.NUMBER, unit=("kr.", "DKK")),
    Part(
        "staff_hours_per_year",
        "Personaletimer pr. år",
        "Staff hours per year",
        Kind.NUMBER,
        exact=True,
    ),
    Part("recruitment_channels", "Rekrutteringskanaler", "Recruitment channels", Kind.LIST),
    Part("evaluation_status", "Evalueringsstatus", "Evaluation status"),
    Part("attention_points", "Opmærksomhedspunkter", "Points of attention"),
    Part("barriers", "Barrierer", "Barriers"),
    Part("promoting_factors", "Fremmende faktorer", "Promoting factors"),
)
TERMS_OF_REFERENCE_PARTS = (
    Part("purpose", "Formål", "Purpose"),
    Part("composition", "Sammensætning", "Composition"),
    Part("task", "Opgave", "Task"),
    Part("time_plan", "Tidsplan", "Time plan"),
    Part("focus_areas", "Fokusområder", "Focus areas", Kind.LIST),
)
AGREEMENT_PARTS = (
    Part("title", "Titel", "Title"),
    Part("purpose", "Formål", "Purpose"),
    Part("party_ids", "Parter", "Parties", Kind.ORGS),
    Part("obligations", "Forpligtelser", "Obligations", Kind.LIST),
    Part("valid_from", "Gyldig fra", "Valid from", Kind.DATE),
    Part("valid_to", "Gyldig til", "Valid to", Kind.DATE),
)
MILESTONE_PARTS = (
    Part("title", "Titel", "Title"),
    Part("dimension", "Dimension", "Dimension", enum=Dimension),
    Part("status", "Status", "Status", enum=AnchoringStatus),
    Part("evidence", "Dokumentation", "Evidence", Kind.EVIDENCE),
)
ACTIVITY_PARTS = (
    Part("title", "Titel", "Title"),
    Part("target_group", "Målgruppe", "Target group"),
    Part("arena", "Arena", "Arena"),
    Part("owner_ids", "Ejere", "Owners", Kind.ORGS),
)
ANNOTATION_PARTS = (
    Part("kind", "Type", "Kind", enum=AnnotationKind),
    Part("dimension", "Dimension", "Dimension", enum=Dimension),
    Part("text", "Tekst", "Text"),
)


@dataclass(frozen=True)
class Changes:
    """Where an event class keeps the new values (`nested`: a payload field, else the
    payload itself), the parts it may change, and whether a part left out (None) means
    unchanged (an activity's adjustment)."""

    parts: tuple[Part, ...]
    nested: str | None = None
    none_is_unchanged: bool = False


CHANGES: dict[type, Changes] = {
    Partnership.RegistryUpdated: Changes(REGISTRY_PARTS, "registry"),
    Partnership.TermsOfReferenceIssued: Changes(TERMS_OF_REFERENCE_PARTS, "terms"),
    Partnership.MilestoneCorrected: Changes(MILESTONE_PARTS),
    Partnership.ActivityAdjusted: Changes(ACTIVITY_PARTS, none_is_unchanged=True),
    Agreement.Amended: Changes(AGREEMENT_PARTS, "terms"),
    Annotation.Revised: Changes(ANNOTATION_PARTS),
}
"""The event classes whose sentence lists each changed field as old → new (`{changes}`):
the old values come from the payload's `previous` (a registry update since issue 15) or
from the stream before the event (projections/trail.py gives them as `_previous`)."""


def _quote(text: str, locale: str) -> str:
    if len(text) > _TEXT_LIMIT:
        text = text[: _TEXT_LIMIT - 1].rstrip() + "…"
    return f"“{text}”" if locale == "en" else f"«{text}»"


def _value_text(part: Part, value: Any, names: Names, locale: str) -> str:
    """A field's value as a change shows it (dates the locale's way, labels, names)."""
    empty = "(empty)" if locale == "en" else "(tom)"
    if value is None or value in ("", [], ()):
        return empty
    if part.kind is Kind.DATE:
        return day_text(value, locale)
    if part.kind is Kind.EVIDENCE and isinstance(value, dict):
        return _quote(str(value.get("text", "")), locale)
    if part.kind is Kind.ORGS and isinstance(value, list | tuple):
        return ", ".join(_name_of(v, names) for v in value)
    if isinstance(value, list | tuple):
        items = []
        for item in value:
            if isinstance(item, dict):  # an obligation: who does what
                who = _name_of(item.get("party_id"), names)
                items.append(f"{who}: {item.get('text', '')}")
            elif part.enum is not None:
                items.append(_label(part.enum, item, locale))
            else:
                items.append(str(item))
        return _quote(", ".join(items), locale)
    if part.enum is not None:
        return _label(part.enum, value, locale)
    if part.kind is Kind.NUMBER:  # 30.000 kr., 1.480,5 (aggregates/numbers.py)
        shown = format_number(value, locale, exact=part.exact)
        if part.unit is None:
            return shown
        return f"{shown} {part.unit[1]}" if locale == "en" else f"{shown} {part.unit[0]}"
    return _quote(str(value), locale)


def _name_of(value: Any, names: Names) -> str:
    uid = _uuid(value)
    if uid is None:
        return str(value)
    return names.names.get(uid) or names.titles.get(uid) or str(uid)[:8]


def _same(part: Part, before: Any, after: Any) -> bool:
    def norm(value: Any) -> Any:
        if value in (None, "", [], ()):
            return None
        if isinstance(value, list | tuple):
            return [norm(v) for v in value]
        if part.kind is Kind.NUMBER:
            with contextlib.suppress(ArithmeticError, ValueError, TypeError):
                return Decimal(str(value))
        return value

    return bool(norm(before) == norm(after))


def changes_of(
    cls: type, payload: Mapping[str, Any], names: Names, locale: str
) -> list[tuple[str, str, str]] | None:
    """(field label, old, new) for each changed field of the event, or None when the old
    values are not known (an old event read without its stream)."""
    spec = CHANGES.get(cls)
    if spec is None:
        return None
    after = payload.get(spec.nested) if spec.nested else payload
    before = payload.get("previous") or payload.get("_previous")
    if not isinstance(after, Mapping) or not isinstance(before, Mapping):
        return None
    named = payload.get("changed")
    only = set(named) if isinstance(named, list | tuple) and named else None
    found = []
    for part in spec.parts:
        if only is not None and part.key not in only:
            continue
        new = after.get(part.key)
        if spec.none_is_unchanged and new is None:
            continue
        old = before.get(part.key)
        if _same(part, old, new):
            continue
        label = part.en if locale == "en" else part.da
        found.append(
            (label, _value_text(part, old, names, locale), _value_text(part, new, names, locale))
        )
    return found


def changes_text(changes: Sequence[tuple[str, str, str]], locale: str) -> str:
    if not changes:
        return "no fields changed" if locale == "en" else "ingen felter ændret"
    return "; ".join(f"{label}: {old} → {new}" for label, old, new in changes)


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
    """Activities, agreements, milestones, factors, follow-ups and partnerships."""
    roles: Mapping[UUID, str] = field(default_factory=dict)
    """A role's position -> the role (its value)."""
    seats: Mapping[UUID, Seat] = field(default_factory=dict)
    """A steering appointment -> its person and seat."""


_ENUMS: dict[type, dict[str, type[Enum]]] = {}
_DATES: dict[type, frozenset[str]] = {}

_EXTRA_ENUMS: dict[str, type[Enum]] = {
    # fields a trail adds (projections/trail.py), typed by a string enum
    "seat": SeatRole,
    "role": RoleKind,
    "old_status": ActivityStatus,
    "old_phase": ImplementationPhase,
    "old_kind": AnnotationKind,
    "old_role": AccessRole,
}
_EXTRA_DATES = frozenset({"old_valid_on", "old_valid_to"})


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


def _date_fields(cls: type) -> frozenset[str]:
    """The event's fields typed as dates (shown dd.mm.åååå in Danish)."""
    found = _DATES.get(cls)
    if found is None:
        found = frozenset(
            name
            for name, hint in typing.get_type_hints(cls).items()
            if hint is date or date in typing.get_args(hint)
        )
        _DATES[cls] = found
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
    if isinstance(value, UUID):
        return value
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return UUID(value)
    return None


def fields_of(cls: type, payload: Mapping[str, Any], names: Names, locale: str) -> dict[str, Any]:
    """The placeholders a sentence of `cls` may use, from the payload and the names.

    Besides the stored fields, a payload read with its stream carries what the event
    changed from (projections/trail.py: `old_…` fields, `_previous`, `_corrects`).
    """
    yes, no = ("yes", "no") if locale == "en" else ("ja", "nej")
    enums = {**_EXTRA_ENUMS, **_enum_fields(cls)}
    dates = _date_fields(cls) | _EXTRA_DATES
    fields: dict[str, Any] = {}
    for key, value in payload.items():
        if key in _SECRET or key.startswith("_"):
            continue
        if isinstance(value, bool):
            fields[key] = yes if value else no
        elif key in enums and isinstance(value, str):
            fields[key] = _label(enums[key], value, locale)
        elif key in dates and isinstance(value, str | date):
            fields[key] = day_text(value, locale)
        elif key.endswith("text") and isinstance(value, str):
            fields[key] = value if len(value) <= _TEXT_LIMIT else value[: _TEXT_LIMIT - 1] + "…"
        elif isinstance(value, str | int | float):
            fields[key] = value
        elif (
            isinstance(value, list | tuple)
            and value
            and all(isinstance(v, str) for v in value)
            and not key.endswith("_ids")
        ):
            fields[key] = ", ".join(value)
    for key in ("registry", "terms"):
        nested = payload.get(key)
        if isinstance(nested, dict) and isinstance(nested.get("title"), str):
            fields.setdefault("title", nested["title"])
    for key, value in payload.items():
        if not key.endswith("_id"):
            continue
        subject, uid = key[:-3], _uuid(value)
        if uid is None or subject in fields:
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
    changes = changes_of(cls, payload, names, locale)
    if changes is not None:
        fields["changes"] = changes_text(changes, locale)
    corrects = payload.get("_corrects")
    if isinstance(corrects, Mapping):
        told = _nested_sentence(corrects, names, locale)
        if told is not None:
            fields["corrected"] = told
    linked = payload.get("_linked")  # the events a factor is linked to
    if isinstance(linked, list | tuple):
        said = [s for s in (_nested_sentence(x, names, locale) for x in linked) if s]
        if said:
            fields["linked"] = "; ".join(said)
    versions = payload.get("event_versions")
    if isinstance(versions, list | tuple) and versions:
        fields["events"] = ", ".join(f"#{v}" for v in versions)
    if "municipality" in payload or "partnership_id" in payload:
        everywhere = "everywhere" if locale == "en" else "alle"
        fields.setdefault(
            "scope", fields.get("partnership") or payload.get("municipality") or everywhere
        )
    return fields


def _nested_sentence(nested: Any, names: Names, locale: str) -> str | None:
    """The sentence of an event a trail nests in a payload (kind, aggregate, payload)."""
    if not isinstance(nested, Mapping):
        return None
    cls = event_class(str(nested.get("kind")), str(nested.get("aggregate")))
    inner = nested.get("payload")
    if cls is None or not isinstance(inner, Mapping):
        return None
    return render(cls, inner, names, locale)


EVENT_NAMES: dict[type, tuple[str, str]] = {
    # what kind of event it was, in words (Danish, English): the name a factor's link to an
    # event shows in a table (the cross-case tables, the story's kinds), every partnership
    # event (tests/unit/test_history_sentences.py checks that none is missing)
    Partnership.Registered: ("partnerskab registreret", "partnership registered"),
    Partnership.RegistryUpdated: ("stamdata ændret", "registry data changed"),
    Partnership.PartnerJoined: ("partner indtrådt", "partner joined"),
    Partnership.PartnerLeft: ("partner udtrådt", "partner left"),
    Partnership.RungChanged: ("trin ændret", "rung changed"),
    Partnership.AgreementBacked: ("aftale underskrevet", "agreement signed"),
    Partnership.AgreementRenewed: ("aftale forlænget", "agreement renewed"),
    Partnership.AgreementEnded: ("aftale ophørt", "agreement ended"),
    Partnership.SteeringMemberAppointed: ("styregruppemedlem udpeget", "steering member appointed"),
    Partnership.SteeringSeatChanged: ("plads i styregruppen skiftet", "steering seat changed"),
    Partnership.SteeringMemberSteppedDown: (
        "styregruppemedlem udtrådt",
        "steering member stepped down",
    ),
    Partnership.SecretariatAssigned: ("sekretariat placeret", "secretariat assigned"),
    Partnership.SecretariatStaffed: ("sekretariat bemandet", "secretariat staffed"),
    Partnership.SecretariatStaffLeft: (
        "sekretariatsmedarbejder fratrådt",
        "secretariat staff left",
    ),
    Partnership.ActivityLaunched: ("aktivitet oprettet", "activity launched"),
    Partnership.ActivityStatusChanged: ("aktivitetens status ændret", "activity status changed"),
    Partnership.ActivityAdjusted: ("aktivitet justeret", "activity adjusted"),
    Partnership.TermsOfReferenceIssued: ("kommissorium udsendt", "terms of reference issued"),
    Partnership.DecisionRecorded: ("styregruppebeslutning", "steering group decision"),
    Partnership.RoleAssigned: ("rolle tildelt", "role assigned"),
    Partnership.RoleHandedOver: ("rolle overdraget", "role handed over"),
    Partnership.RoleVacated: ("rolle ledig", "role vacated"),
    Partnership.MilestoneRecorded: ("milepæl registreret", "milestone recorded"),
    Partnership.FactorRecorded: ("faktor registreret", "factor recorded"),
    Partnership.FactorLinked: ("faktor koblet til en milepæl", "factor linked to a milestone"),
    Partnership.FactorEventLinked: ("faktor koblet til en hændelse", "factor linked to an event"),
    Partnership.AnchoringRated: ("selvevaluering af forankring", "anchoring self-assessment"),
    Partnership.EvaluationRecorded: ("evaluering", "evaluation"),
    Partnership.AssessmentRecorded: ("vurdering", "assessment"),
    Partnership.FollowUpScheduled: ("opfølgning planlagt", "follow-up scheduled"),
    Partnership.FollowUpRecorded: ("opfølgning registreret", "follow-up recorded"),
    Partnership.PhaseEntered: ("fase i implementeringscirklen", "implementation phase"),
    Partnership.DateCorrected: ("dato rettet", "date corrected"),
    Partnership.RungCorrected: ("trin rettet", "rung corrected"),
    Partnership.MilestoneCorrected: ("milepæl rettet", "milestone corrected"),
}


def event_name(kind: str, locale: str = "da") -> str:
    """A partnership event's kind (the audit row's `kind`) in words; as stored if unknown."""
    cls = event_class(kind, "partnership")
    names = EVENT_NAMES.get(cls) if cls is not None else None
    if names is None:
        return kind
    return names[1] if locale == "en" else names[0]


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
    ("partnership_id", "SELECT id, title FROM partnerships WHERE id IN ({m})"),
)


def _flat(payloads: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The payloads and what a trail nests in them (the corrected event, the old values)."""
    found: list[Mapping[str, Any]] = []
    for payload in payloads:
        found.append(payload)
        linked = payload.get("_linked")
        for nested_event in [
            payload.get("_corrects"),
            *(linked if isinstance(linked, list) else ()),
        ]:
            if isinstance(nested_event, Mapping) and isinstance(
                nested_event.get("payload"), Mapping
            ):
                found += _flat([nested_event["payload"]])
        for key in ("_previous", "previous", "registry", "terms"):
            nested = payload.get(key)
            if isinstance(nested, Mapping):
                found.append(nested)
    return found


def _ids_of(payloads: Sequence[Mapping[str, Any]], key: str) -> list[UUID]:
    found = {_uuid(p.get(key)) for p in payloads}
    return sorted((i for i in found if i is not None), key=str)


def _listed_ids(payloads: Sequence[Mapping[str, Any]]) -> list[UUID]:
    found: set[UUID] = set()
    for payload in payloads:
        for key in _NAMED_LISTS:
            values = payload.get(key)
            if isinstance(values, list | tuple):
                found |= {u for u in map(_uuid, values) if u is not None}
        obligations = payload.get("obligations")
        if isinstance(obligations, list | tuple):
            found |= {
                u for o in obligations if isinstance(o, Mapping) and (u := _uuid(o.get("party_id")))
            }
    return sorted(found, key=str)


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
    payloads = _flat(payloads)
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
    people += _listed_ids(payloads)
    people += [s.person_id for s in seats.values() if s.person_id is not None]
    names = await directory_names(store, people)
    return Names(names=names, titles=titles, roles=roles, seats=seats)
