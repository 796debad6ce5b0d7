"""Activities view and the map of offers (tilbudskort).

Facts are sparse: a launch states every field of an activity; a status change states
the status; an adjustment states only the fields it changed (title, target group, arena,
owners). The activity on a valid date V is the fold of its facts with `valid_on <= V`
in valid-time order (ties by the order they were recorded). Activity events cannot be
corrected, so rows are never superseded, but they carry the bitemporal columns like every
fact table: `known_at` filters them by recorded time.

An adjustment may be dated before the launch (the aggregate does not forbid it); it then
takes effect on the launch date, after the launch, as it did in the aggregate.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

import msgspec

from aggregates import Partnership
from aggregates.dates import today as today_in_denmark
from aggregates.taxonomy import ActivityStatus, PreventionCategory
from projections.access import Visibility
from projections.core import Projection, fact_columns, known_filter
from projections.directory import names
from projections.helpers import check_limit
from projections.store import ReadStore, Statement

activities_projection = Projection(
    # Not "offers": that name is taken by a retired projection in the runner's tests.
    name="activities",
    version=1,
    tables=("activity_facts",),
    ddl=(
        "CREATE TABLE activity_facts ("
        " partnership_id {uuid} NOT NULL, activity_id {uuid} NOT NULL, change {text} NOT NULL,"
        " category {text}, title {text}, description {text}, target_group {text},"
        " arena {text}, owner_ids {json}, status {text}, note {text},"
        + fact_columns()
        + ", PRIMARY KEY (partnership_id, row_version, activity_id))",
        "CREATE INDEX activity_facts_by_activity ON activity_facts"
        " (partnership_id, activity_id, valid_on)",
        "CREATE INDEX activity_facts_by_category ON activity_facts (category, change)",
    ),
)

_COLUMNS = (
    "partnership_id, activity_id, change, category, title, description, target_group, arena,"
    " owner_ids, status, note, valid_on, source_version, row_version, recorded_at"
)
_INSERT = f"INSERT INTO activity_facts ({_COLUMNS}) VALUES ({', '.join('?' * 15)})"


def _owners(owner_ids: Sequence[UUID] | None) -> str | None:
    if owner_ids is None:
        return None
    return msgspec.json.encode([str(o) for o in owner_ids]).decode()


@activities_projection.on(Partnership.ActivityLaunched)
def _launched(e: Partnership.ActivityLaunched) -> Iterable[Statement]:
    v = e.originator_version
    yield (
        _INSERT,
        (
            e.originator_id,
            e.activity_id,
            "launched",
            e.category,
            e.title,
            e.description,
            e.target_group,
            e.arena,
            _owners(e.owner_ids),
            e.status,
            None,
            e.valid_on,
            v,
            v,
            e.timestamp,
        ),
    )


@activities_projection.on(Partnership.ActivityStatusChanged)
def _status_changed(e: Partnership.ActivityStatusChanged) -> Iterable[Statement]:
    v = e.originator_version
    yield (
        _INSERT,
        (
            e.originator_id,
            e.activity_id,
            "status",
            None,
            None,
            None,
            None,
            None,
            None,
            e.status,
            None,
            e.valid_on,
            v,
            v,
            e.timestamp,
        ),
    )


@activities_projection.on(Partnership.ActivityAdjusted)
def _adjusted(e: Partnership.ActivityAdjusted) -> Iterable[Statement]:
    v = e.originator_version
    yield (
        _INSERT,
        (
            e.originator_id,
            e.activity_id,
            "adjusted",
            None,
            e.title,
            None,
            e.target_group,
            e.arena,
            _owners(e.owner_ids),
            None,
            e.description,
            e.valid_on,
            v,
            v,
            e.timestamp,
        ),
    )


# -- folding facts into activities (pure) --------------------------------------------------


class Adjustment(msgspec.Struct, kw_only=True):
    valid_on: date
    description: str


class ActivityView(msgspec.Struct, kw_only=True):
    activity_id: UUID
    partnership_id: UUID
    title: str
    description: str
    category: PreventionCategory
    category_label: str
    target_group: str
    arena: str
    owner_ids: list[UUID]
    owner_names: list[str]
    status: ActivityStatus
    status_label: str
    status_since: date
    launched_on: date
    adjustments: list[Adjustment]


class ActivityFact(msgspec.Struct, kw_only=True):
    partnership_id: UUID
    activity_id: UUID
    change: str
    category: PreventionCategory | None
    title: str | None
    description: str | None
    target_group: str | None
    arena: str | None
    owner_ids: list[UUID] | None
    status: ActivityStatus | None
    note: str | None
    valid_on: date
    source_version: int


def _fact(row: dict[str, Any]) -> ActivityFact:
    owners = row["owner_ids"]
    if isinstance(owners, str | bytes):
        owners = msgspec.json.decode(owners)
    return msgspec.convert({**row, "owner_ids": owners}, ActivityFact, strict=False)


def fold(facts: Iterable[ActivityFact], as_of: date) -> list[ActivityView]:
    """Each launched activity as it stood on `as_of`, from its facts (any order).

    Owner names are left empty here; the queries fill them in.
    """
    by_activity: dict[UUID, list[ActivityFact]] = {}
    for fact in facts:
        if fact.valid_on <= as_of:
            by_activity.setdefault(fact.activity_id, []).append(fact)
    result = []
    for mine in by_activity.values():
        launches = [f for f in mine if f.change == "launched"]
        if not launches:
            continue  # launched after as_of
        launch = launches[0]
        # Facts dated before the launch take effect on the launch date, after it.
        ordered = sorted(mine, key=lambda f: (max(f.valid_on, launch.valid_on), f.source_version))
        assert launch.category is not None
        assert launch.status is not None
        view = ActivityView(
            activity_id=launch.activity_id,
            partnership_id=launch.partnership_id,
            title=launch.title or "",
            description=launch.description or "",
            category=launch.category,
            category_label=launch.category.label_da,
            target_group=launch.target_group or "",
            arena=launch.arena or "",
            owner_ids=list(launch.owner_ids or ()),
            owner_names=[],
            status=launch.status,
            status_label=launch.status.label_da,
            status_since=launch.valid_on,
            launched_on=launch.valid_on,
            adjustments=[],
        )
        for fact in ordered:
            if fact is launch:
                continue
            if fact.status is not None:
                view.status = fact.status
                view.status_label = fact.status.label_da
                view.status_since = fact.valid_on
            if fact.title is not None:
                view.title = fact.title
            if fact.target_group is not None:
                view.target_group = fact.target_group
            if fact.arena is not None:
                view.arena = fact.arena
            if fact.owner_ids is not None:
                view.owner_ids = list(fact.owner_ids)
            if fact.change == "adjusted":
                view.adjustments.append(
                    Adjustment(valid_on=fact.valid_on, description=fact.note or "")
                )
        result.append(view)
    return result


async def _with_owner_names(store: ReadStore, views: list[ActivityView]) -> None:
    labels = await names(store, [o for v in views for o in v.owner_ids])
    for view in views:
        view.owner_names = [labels.get(o, "?") for o in view.owner_ids]


_SELECT = (
    "SELECT partnership_id, activity_id, change, category, title, description, target_group,"
    " arena, owner_ids, status, note, valid_on, source_version FROM activity_facts"
)


async def activities(
    store: ReadStore,
    partnership_id: UUID,
    *,
    as_of: date | None = None,
    known_at: datetime | None = None,
) -> list[ActivityView]:
    """The partnership's activities on `as_of` (default today), as known at `known_at`."""
    day = as_of or today_in_denmark()
    known, known_params = known_filter(known_at)
    rows = await store.fetch(
        f"{_SELECT} WHERE partnership_id = ? AND valid_on <= ? AND {known}",
        partnership_id,
        day,
        *known_params,
    )
    views = fold(map(_fact, rows), day)
    views.sort(key=lambda v: (v.launched_on, v.title, str(v.activity_id)))
    await _with_owner_names(store, views)
    return views


