"""What the project leader's forms share: the record a form changes, the choices of its
selects, the partnership page's sections, and where a form goes next."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from litestar import Request
from litestar.concurrency import sync_to_thread

from aggregates import Agreement, Partnership
from aggregates.danish import sort_key as danish_sort_key
from aggregates.taxonomy import AnchoringStatus, Dimension, Labelled, Rung
from api.auth import Principal, principal_of
from api.readside import ReadSide
from api.ui.core import PREFIX, locale_of, safe_next
from api.ui.forms import RULES_DA, Field, Form, blank
from api.ui.free_text import warn_names
from api.ui.i18n import english, labeller
from projections import access as access_view
from projections import directory
from projections.access import DirectoryAccess
from projections.directory import OrganisationEntry, PersonEntry
from services.application import Tvaers

WRITE = {"access": "partnership:write"}
READ = {"access": "partnership:read"}
WRITER = {"access": "writer"}

FORM_TEMPLATE = "actions/form.html"
NEW_PARTNERSHIP = f"{PREFIX}/partnerships/new"
NEW_ORGANISATION = f"{PREFIX}/organisations/new"
NEW_PERSON = f"{PREFIX}/persons/new"

# The partnership page's sections (their element ids), where a form returns to. The
# partners are listed in the ladder's section, the steering group in the governance one.
PARTNERS = "ladder"
LADDER = "ladder"
STEERING = "governance"
SECRETARIAT = "secretariat"
ROLES = "roles"
ACTIVITIES = "activities"
AGREEMENTS = "agreements"
ANCHORING = "anchoring"
HISTORY = "history"

MILESTONE_STATUSES = (AnchoringStatus.STARTED, AnchoringStatus.PARTIAL, AnchoringStatus.ANCHORED)

RUNG_EN = {
    Rung.KNOW_EACH_OTHER: "knowing each other",
    Rung.DIALOGUE: "dialogue and exchange of experience",
    Rung.MUTUAL_REFERRAL: "mutual referral",
    Rung.INFORMAL_COOPERATION: "informal cooperation",
    Rung.COOPERATION_AGREEMENT: "cooperation agreement",
    Rung.PARTNERSHIP_AGREEMENT: "partnership agreement",
}


def partnership_page(partnership_id: UUID, section: str | None = None) -> str:
    return f"{PREFIX}/partnerships/{partnership_id}" + (f"#{section}" if section else "")


def form_url(partnership_id: UUID, tail: str) -> str:
    return f"{PREFIX}/partnerships/{partnership_id}/{tail}"


def with_params(url: str, **params: Any) -> str:
    """The URL with these query parameters added (before any #fragment)."""
    kept = {k: str(v) for k, v in params.items() if v is not None and v != ""}
    if not kept:
        return url
    base, hash_mark, fragment = url.partition("#")
    joined = base + ("&" if "?" in base else "?") + urlencode(kept)
    return joined + hash_mark + fragment


def next_page(value: str | None) -> str | None:
    """A local UI page to return to, or None (never another site)."""
    return safe_next(value) if value else None


def as_id(value: str | None) -> UUID | None:
    """A UUID from a query parameter or form value; None when absent or malformed."""
    if not value:
        return None
    try:
        return UUID(value)
    except ValueError:
        return None


def ids(values: Iterable[str]) -> list[UUID]:
    return [UUID(v) for v in values]


def lines(value: str | None) -> tuple[str, ...]:
    """One item a line (target groups, arenas), blanks dropped."""
    return tuple(line.strip() for line in (value or "").splitlines() if line.strip())


# -- choices --------------------------------------------------------------------------------


def enum_choices(
    members: Iterable[Labelled], request: Request[Any, Any, Any]
) -> list[tuple[str, str]]:
    """A vocabulary's values with their labels in the request's language."""
    label = labeller(locale_of(request))
    return [(m.value, label(m)) for m in members]


def rung_label(rung: Rung, locale: str) -> str:
    return f"{rung.value} · " + (RUNG_EN[rung] if locale == "en" else rung.label_da)


def rung_choices(
    request: Request[Any, Any, Any], top: Rung = Rung.PARTNERSHIP_AGREEMENT
) -> list[tuple[str, str]]:
    locale = locale_of(request)
    return [(str(r.value), rung_label(r, locale)) for r in Rung if r <= top]


def choice(name: str, label: str, options: Sequence[tuple[str, str]], **kwargs: Any) -> Field:
    """A select whose option labels are already in the user's language (names, labels)."""
    return Field(name, label, "choice", choices=tuple(options), verbatim=True, **kwargs)


def multichoice(name: str, label: str, options: Sequence[tuple[str, str]], **kwargs: Any) -> Field:
    return Field(name, label, "multichoice", choices=tuple(options), verbatim=True, **kwargs)


def person_label(person: PersonEntry, organisations: Mapping[UUID, str]) -> str:
    where = organisations.get(person.organisation_id, "?")
    title = f", {person.title}" if person.title else ""
    return f"{person.name}{title} ({where})"


def milestone_fields(request: Request[Any, Any, Any]) -> list[Field]:
    """A milestone's content: what the record form and its correction both ask for."""
    return [
        choice("dimension", "Dimension", enum_choices(Dimension, request), required=True),
        choice(
            "status", "Forankringsstatus", enum_choices(MILESTONE_STATUSES, request), required=True
        ),
        Field("title", "Titel", required=True, max_length=200),
        Field(
            "evidence_text",
            "Dokumentation",
            "textarea",
            required=True,
            max_length=10_000,
            help=warn_names(
                "Hvad viser, at milepælen er nået? Fx en politisk beslutning eller en "
                "driftsaftale.",
                "What shows that the milestone is reached? E.g. a political decision or an "
                "operating agreement.",
            ),
        ),
        Field("evidence_link", "Link til dokumentation", max_length=2_000),
        Field("document_ref", "Journalnummer eller dokumentreference", max_length=200),
    ]


def evidence_of(c: dict[str, Any]) -> dict[str, str]:
    """The evidence fields of a form, as a command's `evidence` (EvidenceFields)."""
    return {
        "text": c["evidence_text"],
        "link": c["evidence_link"] or "",
        "document_ref": c["document_ref"] or "",
    }


# -- the records a form changes ---------------------------------------------------------------


@dataclass
class Scope:
    """A partnership as its forms see it: the aggregate now, and names of who is in it."""

    partnership: Partnership
    names: dict[UUID, str]
    persons: list[PersonEntry] = field(default_factory=list)

    @property
    def id(self) -> UUID:
        return self.partnership.id

    @property
    def title(self) -> str:
        return self.partnership.title

    @property
    def version(self) -> int:
        return self.partnership.version

    @property
    def lead_id(self) -> UUID:
        return self.partnership.lead_organisation_id

    def name(self, some_id: UUID | None) -> str:
        return self.names.get(some_id, "?") if some_id is not None else ""

    def partner_ids(self, *, lead: bool = True) -> list[UUID]:
        found = self.partnership.active_partner_ids
        return [p for p in found if lead or p != self.lead_id]

    def partner_choices(self, *, lead: bool = True) -> list[tuple[str, str]]:
        chosen = self.partner_ids(lead=lead)
        return sorted(((str(p), self.name(p)) for p in chosen), key=lambda c: c[1].casefold())

    def person_choices(self, *, without: Iterable[UUID] = ()) -> list[tuple[str, str]]:
        skipped = set(without)
        return [
            (str(p.id), person_label(p, self.names)) for p in self.persons if p.id not in skipped
        ]

    def context(self, **more: Any) -> dict[str, Any]:
        """What every form page of the partnership shows around the form."""
        return {
            "partnership_id": self.id,
            "partnership_title": self.title,
            "back": partnership_page(self.id),
            **more,
        }


async def scope_of(
    tvaers: Tvaers,
    read_side: ReadSide,
    partnership_id: UUID,
    *,
    persons: DirectoryAccess | None = None,
    also: Iterable[UUID | None] = (),
) -> Scope:
    """The partnership with the names of its partners, steering-group members and role
    holders (and of `also`), and with `persons` (the user's directory rules) the persons
    of its partners whom the user may see: a picker offers no one else."""
    partnership = await sync_to_thread(tvaers.get_partnership, partnership_id)
    named: list[UUID | None] = [UUID(key) for key in partnership.partners]
    named += [a.person_id for a in partnership.active_appointments()]
    named += [pos.holder.person_id for pos in partnership.roles.values() if pos.holder]
    people = (
        await directory.persons(
            read_side.store, partnership.active_partner_ids, readable=persons.persons("id")
        )
        if persons is not None
        else []
    )
    names = await directory.names(read_side.store, [*named, *also])
    return Scope(partnership=partnership, names=names, persons=people)


def directory_rules(request: Request[Any, Any, Any]) -> DirectoryAccess:
    """The user's directory rules (ADR 0005, revised in issue 12): whom a picker may offer."""
    principal = principal_of(request)
    if principal is None:  # the guard lets no anonymous caller this far; offer no one
        return DirectoryAccess(UUID(int=0))
    return principal.directory


def organisation_label(o: OrganisationEntry) -> str:
    return o.name + (f" ({o.municipality})" if o.municipality else "")


async def organisation_picker(
    request: Request[Any, Any, Any],
    read_side: ReadSide,
    *,
    search: str | None = None,
    include: Iterable[UUID | None] = (),
    without: Iterable[UUID] = (),
) -> list[tuple[str, str]]:
    """The organisations an organisation chooser offers: those of the user's own
    municipalities and those in their partnerships first, then the hits of a name
    `search`, and `include` (e.g. the one just posted); never every municipality's list.
    Administrators see every active organisation. Organisations are shared, so any may
    be chosen; only the listing is narrowed."""
    principal: Principal | None = principal_of(request)
    store = read_side.store
    skipped = set(without)
    if principal is not None and principal.is_admin:
        near = await directory.organisations(store)
        others: list[OrganisationEntry] = []
    else:
        near_ids = (
            await access_view.near_organisations(store, principal.account_id) if principal else []
        )
        near = await directory.organisations_by_id(store, near_ids)
        extra = [i for i in include if i is not None]
        others = await directory.organisations_by_id(store, extra)
        if search and search.strip():
            others += await directory.search_organisations(store, search)
    shown = {o.id for o in near}
    # Sorted the Danish way: case-insensitive, æ, ø, å after z (issue 16).
    near = sorted(near, key=lambda o: (danish_sort_key(o.name), str(o.id)))
    choices = [(str(o.id), organisation_label(o)) for o in near if o.id not in skipped]
    for o in sorted(others, key=lambda o: (danish_sort_key(o.name), str(o.id))):
        if o.id not in shown and o.id not in skipped:
            shown.add(o.id)
            choices.append((str(o.id), organisation_label(o)))
    return choices


def picker_search(action: str, value: str | None, **keep: Any) -> dict[str, Any]:
    """The little name search above a form whose chooser lists only nearby organisations
    (actions/form.html): a GET of the same form with `q`, keeping `keep`'s parameters."""
    return {
        "action": action,
        "value": value or "",
        "hidden": [(k, str(v)) for k, v in keep.items() if v],
        "label": "Find en organisation fra en anden kommune",
        "help": "Listen viser din kommunes organisationer og dine partnerskabers partnere. "
        "Søg på navnet for at finde andre.",
    }


def posted_id(form: Any, name: str) -> UUID | None:
    """The id the user chose in a posted form (to keep a searched organisation choosable)."""
    value = form.get(name) if form is not None else None
    return as_id(value) if isinstance(value, str) else None


async def agreement_of(tvaers: Tvaers, partnership_id: UUID, agreement_id: UUID) -> Agreement:
    """The agreement, only if it belongs to the partnership (else NotFound: a 404 page)."""
    return await sync_to_thread(tvaers.get_agreement, agreement_id, partnership_id=partnership_id)


async def may_write(
    request: Request[Any, Any, Any], read_side: ReadSide, partnership_id: UUID
) -> bool:
    """Whether the user may change the partnership (a page readers see shows no forms)."""
    principal = principal_of(request)
    if principal is None:
        return False
    municipality = await access_view.municipality_of(read_side.store, partnership_id)
    return principal.may("write", partnership_id, municipality)


def page(
    *,
    title: str,
    action: str,
    cancel: str,
    lead: str = "",
    submit: str = "",
    facts: Sequence[tuple[str, str]] = (),
    tabs: Sequence[tuple[str, str, bool]] = (),
    links: Sequence[tuple[str, str]] = (),
    listing: Sequence[tuple[str, str]] = (),
    listing_title: str = "",
    scope: Scope | None = None,
    **more: Any,
) -> dict[str, Any]:
    """The context of a form page (actions/form.html); Danish texts are translated there.

    `facts` are (Danish term, value as shown); `tabs` and `links` (href, Danish text);
    `listing` (href, text as shown) under the Danish heading `listing_title`.
    """
    around = scope.context() if scope is not None else {"partnership_title": "", "back": ""}
    return {
        **around,
        "title": title,
        "action": action,
        "cancel": cancel,
        "lead": lead,
        "submit": submit,
        "facts": facts,
        "tabs": tabs,
        "links": links,
        "listing": listing,
        "listing_title": listing_title,
        **more,
    }


def prefilled(fields: Sequence[Field], **values: Any) -> Form:
    """A blank form with some values given (None left out), as the form posts them."""
    given = {
        k: (v.isoformat() if isinstance(v, date) else str(v) if isinstance(v, UUID) else v)
        for k, v in values.items()
        if v is not None
    }
    return blank(fields, **given)


# English of the texts the action pages share, and of the domain rules' Danish explanations
# (forms.RULES_DA), which these forms show.
english(
    {
        "Tilbage til partnerskabet": "Back to the partnership",
        "Partnerskab": "Partnership",
        "Genveje": "Shortcuts",
        "Vælg handling": "Choose an action",
        "Pejlemærke {n}": "KL bearing {n}",
        "Find en organisation fra en anden kommune": "Find an organisation of another municipality",
        "Listen viser din kommunes organisationer og dine partnerskabers partnere. "
        "Søg på navnet for at finde andre.": (
            "The list shows your municipality's organisations and your partnerships' "
            "partners. Search by name to find others."
        ),
        RULES_DA["not-found"]: "What you refer to does not exist (any more).",
        RULES_DA["already-exists"]: "It already exists.",
        RULES_DA["invalid-value"]: "One of the values is not valid.",
        RULES_DA["inconsistent-dates"]: (
            "Two dates are in the wrong order (an end date before a start date), or a date "
            "lies outside the period it belongs to."
        ),
        RULES_DA["not-a-partner"]: (
            "The organisation is not a partner of the partnership on that date."
        ),
        RULES_DA["already-a-partner"]: "The organisation is already a partner.",
        RULES_DA["lead-organisation"]: "That cannot be done for the lead organisation.",
        RULES_DA["rung-not-backed"]: (
            "The rung does not fit the partner's agreements: rungs 5 and 6 need a signed "
            "cooperation or partnership agreement in force, and while such an agreement is "
            "in force the partner cannot stand lower."
        ),
        RULES_DA["no-change"]: "Nothing would change.",
        RULES_DA["seat-occupied"]: "The seat on the steering group is already taken on that date.",
        RULES_DA["not-on-steering-group"]: "The person is not on the steering group.",
        RULES_DA["already-on-steering-group"]: "The person is already on the steering group.",
        RULES_DA["no-steering-group"]: "The partnership has no steering group yet.",
        RULES_DA["secretariat"]: "The rule for the secretariat is not met.",
        RULES_DA["activity-state"]: "The activity is not in a state where that is possible.",
        RULES_DA["activity-ended"]: "The activity has ended.",
        RULES_DA["role-state"]: "The role is not in a state where that is possible.",
        RULES_DA["agreement-state"]: "The agreement is not in a state where that is possible.",
        RULES_DA["not-a-party"]: "The organisation is not a party to the agreement.",
        RULES_DA["already-signed"]: "The party has already signed.",
        RULES_DA["not-correctable"]: "That entry cannot be corrected this way.",
        RULES_DA["organisation-closed"]: "The organisation is closed.",
        RULES_DA["person-erased"]: "The person's data has been erased.",
        RULES_DA["follow-up-state"]: "The follow-up is not in a state where that is possible.",
        RULES_DA["access-rule"]: "It would break an access rule.",
    }
)
