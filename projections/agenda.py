"""Agenda: what needs attention soon, across partnerships.

- agreements whose validity ends within N days (from the agreements view);
- follow-ups due: scheduled, not yet recorded, falling due within N days (or overdue);
- vacant roles on the day (from the roles view's facts);
- projects whose period ended more than six months ago with no operations (drift)
  milestone at "partial" or "anchored": time-limited work that may have stopped instead of
  becoming part of ordinary operations.

Only the follow-ups need a table of their own (`follow_ups`, below).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import msgspec

from aggregates import Partnership
from aggregates.dates import today as today_in_denmark
from aggregates.taxonomy import AnchoringStatus, Dimension, PartnershipType, RoleKind
from projections.access import Visibility
from projections.agreements import ExpiringAgreement, expiring, partnership_titles
from projections.core import InvalidQuery, Projection
from projections.helpers import marks
from projections.store import ReadStore, Statement

STALLED_AFTER_MONTHS = 6

follow_ups_projection = Projection(
    name="follow_ups",
    version=1,
    tables=("follow_ups",),
    ddl=(
        "CREATE TABLE follow_ups ("
        " follow_up_id {uuid} PRIMARY KEY, partnership_id {uuid} NOT NULL, activity_id {uuid},"
        " label {text} NOT NULL, due_on {date} NOT NULL, cohort {int} NOT NULL,"
        " scheduled_on {date} NOT NULL, recorded_on {date}, reached {int}, retained {int})",
        "CREATE INDEX follow_ups_by_due ON follow_ups (due_on)",
        "CREATE INDEX follow_ups_by_partnership ON follow_ups (partnership_id, due_on)",
    ),
)


@follow_ups_projection.on(Partnership.FollowUpScheduled)
def _scheduled(e: Partnership.FollowUpScheduled) -> Iterable[Statement]:
    yield (
        "INSERT INTO follow_ups (follow_up_id, partnership_id, activity_id, label, due_on,"
        " cohort, scheduled_on) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            e.follow_up_id,
            e.originator_id,
            e.activity_id,
            e.label,
            e.due_on,
            e.cohort,
            e.valid_on,
        ),
    )


@follow_ups_projection.on(Partnership.FollowUpRecorded)
def _recorded(e: Partnership.FollowUpRecorded) -> Iterable[Statement]:
    yield (
        "UPDATE follow_ups SET recorded_on = ?, reached = ?, retained = ? WHERE follow_up_id = ?",
        (e.valid_on, e.reached, e.retained, e.follow_up_id),
    )


# -- the agenda ----------------------------------------------------------------------------


class FollowUpDue(msgspec.Struct, kw_only=True):
    follow_up_id: UUID
    partnership_id: UUID
    partnership_title: str
    activity_id: UUID | None
    label: str
    due_on: date
    cohort: int
    days_left: int  # negative: overdue


class VacantRole(msgspec.Struct, kw_only=True):
    partnership_id: UUID
    partnership_title: str
    position_id: UUID
    role: RoleKind
    role_label: str
    activity_id: UUID | None
    vacant_since: date
    days_vacant: int


class StalledProject(msgspec.Struct, kw_only=True):
    partnership_id: UUID
    partnership_title: str
    municipality: str
    period_end: date
    days_since_end: int
    operations_status: AnchoringStatus  # of the operations (drift) dimension on the day
    operations_status_label: str


class Agenda(msgspec.Struct, kw_only=True):
    today: date
    within_days: int
    horizon: date  # today + within_days
    expiring_agreements: list[ExpiringAgreement]
    follow_ups_due: list[FollowUpDue]
    vacant_roles: list[VacantRole]
    stalled_projects: list[StalledProject]


def months_before(day: date, months: int) -> date:
    """The same day of the month `months` earlier (the month's last day if it is shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    if year < date.min.year:
        return date.min  # nothing ended before the calendar began
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def _scope(
    column: str, visible: Visibility, partnership_ids: Sequence[UUID] | None
) -> tuple[str, list[Any]]:
    """SQL (" AND ...") keeping rows of the partnerships named (all when None) that the
    caller may see."""
    visible_sql, visible_params = visible.clause(column)
    sql, params = f" AND {visible_sql}", list(visible_params)
    if partnership_ids is not None:
        sql += f" AND {column} IN ({marks(partnership_ids)})"
        params.extend(partnership_ids)
    return sql, params


async def follow_ups_due(
    store: ReadStore,
    *,
    visible: Visibility,
    today: date,
    horizon: date,
    partnership_ids: Sequence[UUID] | None,
) -> list[FollowUpDue]:
    """Scheduled by `today`, not recorded by `today`, due on or before `horizon`."""
    scope, scope_params = _scope("partnership_id", visible, partnership_ids)
    rows = await store.fetch(
        "SELECT follow_up_id, partnership_id, activity_id, label, due_on, cohort FROM follow_ups"
        " WHERE scheduled_on <= ? AND due_on <= ? AND (recorded_on IS NULL OR recorded_on > ?)"
        f"{scope} ORDER BY due_on, label, follow_up_id",
        today,
        horizon,
        today,
        *scope_params,
    )
    titles = await partnership_titles(store, [UUID(str(r["partnership_id"])) for r in rows])
    result = []
    for row in rows:
        due_on = msgspec.convert(row["due_on"], date, strict=False)
        pid = UUID(str(row["partnership_id"]))
        result.append(
            msgspec.convert(
                {
                    **row,
                    "partnership_title": titles.get(pid, "?"),
                    "days_left": (due_on - today).days,
                },
                FollowUpDue,
                strict=False,
            )
        )
    return result


async def vacant_roles(
    store: ReadStore,
    *,
    visible: Visibility,
    today: date,
    partnership_ids: Sequence[UUID] | None,
) -> list[VacantRole]:
    """Role positions vacant on `today`: the roles view's latest fact per position is a vacancy.

    The same rule as `roles.holdings` (as known now), over many partnerships in one query.
    """
    scope, scope_params = _scope("f.partnership_id", visible, partnership_ids)
    rows = await store.fetch(
        "SELECT l.partnership_id, l.position_id, p.role, p.activity_id, l.valid_on FROM ("
        " SELECT f.partnership_id, f.position_id, f.person_id,"
        " f.valid_on, ROW_NUMBER() OVER (PARTITION BY f.partnership_id, f.position_id"
        "  ORDER BY f.valid_on DESC, f.source_version DESC, f.row_version DESC) AS rn"
        f" FROM role_facts f WHERE f.valid_on <= ? AND f.superseded_at IS NULL{scope}"
        ") l JOIN role_positions p"
        " ON p.partnership_id = l.partnership_id AND p.position_id = l.position_id"
        " WHERE l.rn = 1 AND l.person_id IS NULL ORDER BY l.valid_on, l.position_id",
        today,
        *scope_params,
    )
    titles = await partnership_titles(store, [UUID(str(r["partnership_id"])) for r in rows])
    result = []
    for row in rows:
        since = msgspec.convert(row["valid_on"], date, strict=False)
        role = RoleKind(row["role"])
        result.append(
            VacantRole(
                partnership_id=UUID(str(row["partnership_id"])),
                partnership_title=titles.get(UUID(str(row["partnership_id"])), "?"),
                position_id=UUID(str(row["position_id"])),
                role=role,
                role_label=role.label_da,
                activity_id=UUID(str(row["activity_id"])) if row["activity_id"] else None,
                vacant_since=since,
                days_vacant=(today - since).days,
            )
        )
    return result


async def stalled_projects(
    store: ReadStore,
    *,
    visible: Visibility,
    today: date,
    partnership_ids: Sequence[UUID] | None,
) -> list[StalledProject]:
    """Projects whose period ended over six months before `today`, not anchored in operations.

    "Not anchored in operations": no operations (drift) milestone at partial or anchored
    dated on or before `today`.
    """
    cutoff = months_before(today, STALLED_AFTER_MONTHS)
    scope, scope_params = _scope("p.id", visible, partnership_ids)
    rows = await store.fetch(
        "SELECT p.id, p.title, p.municipality, p.period_end FROM partnerships p"
        " WHERE p.kind = ? AND p.period_end IS NOT NULL AND p.period_end < ?"
        " AND NOT EXISTS (SELECT 1 FROM milestone_facts m WHERE m.partnership_id = p.id"
        " AND m.dimension = ? AND m.status IN (?, ?) AND m.valid_on <= ?"
        f" AND m.superseded_at IS NULL){scope} ORDER BY p.period_end, p.title, p.id",
        PartnershipType.PROJECT,
        cutoff,
        Dimension.OPERATIONS,
        AnchoringStatus.PARTIAL,
        AnchoringStatus.ANCHORED,
        today,
        *scope_params,
    )
    ids = [UUID(str(r["id"])) for r in rows]
    status: dict[UUID, AnchoringStatus] = {}
    if ids:
        # The latest operations milestone by the day (only "started" can be left).
        for m in await store.fetch(
            "SELECT partnership_id, status FROM ("
            " SELECT partnership_id, status, ROW_NUMBER() OVER (PARTITION BY partnership_id"
            "  ORDER BY valid_on DESC, source_version DESC, row_version DESC) AS rn"
            " FROM milestone_facts WHERE dimension = ? AND valid_on <= ?"
            f" AND superseded_at IS NULL AND partnership_id IN ({marks(ids)})"
            ") latest WHERE rn = 1",
            Dimension.OPERATIONS,
            today,
            *ids,
        ):
            status[UUID(str(m["partnership_id"]))] = AnchoringStatus(m["status"])
    result = []
    for row, pid in zip(rows, ids, strict=True):
        end = msgspec.convert(row["period_end"], date, strict=False)
        current = status.get(pid, AnchoringStatus.NONE)
        result.append(
            StalledProject(
                partnership_id=pid,
                partnership_title=str(row["title"]),
                municipality=str(row["municipality"]),
                period_end=end,
                days_since_end=(today - end).days,
                operations_status=current,
                operations_status_label=current.label_da,
            )
        )
    return result


async def agenda(
    store: ReadStore,
    *,
    visible: Visibility,
    partnership_ids: Sequence[UUID] | None = None,
    today: date | None = None,
    within_days: int = 60,
) -> Agenda:
    """Everything due within `within_days` of `today` (default: today) in the partnerships
    named (default: all) that are `visible` to the caller; others are left out."""
    if within_days < 0:
        raise InvalidQuery(f"within_days cannot be negative, got {within_days}.")
    day = today or today_in_denmark()
    horizon = day + timedelta(days=min(within_days, (date.max - day).days))
    if partnership_ids is not None and not partnership_ids:
        return Agenda(
            today=day,
            within_days=within_days,
            horizon=horizon,
            expiring_agreements=[],
            follow_ups_due=[],
            vacant_roles=[],
            stalled_projects=[],
        )
    ids = list(dict.fromkeys(partnership_ids)) if partnership_ids is not None else None
    return Agenda(
        today=day,
        within_days=within_days,
        horizon=horizon,
        expiring_agreements=await expiring(
            store, visible=visible, within_days=within_days, as_of=day, partnership_ids=ids
        ),
        follow_ups_due=await follow_ups_due(
            store, visible=visible, today=day, horizon=horizon, partnership_ids=ids
        ),
        vacant_roles=await vacant_roles(store, visible=visible, today=day, partnership_ids=ids),
        stalled_projects=await stalled_projects(
            store, visible=visible, today=day, partnership_ids=ids
        ),
    )
