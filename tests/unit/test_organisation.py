"""Organisation: registration, renaming, merging and closing."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import pytest

from aggregates import Meta, Organisation
from aggregates.errors import InvalidValue, NoChange, OrganisationClosed
from aggregates.taxonomy import OrganisationStatus, Sector, SectorGroup
from tests.unit.conftest import assert_replays_to_same_state, meta, unchanged


def register(
    name: str = "Sundhed og Forebyggelse",
    *,
    sector: Sector = Sector.HEALTH,
    municipality: str | None = None,
    cvr: str | None = None,
    parent: Organisation | None = None,
) -> Organisation:
    return Organisation.register(
        name=name,
        sector=sector,
        meta=meta(),
        municipality=municipality,
        cvr=cvr,
        parent=parent,
    )


# -- registration ---------------------------------------------------------------------


def test_a_registered_organisation_is_active_with_its_fields_cleaned() -> None:
    parent = register("Sundheds- og Omsorgsforvaltningen")
    org = Organisation.register(
        name="  Forebyggelsescenter  ",
        sector=Sector.HEALTH,
        meta=meta(),
        municipality=" Sundeborg ",
        cvr="12345678",
        parent=parent,
    )
    assert org.name == "Forebyggelsescenter"
    assert org.municipality == "Sundeborg"
    assert org.cvr == "12345678"
    assert org.parent_id == parent.id
    assert org.status is OrganisationStatus.ACTIVE
    assert org.is_active
    assert org.merged_into is None
    assert org.version == 1


def test_an_empty_cvr_number_is_stored_as_none() -> None:
    assert register(cvr="").cvr is None
    assert register(cvr=None).cvr is None


@pytest.mark.parametrize("cvr", ["1234567", "123456789", "1234567a", "12 34 56 78"])
def test_a_cvr_number_must_be_eight_digits(cvr: str) -> None:
    with pytest.raises(InvalidValue, match="CVR number must be 8 digits"):
        register(cvr=cvr)


def test_an_organisation_needs_a_name() -> None:
    with pytest.raises(InvalidValue, match="Organisation name must not be empty"):
        register("   ")


def test_an_organisation_cannot_be_registered_under_a_closed_parent() -> None:
    parent = register("Lukket forvaltning")
    parent.close(meta())
    with unchanged(parent), pytest.raises(OrganisationClosed, match="is closed"):
        register("Afdeling", parent=parent)


def test_an_organisation_cannot_be_registered_under_a_merged_parent() -> None:
    parent = register("Gammel forvaltning")
    parent.merge_into(register("Ny forvaltning"), meta())
    with unchanged(parent), pytest.raises(OrganisationClosed, match="is merged"):
        register("Afdeling", parent=parent)


def test_every_change_needs_an_actor() -> None:
    with pytest.raises(InvalidValue, match="An actor is required"):
        Meta(actor="  ", valid_on=date(2024, 1, 1))


def test_sectors_are_grouped_into_municipal_departments_and_external_bodies() -> None:
    assert Sector.EMPLOYMENT.group is SectorGroup.MUNICIPAL
    assert Sector.GENERAL_PRACTICE.group is SectorGroup.EXTERNAL
    assert Sector.SPORTS_CLUB.label_da == "idrætsforening"


# -- renaming -------------------------------------------------------------------------


def test_renaming_records_the_new_name() -> None:
    org = register()
    org.rename("  Sundhedsforvaltningen ", meta(date(2024, 5, 1)))
    assert org.name == "Sundhedsforvaltningen"
    assert org.version == 2
    assert org.pending_events[-1].valid_on == date(2024, 5, 1)


def test_renaming_to_the_same_name_changes_nothing() -> None:
    org = register("Jobcenter")
    with unchanged(org), pytest.raises(NoChange, match="already called 'Jobcenter'"):
        org.rename(" Jobcenter ", meta())


def test_renaming_to_an_empty_name_is_refused() -> None:
    org = register()
    with unchanged(org), pytest.raises(InvalidValue, match="Organisation name must not be empty"):
        org.rename(" ", meta())


def test_a_closed_organisation_cannot_be_renamed() -> None:
    org = register()
    org.close(meta())
    with unchanged(org), pytest.raises(OrganisationClosed, match="is closed"):
        org.rename("Nyt navn", meta())


def test_a_merged_organisation_cannot_be_renamed() -> None:
    org = register()
    org.merge_into(register("Andet"), meta())
    with unchanged(org), pytest.raises(OrganisationClosed, match="is merged"):
        org.rename("Nyt navn", meta())


# -- merging and closing --------------------------------------------------------------


def test_merging_marks_the_organisation_as_merged_into_the_other() -> None:
    org, other = register("Social"), register("Social og Beskæftigelse")
    org.merge_into(other, meta(date(2024, 7, 1)))
    assert org.status is OrganisationStatus.MERGED
    assert org.merged_into == other.id
    assert not org.is_active
    assert other.is_active


def test_an_organisation_cannot_be_merged_into_itself() -> None:
    org = register()
    with unchanged(org), pytest.raises(InvalidValue, match="cannot be merged into itself"):
        org.merge_into(org, meta())


def test_a_closed_organisation_cannot_be_merged() -> None:
    org, other = register("A"), register("B")
    org.close(meta())
    with unchanged(org), unchanged(other), pytest.raises(OrganisationClosed, match="'A' is closed"):
        org.merge_into(other, meta())


def test_an_organisation_cannot_be_merged_into_a_closed_one() -> None:
    org, other = register("A"), register("B")
    other.close(meta())
    with unchanged(org), unchanged(other), pytest.raises(OrganisationClosed, match="'B' is closed"):
        org.merge_into(other, meta())


def test_closing_an_organisation_makes_it_inactive() -> None:
    org = register()
    org.close(meta(date(2024, 12, 31)))
    assert org.status is OrganisationStatus.CLOSED
    assert not org.is_active


def test_a_closed_organisation_cannot_be_closed_again() -> None:
    org = register()
    org.close(meta())
    with unchanged(org), pytest.raises(OrganisationClosed, match="is closed"):
        org.close(meta())


def test_an_organisation_rebuilt_from_its_events_has_the_same_state() -> None:
    org = register(municipality="Sundeborg", cvr="87654321")
    org.rename("Sundhedshuset", meta(date(2024, 2, 1), reason="Nyt navn"))
    org.merge_into(register("Sundhedscenter Nord"), meta(date(2024, 3, 1)))
    assert_replays_to_same_state(org)


def test_an_organisation_event_carries_actor_valid_date_and_reason() -> None:
    org = register()
    org.rename("Nyt navn", meta(date(2023, 6, 1), reason="Omorganisering", actor="admin"))
    event = org.pending_events[-1]
    assert (event.actor, event.valid_on, event.reason) == (
        "admin",
        date(2023, 6, 1),
        "Omorganisering",
    )
    assert isinstance(event.correlation_id, UUID)
