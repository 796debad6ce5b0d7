"""`tvaers demo load`: write the demo dataset (services/demo/data.py) through the use cases.

Idempotent by a marker: the service gives every new organisation and partnership a random
id, so the loader cannot re-find them by a given id. The demo administrator (`demo-admin`)
is created last; when it exists, the dataset is complete and nothing is written again. The
other demo accounts are created only when missing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

import msgspec

from aggregates import (
    AccessRole,
    Meta,
    Obligation,
    Registry,
    Terms,
)
from aggregates.errors import NotFound
from services.application import CommandResult, Tvaers
from services.commands import (
    AppointSteeringMember,
    AssignRole,
    AssignSecretariat,
    ChangeActivityStatus,
    Command,
    CorrectDate,
    CorrectMilestone,
    CorrectRung,
    CreateAccount,
    DraftAgreement,
    EnterPhase,
    Envelope,
    EventLink,
    EvidenceFields,
    GrantAccess,
    HandOverRole,
    IssueTermsOfReference,
    JoinPartner,
    LaunchActivity,
    MoveOnLadder,
    PublishAnnotation,
    RateAnchoring,
    RecordAnnotation,
    RecordAssessment,
    RecordDecision,
    RecordEvaluation,
    RecordFactor,
    RecordFollowUp,
    RecordMilestone,
    RegisterOrganisation,
    RegisterPartnership,
    RegisterPerson,
    ScheduleFollowUp,
    SignAgreement,
    StaffSecretariat,
    UpdateRegistry,
)
from services.demo.data import (
    ADMIN,
    CASES,
    DEMO_PASSWORD,
    EVALUATOR,
    LEADERS,
    ORGANISATIONS,
    PERSONS,
    STEERING,
    STEERING_CASE,
    Case,
)
from services.security import hash_password

SYSTEM_ACTOR = "demo:loader"
RECORDED_REASON = "Demodata (tvaers demo load)"


@dataclass(frozen=True)
class DemoSummary:
    already_loaded: bool
    partnerships: int
    organisations: int
    persons: int
    events: int  # written by this load
    total_events: int  # in the store afterwards
    users: tuple[tuple[str, str], ...]  # (username, what they may do)
    seconds: float


def _created(result: CommandResult) -> UUID:
    assert result.created_id is not None
    return result.created_id


def _who5_fields(who5: tuple[tuple[int, float], tuple[int, float]] | None) -> dict[str, Any]:
    """A demo evaluation's WHO-5 counts as RecordEvaluation's fields (none: left out)."""
    if who5 is None:
        return {}
    (before, mean_before), (after, mean_after) = who5
    return {
        "who5_respondents_before": before,
        "who5_mean_before": mean_before,
        "who5_respondents_after": after,
        "who5_mean_after": mean_after,
    }


def demo_users() -> tuple[tuple[str, str], ...]:
    """Every demo login and what it may do (all share DEMO_PASSWORD)."""
    towns = ", ".join(LEADERS)
    return (
        (ADMIN, "administrator"),
        *((user, f"projektleder, {town}") for town, user in LEADERS.items()),
        (EVALUATOR, f"evaluator: {towns}"),
        (STEERING, "styregruppemedlem, København"),
    )


class _Loader:
    def __init__(self, app: Tvaers) -> None:
        self.app = app
        self.orgs: dict[str, UUID] = {}
        self.people: dict[str, UUID] = {}
        self.partnerships: dict[str, UUID] = {}
        # One hash for every demo user: the password is published, and argon2 takes
        # 0.1-1 s a hash (most of the load's time when each user had its own).
        self.password_hash = hash_password(DEMO_PASSWORD)

    def meta(self, actor: str, on: date, reason: str | None = None) -> Meta:
        return Meta(actor=actor, valid_on=on, reason=reason)

    def execute(self, command: Command, meta: Meta) -> CommandResult:
        """Issue a command, as the API and the web forms do (services/commands.py)."""
        return self.app.execute(command, Envelope(meta))

    def accounts(self) -> None:
        system = self.meta(SYSTEM_ACTOR, date.today(), RECORDED_REASON)
        for username, name in (
            *((user, f"Demo projektleder {town}") for town, user in LEADERS.items()),
            (EVALUATOR, "Demo evaluator"),
            (STEERING, "Demo styregruppemedlem"),
        ):
            try:
                self.app.get_account(username)
            except NotFound:
                self.execute(
                    CreateAccount(
                        username=username,
                        display_name=name,
                        password=DEMO_PASSWORD,
                        password_hash=self.password_hash,
                    ),
                    system,
                )

    def directory(self) -> None:
        first = date(2019, 1, 15)
        for key, org in ORGANISATIONS.items():
            result = self.execute(
                RegisterOrganisation(
                    name=org.name, sector=org.sector, municipality=org.municipality
                ),
                self.meta(SYSTEM_ACTOR, first, RECORDED_REASON),
            )
            self.orgs[key] = _created(result)
        for key, staff in PERSONS.items():
            local = staff.name.split()[0].lower()
            result = self.execute(
                RegisterPerson(
                    name=staff.name,
                    title=staff.title,
                    email=f"{local}.{key}@demo.example",
                    organisation_id=self.orgs[staff.org],
                ),
                self.meta(SYSTEM_ACTOR, first, RECORDED_REASON),
            )
            self.people[key] = _created(result)

    def case(self, case: Case) -> None:
        o, pe = self.orgs, self.people

        def m(on: date, reason: str | None = None) -> Meta:
            return self.meta(case.leader, on, reason)

        registry = Registry(
            title=case.title,
            municipality=case.municipality,
            purpose=case.purpose,
            target_groups=case.target_groups,
            arenas=case.arenas,
            kind=case.kind,
            period_start=case.period[0],
            period_end=case.period[1],
            prevention_categories=case.categories,
            bearings=case.bearings,
            tags=case.tags,
            yearly_budget_dkk=case.budget,
            staff_hours_per_year=case.hours,
            recruitment_channels=case.recruitment,
            evaluation_status="",
        )
        pid = _created(
            self.execute(
                RegisterPartnership.of(registry, lead_organisation_id=o[case.lead]),
                m(case.registered),
            )
        )
        self.partnerships[case.key] = pid
        refs: dict[str, int] = {}
        for partner in case.partners:
            result = self.execute(
                JoinPartner(
                    partnership_id=pid,
                    organisation_id=o[partner.org],
                    rung=partner.rung,
                    evidence=partner.evidence,
                ),
                m(partner.joined),
            )
            if partner.ref:
                refs[partner.ref] = result.version
        for seat in case.steering:
            self.execute(
                AppointSteeringMember(
                    partnership_id=pid, person_id=pe[seat.person], seat=seat.seat
                ),
                m(seat.on),
            )
        if case.secretariat is not None:
            org, staff, since = case.secretariat
            self.execute(AssignSecretariat(partnership_id=pid, organisation_id=o[org]), m(since))
            for person in staff:
                self.execute(StaffSecretariat(partnership_id=pid, person_id=pe[person]), m(since))
        for terms in case.terms:
            decision_id = None
            if terms.decision:
                decision_id = _created(
                    self.execute(
                        RecordDecision(
                            partnership_id=pid, title=terms.decision, approved=list(terms.approved)
                        ),
                        m(terms.on),
                    )
                )
            self.execute(
                IssueTermsOfReference(
                    partnership_id=pid,
                    purpose=terms.purpose,
                    composition=terms.composition,
                    task=terms.task,
                    time_plan=terms.time_plan,
                    focus_areas=list(terms.focus_areas),
                    decision_id=decision_id,
                ),
                m(terms.on),
            )
        for phase, on, note in case.phases:
            self.execute(EnterPhase(partnership_id=pid, phase=phase, note=note), m(on))
        activities: dict[str, UUID] = {}
        for a in case.activities:
            activities[a.key] = _created(
                self.execute(
                    LaunchActivity(
                        partnership_id=pid,
                        title=a.title,
                        category=a.category,
                        owner_ids=[o[x] for x in a.owners],
                        description=a.description,
                        target_group=a.target_group,
                        arena=a.arena,
                        running=a.running,
                    ),
                    m(a.on),
                )
            )
            for status, on in a.later:
                self.execute(
                    ChangeActivityStatus(
                        partnership_id=pid, activity_id=activities[a.key], status=status
                    ),
                    m(on),
                )
        for role in case.roles:
            result = self.execute(
                AssignRole(
                    partnership_id=pid,
                    role=role.role,
                    person_id=pe[role.person],
                    activity_id=activities[role.activity] if role.activity else None,
                ),
                m(role.on),
            )
            if role.ref:
                refs[role.ref] = result.version
            if role.handed_to is not None:
                to, on = role.handed_to
                self.execute(
                    HandOverRole(
                        partnership_id=pid, position_id=_created(result), person_id=pe[to]
                    ),
                    m(on, "Medarbejderskifte"),
                )
        for partner in case.partners:
            for move in partner.moves:
                result = self.execute(
                    MoveOnLadder(
                        partnership_id=pid,
                        organisation_id=o[partner.org],
                        rung=move.rung,
                        evidence=move.evidence,
                    ),
                    m(move.on),
                )
                if move.ref:
                    refs[move.ref] = result.version
        for spec in case.agreements:
            parties = tuple(o[key] for key, _ in spec.obligations)
            terms_ = Terms(
                title=spec.title,
                purpose=spec.purpose,
                party_ids=parties,
                obligations=tuple(Obligation(party_id=o[k], text=t) for k, t in spec.obligations),
                valid_from=spec.valid_from,
                valid_to=spec.valid_to,
            )
            agreement_id = _created(
                self.execute(
                    DraftAgreement.of(terms_, partnership_id=pid, kind=spec.kind), m(spec.drafted)
                )
            )
            for org_key, person in spec.signers:
                self.execute(
                    SignAgreement(
                        agreement_id=agreement_id, party_id=o[org_key], signatory_id=pe[person]
                    ),
                    m(spec.signed),
                )
        milestones: dict[str, UUID] = {}
        for ms in case.milestones:
            result = self.execute(
                RecordMilestone(
                    partnership_id=pid,
                    dimension=ms.dimension,
                    status=ms.status,
                    title=ms.title,
                    evidence=EvidenceFields(
                        text=ms.evidence, link=ms.link, document_ref=ms.document_ref
                    ),
                ),
                m(ms.on),
            )
            milestones[ms.key] = _created(result)
            refs[ms.key] = result.version
        for f in case.factors:
            self.execute(
                RecordFactor(
                    partnership_id=pid,
                    origin=f.origin,
                    effect=f.effect,
                    description=f.description,
                    milestone_ids=[milestones[k] for k in f.milestones],
                ),
                m(f.on),
            )
        for fu in case.follow_ups:
            follow_up_id = _created(
                self.execute(
                    ScheduleFollowUp(
                        partnership_id=pid,
                        label=fu.label,
                        due_on=fu.due_on,
                        cohort=fu.cohort,
                        activity_id=activities[fu.activity] if fu.activity else None,
                    ),
                    m(case.period[0]),
                )
            )
            self.execute(
                RecordFollowUp(
                    partnership_id=pid,
                    follow_up_id=follow_up_id,
                    reached=fu.reached,
                    retained=fu.retained,
                ),
                m(fu.recorded),
            )
        for ev in case.evaluations:
            evaluation_id = _created(
                self.execute(
                    RecordEvaluation(
                        partnership_id=pid,
                        kind=ev.kind,
                        evaluator=ev.evaluator,
                        method=ev.method,
                        findings=ev.findings,
                        **_who5_fields(ev.who5),
                    ),
                    m(ev.on),
                )
            )
            for question, answer in ev.assessments:
                self.execute(
                    RecordAssessment(
                        partnership_id=pid,
                        evaluation_id=evaluation_id,
                        question=question,
                        answer=answer,
                    ),
                    m(ev.on),
                )
        if case.promoting or case.barriers or case.attention or case.evaluation_status:
            last = max((ev.on for ev in case.evaluations), default=case.registered)
            self.execute(
                UpdateRegistry.of(
                    msgspec.structs.replace(
                        registry,
                        evaluation_status=case.evaluation_status,
                        promoting_factors=case.promoting,
                        barriers=case.barriers,
                        attention_points=case.attention,
                    ),
                    partnership_id=pid,
                ),
                m(last, "Erfaringer fra evalueringen"),
            )
        for c in case.corrections:
            version = refs[c.ref]
            if c.valid_on is not None:
                self.execute(
                    CorrectDate(
                        partnership_id=pid, corrects_version=version, corrected_valid_on=c.valid_on
                    ),
                    m(c.on, c.reason),
                )
            elif c.rung is not None:
                self.execute(
                    CorrectRung(
                        partnership_id=pid,
                        corrects_version=version,
                        rung=c.rung,
                        evidence=c.evidence,
                    ),
                    m(c.on, c.reason),
                )
            else:
                original = next(ms for ms in case.milestones if ms.key == c.ref)
                assert c.status is not None
                self.execute(
                    CorrectMilestone(
                        partnership_id=pid,
                        corrects_version=version,
                        dimension=original.dimension,
                        status=c.status,
                        title=c.title,
                        evidence=EvidenceFields(
                            text=c.evidence, document_ref=original.document_ref
                        ),
                    ),
                    m(c.on, c.reason),
                )
        # The steering group rates its anchoring; in København its member records it.
        rater = STEERING if case.key == STEERING_CASE else case.leader
        for r in case.ratings:
            self.execute(
                RateAnchoring(
                    partnership_id=pid,
                    dimension=r.dimension,
                    rating=r.rating,
                    comment=r.comment,
                    rated_by=pe[r.by] if r.by else None,
                ),
                self.meta(rater, r.on, "Selvevaluering på styregruppemødet"),
            )
        for finding in case.annotations:
            written = self.execute(
                RecordAnnotation(
                    partnership_id=pid,
                    kind=finding.kind,
                    text=finding.text,
                    dimension=finding.dimension,
                    links=[EventLink(aggregate_id=pid, version=refs[ref]) for ref in finding.links],
                ),
                self.meta(EVALUATOR, finding.on),
            )
            if finding.published:
                self.execute(
                    PublishAnnotation(partnership_id=pid, annotation_id=_created(written)),
                    self.meta(EVALUATOR, finding.on),
                )

    def grants(self) -> None:
        system = self.meta(SYSTEM_ACTOR, date.today(), RECORDED_REASON)
        for town, user in LEADERS.items():
            self.execute(
                GrantAccess(username=user, role=AccessRole.PROJECT_LEADER, municipality=town),
                system,
            )
            self.execute(
                GrantAccess(username=EVALUATOR, role=AccessRole.EVALUATOR, municipality=town),
                system,
            )
        self.execute(
            GrantAccess(
                username=STEERING,
                role=AccessRole.STEERING_MEMBER,
                partnership_id=self.partnerships[STEERING_CASE],
            ),
            system,
        )
        self.execute(
            CreateAccount(
                username=ADMIN,
                display_name="Demo administrator",
                password=DEMO_PASSWORD,
                password_hash=self.password_hash,
                is_admin=True,
            ),
            system,
        )


def is_loaded(app: Tvaers) -> bool:
    try:
        app.get_account(ADMIN)
    except NotFound:
        return False
    return True


def load_demo(app: Tvaers) -> DemoSummary:
    """Write the demo dataset unless it is already there (the demo admin is the marker)."""
    began = time.perf_counter()
    before = app.max_notification_id()
    if is_loaded(app):
        return DemoSummary(True, len(CASES), len(ORGANISATIONS), len(PERSONS), 0, before,
                           demo_users(), time.perf_counter() - began)  # fmt: skip
    loader = _Loader(app)
    loader.accounts()
    loader.directory()
    for case in CASES:
        loader.case(case)
    loader.grants()
    after = app.max_notification_id()
    return DemoSummary(
        already_loaded=False,
        partnerships=len(CASES),
        organisations=len(ORGANISATIONS),
        persons=len(PERSONS),
        events=after - before,
        total_events=after,
        users=demo_users(),
        seconds=time.perf_counter() - began,
    )
