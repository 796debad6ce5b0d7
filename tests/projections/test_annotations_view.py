"""Evaluators' notes: who sees which (in the SQL), their links to the history, and that the
partnership's own record is never touched."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

import pytest

from aggregates import AccessRole, Contact, EventRef, account_id_for
from aggregates.errors import AnnotationStateError, NotFound, NotTheAuthor
from aggregates.taxonomy import (
    AgreementKind,
    AnchoringStatus,
    AnnotationKind,
    AnnotationStatus,
    Dimension,
    Sector,
)
from projections.access import Visibility
from projections.annotations import AnnotationView, list_annotations
from services.commands import (
    CreateAccount,
    DraftAgreement,
    EvidenceFields,
    GrantAccess,
    JoinPartner,
    PublishAnnotation,
    RecordAnnotation,
    RecordMilestone,
    RegisterPerson,
    ReviseAnnotation,
    WithdrawAnnotation,
    event_links,
)
from tests.commands import execute
from tests.projections.support import (
    ReadSide,
    agreement_terms,
    meta,
    organisation,
    partnership,
    view_contents,
)

D = date
AUTHOR = "evaluator@cowi.dk"
COLLEAGUE = "kollega@cowi.dk"  # another evaluator on the same municipality
STEERING = "styregruppe@sundeborg.dk"  # a steering-group member of the partnership
OUTSIDER = "udenfor@nordby.dk"  # an evaluator elsewhere
ADMIN = "admin@sundeborg.dk"


@dataclass
class World:
    side: ReadSide
    pid: UUID
    milestone_version: int

    def note(self, text: str = "Ledelsen bar indsatsen", *links: EventRef) -> UUID:
        result = execute(
            self.side.app,
            RecordAnnotation(
                partnership_id=self.pid,
                kind=AnnotationKind.FACTOR,
                text=text,
                dimension=Dimension.MANAGEMENT,
                links=event_links(links),
            ),
            meta(D(2024, 9, 1), actor=AUTHOR),
        )
        assert result.created_id is not None
        return result.created_id

    async def seen_by(self, username: str) -> list[AnnotationView]:
        await self.side.sync()
        visible = Visibility.everything() if username == ADMIN else _visibility(username)
        return await list_annotations(self.side.store, self.pid, viewer=username, visible=visible)


def _visibility(username: str) -> Visibility:
    return Visibility(account_id_for(username))


@pytest.fixture
def world(read_side: ReadSide) -> World:
    app = read_side.app
    lead = organisation(app, "Sundhed og Forebyggelse", Sector.HEALTH)
    pid = partnership(app, lead, municipality="Sundeborg")
    other = partnership(app, lead, title="Røgfri Nordby", municipality="Nordby")
    result = execute(
        app,
        RecordMilestone(
            partnership_id=pid,
            dimension=Dimension.MANAGEMENT,
            status=AnchoringStatus.PARTIAL,
            title="Centerchefer i styregruppen",
            evidence=EvidenceFields(text="Kommissorium"),
        ),
        meta(D(2024, 3, 1)),
    )
    for username in (AUTHOR, COLLEAGUE, STEERING, OUTSIDER):
        name = username.split("@")[0].title()
        execute(app, CreateAccount(username=username, display_name=name, password="x" * 12), meta())
    execute(
        app,
        CreateAccount(username=ADMIN, display_name="Admin", password="x" * 12, is_admin=True),
        meta(),
    )
    for username in (AUTHOR, COLLEAGUE):
        execute(
            app,
            GrantAccess(username=username, role=AccessRole.EVALUATOR, municipality="Sundeborg"),
            meta(),
        )
    execute(
        app,
        GrantAccess(username=STEERING, role=AccessRole.STEERING_MEMBER, partnership_id=pid),
        meta(),
    )
    execute(
        app, GrantAccess(username=OUTSIDER, role=AccessRole.EVALUATOR, partnership_id=other), meta()
    )
    return World(read_side, pid, result.version)


async def test_a_draft_is_seen_by_its_author_only(world: World) -> None:
    note_id = world.note()

    (mine,) = await world.seen_by(AUTHOR)
    assert (mine.id, mine.status, mine.mine, mine.author, mine.author_name) == (
        note_id,
        AnnotationStatus.DRAFT,
        True,
        AUTHOR,
        "Evaluator",
    )
    assert (mine.kind, mine.dimension, mine.text, mine.valid_on) == (
        AnnotationKind.FACTOR,
        Dimension.MANAGEMENT,
        "Ledelsen bar indsatsen",
        D(2024, 9, 1),
    )
    for other in (COLLEAGUE, STEERING, OUTSIDER, ADMIN):
        assert await world.seen_by(other) == [], other


async def test_a_published_note_is_seen_by_every_reader_of_the_partnership(
    world: World,
) -> None:
    note_id = world.note()
    execute(
        world.side.app,
        PublishAnnotation(partnership_id=world.pid, annotation_id=note_id),
        meta(actor=AUTHOR),
    )

    for reader in (AUTHOR, COLLEAGUE, STEERING, ADMIN):
        (seen,) = await world.seen_by(reader)
        assert (seen.id, seen.status, seen.mine) == (
            note_id,
            AnnotationStatus.PUBLISHED,
            reader == AUTHOR,
        )
        assert seen.published_at is not None
    # No grant on this partnership: not even a published note.
    assert await world.seen_by(OUTSIDER) == []


async def test_a_withdrawn_note_is_the_authors_alone_again(world: World) -> None:
    note_id = world.note()
    app = world.side.app
    execute(
        app, PublishAnnotation(partnership_id=world.pid, annotation_id=note_id), meta(actor=AUTHOR)
    )
    execute(
        app,
        WithdrawAnnotation(partnership_id=world.pid, annotation_id=note_id),
        meta(actor=AUTHOR, reason="Skal præciseres"),
    )

    (mine,) = await world.seen_by(AUTHOR)
    assert mine.status is AnnotationStatus.WITHDRAWN
    assert await world.seen_by(COLLEAGUE) == []
    assert await world.seen_by(STEERING) == []


async def test_each_sees_the_published_notes_and_their_own_drafts(world: World) -> None:
    app = world.side.app
    published = world.note("Offentlig")
    execute(
        app,
        PublishAnnotation(partnership_id=world.pid, annotation_id=published),
        meta(actor=AUTHOR),
    )
    world.note("Kladde")
    colleague = execute(
        app,
        RecordAnnotation(partnership_id=world.pid, kind=AnnotationKind.JUDGEMENT, text="Min egen"),
        meta(actor=COLLEAGUE),
    ).created_id

    assert sorted(n.text for n in await world.seen_by(AUTHOR)) == ["Kladde", "Offentlig"]
    seen = await world.seen_by(COLLEAGUE)
    assert sorted((n.text, n.mine) for n in seen) == [("Min egen", True), ("Offentlig", False)]
    assert [n.id for n in seen if n.mine] == [colleague]


async def test_links_name_events_of_the_partnership_with_the_audit_histories_words(
    world: World,
) -> None:
    app = world.side.app
    club = organisation(app, "Sundeborg IF", Sector.SPORTS_CLUB)
    execute(app, JoinPartner(partnership_id=world.pid, organisation_id=club), meta(D(2024, 2, 1)))
    lead_id = app.get_partnership(world.pid).lead_organisation_id
    agreement = execute(
        app,
        DraftAgreement.of(
            agreement_terms(lead_id, [club], D(2024, 3, 1), D(2025, 3, 1)),
            partnership_id=world.pid,
            kind=AgreementKind.COOPERATION,
        ),
        meta(D(2024, 2, 15)),
    ).created_id
    assert agreement is not None
    links = (
        EventRef(aggregate_id=world.pid, version=world.milestone_version),
        EventRef(aggregate_id=agreement, version=1),
    )

    world.note("Ledelsen", *links)

    (seen,) = await world.seen_by(AUTHOR)
    assert [(link.aggregate_id, link.version, link.kind) for link in seen.links] == [
        (world.pid, world.milestone_version, "MilestoneRecorded"),
        (agreement, 1, "Drafted"),
    ]
    assert seen.links[0].summary == (
        "Forankring (ledelsesmæssig, delvis): Centerchefer i styregruppen"
    )
    assert seen.links[0].valid_on == D(2024, 3, 1)


async def test_a_link_to_no_event_of_the_partnership_is_refused(world: World) -> None:
    app = world.side.app
    other_lead = organisation(app, "Jobcenter Nordby", Sector.EMPLOYMENT)
    other = partnership(app, other_lead, title="Andet")
    person_id = execute(
        app, RegisterPerson.of(Contact(name="Finn Hald"), organisation_id=other_lead), meta()
    ).created_id
    assert person_id is not None
    head = app.max_notification_id()

    for link in (
        EventRef(aggregate_id=world.pid, version=world.milestone_version + 1),  # not yet
        EventRef(aggregate_id=other, version=1),  # another partnership's
        EventRef(aggregate_id=person_id, version=1),  # a person's, not the partnership's
    ):
        with pytest.raises(NotFound, match="No event"):
            world.note("Forkert", link)

    assert app.max_notification_id() == head


async def test_revising_replaces_the_text_and_the_links(world: World) -> None:
    app = world.side.app
    first = EventRef(aggregate_id=world.pid, version=1)
    second = EventRef(aggregate_id=world.pid, version=world.milestone_version)
    note_id = world.note("Første udgave", first)

    execute(
        app,
        ReviseAnnotation(
            partnership_id=world.pid,
            annotation_id=note_id,
            kind=AnnotationKind.BARRIER,
            text="Anden udgave",
            links=event_links([second]),
        ),
        meta(actor=AUTHOR),
    )

    (seen,) = await world.seen_by(AUTHOR)
    assert (seen.kind, seen.text, seen.dimension, seen.version) == (
        AnnotationKind.BARRIER,
        "Anden udgave",
        None,
        2,
    )
    assert [(link.aggregate_id, link.version) for link in seen.links] == [
        (world.pid, world.milestone_version)
    ]
    assert seen.revised_at is not None


async def test_only_the_author_changes_a_note(world: World) -> None:
    app = world.side.app
    note_id = world.note()

    with pytest.raises(NotFound):
        execute(
            app,
            PublishAnnotation(partnership_id=world.pid, annotation_id=note_id),
            meta(actor=COLLEAGUE),
        )
    execute(
        app, PublishAnnotation(partnership_id=world.pid, annotation_id=note_id), meta(actor=AUTHOR)
    )
    with pytest.raises(NotTheAuthor):
        execute(
            app,
            WithdrawAnnotation(partnership_id=world.pid, annotation_id=note_id),
            meta(actor=ADMIN),
        )
    with pytest.raises(AnnotationStateError):
        execute(
            app,
            ReviseAnnotation(
                partnership_id=world.pid,
                annotation_id=note_id,
                kind=AnnotationKind.FACTOR,
                text="Ny",
            ),
            meta(actor=AUTHOR),
        )


async def test_a_note_is_found_only_under_its_own_partnership(world: World) -> None:
    app = world.side.app
    note_id = world.note()
    lead = organisation(app, "Jobcenter", Sector.EMPLOYMENT)
    other = partnership(app, lead, title="Andet")

    with pytest.raises(NotFound):
        execute(
            app, PublishAnnotation(partnership_id=other, annotation_id=note_id), meta(actor=AUTHOR)
        )


async def test_notes_never_change_the_partnerships_record(world: World) -> None:
    app = world.side.app
    version = app.get_partnership(world.pid).version
    await world.side.sync()
    store = world.side.store
    partnership_views = {
        table: rows
        for table, rows in (await view_contents(store)).items()
        if not table.startswith("annotation")
    }

    note_id = world.note()
    execute(
        app, PublishAnnotation(partnership_id=world.pid, annotation_id=note_id), meta(actor=AUTHOR)
    )
    await world.side.sync()

    assert app.get_partnership(world.pid).version == version
    after = {
        table: rows
        for table, rows in (await view_contents(store)).items()
        if not table.startswith("annotation")
    }
    assert after == partnership_views  # not in the audit history either
