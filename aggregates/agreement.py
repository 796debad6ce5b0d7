"""Agreement (samarbejdsaftale / partnerskabsaftale): drafted, amended, signed, in force, ended."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from uuid import UUID

import msgspec

from aggregates.base import Meta, TvaersAggregate, require_text
from aggregates.errors import (
    AgreementStateError,
    AlreadySigned,
    InconsistentDates,
    InvalidValue,
    NoChange,
    NotAPartner,
    NotAParty,
)
from aggregates.taxonomy import AgreementKind, Labelled
from aggregates.validity import has_run_out


class Obligation(msgspec.Struct, kw_only=True, frozen=True):
    """What one party undertakes ("who does what", settled from the start)."""

    party_id: UUID
    text: str


class Signature(msgspec.Struct, kw_only=True, frozen=True):
    party_id: UUID
    signed_on: date
    signatory_id: UUID  # a Person: names stay out of the agreement (erasable)


class Signatory(msgspec.Struct, kw_only=True, frozen=True):
    """The person who signs, and the organisation they belong to."""

    person_id: UUID
    organisation_id: UUID


class AgreementStatus(Labelled):
    DRAFT = ("draft", "udkast")  # not every party has signed
    SIGNED = ("signed", "underskrevet")  # every party signed; validity not yet begun
    IN_FORCE = ("in_force", "i kraft")
    EXPIRED = ("expired", "udløbet")
    TERMINATED = ("terminated", "opsagt")


class Terms(msgspec.Struct, kw_only=True, frozen=True):
    """The negotiable content of an agreement: what amendments change."""

    title: str
    purpose: str
    party_ids: tuple[UUID, ...]
    obligations: tuple[Obligation, ...]
    valid_from: date
    valid_to: date

    def validated(self, lead_organisation_id: UUID, partner_ids: Collection[UUID]) -> Terms:
        if self.valid_to <= self.valid_from:
            raise InconsistentDates(
                f"An agreement's valid-to ({self.valid_to}) must be after its valid-from "
                f"({self.valid_from}).",
                da="Aftalen skal gælde til en dato efter den dato, den gælder fra: "
                "{valid_from} til {valid_to} går ikke.",
                valid_from=self.valid_from,
                valid_to=self.valid_to,
            )
        parties = tuple(dict.fromkeys(self.party_ids))
        if lead_organisation_id not in parties:
            raise InvalidValue(
                "The lead organisation signs for the partnership: add it as party.",
                da="Den ledende organisation, {lead}, skriver under for partnerskabet: vælg "
                "den som part.",
                lead=lead_organisation_id,
            )
        if len(parties) < 2:
            raise InvalidValue(
                "An agreement needs at least one partner besides the lead.",
                da="En aftale skal have mindst én part ud over den ledende organisation, {lead}.",
                lead=lead_organisation_id,
            )
        for party_id in parties:
            if party_id not in partner_ids:
                raise NotAPartner(
                    f"Party {party_id} is not a partner of the partnership.",
                    da="{party} er ikke partner i partnerskabet og kan ikke være part i aftalen.",
                    party=party_id,
                )
        obligations = {o.party_id: o.text.strip() for o in self.obligations if o.text.strip()}
        for party_id in obligations:
            if party_id not in parties:
                raise NotAParty(
                    f"An obligation names {party_id}, who is not a party.",
                    da="Der er skrevet forpligtelser for {party}, som ikke er part i aftalen.",
                    party=party_id,
                )
        missing = [str(p) for p in parties if p not in obligations]
        if missing:
            raise InvalidValue(
                "Every party's obligations must be settled from the start; missing for "
                + ", ".join(missing)
                + ".",
                da="Hver parts forpligtelser skal stå i aftalen fra starten; de mangler for "
                "{parties}.",
                parties=tuple(p for p in parties if p not in obligations),
            )
        return Terms(
            title=require_text(self.title, "Agreement title"),
            purpose=require_text(self.purpose, "Agreement purpose"),
            party_ids=parties,
            obligations=tuple(Obligation(party_id=p, text=obligations[p]) for p in parties),
            valid_from=self.valid_from,
            valid_to=self.valid_to,
        )


class Agreement(TvaersAggregate):
    partnership_id: UUID
    lead_organisation_id: UUID
    kind: AgreementKind
    terms: Terms
    signatures: list[Signature]
    renewals: list[date]
    expired_on: date | None
    terminated_on: date | None
    termination_reason: str | None

    def __init__(self) -> None:
        pass

    class Drafted(TvaersAggregate.Created):
        partnership_id: UUID
        lead_organisation_id: UUID
        kind: AgreementKind
        terms: Terms

        def apply(self, a: Agreement) -> None:
            a.partnership_id = self.partnership_id
            a.lead_organisation_id = self.lead_organisation_id
            a.kind = self.kind
            a.terms = self.terms
            a.signatures = []
            a.renewals = []
            a.expired_on = None
            a.terminated_on = None
            a.termination_reason = None

    class Amended(TvaersAggregate.Event):
        terms: Terms

        def apply(self, a: Agreement) -> None:
            a.terms = self.terms
            a.signatures = []  # parties sign the amended text anew

    class PartySigned(TvaersAggregate.Event):
        party_id: UUID
        signatory_id: UUID

        def apply(self, a: Agreement) -> None:
            a.signatures.append(
                Signature(
                    party_id=self.party_id, signed_on=self.valid_on, signatory_id=self.signatory_id
                )
            )

    class Renewed(TvaersAggregate.Event):
        valid_to: date

        def apply(self, a: Agreement) -> None:
            a.renewals.append(self.valid_on)
            a.terms = msgspec.structs.replace(a.terms, valid_to=self.valid_to)

    class Expired(TvaersAggregate.Event):
        def apply(self, a: Agreement) -> None:
            a.expired_on = self.valid_on

    class Terminated(TvaersAggregate.Event):
        def apply(self, a: Agreement) -> None:
            a.terminated_on = self.valid_on
            a.termination_reason = self.reason

    @classmethod
    def draft(
        cls,
        *,
        partnership_id: UUID,
        lead_organisation_id: UUID,
        partner_ids: Collection[UUID],
        kind: AgreementKind,
        terms: Terms,
        meta: Meta,
    ) -> Agreement:
        return cls._create_with(
            cls.Drafted,
            meta,
            partnership_id=partnership_id,
            lead_organisation_id=lead_organisation_id,
            kind=AgreementKind(kind),
            terms=terms.validated(lead_organisation_id, partner_ids),
        )

    # -- queries -----------------------------------------------------------------------

    @property
    def party_ids(self) -> tuple[UUID, ...]:
        return self.terms.party_ids

    @property
    def valid_from(self) -> date:
        return self.terms.valid_from

    @property
    def valid_to(self) -> date:
        return self.terms.valid_to

    @property
    def unsigned_party_ids(self) -> list[UUID]:
        signed = {s.party_id for s in self.signatures}
        return [p for p in self.party_ids if p not in signed]

    @property
    def is_fully_signed(self) -> bool:
        return not self.unsigned_party_ids

    @property
    def fully_signed_on(self) -> date | None:
        if not self.is_fully_signed:
            return None
        return max(s.signed_on for s in self.signatures)

    @property
    def has_ended(self) -> bool:
        return self.expired_on is not None or self.terminated_on is not None

    def status_on(self, day: date) -> AgreementStatus:
        if self.terminated_on is not None and day >= self.terminated_on:
            return AgreementStatus.TERMINATED
        if (self.expired_on is not None and day >= self.expired_on) or has_run_out(
            self.valid_to, day
        ):
            return AgreementStatus.EXPIRED
        signed_on = self.fully_signed_on
        if signed_on is None or day < signed_on:
            return AgreementStatus.DRAFT
        if day < self.valid_from:
            return AgreementStatus.SIGNED
        return AgreementStatus.IN_FORCE

    def is_in_force_on(self, day: date) -> bool:
        return self.status_on(day) is AgreementStatus.IN_FORCE

    # -- rules -------------------------------------------------------------------------

    def check_not_ended(self) -> None:
        if self.terminated_on is not None:
            raise AgreementStateError(
                "The agreement has been terminated.",
                da="Aftalen «{agreement}» blev opsagt den {on}.",
                agreement=self.id,
                on=self.terminated_on,
            )
        if self.expired_on is not None:
            raise AgreementStateError(
                "The agreement has expired.",
                da="Aftalen «{agreement}» udløb den {on}.",
                agreement=self.id,
                on=self.expired_on,
            )

    # -- commands ----------------------------------------------------------------------

    def amend(self, terms: Terms, partner_ids: Collection[UUID], meta: Meta) -> None:
        self.check_not_ended()
        if self.is_fully_signed:
            raise AgreementStateError(
                "Every party has signed: renew or terminate the agreement instead of amending it.",
                da="Alle parter har underskrevet «{agreement}»: forny eller opsig aftalen i "
                "stedet for at ændre den.",
                agreement=self.id,
            )
        new = terms.validated(self.lead_organisation_id, partner_ids)
        if new == self.terms:
            raise NoChange(
                "The amendment changes nothing.",
                da="Ændringen af «{agreement}» ændrer ingenting.",
                agreement=self.id,
            )
        self._trigger(self.Amended, meta, terms=new)

    def sign(
        self, party_id: UUID, signatory: Signatory, partner_ids: Sequence[UUID], meta: Meta
    ) -> bool:
        """Record one party's signature; True when this signature completes the agreement."""
        self.check_not_ended()
        if party_id not in self.party_ids:
            raise NotAParty(
                f"Organisation {party_id} is not a party to this agreement.",
                da="{party} er ikke part i aftalen «{agreement}».",
                party=party_id,
                agreement=self.id,
            )
        if party_id not in partner_ids:
            raise NotAPartner(
                f"Organisation {party_id} is no longer a partner of the partnership "
                "and cannot sign.",
                da="{party} er ikke længere partner i partnerskabet og kan ikke skrive under "
                "på «{agreement}».",
                party=party_id,
                agreement=self.id,
            )
        if party_id not in self.unsigned_party_ids:
            raise AlreadySigned(
                f"Organisation {party_id} has already signed.",
                da="{party} har allerede skrevet under på «{agreement}».",
                party=party_id,
                agreement=self.id,
            )
        if signatory.organisation_id != party_id:
            raise NotAParty(
                "The signatory must belong to the organisation that signs "
                f"({party_id}), not to {signatory.organisation_id}.",
                da="{person} arbejder ikke for {party}, men for {employer}: vælg en person "
                "fra {party} til at skrive under.",
                person=signatory.person_id,
                party=party_id,
                employer=signatory.organisation_id,
            )
        if meta.valid_on > self.valid_to:
            raise InconsistentDates(
                f"The agreement's validity ended on {self.valid_to}; it can no longer be signed.",
                da="«{agreement}» gjaldt til og med {valid_to} og kan ikke underskrives den {on}.",
                agreement=self.id,
                valid_to=self.valid_to,
                on=meta.valid_on,
            )
        self._trigger(
            self.PartySigned,
            meta,
            party_id=party_id,
            signatory_id=signatory.person_id,
        )
        return self.is_fully_signed

    def renew(self, valid_to: date, meta: Meta) -> None:
        self.check_not_ended()
        if not self.is_fully_signed:
            raise AgreementStateError(
                "Only a signed agreement can be renewed.",
                da="«{agreement}» kan først fornyes, når alle parter har skrevet under.",
                agreement=self.id,
            )
        if meta.valid_on > self.valid_to:
            raise InconsistentDates(
                f"The agreement ran out on {self.valid_to}; record its expiry and draft anew.",
                da="«{agreement}» udløb {valid_to} og kan ikke fornyes den {on}: registrér, at den "
                "er udløbet, og lav en ny aftale.",
                agreement=self.id,
                valid_to=self.valid_to,
                on=meta.valid_on,
            )
        if valid_to <= self.valid_to:
            raise InconsistentDates(
                f"A renewal must extend the validity beyond {self.valid_to}, got {valid_to}.",
                da="En fornyelse af «{agreement}» skal forlænge den ud over {current}; "
                "{valid_to} gør ikke.",
                agreement=self.id,
                current=self.valid_to,
                valid_to=valid_to,
            )
        self._trigger(self.Renewed, meta, valid_to=valid_to)

    def expire(self, meta: Meta) -> None:
        self.check_not_ended()
        if meta.valid_on <= self.valid_to:
            raise InconsistentDates(
                f"The agreement is valid until {self.valid_to}; "
                f"it cannot expire on {meta.valid_on}.",
                da="«{agreement}» gælder til og med {valid_to} og kan ikke udløbe den {on}.",
                agreement=self.id,
                valid_to=self.valid_to,
                on=meta.valid_on,
            )
        self._trigger(self.Expired, meta)

    def terminate(self, meta: Meta) -> None:
        self.check_not_ended()
        if not (meta.reason or "").strip():
            raise InvalidValue(
                "Terminating an agreement early needs a reason.",
                da="Skriv en begrundelse for at opsige «{agreement}» før tid.",
                agreement=self.id,
            )
        if meta.valid_on > self.valid_to:
            raise InconsistentDates(
                "The agreement has already run out; record its expiry.",
                da="«{agreement}» udløb {valid_to}; den kan ikke opsiges den {on}. Registrér i "
                "stedet, at den er udløbet.",
                agreement=self.id,
                valid_to=self.valid_to,
                on=meta.valid_on,
            )
        self._trigger(self.Terminated, meta)
