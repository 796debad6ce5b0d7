"""Builders and helpers shared by the projection tests (writes go through `Tvaers`)."""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple
from uuid import UUID

from aggregates import (
    AccessRole,
    Contact,
    EventRef,
    Evidence,
    Meta,
    Obligation,
    Organisation,
    Person,
    Registry,
    Terms,
    TokenKind,
)
from aggregates.taxonomy import (
    AgreementKind,
    AnchoringStatus,
    AnnotationKind,
    Dimension,
    FactorEffect,
    FactorOrigin,
    PreventionCategory,
    RoleKind,
    Rung,
    SeatRole,
    Sector,
)
from projections.catalog import ALL
from projections.core import Projection
from projections.runner import ProjectionRunner
from projections.store import ReadStore
from services.application import CommandResult, Tvaers
from services.commands import (
    CreateAccount,
    DraftAgreement,
    GrantAccess,
    PublishAnnotation,
    RecordAnnotation,
    RegisterOrganisation,
    RegisterPartnership,
    RegisterPerson,
    RenewAgreement,
    ReviseAnnotation,
    RevokeGrant,
    RevokeToken,
    SignAgreement,
    TerminateAgreement,
    UpdateRegistry,
    WithdrawAnnotation,
    event_links,
)
from tests.commands import execute

START = date(2024, 1, 1)
ACTOR = "tovholder@svendborg.dk"


def meta(
    day: date = START,
    *,
    reason: str | None = None,
    actor: str = ACTOR,
    correlation_id: UUID | None = None,
) -> Meta:
    """Event metadata for a change that happened in the world on `day`."""
    if correlation_id is None:
        return Meta(actor=actor, valid_on=day, reason=reason)
    return Meta(actor=actor, valid_on=day, reason=reason, correlation_id=correlation_id)


def instant() -> datetime:
    """A recorded-time boundary strictly between the writes before and after it."""
    time.sleep(0.002)
    moment = datetime.now(UTC)
    time.sleep(0.002)
    return moment


class ReadSide(NamedTuple):
    app: Tvaers
    store: ReadStore
    runner: ProjectionRunner

    async def sync(self) -> int:
        """Bring every view up to the head of the log."""
        return await self.runner.catch_up()


def created(result: CommandResult) -> UUID:
    assert result.created_id is not None
    return result.created_id


def organisation(
    app: Tvaers, name: str, sector: Sector = Sector.VOLUNTARY, *, municipality: str | None = None
) -> UUID:
    return created(
        execute(
            app, RegisterOrganisation(name=name, sector=sector, municipality=municipality), meta()
        )
    )


def person(app: Tvaers, name: str, organisation_id: UUID, *, email: str = "") -> UUID:
    contact = Contact(name=name, title="konsulent", email=email, phone="")
    return created(
        execute(app, RegisterPerson.of(contact, organisation_id=organisation_id), meta())
    )


def partnership(
    app: Tvaers,
    lead_id: UUID,
    *,
    title: str = "Sund By Sundeborg",
    municipality: str = "Sundeborg",
    purpose: str = "Flere borgere i beskæftigelse gennem bedre sundhed",
    day: date = START,
) -> UUID:
    registry = Registry(title=title, municipality=municipality, purpose=purpose)
    return created(
        execute(app, RegisterPartnership.of(registry, lead_organisation_id=lead_id), meta(day))
    )


def agreement_terms(
    lead_id: UUID,
    party_ids: Sequence[UUID],
    valid_from: date,
    valid_to: date,
    *,
    title: str = "Samarbejdsaftale om motion på recept",
) -> Terms:
    parties = (lead_id, *party_ids)
    return Terms(
        title=title,
        purpose="Fælles forløb for borgere på kanten af arbejdsmarkedet",
        party_ids=parties,
        obligations=tuple(
            Obligation(party_id=p, text="Stiller medarbejdere til rådighed") for p in parties
        ),
        valid_from=valid_from,
        valid_to=valid_to,
    )


