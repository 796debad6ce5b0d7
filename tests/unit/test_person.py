"""Person: contact details (personal data), moving organisation, erasure."""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

import pytest

from aggregates import Contact, Person
from aggregates.errors import InvalidValue, NoChange, PersonErased
from tests.unit.conftest import assert_replays_to_same_state, meta, unchanged

ORG = UUID("00000000-0000-0000-0000-0000000000a1")


def contact(**overrides: str) -> Contact:
    fields = {
        "name": "Mette Hansen",
        "title": "Sundhedskonsulent",
        "email": "meha@sundeborg.dk",
        "phone": "+45 12 34 56 78",
    }
    fields.update(overrides)
    return Contact(**fields)


def register(c: Contact | None = None) -> Person:
    return Person.register(contact=c or contact(), organisation_id=ORG, meta=meta())


# -- registration and contact details -------------------------------------------------


def test_a_registered_person_has_cleaned_contact_details() -> None:
    person = register(
        Contact(name=" Mette Hansen ", title=" Konsulent ", email=" m@x.dk ", phone=" 1234 ")
    )
    assert person.contact == Contact(
        name="Mette Hansen", title="Konsulent", email="m@x.dk", phone="1234"
    )
    assert person.organisation_id == ORG
    assert not person.erased
    assert person.display_name == "Mette Hansen"


def test_a_person_may_be_registered_without_an_email_address() -> None:
    assert register(contact(email="")).contact == contact(email="")


@pytest.mark.parametrize("email", ["meha.sundeborg.dk", "@sundeborg.dk", "meha@"])
def test_a_person_cannot_be_registered_with_a_malformed_email(email: str) -> None:
    with pytest.raises(InvalidValue, match="Not an email address"):
        register(contact(email=email))


def test_a_person_needs_a_name() -> None:
    with pytest.raises(InvalidValue, match="Person name must not be empty"):
        register(contact(name="  "))


def test_changing_contact_details_records_the_cleaned_new_details() -> None:
    person = register()
    person.change_contact(contact(email=" ny@sundeborg.dk "), meta(date(2024, 4, 1)))
    assert person.contact == contact(email="ny@sundeborg.dk")
    assert person.version == 2


def test_unchanged_contact_details_are_refused_after_cleaning() -> None:
    person = register()
    with unchanged(person), pytest.raises(NoChange, match="contact details are unchanged"):
        person.change_contact(contact(name=" Mette Hansen "), meta())


def test_changing_to_a_malformed_email_is_refused() -> None:
    person = register()
    with unchanged(person), pytest.raises(InvalidValue, match="Not an email address"):
        person.change_contact(contact(email="ingen-snabel-a"), meta())


def test_an_erased_persons_contact_details_cannot_be_changed() -> None:
    person = register()
    person.erase(meta())
    with unchanged(person), pytest.raises(PersonErased, match="has been erased"):
        person.change_contact(contact(), meta())


# -- moving organisation --------------------------------------------------------------


def test_a_person_can_move_to_another_organisation() -> None:
    person = register()
    new_org = uuid4()
    person.move_to(new_org, meta(date(2024, 8, 1)))
    assert person.organisation_id == new_org


def test_moving_to_the_same_organisation_changes_nothing() -> None:
    person = register()
    with unchanged(person), pytest.raises(NoChange, match="already belongs"):
        person.move_to(ORG, meta())


def test_an_erased_person_cannot_move_organisation() -> None:
    person = register()
    person.erase(meta())
    with unchanged(person), pytest.raises(PersonErased, match="has been erased"):
        person.move_to(uuid4(), meta())


# -- erasure (GDPR) -------------------------------------------------------------------


def test_erasing_a_person_removes_the_contact_details_but_keeps_the_rest() -> None:
    person = register()
    person.erase(meta(reason="Anmodning om sletning"))
    assert person.contact is None
    assert person.erased
    assert person.display_name == "(slettet)"
    assert person.organisation_id == ORG


def test_an_erased_person_cannot_be_erased_again() -> None:
    person = register()
    person.erase(meta())
    with unchanged(person), pytest.raises(PersonErased, match="has been erased"):
        person.erase(meta())


def test_a_person_rebuilt_from_its_events_has_the_same_state() -> None:
    person = register()
    person.change_contact(contact(phone="87654321"), meta(date(2024, 2, 1)))
    person.move_to(uuid4(), meta(date(2024, 3, 1)))
    assert_replays_to_same_state(person)


def test_an_erased_person_rebuilt_from_its_events_stays_erased() -> None:
    person = register()
    person.erase(meta(date(2024, 9, 1)))
    assert_replays_to_same_state(person)
