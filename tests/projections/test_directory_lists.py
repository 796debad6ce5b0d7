"""Directory lists for the forms' selects: active organisations, and the persons of some
organisations (erased persons left out), by name, on both stores."""

from __future__ import annotations

from aggregates.taxonomy import Sector
from projections import directory
from projections.access import DirectoryAccess
from services.commands import CloseOrganisation, ErasePerson
from tests.commands import execute
from tests.projections.support import ReadSide, meta, organisation, person

EVERYONE = DirectoryAccess.everything().persons("id")  # an administrator's rules


async def test_forms_are_offered_active_organisations_and_their_persons_by_name(
    read_side: ReadSide,
) -> None:
    app = read_side.app
    club = organisation(app, "Sundeborg Idrætsforening", Sector.SPORTS_CLUB)
    health = organisation(
        app, "Sundhed, Sundeborg Kommune", Sector.HEALTH, municipality="Sundeborg"
    )
    closed = organisation(app, "Aftenskolen", Sector.EDUCATION)
    execute(app, CloseOrganisation(organisation_id=closed), meta())
    bo = person(app, "Bo Dahl", club)
    anne = person(app, "Anne Berg", club)
    person(app, "Carl Holm", health)
    erased = person(app, "Dorte Ravn", club)
    execute(app, ErasePerson(person_id=erased), meta(reason="Anmodning om sletning (GDPR)"))
    await read_side.sync()

    found = await directory.organisations(read_side.store)
    assert [(o.name, o.municipality) for o in found] == [
        ("Sundeborg Idrætsforening", None),
        ("Sundhed, Sundeborg Kommune", "Sundeborg"),
    ]
    assert found[1].id == health

    people = await directory.persons(read_side.store, [club], readable=EVERYONE)
    assert [(p.id, p.name, p.organisation_id) for p in people] == [
        (anne, "Anne Berg", club),
        (bo, "Bo Dahl", club),
    ]
    assert len(await directory.persons(read_side.store, [club, health], readable=EVERYONE)) == 3
    assert await directory.persons(read_side.store, [], readable=EVERYONE) == []