def signed_agreement(
    app: Tvaers,
    partnership_id: UUID,
    lead_id: UUID,
    party_ids: Sequence[UUID],
    *,
    kind: AgreementKind = AgreementKind.COOPERATION,
    valid_from: date,
    valid_to: date,
    signed_on: date,
) -> UUID:
    """Draft an agreement and have every party sign it on `signed_on` (all through the service)."""
    terms = agreement_terms(lead_id, party_ids, valid_from, valid_to)
    agreement_id = created(
        execute(
            app, DraftAgreement.of(terms, partnership_id=partnership_id, kind=kind), meta(signed_on)
        )
    )
    for party_id in (lead_id, *party_ids):
        signer = person(app, "Mette Holm", party_id)  # a signatory is a registered person
        execute(
            app,
            SignAgreement(agreement_id=agreement_id, party_id=party_id, signatory_id=signer),
            meta(signed_on),
        )
    return agreement_id


# -- whole-view comparisons -----------------------------------------------------------------


async def columns(store: ReadStore, table: str) -> list[str]:
    if store.dialect == "sqlite":
        rows = await store.fetch(f"PRAGMA table_info({table})")
        return [str(r["name"]) for r in rows]
    rows = await store.fetch(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position",
        table,
    )
    return [str(r["column_name"]) for r in rows]


async def table_contents(store: ReadStore, table: str) -> list[dict[str, Any]]:
    """Every row of a table, ordered by all its columns."""
    order = ", ".join(await columns(store, table))
    return await store.fetch(f"SELECT * FROM {table} ORDER BY {order}")


async def view_contents(
    store: ReadStore, projections: Sequence[Projection] = ALL
) -> dict[str, list[dict[str, Any]]]:
    """Every view table's full contents, by table name."""
    return {
        table: await table_contents(store, table)
        for projection in projections
        for table in projection.tables
    }


async def tracking_rows(store: ReadStore) -> dict[str, dict[str, Any]]:
    rows = await store.fetch("SELECT * FROM projection_tracking ORDER BY name")
    return {str(r["name"]): r for r in rows}


# -- a realistic history, written quickly ------------------------------------------------------


class History(NamedTuple):
    partnership_ids: list[UUID]
    events: int


