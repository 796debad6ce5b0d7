"""Agreements of a partnership (samarbejdsaftale, partnerskabsaftale): drafting one, and its
page with the lifecycle forms: sign, amend, renew, terminate.

The page shows the agreement to anyone who may read the partnership; the forms only to
those who may change it. Each form names the agreement's version, so a change made by
someone else meanwhile is a conflict, not an overwrite.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import FormMultiDict
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from aggregates import Agreement, AgreementStatus
from aggregates.dates import today as today_in_denmark
from aggregates.taxonomy import AgreementKind
from api.readside import ReadSide
from api.ui.actions_common import (
    AGREEMENTS,
    NEW_PERSON,
    READ,
    WRITE,
    Scope,
    agreement_of,
    as_id,
    choice,
    directory_rules,
    enum_choices,
    form_url,
    ids,
    may_write,
    multichoice,
    page,
    partnership_page,
    person_label,
    prefilled,
    scope_of,
    with_params,
)
from api.ui.core import PREFIX, locale_of, render
from api.ui.forms import (
    AGREEMENT_CONFLICT_DA,
    VALID_ON,
    Field,
    Form,
    parse,
    submit,
    with_meta,
)
from api.ui.free_text import warn_names
from api.ui.i18n import english, translator
from projections import directory
from projections.access import DirectoryAccess
from projections.directory import PersonEntry
from services.application import Tvaers
from services.commands import (
    AmendAgreement,
    Command,
    DraftAgreement,
    RenewAgreement,
    SignAgreement,
    TerminateAgreement,
)

DRAFT_TEMPLATE = "actions/agreement_form.html"
PAGE_TEMPLATE = "actions/agreement.html"
LIFECYCLE_COMMANDS: dict[str, type[Command]] = {
    "sign": SignAgreement,
    "amend": AmendAgreement,
    "renew": RenewAgreement,
    "terminate": TerminateAgreement,
}
"""The agreement page's forms, each the command it becomes."""
LIFECYCLE = tuple(LIFECYCLE_COMMANDS)
TAB_TEXTS = {
    "sign": "Underskriv",
    "amend": "Ret udkastet",
    "renew": "Forlæng",
    "terminate": "Opsig",
}
FORM_TITLES = {
    "sign": "En part underskriver",
    "amend": "Ret aftaleudkastet",
    "renew": "Forlæng aftalen",
    "terminate": "Opsig aftalen før tid",
}
SUBMITS = {
    "sign": "Registrér underskrift",
    "amend": "Gem det rettede udkast",
    "renew": "Forlæng aftalen",
    "terminate": "Opsig aftalen",
}
LEADS = {
    "sign": "Underskriveren skal høre til den part, der underskriver. Den sidste underskrift "
    "sætter aftalen i kraft og løfter parterne på partnerskabstrappen.",
    "amend": "Underskrifter, der allerede er givet, bortfalder: alle parter underskriver det "
    "rettede udkast på ny.",
    "renew": "En underskrevet aftale kan forlænges, før den udløber.",
    "terminate": "Parterne falder tilbage på partnerskabstrappen, medmindre en anden aftale "
    "stadig bærer deres trin.",
}
TONES = {
    AgreementStatus.IN_FORCE: "ok",
    AgreementStatus.DRAFT: "warn",
    AgreementStatus.SIGNED: "warn",
    AgreementStatus.EXPIRED: "danger",
    AgreementStatus.TERMINATED: "danger",
}
TERMINATION_REASON = Field(
    "reason",
    "Begrundelse",
    "textarea",
    required=True,
    help=warn_names(
        "Hvorfor opsiges aftalen? Vises i historikken.",
        "Why is the agreement terminated? Shown in the history.",
    ),
)


def obligation_field(party_id: UUID) -> str:
    return f"obligation_{party_id}"


def chosen_parties(
    scope: Scope, agreement: Agreement | None, posted: Iterable[str] | None
) -> list[UUID]:
    """The parties whose obligations the form asks for: those chosen in the form when it
    was posted (partners only, the lead always), else the agreement's, else the lead."""
    if posted is None:
        return list(agreement.party_ids) if agreement else [scope.lead_id]
    partners = set(scope.partnership.active_partner_ids)
    chosen = [p for p in (as_id(v) for v in posted) if p is not None and p in partners]
    return list(dict.fromkeys([scope.lead_id, *chosen]))


