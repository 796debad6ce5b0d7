"""Activities and the map of offers (tilbudskort); agreements, their status, expiry."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import pytest

from aggregates import AgreementStatus
from aggregates.taxonomy import ActivityStatus, AgreementKind, PreventionCategory, Sector
from projections import agreements, offers
from projections.access import Visibility
from projections.core import InvalidQuery
from services.application import Tvaers
from services.commands import (
    AdjustActivity,
    AmendAgreement,
    ChangeActivityStatus,
    DraftAgreement,
    JoinPartner,
    LaunchActivity,
    RenewAgreement,
    SignAgreement,
    TerminateAgreement,
)
from tests.commands import execute
from tests.projections.support import (
    ACTOR,
    ReadSide,
    agreement_terms,
    created,
    instant,
    meta,
    organisation,
    partnership,
    person,
)

EVERYTHING = Visibility.everything()  # an administrator's view: no filter

D = date
OFFER = PreventionCategory.OFFER
S = AgreementStatus


def launch(
    app: Tvaers,
    pid: UUID,
    title: str,
    owners: list[UUID],
    day: date,
    *,
    category: PreventionCategory = OFFER,
    running: bool = True,
    target_group: str = "",
    arena: str = "",
    description: str = "",
) -> UUID:
    return created(
        execute(
            app,
            LaunchActivity(
                partnership_id=pid,
                title=title,
                category=category,
                owner_ids=owners,
                description=description,
                target_group=target_group,
                arena=arena,
                running=running,
            ),
            meta(day),
        )
    )


async def test_activities_on_each_date_fold_launch_status_changes_and_adjustments(
    read_side: ReadSide,
) -> None:
    app, store = read_side.app, read_side.store
    lead = organisation(app, "Sundhed og Forebyggelse", Sector.HEALTH)
    dgi = organisation(app, "DGI Sydjylland", Sector.SPORTS_ORGANISATION)
    club = organisation(app, "Sundeborg IF", Sector.SPORTS_CLUB)
    pid = partnership(app, lead)
    for org in (dgi, club):
        execute(app, JoinPartner(partnership_id=pid, organisation_id=org), meta(D(2024, 1, 10)))
    aid = launch(
        app,
        pid,
        "Motion på recept",
        [dgi],
        D(2024, 2, 1),
        running=False,
        target_group="ledige",
        arena="jobcenter",
        description="Holdtræning to gange om ugen",
    )
    execute(
        app,
        ChangeActivityStatus(partnership_id=pid, activity_id=aid, status=ActivityStatus.RUNNING),
        meta(D(2024, 3, 1)),
    )
    execute(
        app,
        AdjustActivity(
            partnership_id=pid,
            activity_id=aid,
            description="Flyttet til hallen",
            arena="idrætshal",
            owner_ids=[dgi, club],
        ),
        meta(D(2024, 4, 1)),
    )
    execute(
        app,
        ChangeActivityStatus(partnership_id=pid, activity_id=aid, status=ActivityStatus.PAUSED),
        meta(D(2024, 6, 1)),
    )
    # Recorded late, back-dated to between the launch and the start.
    execute(
        app,
        AdjustActivity(
            partnership_id=pid,
            activity_id=aid,
            description="Målgruppe præciseret",
            target_group="unge",
        ),
        meta(D(2024, 2, 10)),
    )
    before = instant()
    # Recorded later, back-dated to 15 March: a new title from then on.
    execute(
        app,
        AdjustActivity(
            partnership_id=pid, activity_id=aid, description="Nyt navn", title="Bevægelse på recept"
        ),
        meta(D(2024, 3, 15)),
    )
    other = launch(
        app, pid, "Rygestopkursus", [club], D(2024, 5, 1), category=PreventionCategory.INFORMATION
    )
    await read_side.sync()

    def state(view: offers.ActivityView) -> tuple[object, ...]:
        return (
            view.title,
            view.status,
            view.status_since,
            view.target_group,
            view.arena,
            view.owner_names,
            [(a.valid_on, a.description) for a in view.adjustments],
        )

    async def on(day: date, **known: object) -> list[tuple[object, ...]]:
        views = await offers.activities(store, pid, as_of=day, **known)  # type: ignore[arg-type]
        return [state(v) for v in views]

    assert await on(D(2024, 1, 31)) == []
    early = (D(2024, 2, 10), "Målgruppe præciseret")
    assert await on(D(2024, 2, 15)) == [
        (
            "Motion på recept",
            ActivityStatus.PLANNED,
            D(2024, 2, 1),
            "unge",
            "jobcenter",
            ["DGI Sydjylland"],
            [early],
        )
    ]
    assert await on(D(2024, 3, 20)) == [
        (
            "Bevægelse på recept",
            ActivityStatus.RUNNING,
            D(2024, 3, 1),
            "unge",
            "jobcenter",
            ["DGI Sydjylland"],
            [early, (D(2024, 3, 15), "Nyt navn")],
        )
    ]
    assert (await on(D(2024, 3, 20), known_at=before))[0][:2] == (
        "Motion på recept",
        ActivityStatus.RUNNING,
    )
    [adjusted, course] = await offers.activities(store, pid, as_of=D(2024, 7, 1))
    assert state(adjusted) == (
        "Bevægelse på recept",
        ActivityStatus.PAUSED,
        D(2024, 6, 1),
        "unge",
        "idrætshal",
        ["DGI Sydjylland", "Sundeborg IF"],
        [early, (D(2024, 3, 15), "Nyt navn"), (D(2024, 4, 1), "Flyttet til hallen")],
    )
    assert (adjusted.status_label, adjusted.category_label, adjusted.launched_on) == (
        "sat på pause",
        "tilbud",
        D(2024, 2, 1),
    )
    assert adjusted.description == "Holdtræning to gange om ugen"
    assert (course.activity_id, course.category, course.status_label) == (
        other,
        PreventionCategory.INFORMATION,
        "i gang",
    )
    # Today's view agrees with the aggregate's current state.
    for view in await offers.activities(store, pid):
        activity = app.get_partnership(pid).activities[str(view.activity_id)]
        assert (view.title, view.status, view.target_group, view.arena, view.owner_ids) == (
            activity.title,
            activity.status,
            activity.target_group,
            activity.arena,
            list(activity.owner_ids),
        )


async def test_the_map_of_offers_lists_open_offers_by_place_target_group_arena_and_words(
    read_side: ReadSide,
) -> None:
    app, store = read_side.app, read_side.store
    lead_s = organisation(app, "Sundhed og Forebyggelse Sundeborg", Sector.HEALTH)
    lead_a = organisation(app, "Ældre og Omsorg Ærø", Sector.ELDERLY)
    club = organisation(app, "Ærø Idrætsforening", Sector.SPORTS_CLUB)
    sund = partnership(app, lead_s, title="Sund By Sundeborg", municipality="Sundeborg")
    aero = partnership(app, lead_a, title="Ældre i bevægelse", municipality="Ærø")
    execute(app, JoinPartner(partnership_id=aero, organisation_id=club), meta(D(2024, 1, 10)))
    motion = launch(
        app,
        sund,
        "Motion på recept",
        [lead_s],
        D(2024, 2, 1),
        target_group="Ledige",
        arena="Jobcenter",
    )
    smoke = launch(
        app,
        sund,
        "100% røgfri skoletid",
        [lead_s],
        D(2024, 2, 1),
        running=False,
        target_group="Unge",
        arena="Skole",
    )
    launch(
        app,
        sund,
        "Kampagne om kost",
        [lead_s],
        D(2024, 2, 1),
        category=PreventionCategory.INFORMATION,
        target_group="Ledige",
    )
    chairs = launch(
        app,
        aero,
        "Stolegymnastik",
        [club],
        D(2024, 3, 1),
        target_group="Ældre",
        arena="Ældrecenter",
    )
    walk = launch(
        app, aero, "Gåhold", [club], D(2024, 2, 1), target_group="ældre borgere", arena="Natur"
    )
    dance = launch(app, aero, "Dans for seniorer", [club], D(2024, 2, 1), target_group="Ældre")
    execute(
        app,
        ChangeActivityStatus(partnership_id=aero, activity_id=walk, status=ActivityStatus.ENDED),
        meta(D(2024, 4, 1)),
    )
    execute(
        app,
        ChangeActivityStatus(partnership_id=aero, activity_id=dance, status=ActivityStatus.PAUSED),
        meta(D(2024, 5, 1)),
    )
    await read_side.sync()
    day = D(2024, 6, 1)

    async def found(**query: object) -> list[UUID]:
        query.setdefault("as_of", day)
        query.setdefault("visible", EVERYTHING)
        return [o.activity_id for o in await offers.offers(store, **query)]  # type: ignore[arg-type]

    assert await found() == [smoke, motion, chairs]  # Sundeborg before Ærø, then by title
    assert await found(limit=2) == [smoke, motion]
    assert await found(municipality="ÆRØ") == [chairs]
    assert await found(municipality="Vestby") == []
    assert await found(target_group="ÆLDRE") == [chairs]
    assert await found(target_group="unge", arena="skole") == [smoke]
    assert await found(text="100%") == [smoke]
    assert await found(text="10_%") == []  # LIKE wildcards are literal
    assert await found(text="bevægelse") == [chairs]  # the partnership's title
    assert await found(text="LEDIGE") == [motion]  # not the campaign: not an offer
    assert await found(as_of=D(2024, 1, 31)) == []
    assert await found(as_of=D(2024, 3, 15), municipality="Ærø") == [dance, walk, chairs]
    assert await found(as_of=D(2024, 4, 15), municipality="Ærø") == [dance, chairs]

    [offer] = await offers.offers(store, visible=EVERYTHING, municipality="ærø", as_of=day)
    assert (offer.partnership_id, offer.partnership_title, offer.municipality) == (
        aero,
        "Ældre i bevægelse",
        "Ærø",
    )
    assert (offer.title, offer.target_group, offer.arena, offer.status_label) == (
        "Stolegymnastik",
        "Ældre",
        "Ældrecenter",
        "i gang",
    )
    assert (offer.owner_ids, offer.owner_names) == ([club], ["Ærø Idrætsforening"])
    for limit in (0, 201):
        with pytest.raises(InvalidQuery):
            await offers.offers(store, visible=EVERYTHING, limit=limit)


def sign(app: Tvaers, agreement_id: UUID, party_id: UUID, day: date) -> None:
    execute(
        app,
        SignAgreement(
            agreement_id=agreement_id,
            party_id=party_id,
            signatory_id=person(app, "Mette Holm", party_id),
        ),
        meta(day),
    )


def draft(
    app: Tvaers,
    pid: UUID,
    lead: UUID,
    parties: list[UUID],
    valid_from: date,
    valid_to: date,
    day: date,
    *,
    kind: AgreementKind = AgreementKind.COOPERATION,
    title: str = "Samarbejdsaftale om motion",
) -> UUID:
    terms = agreement_terms(lead, parties, valid_from, valid_to, title=title)
    return created(execute(app, DraftAgreement.of(terms, partnership_id=pid, kind=kind), meta(day)))


async def test_agreements_show_their_status_on_each_date_with_danish_labels(
    read_side: ReadSide,
) -> None:
    app, store = read_side.app, read_side.store
    lead = organisation(app, "Sundhed og Forebyggelse", Sector.HEALTH)
    dgi = organisation(app, "DGI Sydjylland", Sector.SPORTS_ORGANISATION)
    club = organisation(app, "Sundeborg IF", Sector.SPORTS_CLUB)
    pid = partnership(app, lead)
    for org in (dgi, club):
        execute(app, JoinPartner(partnership_id=pid, organisation_id=org), meta(D(2024, 1, 10)))
    cooperation = draft(app, pid, lead, [dgi], D(2024, 3, 1), D(2024, 12, 31), D(2024, 2, 1))
    sign(app, cooperation, lead, D(2024, 2, 10))
    sign(app, cooperation, dgi, D(2024, 2, 20))
    partnership_agreement = draft(
        app,
        pid,
        lead,
        [club],
        D(2024, 4, 1),
        D(2025, 3, 31),
        D(2024, 3, 1),
        kind=AgreementKind.PARTNERSHIP,
        title="Partnerskabsaftale om idræt",
    )
    sign(app, partnership_agreement, lead, D(2024, 3, 10))
    sign(app, partnership_agreement, club, D(2024, 3, 10))
    execute(
        app,
        TerminateAgreement(agreement_id=partnership_agreement),
        meta(D(2024, 9, 1), reason="Klubben lukker afdelingen"),
    )
    unsigned = draft(app, pid, lead, [dgi, club], D(2024, 6, 1), D(2024, 8, 31), D(2024, 5, 1))
    sign(app, unsigned, lead, D(2024, 5, 5))
    # An amendment clears the signatures: the parties sign the new text anew.
    execute(
        app,
        AmendAgreement.of(
            agreement_terms(lead, [dgi, club], D(2024, 6, 1), D(2024, 8, 31), title="Sommerhold"),
            agreement_id=unsigned,
        ),
        meta(D(2024, 5, 10)),
    )
    execute(
        app, RenewAgreement(agreement_id=cooperation, valid_to=D(2025, 6, 30)), meta(D(2024, 11, 1))
    )
    await read_side.sync()

    async def statuses(day: date) -> list[tuple[UUID, AgreementStatus, str]]:
        return [
            (a.agreement_id, a.status, a.status_label)
            for a in await agreements.agreements(store, pid, as_of=day)
        ]

    assert await statuses(D(2024, 1, 15)) == []
    assert await statuses(D(2024, 2, 15)) == [(cooperation, S.DRAFT, "udkast")]
    assert await statuses(D(2024, 2, 25)) == [(cooperation, S.SIGNED, "underskrevet")]
    assert await statuses(D(2024, 3, 15)) == [
        (cooperation, S.IN_FORCE, "i kraft"),
        (partnership_agreement, S.SIGNED, "underskrevet"),
    ]
    assert await statuses(D(2024, 10, 1)) == [
        (cooperation, S.IN_FORCE, "i kraft"),
        (partnership_agreement, S.TERMINATED, "opsagt"),
        (unsigned, S.EXPIRED, "udløbet"),  # ran out unsigned; its expiry is not recorded
    ]
    # The aggregate agrees on every date.
    for day in (D(2024, 2, 15), D(2024, 3, 15), D(2024, 6, 15), D(2024, 10, 1), D(2025, 7, 1)):
        for agreement_id, status, _ in await statuses(day):
            assert app.get_agreement(agreement_id).status_on(day) is status, (agreement_id, day)

    [early] = await agreements.agreements(store, pid, as_of=D(2024, 2, 15))
    assert (early.kind, early.kind_label, early.title) == (
        AgreementKind.COOPERATION,
        "samarbejdsaftale",
        "Samarbejdsaftale om motion",
    )
    assert [(p.name, p.signed_on) for p in early.parties] == [
        ("Sundhed og Forebyggelse", D(2024, 2, 10)),
        ("DGI Sydjylland", None),
    ]
    assert (early.signed_on, early.valid_from, early.valid_to, early.drafted_on) == (
        None,
        D(2024, 3, 1),
        D(2024, 12, 31),
        D(2024, 2, 1),
    )
    october = {
        a.agreement_id: a for a in await agreements.agreements(store, pid, as_of=D(2024, 10, 1))
    }
    assert (october[cooperation].signed_on, october[cooperation].renewals) == (D(2024, 2, 20), 0)
    assert october[cooperation].valid_to == D(2024, 12, 31)  # not yet renewed on 1 October
    ended = october[partnership_agreement]
    assert (ended.kind_label, ended.terminated_on, ended.termination_reason) == (
        "partnerskabsaftale",
        D(2024, 9, 1),
        "Klubben lukker afdelingen",
    )
    assert (october[unsigned].title, october[unsigned].signed_on) == ("Sommerhold", None)
    assert [p.signed_on for p in october[unsigned].parties] == [None, None, None]
    november = {
        a.agreement_id: a for a in await agreements.agreements(store, pid, as_of=D(2024, 11, 15))
    }
    assert (november[cooperation].valid_to, november[cooperation].renewals) == (D(2025, 6, 30), 1)
    before_end = await agreements.agreements(store, pid, as_of=D(2024, 8, 1))
    assert [(a.terminated_on, a.termination_reason) for a in before_end][1] == (None, None)


async def test_expiring_agreements_and_those_due_for_expiry(read_side: ReadSide) -> None:
    app, store = read_side.app, read_side.store
    lead = organisation(app, "Sundhed og Forebyggelse", Sector.HEALTH)
    dgi = organisation(app, "DGI Sydjylland", Sector.SPORTS_ORGANISATION)
    club = organisation(app, "Sundeborg IF", Sector.SPORTS_CLUB)
    pid = partnership(app, lead, title="Sund By")
    other = partnership(app, lead, title="Røgfri Fremtid")
    for org in (dgi, club):
        execute(app, JoinPartner(partnership_id=pid, organisation_id=org), meta(D(2024, 1, 10)))
    execute(app, JoinPartner(partnership_id=other, organisation_id=club), meta(D(2024, 1, 10)))
    renewed = draft(app, pid, lead, [dgi], D(2024, 3, 1), D(2024, 12, 31), D(2024, 2, 1))
    later = draft(app, other, lead, [club], D(2024, 4, 1), D(2025, 3, 31), D(2024, 3, 1))
    terminated = draft(app, pid, lead, [club], D(2024, 3, 1), D(2024, 11, 30), D(2024, 2, 1))
    unsigned = draft(app, pid, lead, [dgi], D(2024, 6, 1), D(2024, 8, 31), D(2024, 5, 1))
    for agreement_id, parties, day in (
        (renewed, [lead, dgi], D(2024, 2, 20)),
        (later, [lead, club], D(2024, 3, 10)),
        (terminated, [lead, club], D(2024, 2, 20)),
    ):
        for party in parties:
            sign(app, agreement_id, party, day)
    execute(app, TerminateAgreement(agreement_id=terminated), meta(D(2024, 9, 1), reason="Stopper"))
    execute(
        app, RenewAgreement(agreement_id=renewed, valid_to=D(2025, 6, 30)), meta(D(2024, 11, 1))
    )
    await read_side.sync()

    async def soon(within: int, day: date, ids: list[UUID] | None = None) -> list[tuple[UUID, int]]:
        found = await agreements.expiring(
            store, visible=EVERYTHING, within_days=within, as_of=day, partnership_ids=ids
        )
        return [(a.agreement_id, a.days_left) for a in found]

    # On 15 October the renewal (1 November) had not been made: 77 days left.
    assert await soon(90, D(2024, 10, 15)) == [(renewed, 77)]
    assert await soon(30, D(2024, 10, 15)) == []
    assert await soon(90, D(2024, 11, 15)) == []  # renewed to 30 June 2025
    assert await soon(180, D(2024, 11, 15)) == [(later, 136)]
    # Signed but not yet begun counts too; a terminated one does not.
    assert await soon(400, D(2024, 3, 15)) == [(terminated, 260), (renewed, 291), (later, 381)]
    assert await soon(400, D(2024, 9, 15)) == [(renewed, 107), (later, 197)]
    assert await soon(400, D(2024, 3, 15), [other]) == [(later, 381)]
    assert await soon(400, D(2024, 3, 15), []) == []
    [entry] = await agreements.expiring(
        store, visible=EVERYTHING, within_days=90, as_of=D(2024, 10, 15)
    )
    assert (entry.partnership_title, entry.kind_label, entry.status_label, entry.valid_to) == (
        "Sund By",
        "samarbejdsaftale",
        "i kraft",
        D(2024, 12, 31),
    )
    with pytest.raises(InvalidQuery):
        await agreements.expiring(store, visible=EVERYTHING, within_days=-1)

    assert await agreements.due_for_expiry(store, D(2024, 8, 31)) == []
    assert await agreements.due_for_expiry(store, D(2024, 9, 15)) == [unsigned]
    assert await agreements.due_for_expiry(store, D(2025, 4, 15)) == [unsigned, later]
    expired = app.expire_due_agreements(
        await agreements.due_for_expiry(store, D(2025, 4, 15)), D(2025, 4, 15), ACTOR
    )
    assert expired == 2
    await read_side.sync()
    assert await agreements.due_for_expiry(store, D(2025, 4, 15)) == []
    [done] = await agreements.agreements(store, other, as_of=D(2025, 4, 15))
    assert (done.status, done.expired_on) == (AgreementStatus.EXPIRED, D(2025, 4, 1))
    [before] = await agreements.agreements(store, other, as_of=D(2025, 3, 1))
    assert (before.status, before.expired_on) == (AgreementStatus.IN_FORCE, None)