def generate_history(app: Tvaers, rng: random.Random, *, partnerships: int) -> History:
    """Partnerships with partners, ladder moves, roles, steering groups, milestones, factors,
    corrections, departures and agreements.

    Organisations and persons are saved in bulk and each partnership's governance in one save
    of the aggregate (same events as the use cases, far fewer transactions); registration,
    agreements (drafting, signing, termination) and registry updates go through the use cases.
    """
    first = app.max_notification_id()
    leads = [
        Organisation.register(
            name=f"Sundhed og Forebyggelse {town}",
            sector=Sector.HEALTH,
            municipality=town,
            cvr=None,
            parent=None,
            meta=meta(),
        )
        for town in ("Sundeborg", "Ærø", "Vestby")
    ]
    others = [
        Organisation.register(
            name=f"Forening {n}",
            sector=Sector.VOLUNTARY,
            municipality=None,
            cvr=None,
            parent=None,
            meta=meta(),
        )
        for n in range(24)
    ]
    app.save(*leads, *others)
    staff: dict[UUID, list[UUID]] = {}
    people = []
    for org in (*leads, *others):
        for n in range(2):
            member = Person.register(
                contact=Contact(name=f"Person {n} i {org.name}", email=f"p{n}@example.dk"),
                organisation_id=org.id,
                meta=meta(),
            )
            staff.setdefault(org.id, []).append(member.id)
            people.append(member)
    app.save(*people)

    ids = []
    for number in range(partnerships):
        lead = leads[number % len(leads)]
        start = START + timedelta(days=rng.randrange(0, 60))
        pid = partnership(
            app,
            lead.id,
            title=f"Indsats {number}",
            municipality=lead.municipality or "Sundeborg",
            day=start,
        )
        ids.append(pid)
        p = app.get_partnership(pid)
        partners = [o.id for o in rng.sample(others, 6)]
        day = start
        rungs: dict[UUID, Rung] = {}
        join_versions = {}
        for org_id in partners:
            rungs[org_id] = Rung(rng.randint(1, 3))
            p.join_partner(org_id, meta(day), rung=rungs[org_id], evidence="Opstartsmøde")
            join_versions[org_id] = p.version
        moves = []
        for step in range(2):
            day = start + timedelta(days=30 * (step + 1))
            for org_id in partners:
                rung = Rung(rng.choice([r for r in (1, 2, 3, 4) if r != rungs[org_id]]))
                rungs[org_id] = rung
                p.move_on_ladder(org_id, rung, f"Møde {step}", meta(day))
                moves.append(p.version)
        seated = [staff[lead.id][0], staff[partners[0]][0], staff[partners[1]][0]]
        for person_id, seat in zip(
            seated, (SeatRole.CHAIR, SeatRole.VICE_CHAIR, SeatRole.MEMBER), strict=True
        ):
            p.appoint_steering_member(person_id, seat, meta(start))
        activity_id = p.launch_activity(
            title="Motion på recept",
            category=PreventionCategory.OFFER,
            owner_ids=[partners[0]],
            meta=meta(start),
        )
        coordinator = p.assign_role(
            RoleKind.COORDINATOR, staff[partners[0]][0], partners[0], meta(start)
        )
        assigned_version = p.version
        local = p.assign_role(
            RoleKind.LOCAL_COORDINATOR,
            staff[partners[1]][1],
            partners[1],
            meta(start),
            activity_id=activity_id,
        )
        p.hand_over_role(coordinator, staff[partners[2]][0], partners[2], meta(day))
        p.vacate_role(local, meta(day))
        p.assign_role(
            RoleKind.LOCAL_COORDINATOR,
            staff[partners[3]][0],
            partners[3],
            meta(day + timedelta(days=20)),
            activity_id=activity_id,
            position_id=local,
        )
        milestones = []
        for dimension, status in zip(
            rng.sample(list(Dimension), 3),
            (AnchoringStatus.STARTED, AnchoringStatus.PARTIAL, AnchoringStatus.ANCHORED),
            strict=True,
        ):
            milestone_id = p.record_milestone(
                dimension=dimension,
                status=status,
                title=f"Milepæl {dimension.value}",
                evidence=Evidence(text="Referat", link="https://example.dk/ref"),
                meta=meta(day),
            )
            milestones.append((milestone_id, p.version, dimension))
        factor_id = p.record_factor(
            origin=FactorOrigin.INTERNAL,
            effect=FactorEffect.PROMOTING,
            description="Ledelsen bakker op",
            milestone_ids=[milestones[0][0]],
            meta=meta(day),
        )
        p.link_factor(factor_id, milestones[1][0], meta(day))
        # and to the event it came from (issue 15): the first milestone's recording
        p.link_factor_to_event(factor_id, milestones[0][1], meta(day))
        # The steering group's self-assessment: a rise, and a rating re-dated.
        p.rate_anchoring(dimension=milestones[0][2], rating=2, meta=meta(start))
        p.rate_anchoring(dimension=milestones[0][2], rating=5, comment="Løft", meta=meta(day))
        p.correct_date(p.version, day - timedelta(days=5), meta(day, reason="Mødedato"))
        follow_up_id = p.schedule_follow_up(
            label="3 måneder",
            due_on=start + timedelta(days=90),
            cohort=12,
            meta=meta(start),
            activity_id=activity_id,
        )
        p.record_follow_up(follow_up_id, 10, 8, meta(start + timedelta(days=95)))
        # Corrections: a ladder date, a rung, a milestone's content, an assignment's date.
        p.correct_date(moves[0], start + timedelta(days=20), meta(day, reason="Forkert dato"))
        p.correct_rung(
            moves[-1],
            Rung(rng.choice([r for r in (1, 2, 3, 4) if r != rungs[partners[-1]]])),
            "Rettet efter referat",
            meta(day, reason="Forkert trin"),
        )
        p.correct_milestone(
            milestones[2][1],
            dimension=milestones[2][2],
            status=AnchoringStatus.PARTIAL,
            title="Milepæl rettet",
            evidence=Evidence(text="Rettet referat"),
            meta=meta(day, reason="Overvurderet"),
        )
        p.correct_date(assigned_version, start + timedelta(days=1), meta(day, reason="Dato"))
        # (not before `start`: a partner joins on or after the partnership starts)
        p.correct_date(join_versions[partners[5]], start + timedelta(days=3), meta(day))
        vice_chair, leaving = staff[partners[0]][0], staff[partners[1]][0]
        p.change_steering_seat(vice_chair, SeatRole.MEMBER, meta(day + timedelta(days=20)))
        p.change_steering_seat(leaving, SeatRole.VICE_CHAIR, meta(day + timedelta(days=30)))
        p.step_down_steering_member(staff[partners[1]][0], meta(day + timedelta(days=40)))
        p.leave_partner(partners[2], meta(day + timedelta(days=50)))  # vacates the coordinator
        app.save(p)
        _generate_notes(app, pid, milestones[0][1], draft=number % 3 == 0)
        if number % 2 == 0:
            agreement_id = signed_agreement(
                app,
                pid,
                lead.id,
                [partners[0]],
                valid_from=day + timedelta(days=60),
                valid_to=day + timedelta(days=400),
                signed_on=day + timedelta(days=55),
            )
            if number % 4 == 0:
                execute(
                    app,
                    TerminateAgreement(agreement_id=agreement_id),
                    meta(day + timedelta(days=200), reason="Projektet stopper"),
                )
            else:
                execute(
                    app,
                    RenewAgreement(agreement_id=agreement_id, valid_to=day + timedelta(days=800)),
                    meta(day + timedelta(days=300)),
                )
        if number % 3 == 0:
            execute(
                app,
                UpdateRegistry.of(
                    Registry(
                        title=f"Indsats {number} (forlænget)",
                        municipality=lead.municipality or "Sundeborg",
                        tags=("Motion", "Trivsel"),
                        target_groups=("Ledige",),
                        arenas=("Jobcenter",),
                    ),
                    partnership_id=pid,
                ),
                meta(day),
            )
    _generate_access(app, rng, ids)
    return History(ids, app.max_notification_id() - first)