def terms_fields(
    scope: Scope, agreement: Agreement | None, parties: Sequence[UUID] | None = None
) -> tuple[list[Field], dict[str, str]]:
    """An agreement's terms as fields (today's text when amending), and the obligation
    fields' names with their partner's name: one obligation box per chosen party only
    (`parties`; see chosen_parties), so no box is shown for a partner who is no party."""
    partners = scope.partner_choices()
    current = {o.party_id: o.text for o in agreement.terms.obligations} if agreement else {}
    if parties is None:
        parties = chosen_parties(scope, agreement, None)
    boxed = [(value, name) for value, name in partners if UUID(value) in set(parties)]
    obligations = {obligation_field(UUID(value)): name for value, name in boxed}
    fields = [
        Field(
            "title",
            "Titel",
            required=True,
            max_length=200,
            default=agreement.terms.title if agreement else None,
        ),
        Field(
            "purpose",
            "Formål",
            "textarea",
            required=True,
            max_length=10_000,
            default=agreement.terms.purpose if agreement else None,
        ),
        multichoice(
            "party_ids",
            "Parter",
            partners,
            required=True,
            help="Den ledende organisation er altid part: den underskriver for partnerskabet.",
            default=[str(p) for p in parties],
        ),
        *(
            Field(
                obligation_field(UUID(value)),
                "Forpligtelser",
                "textarea",
                max_length=10_000,
                default=current.get(UUID(value)),
            )
            for value, _name in boxed
        ),
        Field(
            "valid_from",
            "Aftalen gælder fra og med",
            "date",
            required=True,
            default=agreement.valid_from.isoformat() if agreement else None,
        ),
        Field(
            "valid_to",
            "Aftalen gælder til og med",
            "date",
            required=True,
            default=agreement.valid_to.isoformat() if agreement else None,
        ),
    ]
    return fields, obligations


def terms_of(c: dict[str, Any]) -> dict[str, Any]:
    """The terms form's clean values as the command's fields (`_AgreementTerms`): one
    obligation per chosen party, from its own text area."""
    parties = ids(c["party_ids"])
    return {
        "title": c["title"],
        "purpose": c["purpose"],
        "party_ids": parties,
        "obligations": [{"party_id": p, "text": c.get(obligation_field(p)) or ""} for p in parties],
        "valid_from": c["valid_from"],
        "valid_to": c["valid_to"],
    }


def check_terms(c: dict[str, Any], lead_id: UUID, locale: str) -> dict[str, str]:
    """What the domain would refuse about the terms, said next to the field concerned."""
    _ = translator(locale)
    errors: dict[str, str] = {}
    parties = ids(c["party_ids"])
    if lead_id not in parties:
        errors["party_ids"] = _("Den ledende organisation skal være part.")
    elif len(parties) < 2:
        errors["party_ids"] = _("Vælg mindst én partner ud over den ledende organisation.")
    for party in parties:
        if not (c.get(obligation_field(party)) or "").strip():
            errors[obligation_field(party)] = _("Skriv, hvad parten forpligter sig til.")
    if c["valid_to"] and c["valid_from"] and c["valid_to"] <= c["valid_from"]:
        errors["valid_to"] = _("Slutdatoen skal ligge efter startdatoen.")
    return errors


def check_signer(
    c: dict[str, Any], people: Mapping[UUID, PersonEntry], party_name: str, locale: str
) -> dict[str, str]:
    """The signer works for the party that signs; said next to the signer if not."""
    party, signer = as_id(c.get("party_id")), as_id(c.get("signatory_id"))
    person = people.get(signer) if signer is not None else None
    if person is None or person.organisation_id == party:
        return {}
    _ = translator(locale)
    return {"signatory_id": _(SIGNER_ELSEWHERE_DA, person=person.name, party=party_name)}


SIGNER_ELSEWHERE_DA = "{person} arbejder ikke for {party}."
STEP = "step"
PARTIES_CHOSEN = "parties"
"""The terms form's second button: show the obligation boxes of the parties chosen."""


def shown_again(
    request: Request[Any, Any, Any],
    fields: Sequence[Field],
    data: FormMultiDict,
    template: str,
    context: dict[str, Any],
) -> Response[Any]:
    """The form once more with what was typed, now with a box for each chosen party."""
    _clean, raw, _errors = parse(fields, data, locale_of(request))
    return render(request, template, form=Form(fields=fields, values=raw), **context)


