"""Person: a professional who holds roles. Personal data (GDPR): contact details are erasable."""

from __future__ import annotations

from uuid import UUID

import msgspec

from aggregates.base import Meta, TvaersAggregate, require_text
from aggregates.errors import InvalidValue, NoChange, PersonErased


class Contact(msgspec.Struct, kw_only=True, frozen=True):
    """The personal data of a person; the only part an erasure request removes."""

    name: str
    title: str = ""
    email: str = ""
    phone: str = ""

    def validated(self) -> Contact:
        email = self.email.strip()
        if email and ("@" not in email or email.startswith("@") or email.endswith("@")):
            # The value is personal data: it must not reach error messages or logs.
            raise InvalidValue(
                "Not an email address (it needs a name, @ and a domain).",
                da="Det er ikke en e-mailadresse (den skal have et navn, @ og et domæne).",
            )
        return Contact(
            name=require_text(self.name, "Person name"),
            title=self.title.strip(),
            email=email,
            phone=self.phone.strip(),
        )


ERASED_CONTACT = Contact(name="(slettet)")
"""What a person's contact details read as once their key is deleted (erasure)."""


class Person(TvaersAggregate):
    """A professional. Contact details are personal data: the event store seals them with a
    key per person (see PERSONAL_DATA on the events) and erasure deletes that key."""

    contact: Contact | None
    organisation_id: UUID
    erased: bool

    def __init__(self) -> None:
        pass

    class Registered(TvaersAggregate.Created):
        contact: Contact
        organisation_id: UUID

        PERSONAL_DATA = {"contact": ERASED_CONTACT}

        def apply(self, person: Person) -> None:
            person.contact = self.contact
            person.organisation_id = self.organisation_id
            person.erased = False

    class ContactChanged(TvaersAggregate.Event):
        contact: Contact

        PERSONAL_DATA = {"contact": ERASED_CONTACT}

        def apply(self, person: Person) -> None:
            person.contact = self.contact

    class MovedOrganisation(TvaersAggregate.Event):
        organisation_id: UUID

        def apply(self, person: Person) -> None:
            person.organisation_id = self.organisation_id

    class Erased(TvaersAggregate.Event):
        def apply(self, person: Person) -> None:
            person.contact = None
            person.erased = True

    @classmethod
    def register(cls, *, contact: Contact, organisation_id: UUID, meta: Meta) -> Person:
        return cls._create_with(
            cls.Registered, meta, contact=contact.validated(), organisation_id=organisation_id
        )

    def check_not_erased(self) -> None:
        if self.erased:
            raise PersonErased(
                "This person's data has been erased.",
                da="Personens oplysninger er slettet; personen kan ikke længere ændres.",
            )

    @property
    def display_name(self) -> str:
        return self.contact.name if self.contact is not None else "(slettet)"

    def change_contact(self, contact: Contact, meta: Meta) -> None:
        self.check_not_erased()
        new = contact.validated()
        if new == self.contact:
            raise NoChange(
                "The contact details are unchanged.", da="Kontaktoplysningerne er uændrede."
            )
        self._trigger(self.ContactChanged, meta, contact=new)

    def move_to(self, organisation_id: UUID, meta: Meta) -> None:
        self.check_not_erased()
        if organisation_id == self.organisation_id:
            raise NoChange(
                "The person already belongs to that organisation.",
                da="Personen hører allerede til {organisation}.",
                organisation=organisation_id,
            )
        self._trigger(self.MovedOrganisation, meta, organisation_id=organisation_id)

    def erase(self, meta: Meta) -> None:
        self.check_not_erased()
        self._trigger(self.Erased, meta)
