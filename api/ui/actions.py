"""The project leader's forms: registering partnerships, organisations and persons here;
every other action in the actions_* modules. `ACTION_PAGES` lists their controllers.

Each form declares the fields of its JSON API body (api/schemas.py), calls the same
`Tvaers` method as the API controller through `forms.submit()`, and returns to the page
it serves: a new partnership's page, or the form it was opened from (`next`), which then
has the new organisation or person chosen.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Template

from aggregates.danish import sort_key as danish_sort_key
from aggregates.taxonomy import PartnershipType, PreventionCategory, Sector
from api.auth import principal_of
from api.readside import ReadSide
from api.ui.actions_activities import ActivityForms, AnchoringForms
from api.ui.actions_agreements import AgreementForms
from api.ui.actions_common import (
    FORM_TEMPLATE,
    NEW_ORGANISATION,
    NEW_PARTNERSHIP,
    NEW_PERSON,
    WRITER,
    as_id,
    choice,
    directory_rules,
    enum_choices,
    lines,
    multichoice,
    next_page,
    organisation_label,
    organisation_picker,
    page,
    partnership_page,
    picker_search,
    posted_id,
    prefilled,
    with_params,
)
from api.ui.actions_decisions import DecisionForms
from api.ui.actions_followup import FollowUpForms
from api.ui.actions_governance import GovernanceForms
from api.ui.actions_partners import PartnerForms
from api.ui.actions_registry import RegistryForms
from api.ui.actions_roles import RoleForms
from api.ui.core import PREFIX, locale_of, render
from api.ui.forms import Field, submit, with_meta
from api.ui.i18n import english, translator
from api.ui.municipalities import municipality_field
from projections import access as access_view
from projections import directory
from services.application import Tvaers
from services.commands import RegisterOrganisation, RegisterPartnership, RegisterPerson

ITEMS = 50  # target groups, arenas: as many as the API takes (schemas.Items)
ITEM_LENGTH = 200
NEXT = Field("next", "", "hidden")


async def staffable_choices(
    request: Request[Any, Any, Any], read_side: ReadSide
) -> list[tuple[str, str]]:
    """The organisations the user may register people in (ADR 0005, revised)."""
    rules = directory_rules(request)
    entries = await directory.organisations(read_side.store, rules.staffable_organisations("id"))
    entries.sort(key=lambda o: (danish_sort_key(o.name), str(o.id)))  # æ, ø, å after z
    return [(str(o.id), organisation_label(o)) for o in entries]


def _municipality_error(
    request: Request[Any, Any, Any], value: str | None, allowed: frozenset[str] | None
) -> dict[str, str]:
    """The municipality field's error when the user may not name that municipality
    (`allowed`: case-folded keys; None: any)."""
    if not value or allowed is None or value.strip().casefold() in allowed:
        return {}
    _ = translator(locale_of(request))
    return {"municipality": _("Du har ikke en projektlederadgang, der dækker den kommune.")}


async def _led_municipalities(
    request: Request[Any, Any, Any], read_side: ReadSide
) -> frozenset[str] | None:
    """Municipalities (keys) the user is a project leader in; None for administrators."""
    principal = principal_of(request)
    if principal is None:
        return frozenset()
    if principal.is_admin:
        return None
    return frozenset(await access_view.led_municipalities(read_side.store, principal.account_id))


def _registrable(request: Request[Any, Any, Any]) -> frozenset[str] | None:
    """Municipalities (keys) the user may register partnerships in; None: any (admin)."""
    principal = principal_of(request)
    if principal is None:
        return frozenset()
    return None if principal.is_admin else principal.registers_in


def _list_errors(clean: dict[str, Any], names: tuple[str, ...], locale: str) -> dict[str, str]:
    """One item a line: at most ITEMS lines of at most ITEM_LENGTH characters."""
    _ = translator(locale)
    errors: dict[str, str] = {}
    for name in names:
        items = lines(clean.get(name))
        if len(items) > ITEMS:
            errors[name] = _("Højst {n} linjer.", n=ITEMS)
        elif any(len(item) > ITEM_LENGTH for item in items):
            errors[name] = _("Højst {n} tegn pr. linje.", n=ITEM_LENGTH)
    return errors


class DirectoryForms(Controller):
    """New partnerships, organisations and persons (any project leader or administrator)."""

    path = PREFIX
    include_in_schema = False

    # -- a new partnership ------------------------------------------------------------------

    async def _partnership(
        self,
        request: Request[Any, Any, Any],
        read_side: ReadSide,
        *,
        search: str | None = None,
        chosen: UUID | None = None,
    ) -> tuple[list[Field], dict[str, Any]]:
        _ = translator(locale_of(request))
        fields = with_meta(
            [
                Field("title", "Titel", required=True, max_length=200),
                municipality_field(  # one of the 98, chosen (issue 16)
                    help="En kommune, du har kommunedækkende projektlederadgang til.",
                ),
                choice(
                    "lead_organisation_id",
                    "Ledende organisation",
                    await organisation_picker(request, read_side, search=search, include=[chosen]),
                    required=True,
                    help="Den forankrer partnerskabet, er partner fra start og underskriver "
                    "aftaler på partnerskabets vegne.",
                ),
                Field("purpose", "Formål", "textarea", max_length=10_000),
                choice(
                    "kind",
                    "Type",
                    enum_choices(PartnershipType, request),
                    required=True,
                    default=PartnershipType.PROJECT.value,
                ),
                Field("period_start", "Periode fra", "date"),
                Field("period_end", "Periode til", "date"),
                Field("target_groups", "Målgrupper", "textarea", help="Én pr. linje."),
                Field("arenas", "Arenaer", "textarea", help="Én pr. linje."),
                multichoice(
                    "prevention_categories",
                    "Forebyggelsespakkernes kategorier",
                    enum_choices(PreventionCategory, request),
                ),
                multichoice(
                    "bearings",
                    "KL's pejlemærker",
                    [(str(n), _("Pejlemærke {n}", n=n)) for n in range(1, 7)],
                ),
                Field("yearly_budget_dkk", "Årligt budget (kr.)", "decimal"),
                Field("staff_hours_per_year", "Personaletimer pr. år", "decimal"),
            ]
        )
        context = page(
            title="Nyt partnerskab",
            lead="Du bliver projektleder for partnerskabet, når det er oprettet.",
            action=NEW_PARTNERSHIP,
            cancel=f"{PREFIX}/",
            submit="Opret partnerskab",
            links=[
                (
                    with_params(NEW_ORGANISATION, next=NEW_PARTNERSHIP),
                    "Er den ledende organisation ikke på listen? Registrér den først.",
                )
            ],
            search=picker_search(NEW_PARTNERSHIP, search),
        )
        return fields, context

    @get("/partnerships/new", opt=WRITER, name="ui-partnership-new")
    async def partnership_form(
        self,
        request: Request[Any, Any, Any],
        read_side: NamedDependency[ReadSide],
        organisation_id: FromQuery[str | None] = None,
        q: FromQuery[str | None] = None,
    ) -> Template:
        fields, context = await self._partnership(
            request, read_side, search=q, chosen=as_id(organisation_id)
        )
        form = prefilled(fields, lead_organisation_id=as_id(organisation_id))
        return render(request, FORM_TEMPLATE, form=form, **context)

    @post("/partnerships/new", opt=WRITER)
    async def create_partnership(
        self,
        request: Request[Any, Any, Any],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
    ) -> Response[Any]:
        chosen = posted_id(await request.form(), "lead_organisation_id")
        fields, context = await self._partnership(request, read_side, chosen=chosen)
        locale = locale_of(request)
        registrable = _registrable(request)

        return await submit(
            request,
            fields=fields,
            template=FORM_TEMPLATE,
            context=context,
            command=RegisterPartnership,
            shape=lambda c: {
                **c,
                "target_groups": lines(c["target_groups"]),
                "arenas": lines(c["arenas"]),
            },
            tvaers=tvaers,
            success=lambda result: partnership_page(result.created_id or result.aggregate_id),
            read_side=read_side,
            check=lambda c: {
                **_list_errors(c, ("target_groups", "arenas"), locale),
                **_municipality_error(request, c["municipality"], registrable),
            },
            error_fields={
                "inconsistent-dates": "period_end",
                "organisation-closed": "lead_organisation_id",
                "not-found": "lead_organisation_id",
            },
        )

    # -- a new organisation -----------------------------------------------------------------

    async def _organisation(
        self,
        request: Request[Any, Any, Any],
        read_side: ReadSide,
        *,
        search: str | None = None,
        chosen: UUID | None = None,
        back: str | None = None,
    ) -> tuple[list[Field], dict[str, Any]]:
        fields = with_meta(
            [
                Field("name", "Navn", required=True, max_length=200),
                choice("sector", "Sektor", enum_choices(Sector, request), required=True),
                municipality_field(  # one of the 98, chosen (issue 16)
                    required=False,
                    help="Kommunens projektledere kan siden omdøbe og lukke organisationen. "
                    "Udelades den, kan kun administratorer.",
                ),
                Field("cvr", "CVR-nummer", max_length=8, help="8 cifre. Kan udelades."),
                choice(
                    "parent_id",
                    "Del af",
                    await organisation_picker(request, read_side, search=search, include=[chosen]),
                    help="Fx en forvaltning, som afdelingen hører under. Kan udelades.",
                ),
                NEXT,
            ],
            valid_on=False,  # in the directory from now on: no back-dating
        )
        context = page(
            title="Ny organisation",
            lead="Organisationer deles af alle partnerskaber: tjek listen, før du registrerer.",
            action=NEW_ORGANISATION,
            cancel=f"{PREFIX}/",
            submit="Registrér organisation",
            search=picker_search(NEW_ORGANISATION, search, next=back),
        )
        return fields, context

    @get("/organisations/new", opt=WRITER, name="ui-organisation-new")
    async def organisation_form(
        self,
        request: Request[Any, Any, Any],
        read_side: NamedDependency[ReadSide],
        next: FromQuery[str | None] = None,
        q: FromQuery[str | None] = None,
    ) -> Template:
        fields, context = await self._organisation(
            request, read_side, search=q, back=next_page(next)
        )
        context["cancel"] = next_page(next) or context["cancel"]
        form = prefilled(fields, next=next_page(next))
        return render(request, FORM_TEMPLATE, form=form, **context)

    @post("/organisations/new", opt=WRITER)
    async def register_organisation(
        self,
        request: Request[Any, Any, Any],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
    ) -> Response[Any]:
        posted = await request.form()
        back = next_page(posted.get("next"))
        fields, context = await self._organisation(
            request, read_side, chosen=posted_id(posted, "parent_id"), back=back
        )
        context["cancel"] = back or context["cancel"]
        led = await _led_municipalities(request, read_side)
        return await submit(
            request,
            fields=fields,
            template=FORM_TEMPLATE,
            context=context,
            # The CVR number's rule is the command's (one pattern, services/fields.py).
            command=RegisterOrganisation,
            tvaers=tvaers,
            success=lambda result: with_params(
                back or f"{PREFIX}/", organisation_id=result.created_id
            ),
            read_side=read_side,
            check=lambda c: _municipality_error(request, c["municipality"], led),
            error_fields={
                "invalid-value": "cvr",
                "organisation-closed": "parent_id",
                "not-found": "parent_id",
            },
        )

    # -- a new person -------------------------------------------------------------------------

    async def _person(
        self, request: Request[Any, Any, Any], read_side: ReadSide, back: str | None
    ) -> tuple[list[Field], dict[str, Any]]:
        here = with_params(NEW_PERSON, next=back)
        fields = with_meta(
            [
                Field("name", "Navn", required=True, max_length=200),
                Field("title", "Stilling", max_length=200),
                Field("email", "E-mail", "email", max_length=254),
                Field("phone", "Telefon", max_length=50),
                choice(
                    "organisation_id",
                    "Organisation",
                    await staffable_choices(request, read_side),
                    required=True,
                    help="Din kommunes organisationer og dine partnerskabers partnere.",
                ),
                NEXT,
            ],
            valid_on=False,
        )
        context = page(
            title="Ny person",
            lead="Kontaktoplysninger er personoplysninger: de vises kun for brugere med "
            "adgang og kan slettes efter anmodning.",
            action=NEW_PERSON,
            cancel=back or f"{PREFIX}/",
            submit="Registrér person",
            links=[
                (
                    with_params(NEW_ORGANISATION, next=here),
                    "Er organisationen ikke på listen? Registrér den først.",
                )
            ],
        )
        return fields, context

    @get("/persons/new", opt=WRITER, name="ui-person-new")
    async def person_form(
        self,
        request: Request[Any, Any, Any],
        read_side: NamedDependency[ReadSide],
        next: FromQuery[str | None] = None,
        organisation_id: FromQuery[str | None] = None,
    ) -> Template:
        back = next_page(next)
        fields, context = await self._person(request, read_side, back)
        form = prefilled(fields, next=back, organisation_id=as_id(organisation_id))
        return render(request, FORM_TEMPLATE, form=form, **context)

    @post("/persons/new", opt=WRITER)
    async def register_person(
        self,
        request: Request[Any, Any, Any],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
    ) -> Response[Any]:
        back = next_page((await request.form()).get("next"))
        fields, context = await self._person(request, read_side, back)
        return await submit(
            request,
            fields=fields,
            template=FORM_TEMPLATE,
            context=context,
            command=RegisterPerson,
            tvaers=tvaers,
            success=lambda result: with_params(back or f"{PREFIX}/", person_id=result.created_id),
            read_side=read_side,
            error_fields={
                "invalid-value": "email",
                "organisation-closed": "organisation_id",
                "not-found": "organisation_id",
            },
        )


ACTION_PAGES = [
    RegistryForms,
    DirectoryForms,
    PartnerForms,
    GovernanceForms,
    RoleForms,
    ActivityForms,
    AnchoringForms,
    AgreementForms,
    DecisionForms,
    FollowUpForms,
]

english(
    {
        "Nyt partnerskab": "New partnership",
        "Du bliver projektleder for partnerskabet, når det er oprettet.": (
            "You become the partnership's project leader once it is created."
        ),
        "Opret partnerskab": "Create partnership",
        "Er den ledende organisation ikke på listen? Registrér den først.": (
            "Is the lead organisation not in the list? Register it first."
        ),
        "Titel": "Title",
        "Kommune": "Municipality",
        "Ledende organisation": "Lead organisation",
        "Den forankrer partnerskabet, er partner fra start og underskriver aftaler på "
        "partnerskabets vegne.": (
            "It anchors the partnership, is a partner from the start and signs agreements "
            "on the partnership's behalf."
        ),
        "Formål": "Purpose",
        "Type": "Type",
        "Periode fra": "Period from",
        "Periode til": "Period to",
        "Målgrupper": "Target groups",
        "Arenaer": "Arenas",
        "Én pr. linje.": "One per line.",
        "Forebyggelsespakkernes kategorier": "Categories of the prevention packages",
        "KL's pejlemærker": "KL's bearings",
        "Årligt budget (kr.)": "Yearly budget (DKK)",
        "Personaletimer pr. år": "Staff hours per year",
        "Højst {n} linjer.": "At most {n} lines.",
        "Højst {n} tegn pr. linje.": "At most {n} characters per line.",
        "Ny organisation": "New organisation",
        "Organisationer deles af alle partnerskaber: tjek listen, før du registrerer.": (
            "Organisations are shared by all partnerships: check the list before you register."
        ),
        "Registrér organisation": "Register organisation",
        "Navn": "Name",
        "Sektor": "Sector",
        "CVR-nummer": "CVR number",
        "8 cifre. Kan udelades.": "8 digits. May be left out.",
        "Del af": "Part of",
        "Fx en forvaltning, som afdelingen hører under. Kan udelades.": (
            "E.g. the administration the department belongs to. May be left out."
        ),
        "Et CVR-nummer er 8 cifre.": "A CVR number has 8 digits.",
        "Ny person": "New person",
        "Kontaktoplysninger er personoplysninger: de vises kun for brugere med adgang og kan "
        "slettes efter anmodning.": (
            "Contact details are personal data: they are shown only to users with access and "
            "can be erased on request."
        ),
        "Registrér person": "Register person",
        "Stilling": "Job title",
        "E-mail": "E-mail",
        "Telefon": "Phone",
        "Organisation": "Organisation",
        "Er organisationen ikke på listen? Registrér den først.": (
            "Is the organisation not in the list? Register it first."
        ),
        "Du har ikke en projektlederadgang, der dækker den kommune.": (
            "You have no project-leader access covering that municipality."
        ),
        "En kommune, du har kommunedækkende projektlederadgang til.": (
            "A municipality you have municipality-wide project-leader access to."
        ),
        "Kommunens projektledere kan siden omdøbe og lukke organisationen. "
        "Udelades den, kan kun administratorer.": (
            "The municipality's project leaders may later rename and close the organisation. "
            "Left out, only administrators may."
        ),
        "Din kommunes organisationer og dine partnerskabers partnere.": (
            "Your municipality's organisations and your partnerships' partners."
        ),
    }
)
