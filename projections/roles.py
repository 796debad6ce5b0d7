"""Roles view: who holds which role (and steering-group seat) on any date, vacancies, turnover.

Role facts: a holder (person) from a valid date, or a vacancy (no person). Steering-group
facts: an appointment, a seat change or a step-down. Both are bitemporal like the ladder's facts.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any
from uuid import UUID

import msgspec

from aggregates import Partnership
from aggregates.dates import today as today_in_denmark
from aggregates.taxonomy import RoleKind, SeatRole
from projections.core import Projection, fact_columns, known_filter, redate
from projections.directory import names
from projections.store import ReadStore, Statement

roles = Projection(
    name="roles",
    version=2,
    tables=("role_positions", "role_facts", "steering_facts"),
    ddl=(
        # A position's role and scope never change: kept once, so that every fact about
        # its holder is a plain insert (no copying from earlier rows while projecting).
        "CREATE TABLE role_positions ("
        " partnership_id {uuid} NOT NULL, position_id {uuid} NOT NULL, role {text} NOT NULL,"
        " activity_id {uuid}, PRIMARY KEY (partnership_id, position_id))",
        "CREATE TABLE role_facts ("
        " partnership_id {uuid} NOT NULL, position_id {uuid} NOT NULL,"
        " person_id {uuid}, organisation_id {uuid},"
        + fact_columns()
        + ", PRIMARY KEY (partnership_id, row_version, position_id))",
        "CREATE INDEX role_facts_by_position ON role_facts (partnership_id, position_id, valid_on)",
        "CREATE INDEX role_facts_by_source ON role_facts (partnership_id, source_version)",
        # person_id and seat are NULL on a step-down row (seated = 0): only seated rows
        # say who sits where.
        "CREATE TABLE steering_facts ("
        " partnership_id {uuid} NOT NULL, appointment_id {uuid} NOT NULL,"
        " person_id {uuid}, seat {text}, seated {int} NOT NULL,"
        + fact_columns()
        + ", PRIMARY KEY (partnership_id, row_version, appointment_id))",
        "CREATE INDEX steering_facts_by_source ON steering_facts (partnership_id, source_version)",
    ),
)

_ROLE_SUBJECT = "partnership_id, position_id, person_id, organisation_id"
_ROLE_COLUMNS = f"{_ROLE_SUBJECT}, valid_on, source_version, row_version, recorded_at"
_INSERT_ROLE = f"INSERT INTO role_facts ({_ROLE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
_INSERT_POSITION = (
    "INSERT INTO role_positions (partnership_id, position_id, role, activity_id)"
    " VALUES (?, ?, ?, ?) ON CONFLICT (partnership_id, position_id) DO NOTHING"
)

_LATEST_ROLE_FACTS = (
    "SELECT * FROM ("
    " SELECT f.*, ROW_NUMBER() OVER (PARTITION BY position_id"
    "  ORDER BY valid_on DESC, source_version DESC, row_version DESC) AS rn"
    " FROM role_facts f WHERE partnership_id = ? AND {where}"
    ") latest WHERE rn = 1"
)


@roles.on(Partnership.RoleAssigned)
def _assigned(e: Partnership.RoleAssigned) -> Iterable[Statement]:
    # A new position, or a vacant one filled again (same role and scope: the rule says so).
    yield (_INSERT_POSITION, (e.originator_id, e.position_id, e.role, e.activity_id))
    yield _holder(e, e.position_id, e.person_id, e.organisation_id)


def _holder(
    e: Any, position_id: UUID, person_id: UUID | None, organisation_id: UUID | None
) -> Statement:
    v = e.originator_version
    return (
        _INSERT_ROLE,
        (e.originator_id, position_id, person_id, organisation_id, e.valid_on, v, v, e.timestamp),
    )


@roles.on(Partnership.RoleHandedOver)
def _handed_over(e: Partnership.RoleHandedOver) -> Iterable[Statement]:
    yield _holder(e, e.position_id, e.person_id, e.organisation_id)


@roles.on(Partnership.RoleVacated)
def _vacated(e: Partnership.RoleVacated) -> Iterable[Statement]:
    yield _holder(e, e.position_id, None, None)


@roles.on(Partnership.PartnerLeft)
def _partner_left(e: Partnership.PartnerLeft) -> Iterable[Statement]:
    # The aggregate vacates every role held by the leaving organisation's people.
    v = e.originator_version
    yield (
        f"INSERT INTO role_facts ({_ROLE_COLUMNS})"
        " SELECT partnership_id, position_id, NULL, NULL, ?, ?, ?, ?"
        " FROM (" + _LATEST_ROLE_FACTS.format(where="superseded_at IS NULL") + ") held"
        " WHERE organisation_id = ? AND person_id IS NOT NULL",
        (e.valid_on, v, v, e.timestamp, e.originator_id, e.organisation_id),
    )


_STEERING_SUBJECT = "partnership_id, appointment_id, person_id, seat, seated"
_STEERING_COLUMNS = f"{_STEERING_SUBJECT}, valid_on, source_version, row_version, recorded_at"
_INSERT_STEERING = (
    f"INSERT INTO steering_facts ({_STEERING_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


@roles.on(Partnership.SteeringMemberAppointed)
def _appointed(e: Partnership.SteeringMemberAppointed) -> Iterable[Statement]:
    v = e.originator_version
    yield (
        _INSERT_STEERING,
        (e.originator_id, e.appointment_id, e.person_id, e.seat, 1, e.valid_on, v, v, e.timestamp),
    )


@roles.on(Partnership.SteeringSeatChanged)
def _seat_changed(e: Partnership.SteeringSeatChanged) -> Iterable[Statement]:
    # The member sits on, in the new seat from the change's date.
    v = e.originator_version
    yield (
        _INSERT_STEERING,
        (e.originator_id, e.appointment_id, e.person_id, e.seat, 1, e.valid_on, v, v, e.timestamp),
    )


@roles.on(Partnership.SteeringMemberSteppedDown)
def _stepped_down(e: Partnership.SteeringMemberSteppedDown) -> Iterable[Statement]:
    v = e.originator_version
    yield (
        _INSERT_STEERING,
        (e.originator_id, e.appointment_id, None, None, 0, e.valid_on, v, v, e.timestamp),
    )


@roles.on(Partnership.DateCorrected)
def _date_corrected(e: Partnership.DateCorrected) -> Iterable[Statement]:
    yield from redate("role_facts", _ROLE_SUBJECT, e)
    yield from redate("steering_facts", _STEERING_SUBJECT, e)


# -- queries ------------------------------------------------------------------------------


class RoleHolding(msgspec.Struct, kw_only=True):
    position_id: UUID
    role: RoleKind
    activity_id: UUID | None
    person_id: UUID | None  # None: vacant
    person_name: str | None
    organisation_id: UUID | None
    organisation_name: str | None
    since: date


class Seat(msgspec.Struct, kw_only=True):
    appointment_id: UUID
    person_id: UUID
    person_name: str
    seat: SeatRole
    since: date  # in this seat: since the appointment, or the latest seat change


class Vacancy(msgspec.Struct, kw_only=True):
    position_id: UUID
    role: RoleKind
    activity_id: UUID | None
    start: date
    end: date | None  # None: still vacant
    days: int


class Turnover(msgspec.Struct, kw_only=True):
    role: RoleKind
    positions: int
    holders: int
    handovers: int
    vacancies: int
    vacant_days: int


async def holdings(
    store: ReadStore,
    partnership_id: UUID,
    *,
    as_of: date | None = None,
    known_at: datetime | None = None,
) -> list[RoleHolding]:
    """Every role position and its holder (or vacancy) on `as_of`, as known at `known_at`."""
    known, known_params = known_filter(known_at)
    rows = await store.fetch(
        "SELECT l.position_id, h.role, h.activity_id, l.person_id, l.organisation_id,"
        " l.valid_on AS since, p.name AS person_name, o.name AS organisation_name"
        " FROM (" + _LATEST_ROLE_FACTS.format(where=f"valid_on <= ? AND {known}") + ") l"
        " JOIN role_positions h ON h.partnership_id = l.partnership_id"
        " AND h.position_id = l.position_id"
        " LEFT JOIN dir_persons p ON p.id = l.person_id"
        " LEFT JOIN dir_organisations o ON o.id = l.organisation_id"
        " ORDER BY h.role, l.valid_on, l.position_id",
        partnership_id,
        as_of or today_in_denmark(),
        *known_params,
    )
    return msgspec.convert(rows, list[RoleHolding], strict=False)


async def steering_group(
    store: ReadStore,
    partnership_id: UUID,
    *,
    as_of: date | None = None,
    known_at: datetime | None = None,
) -> list[Seat]:
    """Who sat on the steering group on `as_of`, as known at `known_at`."""
    known, known_params = known_filter(known_at)
    rows = await store.fetch(
        "SELECT appointment_id, person_id, seat, valid_on FROM ("
        " SELECT f.*, ROW_NUMBER() OVER (PARTITION BY appointment_id"
        "  ORDER BY valid_on DESC, source_version DESC, row_version DESC) AS rn"
        f" FROM steering_facts f WHERE partnership_id = ? AND valid_on <= ? AND {known}"
        ") latest WHERE rn = 1 AND seated = 1 ORDER BY seat, valid_on",
        partnership_id,
        as_of or today_in_denmark(),
        *known_params,
    )
    labels = await names(store, [UUID(str(r["person_id"])) for r in rows])
    return [
        msgspec.convert(
            {
                "appointment_id": r["appointment_id"],
                "person_id": r["person_id"],
                "person_name": labels.get(UUID(str(r["person_id"])), "?"),
                "seat": r["seat"],
                "since": r["valid_on"],
            },
            Seat,
            strict=False,
        )
        for r in rows
    ]


class _Fact(msgspec.Struct):
    position_id: UUID
    role: RoleKind
    activity_id: UUID | None
    person_id: UUID | None
    valid_on: date


async def _facts(store: ReadStore, partnership_id: UUID, known_at: datetime | None) -> list[_Fact]:
    known, known_params = known_filter(known_at)
    rows = await store.fetch(
        "SELECT f.position_id, p.role, p.activity_id, f.person_id, f.valid_on"
        " FROM role_facts f JOIN role_positions p"
        " ON p.partnership_id = f.partnership_id AND p.position_id = f.position_id"
        f" WHERE f.partnership_id = ? AND {known}"  # its columns are role_facts' only
        " ORDER BY f.position_id, f.valid_on, f.source_version",
        partnership_id,
        *known_params,
    )
    return [msgspec.convert(r, _Fact, strict=False) for r in rows]


async def vacancies(
    store: ReadStore,
    partnership_id: UUID,
    *,
    as_of: date | None = None,
    known_at: datetime | None = None,
) -> list[Vacancy]:
    """Every vacancy up to `as_of` and how long it lasted (open ones counted to `as_of`)."""
    today = as_of or today_in_denmark()
    result: list[Vacancy] = []
    open_since: dict[UUID, tuple[_Fact, date]] = {}
    for fact in await _facts(store, partnership_id, known_at):
        if fact.valid_on > today:
            continue
        started = open_since.pop(fact.position_id, None)
        if started is not None:
            first, start = started
            end = fact.valid_on
            result.append(
                Vacancy(
                    position_id=first.position_id,
                    role=first.role,
                    activity_id=first.activity_id,
                    start=start,
                    end=end,
                    days=(end - start).days,
                )
            )
        if fact.person_id is None:
            open_since[fact.position_id] = (fact, fact.valid_on)
    for first, start in open_since.values():
        result.append(
            Vacancy(
                position_id=first.position_id,
                role=first.role,
                activity_id=first.activity_id,
                start=start,
                end=None,
                days=(today - start).days,
            )
        )
    return sorted(result, key=lambda v: (v.start, str(v.position_id)))


async def turnover(
    store: ReadStore,
    partnership_id: UUID,
    *,
    as_of: date | None = None,
    known_at: datetime | None = None,
) -> list[Turnover]:
    """Per role: positions, distinct holders, hand-overs and vacancies up to `as_of`."""
    today = as_of or today_in_denmark()
    facts = [f for f in await _facts(store, partnership_id, known_at) if f.valid_on <= today]
    gaps = await vacancies(store, partnership_id, as_of=today, known_at=known_at)
    result = []
    for role in RoleKind:
        mine = [f for f in facts if f.role is role]
        if not mine:
            continue
        handovers = 0
        previous: dict[UUID, UUID | None] = {}
        for fact in mine:
            before = previous.get(fact.position_id)
            if before is not None and fact.person_id is not None and fact.person_id != before:
                handovers += 1
            previous[fact.position_id] = fact.person_id
        role_gaps = [g for g in gaps if g.role is role]
        result.append(
            Turnover(
                role=role,
                positions=len({f.position_id for f in mine}),
                holders=len({f.person_id for f in mine if f.person_id is not None}),
                handovers=handovers,
                vacancies=len(role_gaps),
                vacant_days=sum(g.days for g in role_gaps),
            )
        )
    return result