TERMS_ERRORS = {
    "inconsistent-dates": "valid_to",
    "invalid-value": "party_ids",
    "not-a-partner": "party_ids",
    "not-a-party": "party_ids",
}


class AgreementForms(Controller):
    path = f"{PREFIX}/partnerships/{{partnership_id:uuid}}/agreements"
    include_in_schema = False

    # -- a new draft ---------------------------------------------------------------------------

    async def _draft(
        self,
        request: Request[Any, Any, Any],
        tvaers: Tvaers,
        read_side: ReadSide,
        pid: UUID,
        posted: Iterable[str] | None = None,
    ) -> tuple[list[Field], dict[str, Any], Scope]:
        scope = await scope_of(tvaers, read_side, pid)
        terms, obligations = terms_fields(scope, None, chosen_parties(scope, None, posted))
        kind = choice(
            "kind",
            "Slags aftale",
            enum_choices(AgreementKind, request),
            required=True,
            default=AgreementKind.COOPERATION.value,
            help="En samarbejdsaftale bærer trin 5 på partnerskabstrappen, en "
            "partnerskabsaftale trin 6.",
        )
        fields = with_meta([kind, *terms])
        context = page(
            title="Nyt aftaleudkast",
            lead="Udkastet træder i kraft, når alle parter har underskrevet.",
            action=form_url(pid, "agreements/new"),
            cancel=partnership_page(pid, AGREEMENTS),
            submit="Gem udkastet",
            scope=scope,
            obligations=obligations,
        )
        return fields, context, scope

    @get("/new", opt=WRITE, name="ui-agreement-draft")
    async def draft_form(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
    ) -> Template:
        fields, context, _scope = await self._draft(request, tvaers, read_side, partnership_id)
        return render(request, DRAFT_TEMPLATE, form=prefilled(fields), **context)

    @post("/new", opt=WRITE)
    async def draft(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
    ) -> Response[Any]:
        data = await request.form()
        fields, context, scope = await self._draft(
            request, tvaers, read_side, partnership_id, data.getall("party_ids", [])
        )
        locale = locale_of(request)
        if data.get(STEP) == PARTIES_CHOSEN:
            return shown_again(request, fields, data, DRAFT_TEMPLATE, context)
        return await submit(
            request,
            fields=fields,
            template=DRAFT_TEMPLATE,
            context=context,
            command=DraftAgreement,
            shape=lambda c: {**terms_of(c), "kind": c["kind"]},
            address={"partnership_id": partnership_id},
            tvaers=tvaers,
            success=lambda result: agreement_page(
                partnership_id, result.created_id or result.aggregate_id
            ),
            read_side=read_side,
            check=lambda c: check_terms(c, scope.lead_id, locale),
            error_fields=TERMS_ERRORS,
        )

    # -- the agreement's page and its lifecycle --------------------------------------------------

    async def _page(
        self,
        request: Request[Any, Any, Any],
        tvaers: Tvaers,
        read_side: ReadSide,
        pid: UUID,
        agreement_id: FromPath[UUID],
        wanted: str | None,
        *,
        party: UUID | None = None,
        posted: FormMultiDict | None = None,
    ) -> tuple[list[Field], dict[str, Any]]:
        """The page's context and the chosen form's fields (none when no form applies).

        `party`: the party that signs, chosen first (the signers listed are its people);
        `posted`: the form as posted (the party and signer of a signature, the parties of
        an amendment)."""
        agreement = await agreement_of(tvaers, pid, agreement_id)
        scope = await scope_of(tvaers, read_side, pid)
        writer = await may_write(request, read_side, pid)
        status = agreement.status_on(today_in_denmark())
        signed = {s.party_id: s for s in agreement.signatures}
        names = await directory.names(
            read_side.store, [*agreement.party_ids, *(s.signatory_id for s in signed.values())]
        )
        obligations_now = {o.party_id: o.text for o in agreement.terms.obligations}
        parties = [
            {
                "name": names.get(p, "?"),
                "lead": p == agreement.lead_organisation_id,
                "obligation": obligations_now.get(p, ""),
                "signed_on": signed[p].signed_on if p in signed else None,
                "signatory": names.get(signed[p].signatory_id, "?") if p in signed else "",
            }
            for p in agreement.party_ids
        ]
        possible: list[str] = []
        if writer and not agreement.has_ended:
            if agreement.unsigned_party_ids:
                possible += ["sign", "amend"]
            else:
                possible.append("renew")
            possible.append("terminate")
        chosen = wanted if wanted in possible else ("sign" if "sign" in possible else None)
        here = agreement_page(pid, agreement_id)
        fields: list[Field] = []
        obligations: dict[str, str] = {}
        links: list[tuple[str, str]] = []
        signing: dict[str, Any] = {}
        if chosen == "sign":
            signer = None
            if posted is not None:
                party, signer = as_id(posted.get("party_id")), as_id(posted.get("signatory_id"))
            fields, links, signing = await self._sign_fields(
                read_side,
                scope,
                agreement,
                names,
                directory_rules(request),
                party,
                signer,
                posted is not None,
            )
        elif chosen == "amend":
            posted_parties = posted.getall("party_ids", []) if posted is not None else None
            terms, obligations = terms_fields(
                scope, agreement, chosen_parties(scope, agreement, posted_parties)
            )
            fields = with_meta(terms, version=agreement.version)
        elif chosen == "renew":
            fields = with_meta(
                [
                    Field(
                        "valid_to",
                        "Ny slutdato",
                        "date",
                        required=True,
                        help="Den skal ligge efter den nuværende slutdato.",
                    )
                ],
                version=agreement.version,
            )
        elif chosen == "terminate":
            fields = [
                VALID_ON,
                TERMINATION_REASON,
                Field("version", "", "hidden", default=str(agreement.version)),
            ]
        context = {
            **scope.context(),
            "agreement": agreement,
            "agreement_status": status,
            "status_tone": TONES[status],
            "parties": parties,
            "may_write": writer,
            "tabs": [(with_params(here, form=f), TAB_TEXTS[f], f == chosen) for f in possible],
            "chosen": chosen,
            "form_title": FORM_TITLES.get(chosen or "", ""),
            "lead": LEADS.get(chosen or "", ""),
            "links": links,
            "action": f"{here}/{chosen}" if chosen else "",
            "cancel": partnership_page(pid, AGREEMENTS),
            "submit": SUBMITS.get(chosen or "", ""),
            "obligations": obligations,
            "choose_party": [],
            "sign_party": "",
            "other_parties": "",
            "people": {},
            **signing,
        }
        return fields, context

    async def _sign_fields(
        self,
        read_side: ReadSide,
        scope: Scope,
        agreement: Agreement,
        names: dict[UUID, str],
        rules: DirectoryAccess,
        party: UUID | None,
        signer: UUID | None,
        posted: bool,
    ) -> tuple[list[Field], list[tuple[str, str]], dict[str, Any]]:
        """The signature form: the party that signs first, then the people of that party.

        With one party left to sign, it is chosen; with more, the page first asks which
        party signs (links: no script needed), and the form then lists only that party's
        people. A signer posted who does not belong to the party stays in the list, so the
        refusal can say so next to it (`check_signer`)."""
        unsigned = agreement.unsigned_party_ids
        # A posted party stays what was posted (if it signed meanwhile, the domain says
        # so); a page asks for an unsigned one.
        keep = agreement.party_ids if posted else unsigned
        if party not in keep:
            party = unsigned[0] if len(unsigned) == 1 else None
        here = agreement_page(scope.id, agreement.id)
        if party is None:
            choose = [
                (with_params(here, form="sign", party_id=p), names.get(p, "?")) for p in unsigned
            ]
            return [], [], {"choose_party": choose}
        # Signers: the party's people whom the user may see (ADR 0005, revised).
        people = await directory.persons(
            read_side.store, agreement.party_ids, readable=rules.persons("id")
        )
        listed = [p for p in people if p.organisation_id == party or p.id == signer]
        fields = with_meta(
            [
                Field("party_id", "", "hidden", required=True, default=str(party)),
                choice(
                    "signatory_id",
                    "Underskriver",
                    [(str(p.id), person_label(p, names)) for p in listed],
                    required=True,
                    help="En person fra den part, der underskriver.",
                ),
            ],
            version=agreement.version,
        )
        back = with_params(here, form="sign", party_id=party)
        link = with_params(NEW_PERSON, next=back, organisation_id=party)
        signing = {
            "sign_party": names.get(party, "?"),
            "other_parties": with_params(here, form="sign") if len(unsigned) > 1 else "",
            "people": {p.id: p for p in people},
        }
        return (
            fields,
            [(link, "Er underskriveren ikke på listen? Registrér personen først.")],
            signing,
        )

    @get("/{agreement_id:uuid}", opt=READ, name="ui-agreement")
    async def show(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        agreement_id: FromPath[UUID],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
        form: FromQuery[str | None] = None,
        person_id: FromQuery[str | None] = None,
        party_id: FromQuery[str | None] = None,
    ) -> Template:
        fields, context = await self._page(
            request, tvaers, read_side, partnership_id, agreement_id, form, party=as_id(party_id)
        )
        values: dict[str, Any] = {}
        if context["chosen"] == "sign":
            signer = as_id(person_id)
            if signer is not None:
                values["signatory_id"] = str(signer)
        return render(request, PAGE_TEMPLATE, form=prefilled(fields, **values), **context)

    async def _lifecycle(
        self,
        request: Request[Any, Any, Any],
        tvaers: Tvaers,
        read_side: ReadSide,
        pid: UUID,
        agreement_id: FromPath[UUID],
        which: str,
    ) -> Response[Any]:
        data = await request.form()
        fields, context = await self._page(
            request, tvaers, read_side, pid, agreement_id, which, posted=data
        )
        if context["chosen"] != which or (which == "sign" and not fields):
            # Not possible now (the agreement changed, or never was): say so on its page.
            _ = translator(locale_of(request))
            form = Form(fields=fields, message=_("Det kan ikke lade sig gøre for aftalen nu."))
            return render(request, PAGE_TEMPLATE, status=409, form=form, **context)
        agreement: Agreement = context["agreement"]
        locale = locale_of(request)
        if which == "amend" and data.get(STEP) == PARTIES_CHOSEN:
            return shown_again(request, fields, data, PAGE_TEMPLATE, context)

        lead_id = agreement.lead_organisation_id
        people: dict[UUID, PersonEntry] = context.get("people", {})
        party_name = str(context.get("sign_party", "?"))
        checks = {
            "sign": lambda c: check_signer(c, people, party_name, locale),
            "amend": lambda c: check_terms(c, lead_id, locale),
        }
        error_fields = {
            "sign": {
                "not-a-party": "signatory_id",
                "person-erased": "signatory_id",
                "already-signed": "party_id",
                "not-a-partner": "party_id",
                "inconsistent-dates": "valid_on",
            },
            "amend": TERMS_ERRORS,
            "renew": {"inconsistent-dates": "valid_to"},
            "terminate": {"invalid-value": "reason", "inconsistent-dates": "valid_on"},
        }[which]
        return await submit(
            request,
            fields=fields,
            template=PAGE_TEMPLATE,
            context=context,
            command=LIFECYCLE_COMMANDS[which],
            shape=terms_of if which == "amend" else None,
            address={"partnership_id": pid, "agreement_id": agreement_id},
            tvaers=tvaers,
            success=lambda _result: agreement_page(pid, agreement_id),
            read_side=read_side,
            error_fields=error_fields,
            check=checks.get(which),
            conflict=AGREEMENT_CONFLICT_DA,
        )

    @post("/{agreement_id:uuid}/{action:str}", opt=WRITE)
    async def lifecycle(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        agreement_id: FromPath[UUID],
        action: FromPath[str],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
    ) -> Response[Any]:
        """Sign, amend, renew or terminate: one form each on the agreement's page."""
        if action not in LIFECYCLE:
            raise NotFoundException(f"No form {action!r} for an agreement.")
        return await self._lifecycle(
            request, tvaers, read_side, partnership_id, agreement_id, action
        )