# -- the map of offers (tilbudskort) -------------------------------------------------------


class Offer(msgspec.Struct, kw_only=True):
    """An activity of category tilbud that is planned or running, where it can be found."""

    partnership_id: UUID
    partnership_title: str
    municipality: str
    activity_id: UUID
    title: str
    description: str
    target_group: str
    arena: str
    status: ActivityStatus
    status_label: str
    status_since: date
    owner_ids: list[UUID]
    owner_names: list[str]


OPEN_STATUSES = frozenset({ActivityStatus.PLANNED, ActivityStatus.RUNNING})


def _contains(haystack: str, needle: str | None) -> bool:
    """Case-insensitive substring test (casefold: also æ/Æ, ø/Ø, å/Å), wildcards literal."""
    return not needle or needle.strip().casefold() in haystack.casefold()


async def offers(
    store: ReadStore,
    *,
    visible: Visibility,
    municipality: str | None = None,
    target_group: str | None = None,
    arena: str | None = None,
    text: str | None = None,
    as_of: date | None = None,
    limit: int = 50,
) -> list[Offer]:
    """Offers (tilbud) planned or running on `as_of`, across partnerships.

    `municipality` matches exactly; `target_group`, `arena` and `text` match parts of
    words, ignoring case. The match is on the activity as it stood on `as_of` (titles,
    target groups and arenas change with adjustments), so it happens after the fold, in
    Python, which also keeps `%` and `_` literal. `text` searches the activity's title,
    description, target group and arena and the partnership's title. Only offers of
    partnerships `visible` to the caller are found (filtered in SQL, before the limit).
    """
    check_limit(limit)
    day = as_of or today_in_denmark()
    clauses = [
        "f.activity_id IN (SELECT activity_id FROM activity_facts"
        " WHERE change = 'launched' AND category = ?)"
    ]
    visible_sql, visible_params = visible.clause("p.id")
    clauses.append(visible_sql)
    params: list[Any] = [day, PreventionCategory.OFFER, *visible_params]
    if municipality and municipality.strip():
        clauses.append("p.municipality_key = ?")
        params.append(municipality.strip().casefold())
    rows = await store.fetch(
        "SELECT f.*, p.title AS partnership_title, p.municipality FROM ("
        f"{_SELECT} WHERE valid_on <= ? AND superseded_at IS NULL) f"
        " JOIN partnerships p ON p.id = f.partnership_id WHERE " + " AND ".join(clauses),
        *params,
    )
    where: dict[UUID, tuple[str, str]] = {}
    for row in rows:
        where[UUID(str(row["partnership_id"]))] = (
            str(row["partnership_title"]),
            str(row["municipality"]),
        )
    found = []
    for view in fold(map(_fact, rows), day):
        title, town = where[view.partnership_id]
        searchable = "\n".join((view.title, view.description, view.target_group, view.arena, title))
        if (
            view.status in OPEN_STATUSES
            and _contains(view.target_group, target_group)
            and _contains(view.arena, arena)
            and _contains(searchable, text)
        ):
            found.append((town, title, view))
    found.sort(key=lambda t: (t[0], t[1], t[2].title, str(t[2].activity_id)))
    views = [view for _, _, view in found[:limit]]
    await _with_owner_names(store, views)
    return [
        Offer(
            partnership_id=view.partnership_id,
            partnership_title=where[view.partnership_id][0],
            municipality=where[view.partnership_id][1],
            activity_id=view.activity_id,
            title=view.title,
            description=view.description,
            target_group=view.target_group,
            arena=view.arena,
            status=view.status,
            status_label=view.status_label,
            status_since=view.status_since,
            owner_ids=view.owner_ids,
            owner_names=view.owner_names,
        )
        for view in views
    ]
