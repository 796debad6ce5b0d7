"""The partnership's registry fields (stamdata): one "Ret stamdata" form for every field,
and "Overgå til drift", the anchoring step, as its own action (issue 14; ADR 0017).

The form remembers the version it was loaded from. On save, the server reads the
registry at that version and sends only the fields the user changed relative to it
(`ChangeRegistryFields.between`): a field someone else changed since, which the user did
not touch, stays as they left it; a field both changed is a conflict (ADR 0016), shown
with their value next to the user's and one click either way.

The municipality moves the partnership between municipalities' access: only someone
who may register partnerships there (an administrator, a municipality-wide project
leader) may change it; for others it is shown, not offered (the API's PATCH has the same
rule).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.concurrency import sync_to_thread
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from aggregates import Partnership, Registry
from aggregates.numbers import form_number, format_number
from aggregates.taxonomy import PartnershipType, PreventionCategory
from api.auth import principal_of
from api.readside import ReadSide
from api.ui.actions_common import (
    FORM_TEMPLATE,
    WRITE,
    Scope,
    enum_choices,
    form_url,
    lines,
    multichoice,
    page,
    partnership_page,
    scope_of,
)
from api.ui.conflicts import ConflictView
from api.ui.core import PREFIX, format_day, locale_of, redirect_after_post, render
from api.ui.drafts import remember_saved
from api.ui.forms import Field, Form, blank, form_version, parse, submit, with_meta
from api.ui.free_text import warn_names
from api.ui.i18n import english, labeller, translator
from api.ui.municipalities import municipality_field
from services.application import CommandResult, Tvaers
from services.commands import ChangeRegistryFields, EnterOperations, Envelope
from services.errors import EditConflict

TEMPLATE = "actions/registry.html"
ITEMS = 50
ITEM_LENGTH = 200
LIST_FIELDS = ("target_groups", "arenas", "tags", "recruitment_channels")


def edit_url(pid: UUID) -> str:
    return form_url(pid, "registry/edit")


def operations_url(pid: UUID) -> str:
    return form_url(pid, "registry/operations")


def may_move(request: Request[Any, Any, Any]) -> bool:
    """Whether the user may name another municipality at all (see the module's doc)."""
    principal = principal_of(request)
    return principal is not None and (principal.is_admin or bool(principal.registers_in))


def registry_fields(
    request: Request[Any, Any, Any], *, municipality: bool, current_municipality: str | None = None
) -> list[Field]:
    """Every registry field the form offers, in the registry's order (the type has its
    own action; the municipality only for those who may move a partnership)."""
    _ = translator(locale_of(request))
    one_a_line = "Én pr. linje."
    fields = [
        Field("title", "Titel", required=True, max_length=200),
        *(
            [
                municipality_field(  # one of the 98, chosen (issue 16)
                    current=current_municipality,
                    help="Flytter partnerskabet til en anden kommune: kun en kommune, du "
                    "har kommunedækkende projektlederadgang til.",
                )
            ]
            if municipality
            else []
        ),
        Field("purpose", "Formål", "textarea", max_length=10_000),
        Field("target_groups", "Målgrupper", "textarea", help=one_a_line),
        Field("arenas", "Arenaer", "textarea", help=one_a_line),
        Field("period_start", "Periode fra", "date"),
        Field("period_end", "Periode til", "date", help="Tom: uden slutdato."),
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
        Field("tags", "Emneord", "textarea", help=one_a_line),
        Field(
            "yearly_budget_dkk",
            "Årligt budget (kr.)",
            "decimal",
            help="Fx 30.000 eller 1.250.000,50. Tom: ikke oplyst.",
        ),
        Field(
            "staff_hours_per_year",
            "Personaletimer pr. år",
            "decimal",
            help="Fx 1.480 eller 1.480,5. Tom: ikke oplyst.",
        ),
        Field("recruitment_channels", "Rekrutteringskanaler", "textarea", help=one_a_line),
        Field("evaluation_status", "Evalueringsstatus", max_length=200),
        Field(
            "attention_points",
            "Opmærksomhedspunkter",
            "textarea",
            max_length=10_000,
            help=warn_names(),
        ),
        Field("barriers", "Barrierer", "textarea", max_length=10_000, help=warn_names()),
        Field(
            "promoting_factors",
            "Fremmende faktorer",
            "textarea",
            max_length=10_000,
            help=warn_names(),
        ),
    ]
    return fields


def form_values(registry: Registry) -> dict[str, Any]:
    """The registry as the form shows it (what the browser posts back unchanged)."""
    values: dict[str, Any] = {}
    for name in Registry.__struct_fields__:
        value = getattr(registry, name)
        if name in LIST_FIELDS:
            values[name] = "\n".join(value)
        elif name == "prevention_categories":
            values[name] = [c.value for c in value]
        elif name == "bearings":
            values[name] = [str(b) for b in value]
        elif isinstance(value, date):
            values[name] = value.isoformat()
        elif isinstance(value, Decimal):
            values[name] = form_number(value)
        elif value is None:
            values[name] = ""
        elif isinstance(value, PartnershipType):
            values[name] = value.value
        else:
            values[name] = value
    return values


def posted_registry(clean: Mapping[str, Any], base: Registry, offered: set[str]) -> Registry:
    """The registry as posted: the offered fields from the form, the rest as at `base`."""
    values: dict[str, Any] = {}
    for name in Registry.__struct_fields__:
        if name not in offered:
            values[name] = getattr(base, name)
            continue
        value = clean.get(name)
        if name in LIST_FIELDS:
            values[name] = lines(value)
        elif name == "prevention_categories":
            values[name] = tuple(PreventionCategory(v) for v in value or ())
        elif name == "bearings":
            values[name] = tuple(sorted(int(v) for v in value or ()))
        elif name in ("period_start", "period_end", "yearly_budget_dkk", "staff_hours_per_year"):
            values[name] = value
        else:
            values[name] = value or ""
    return Registry(**values)


def shown_value(name: str, registry: Registry, locale: str) -> str:
    """A registry field's value as a reader sees it (the conflict view)."""
    _ = translator(locale)
    label = labeller(locale)
    value = getattr(registry, name)
    if value is None or value in ("", ()):
        return _("(tom)")
    if name == "prevention_categories":
        return ", ".join(label(c) for c in value)
    if name == "bearings":
        return ", ".join(str(b) for b in value)
    if isinstance(value, tuple):
        return ", ".join(value)
    if isinstance(value, date):
        return format_day(value)
    if isinstance(value, Decimal):
        return format_number(value)
    if isinstance(value, PartnershipType):
        return label(value)
    return str(value)


def _list_errors(clean: Mapping[str, Any], locale: str) -> dict[str, str]:
    _ = translator(locale)
    errors: dict[str, str] = {}
    for name in LIST_FIELDS:
        items = lines(clean.get(name))
        if len(items) > ITEMS:
            errors[name] = _("Højst {n} linjer.", n=ITEMS)
        elif any(len(item) > ITEM_LENGTH for item in items):
            errors[name] = _("Højst {n} tegn pr. linje.", n=ITEM_LENGTH)
    return errors


def _municipality_error(
    request: Request[Any, Any, Any], clean: Mapping[str, Any], current: Registry
) -> dict[str, str]:
    named = clean.get("municipality")
    if not named or named.strip().casefold() == current.municipality.strip().casefold():
        return {}
    principal = principal_of(request)
    if principal is not None and principal.may_register_in(named):
        return {}
    _ = translator(locale_of(request))
    return {"municipality": _("Du har ikke en projektlederadgang, der dækker den kommune.")}


class RegistryForms(Controller):
    path = f"{PREFIX}/partnerships/{{partnership_id:uuid}}/registry"
    include_in_schema = False

    # -- "Ret stamdata" ---------------------------------------------------------------------

    def _context(
        self, request: Request[Any, Any, Any], scope: Scope, fields: list[Field]
    ) -> dict[str, Any]:
        pid = scope.id
        registry = scope.partnership.registry
        label = labeller(locale_of(request))
        facts = [("Type", label(registry.kind))]
        if not any(f.name == "municipality" for f in fields):
            facts.insert(0, ("Kommune", registry.municipality))
        links = (
            [(operations_url(pid), "Overgå til drift")]
            if registry.kind is PartnershipType.PROJECT
            else []
        )
        return page(
            title="Ret stamdata",
            lead="Ret de felter, der skal ændres. Kun det, du ændrer, gemmes: har en "
            "kollega imens ændret et andet felt, bliver deres ændring stående.",
            action=edit_url(pid),
            cancel=partnership_page(pid),
            submit="Gem stamdata",
            scope=scope,
            facts=facts,
            links=links,
        )

    @get("/edit", opt=WRITE, name="ui-registry-edit")
    async def edit_form(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
    ) -> Template:
        scope = await scope_of(tvaers, read_side, partnership_id)
        fields = with_meta(
            registry_fields(
                request,
                municipality=may_move(request),
                current_municipality=scope.partnership.registry.municipality,
            ),
            version=scope.version,
        )
        form = blank(fields, **form_values(scope.partnership.registry))
        form.values["version"] = str(scope.version)
        return render(request, TEMPLATE, form=form, **self._context(request, scope, fields))

    @post("/edit", opt=WRITE)
    async def edit(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
    ) -> Response[Any]:
        scope = await scope_of(tvaers, read_side, partnership_id)
        current = scope.partnership.registry
        fields = with_meta(
            registry_fields(
                request, municipality=may_move(request), current_municipality=current.municipality
            ),
            version=scope.version,
        )
        offered = {f.name for f in fields} & set(Registry.__struct_fields__)
        posted = await request.form()
        base_version = form_version({"version": posted.get("version")}) or scope.version
        base_version = max(1, min(base_version, scope.version))
        base = (
            current
            if base_version == scope.version
            else (
                await sync_to_thread(tvaers.get_partnership, partnership_id, version=base_version)
            ).registry
        )
        theirs = set(posted.getall("conflict_fields", [])) & offered
        resolve = posted.get("resolve")
        locale = locale_of(request)

        def command_of(clean: Mapping[str, Any]) -> ChangeRegistryFields:
            after = posted_registry(clean, base, offered)
            if resolve == "theirs" and theirs:  # their value for the fields both changed
                after = msgspec.structs.replace(
                    after, **{name: getattr(current, name) for name in theirs}
                )
            return ChangeRegistryFields.between(base, after, partnership_id=partnership_id)

        if resolve == "theirs":
            clean, _raw, errors = parse(fields, posted, locale)
            if not errors and not command_of(clean).changes():
                # nothing of mine is left to save: their version stands as it is
                _ = translator(locale)
                remember_saved(request, [_("Deres ændring står; intet af dit var ændret.")])
                return redirect_after_post(request, partnership_page(partnership_id))

        def run(clean: dict[str, Any], meta: Any) -> CommandResult:
            command = command_of(clean)
            return tvaers.execute(command, Envelope(meta, base_version=base_version))

        async def beside(form: Form, clash: EditConflict, clean: dict[str, Any]) -> None:
            await _show_theirs(tvaers, form, clash, clean, base, offered, locale)

        context = self._context(request, scope, fields)
        return await submit(
            request,
            fields=fields,
            template=TEMPLATE,
            context=context,
            action=run,
            success=lambda _result: partnership_page(partnership_id),
            read_side=read_side,
            check=lambda c: {
                **_list_errors(c, locale),
                **_municipality_error(request, c, current),
            },
            error_fields={"inconsistent-dates": "period_end"},
            on_conflict=beside,
        )

    # -- "Overgå til drift" -------------------------------------------------------------------

    def _operations(
        self, request: Request[Any, Any, Any], scope: Scope
    ) -> tuple[list[Field], dict[str, Any]]:
        pid = scope.id
        registry = scope.partnership.registry
        label = labeller(locale_of(request))
        fields = with_meta([], version=scope.version)
        context = page(
            title="Overgå til drift",
            lead="Når partnerskabet overgår fra projekt til drift, er det forankret i den "
            "almindelige drift: det er forankringens afgørende skridt. Typen skifter fra "
            "projekt til drift fra den dato, du angiver, og historikken viser "
            "«Overgået fra projekt til drift». Kun typen ændres; resten af stamdata står "
            "uændret.",
            action=operations_url(pid),
            cancel=partnership_page(pid),
            submit="Bekræft overgang til drift",
            scope=scope,
            facts=[
                ("Type nu", label(registry.kind)),
                ("Periode", _period(registry)),
            ],
        )
        return fields, context

    @get("/operations", opt=WRITE, name="ui-registry-operations")
    async def operations_form(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
    ) -> Template:
        scope = await scope_of(tvaers, read_side, partnership_id)
        fields, context = self._operations(request, scope)
        form = blank(fields)
        form.values["version"] = str(scope.version)
        if scope.partnership.registry.kind is PartnershipType.OPERATIONS:
            _ = translator(locale_of(request))
            form.notice = _("Partnerskabet er allerede i drift.")
        return render(request, FORM_TEMPLATE, form=form, **context)

    @post("/operations", opt=WRITE)
    async def enter_operations(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
    ) -> Response[Any]:
        scope = await scope_of(tvaers, read_side, partnership_id)
        fields, context = self._operations(request, scope)
        return await submit(
            request,
            fields=fields,
            template=FORM_TEMPLATE,
            context=context,
            command=EnterOperations,
            address={"partnership_id": partnership_id},
            tvaers=tvaers,
            success=lambda _result: partnership_page(partnership_id),
            read_side=read_side,
            error_fields={"no-change": "valid_on"},
        )


def _period(registry: Registry) -> str:
    start = format_day(registry.period_start) if registry.period_start else ""
    end = format_day(registry.period_end) if registry.period_end else ""
    dash = "\u2013"  # an en dash between the dates
    return f"{start} {dash} {end}" if start or end else dash


async def _show_theirs(
    tvaers: Tvaers,
    form: Form,
    clash: EditConflict,
    clean: Mapping[str, Any],
    base: Registry,
    offered: set[str],
    locale: str,
) -> None:
    """The registry form's view of a conflict: the other person's value next to each
    field both changed; the fields the user did not touch now show the current values
    (the form is on the current version, so posting it again changes only mine)."""
    assert form.conflict is not None
    now: Partnership = await sync_to_thread(tvaers.get_partnership, clash.aggregate_id)
    current = now.registry
    mine = posted_registry(clean, base, offered)
    current_values = form_values(current)
    for name in offered:
        if getattr(mine, name) == getattr(base, name):  # untouched: show theirs
            form.values[name] = current_values[name]
    view: ConflictView = form.conflict
    setter = {}
    for event, change in zip(clash.events, view.changes, strict=True):
        for name in getattr(event, "changed", ()) or Registry.__struct_fields__:
            setter[name] = change
    for name in clash.fields():
        if name in offered:
            view.fields[name] = shown_value(name, current, locale)
            if name in setter:
                view.by[name] = setter[name]


english(
    {
        "Ret stamdata": "Edit registry data",
        "Ret de felter, der skal ændres. Kun det, du ændrer, gemmes: har en kollega imens "
        "ændret et andet felt, bliver deres ændring stående.": (
            "Change the fields that need changing. Only what you change is saved: if a "
            "colleague changed another field meanwhile, their change stands."
        ),
        "Gem stamdata": "Save registry data",
        "Overgå til drift": "Move to operation",
        "Når partnerskabet overgår fra projekt til drift, er det forankret i den almindelige "
        "drift: det er forankringens afgørende skridt. Typen skifter fra projekt til drift "
        "fra den dato, du angiver, og historikken viser «Overgået fra projekt til drift». "
        "Kun typen ændres; resten af stamdata står uændret.": (
            "When the partnership moves from project to operation, it is anchored in "
            "everyday operation: the decisive step of anchoring. The type changes from "
            "project to operation from the date you give, and the history shows «Moved "
            "from project to operation». Only the type changes; the other registry data "
            "stays as it is."
        ),
        "Bekræft overgang til drift": "Confirm the move to operation",
        "Type nu": "Type now",
        "Partnerskabet er allerede i drift.": "The partnership is already in operation.",
        "Flytter partnerskabet til en anden kommune: kun en kommune, du har "
        "kommunedækkende projektlederadgang til.": (
            "Moves the partnership to another municipality: only one where you hold a "
            "municipality-wide project-leader grant."
        ),
        "Én pr. linje.": "One per line.",
        "Tom: uden slutdato.": "Empty: no end date.",
        "Emneord": "Tags",
        "Fx 30.000 eller 1.250.000,50. Tom: ikke oplyst.": (
            "E.g. 30.000 or 1.250.000,50 (Danish notation). Empty: not given."
        ),
        "Fx 1.480 eller 1.480,5. Tom: ikke oplyst.": (
            "E.g. 1.480 or 1.480,5 (Danish notation). Empty: not given."
        ),
        "Rekrutteringskanaler": "Recruitment channels",
        "Evalueringsstatus": "Evaluation status",
        "Opmærksomhedspunkter": "Points of attention",
        "Barrierer": "Barriers",
        "Fremmende faktorer": "Promoting factors",
        "Årligt budget": "Yearly budget",
        "{n} timer": "{n} hours",
        "(tom)": "(empty)",
        "Deres værdi": "Their value",
        "Behold deres værdier": "Keep their values",
        "Gem mine værdier": "Save my values",
        "Felter, I begge har ændret, får deres værdi; dine øvrige ændringer gemmes.": (
            "Fields you both changed get their value; your other changes are saved."
        ),
        "Dine værdier gemmes oven på deres, på den nyeste version.": (
            "Your values are saved on top of theirs, on the newest version."
        ),
        "Din værdi står i feltet.": "Your value is in the field.",
        "Deres ændring står; intet af dit var ændret.": (
            "Their change stands; nothing of yours was changed."
        ),
    }
)