def agreement_page(partnership_id: UUID, agreement_id: UUID) -> str:
    return form_url(partnership_id, f"agreements/{agreement_id}")


english(
    {
        "Underskriv": "Sign",
        "Ret udkastet": "Amend the draft",
        "Forlæng": "Renew",
        "Opsig": "Terminate",
        "En part underskriver": "A party signs",
        "Ret aftaleudkastet": "Amend the draft agreement",
        "Forlæng aftalen": "Renew the agreement",
        "Opsig aftalen før tid": "Terminate the agreement early",
        "Registrér underskrift": "Record the signature",
        "Gem det rettede udkast": "Save the amended draft",
        "Opsig aftalen": "Terminate the agreement",
        LEADS["sign"]: (
            "The signatory must belong to the party that signs. The last signature puts the "
            "agreement in force and lifts the parties on the partnership ladder."
        ),
        LEADS["amend"]: (
            "Signatures already given lapse: every party signs the amended draft anew."
        ),
        LEADS["renew"]: "A signed agreement can be renewed before it runs out.",
        LEADS["terminate"]: (
            "The parties drop back on the partnership ladder unless another agreement still "
            "backs their rung."
        ),
        "Begrundelse": "Reason",
        "Titel": "Title",
        "Formål": "Purpose",
        "Parter": "Parties",
        "Den ledende organisation er altid part: den underskriver for partnerskabet.": (
            "The lead organisation is always a party: it signs for the partnership."
        ),
        "Forpligtelser": "Obligations",
        "Aftalen gælder fra og med": "The agreement applies from",
        "Aftalen gælder til og med": "The agreement applies until (inclusive)",
        "Den ledende organisation skal være part.": "The lead organisation must be a party.",
        "Vælg mindst én partner ud over den ledende organisation.": (
            "Choose at least one partner besides the lead organisation."
        ),
        "Skriv, hvad parten forpligter sig til.": "Write what the party undertakes.",
        "Slutdatoen skal ligge efter startdatoen.": "The end date must be after the start date.",
        "Slags aftale": "Kind of agreement",
        "En samarbejdsaftale bærer trin 5 på partnerskabstrappen, en partnerskabsaftale trin 6.": (
            "A cooperation agreement backs rung 5 on the partnership ladder, a partnership "
            "agreement rung 6."
        ),
        "Nyt aftaleudkast": "New draft agreement",
        "Udkastet træder i kraft, når alle parter har underskrevet.": (
            "The draft comes into force once every party has signed."
        ),
        "Gem udkastet": "Save the draft",
        "Ny slutdato": "New end date",
        "Den skal ligge efter den nuværende slutdato.": "It must be after the current end date.",
        "Part der underskriver": "Party that signs",
        SIGNER_ELSEWHERE_DA: "{person} does not work for {party}.",
        "Hvilken part underskriver?": "Which party signs?",
        "Underskriv for {party}": "Sign for {party}",
        "Underskriver for {party}": "Signing for {party}",
        "Vælg en anden part": "Choose another party",
        "Vis forpligtelser for de valgte parter": "Show the obligations of the parties chosen",
        "Har du ændret parterne? Tryk på »Vis forpligtelser for de valgte parter« nederst: "
        "så vises et felt til hver valgt parts forpligtelser, og det, du har skrevet, "
        "bevares.": (
            "Changed the parties? Press “Show the obligations of the parties chosen” below: a "
            "box for each chosen party's obligations appears, and what you typed is kept."
        ),
        "Underskriver": "Signatory",
        "En person fra den part, der underskriver.": "A person of the party that signs.",
        "Er underskriveren ikke på listen? Registrér personen først.": (
            "Is the signatory not in the list? Register them first."
        ),
        "Det kan ikke lade sig gøre for aftalen nu.": "That is not possible for the agreement now.",
        "Forpligtelser for {name}": "Obligations of {name}",
        "Hvem gør hvad: skal udfyldes for hver part.": "Who does what: required for every party.",
        "Gyldig": "Valid",
        "{start} til {end}": "{start} to {end}",
        "Forlænget": "Renewed",
        "Underskrevet af alle parter": "Signed by every party",
        "Udløbet": "Expired",
        "Opsagt": "Terminated",
        "Parter og underskrifter": "Parties and signatures",
        "Parterne, deres forpligtelser og underskrifter": (
            "The parties, their obligations and signatures"
        ),
        "Part": "Party",
        "Underskrift": "Signature",
        "ledende organisation": "lead organisation",
        "Underskrevet {date} af {name}": "Signed {date} by {name}",
        "Mangler": "Missing",
        "Handlinger": "Actions",
        "Aftalen er ophørt og ændres ikke mere.": "The agreement has ended and changes no more.",
        "Du kan se aftalen, men ikke ændre den.": "You can see the agreement but not change it.",
    }
)