def _generate_notes(app: Tvaers, pid: UUID, milestone_version: int, *, draft: bool) -> None:
    """An evaluator's notes on the partnership: revised and published, or left a draft."""
    evaluator = "evaluator@cowi.dk"
    links = [EventRef(aggregate_id=pid, version=milestone_version)]
    note = created(
        execute(
            app,
            RecordAnnotation(
                partnership_id=pid,
                kind=AnnotationKind.FACTOR,
                text="Ledelsen bar indsatsen",
                dimension=Dimension.MANAGEMENT,
                links=event_links(links),
            ),
            meta(actor=evaluator),
        )
    )
    if draft:
        return
    execute(
        app,
        ReviseAnnotation(
            partnership_id=pid,
            annotation_id=note,
            kind=AnnotationKind.JUDGEMENT,
            text="Ledelsen bar indsatsen hele vejen",
            links=event_links([*links, EventRef(aggregate_id=pid, version=1)]),
        ),
        meta(actor=evaluator),
    )
    execute(app, PublishAnnotation(partnership_id=pid, annotation_id=note), meta(actor=evaluator))
    execute(
        app,
        WithdrawAnnotation(partnership_id=pid, annotation_id=note),
        meta(actor=evaluator, reason="Skal præciseres"),
    )
    execute(app, PublishAnnotation(partnership_id=pid, annotation_id=note), meta(actor=evaluator))


def _generate_access(app: Tvaers, rng: random.Random, ids: list[UUID]) -> None:
    """Users with grants, tokens and a revocation, so the access view has rows too."""
    suffix = rng.randrange(10**6)
    for n, role in enumerate(AccessRole):
        username = f"bruger{n}-{suffix}@example.dk"
        execute(
            app,
            CreateAccount(username=username, display_name=f"Bruger {n}", password="x" * 12),
            meta(),
        )
        execute(
            app, GrantAccess(username=username, role=role, partnership_id=rng.choice(ids)), meta()
        )
        if role is not AccessRole.STEERING_MEMBER:
            grant = execute(
                app, GrantAccess(username=username, role=role, municipality="Sundeborg"), meta()
            )
            if n == 0:
                assert grant.created_id is not None
                execute(app, RevokeGrant(username=username, grant_id=grant.created_id), meta())
        issued = app.issue_token(username, TokenKind.BEARER, "test", timedelta(days=1), meta())
        if n == 1:
            execute(app, RevokeToken(username=username, token_id=issued.token_id), meta())
