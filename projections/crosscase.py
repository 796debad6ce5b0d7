"""Cross-case tables over a set of partnerships, like the mastercase figures.

- which municipal departments (forvaltninger) and which kinds of external partner take
  part in each partnership on a date (the lead organisation counts, and is marked);
- the highest rung any partner reached, ever up to the date;
- the anchoring dimensions that reached "anchored" by the date;
- per dimension, the median number of days from a partnership's start (the registry's
  period start, else the valid date of its registration) to its first "anchored"
  milestone on that dimension;
- the promoting factors and barriers recorded (valid) by the date, among the partnerships
  that anchored and among those that did not: a partnership counts as anchored when it
  reached "anchored" on the chosen dimension by the date (`anchored_on`, default
  operations: the project became part of ordinary operations), or on any dimension
  (`anchored_on=any`). Per factor kind (origin and effect) and per factor (the same
  description, ignoring case and spacing), how many partnerships of each group recorded
  it and their share of the group.
- where the factors came from: per effect and kind of event a factor is linked to (a role
  vacated, a partner leaving, a decision, ...), how many partnerships of each group
  recorded one; each factor row also names the kinds of event it is linked to.

The queries fetch plain rows; `tabulate` computes the tables in Python (pure).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from typing import Any
from uuid import UUID

import msgspec

from aggregates.dates import today as today_in_denmark
from aggregates.taxonomy import (
    AnchoringStatus,
    Dimension,
    FactorEffect,
    FactorOrigin,
    Rung,
    Sector,
    SectorGroup,
)
from projections.access import Visibility
from projections.helpers import marks
from projections.history import event_name
from projections.search import CURRENT_PARTNERS
from projections.store import ReadStore

# -- rows fetched from the views -----------------------------------------------------------


@dataclass(frozen=True)
class CaseRow:
    id: UUID
    title: str
    municipality: str
    lead_organisation_id: UUID
    lead_sector: Sector
    start: date  # period start, else the registration's valid date


@dataclass(frozen=True)
class PartnerRow:
    partnership_id: UUID
    organisation_id: UUID
    sector: Sector


@dataclass(frozen=True)
class FactorRecord:
    partnership_id: UUID
    origin: FactorOrigin
    effect: FactorEffect
    description: str
    # the kinds (event class names) of the partnership's events it is linked to
    linked_kinds: tuple[str, ...] = ()


@dataclass(frozen=True)
class CaseData:
    """Everything `tabulate` needs, fetched for one date."""

    as_of: date
    cases: list[CaseRow]
    partners: list[PartnerRow]  # partners on as_of, the lead not included
    highest_rungs: dict[UUID, int]  # ever, up to as_of
    first_anchored: dict[tuple[UUID, Dimension], date]  # first "anchored" milestone
    factors: list[FactorRecord] = field(default_factory=list)  # valid by as_of


def _scope(column: str, visible: Visibility, ids: Sequence[UUID] | None) -> tuple[str, list[Any]]:
    """SQL (" AND ...") keeping rows of the partnerships named (all when None) that the
    caller may see."""
    visible_sql, visible_params = visible.clause(column)
    sql, params = f" AND {visible_sql}", list(visible_params)
    if ids is not None:
        sql += f" AND {column} IN ({marks(ids)})"
        params.extend(ids)
    return sql, params


def _date(value: Any) -> date:
    return msgspec.convert(value, date, strict=False)


async def fetch(
    store: ReadStore,
    *,
    visible: Visibility,
    partnership_ids: Sequence[UUID] | None = None,
    as_of: date | None = None,
) -> CaseData:
    """The rows for the partnerships named (all when None) that were registered by `as_of`
    and are `visible` to the caller."""
    day = as_of or today_in_denmark()
    ids = list(dict.fromkeys(partnership_ids)) if partnership_ids is not None else None
    if ids is not None and not ids:
        return CaseData(as_of=day, cases=[], partners=[], highest_rungs={}, first_anchored={})
    scope, scope_params = _scope("p.id", visible, ids)
    rows = await store.fetch(
        "SELECT p.id, p.title, p.municipality, p.lead_organisation_id, o.sector AS lead_sector,"
        " p.period_start, r.registered_on FROM partnerships p"
        " JOIN partnership_registrations r ON r.partnership_id = p.id"
        " JOIN dir_organisations o ON o.id = p.lead_organisation_id"
        f" WHERE r.registered_on <= ?{scope} ORDER BY p.municipality, p.title, p.id",
        day,
        *scope_params,
    )
    cases = [
        CaseRow(
            id=UUID(str(r["id"])),
            title=str(r["title"]),
            municipality=str(r["municipality"]),
            lead_organisation_id=UUID(str(r["lead_organisation_id"])),
            lead_sector=Sector(r["lead_sector"]),
            start=_date(r["period_start"] or r["registered_on"]),
        )
        for r in rows
    ]
    case_ids = [c.id for c in cases]
    if not case_ids:
        return CaseData(as_of=day, cases=[], partners=[], highest_rungs={}, first_anchored={})
    # All partnerships: no list of ids in the SQL (it could outgrow the parameter limits).
    in_cases, scoped = _scope("f.partnership_id", visible, case_ids if ids is not None else None)
    partners = [
        PartnerRow(
            partnership_id=UUID(str(r["partnership_id"])),
            organisation_id=UUID(str(r["organisation_id"])),
            sector=Sector(r["sector"]),
        )
        for r in await store.fetch(
            "SELECT cp.partnership_id, cp.organisation_id, o.sector FROM ("
            + CURRENT_PARTNERS.format(where=in_cases)
            + ") cp JOIN dir_organisations o ON o.id = cp.organisation_id",
            day,
            *scoped,
        )
    ]
    highest = {
        UUID(str(r["partnership_id"])): int(r["highest"])
        for r in await store.fetch(
            "SELECT f.partnership_id, max(f.rung) AS highest FROM ladder_facts f"
            " WHERE f.valid_on <= ? AND f.superseded_at IS NULL AND f.rung IS NOT NULL"
            f"{in_cases} GROUP BY f.partnership_id",
            day,
            *scoped,
        )
    }
    first_anchored = {
        (UUID(str(r["partnership_id"])), Dimension(r["dimension"])): _date(r["first_on"])
        for r in await store.fetch(
            "SELECT f.partnership_id, f.dimension, min(f.valid_on) AS first_on"
            " FROM milestone_facts f WHERE f.status = ? AND f.valid_on <= ?"
            f" AND f.superseded_at IS NULL{in_cases} GROUP BY f.partnership_id, f.dimension",
            AnchoringStatus.ANCHORED,
            day,
            *scoped,
        )
    }
    kinds: dict[str, list[str]] = {}
    for r in await store.fetch(
        # the kind of each event a factor is linked to (the audit view names it)
        "SELECT l.factor_id, a.kind FROM factor_event_links l JOIN factors f"
        " ON f.factor_id = l.factor_id JOIN audit_log a ON a.aggregate_id = l.partnership_id"
        " AND a.version = l.event_version"
        f" WHERE f.valid_on <= ?{in_cases} ORDER BY l.event_version",
        day,
        *scoped,
    ):
        kinds.setdefault(str(r["factor_id"]), []).append(str(r["kind"]))
    factors = [
        FactorRecord(
            partnership_id=UUID(str(r["partnership_id"])),
            origin=FactorOrigin(r["origin"]),
            effect=FactorEffect(r["effect"]),
            description=str(r["description"]),
            linked_kinds=tuple(dict.fromkeys(kinds.get(str(r["factor_id"]), []))),
        )
        for r in await store.fetch(
            "SELECT f.factor_id, f.partnership_id, f.origin, f.effect, f.description"
            f" FROM factors f WHERE f.valid_on <= ?{in_cases}"
            " ORDER BY f.valid_on, f.recorded_at, f.factor_id",
            day,
            *scoped,
        )
    ]
    return CaseData(
        as_of=day,
        cases=cases,
        partners=partners,
        highest_rungs=highest,
        first_anchored=first_anchored,
        factors=factors,
    )


# -- the tables (pure) ---------------------------------------------------------------------


class CaseColumn(msgspec.Struct, kw_only=True):
    """One partnership: a column of the sector tables, a row of the others."""

    id: UUID
    title: str
    municipality: str
    start: date
    highest_rung: Rung | None
    highest_rung_label: str | None
    anchored: list[Dimension]


class SectorRow(msgspec.Struct, kw_only=True):
    """Which partnerships have a partner of this sector on the date (figures 1 and 2)."""

    sector: Sector
    label: str
    partnerships: list[UUID]  # in the order of `CrossCase.partnerships`
    lead_in: list[UUID]  # those where the lead organisation is of this sector
    count: int
    # How many organisations of this sector take part in each partnership, the lead
    # included: one number per partnership, in the order of `CrossCase.partnerships`.
    organisations: list[int]


class RungRow(msgspec.Struct, kw_only=True):
    rung: Rung
    label: str
    partnerships: list[UUID]  # whose highest rung reached is this one
    count: int


class CaseDays(msgspec.Struct, kw_only=True):
    partnership_id: UUID
    anchored_on: date
    days: int  # from the partnership's start; negative if anchored before it started


class DimensionRow(msgspec.Struct, kw_only=True):
    dimension: Dimension
    label: str
    partnerships: list[UUID]  # that reached "anchored" on this dimension by the date
    count: int
    median_days: float | None  # from start to the first "anchored" milestone
    days: list[CaseDays]


class AnchoredOn(str, Enum):
    """Which partnerships count as anchored when factors are compared: those that reached
    "anchored" on this dimension by the date, or on any dimension (`any`)."""

    ANY = "any"
    POLITICAL = "political"
    MANAGEMENT = "management"
    OPERATIONS = "operations"
    METHOD = "method"
    CULTURE = "culture"
    RELATIONS = "relations"
    CITIZENS = "citizens"

    @property
    def dimension(self) -> Dimension | None:
        return None if self is AnchoredOn.ANY else Dimension(self.value)


class FactorKindRow(msgspec.Struct, kw_only=True):
    """A kind of factor (origin and effect): how many partnerships of each group recorded one."""

    effect: FactorEffect
    effect_label: str
    origin: FactorOrigin
    origin_label: str
    anchored_count: int
    anchored_share: float | None  # of the anchored group (None: the group is empty)
    not_anchored_count: int
    not_anchored_share: float | None
    total_count: int


class FactorRow(msgspec.Struct, kw_only=True):
    """One factor (the same description, origin and effect in several partnerships)."""

    effect: FactorEffect
    effect_label: str
    origin: FactorOrigin
    origin_label: str
    description: str  # as first recorded
    anchored_count: int
    anchored_share: float | None
    not_anchored_count: int
    not_anchored_share: float | None
    total_count: int
    partnerships: list[UUID]  # that recorded it, in the order of `CrossCase.partnerships`
    # the kinds of event it is linked to in any of them (event class names), and in words
    linked_kinds: list[str] = msgspec.field(default_factory=list)
    linked_to: list[str] = msgspec.field(default_factory=list)


class FactorSourceRow(msgspec.Struct, kw_only=True):
    """Where factors came from: factors of this effect linked to events of this kind (a
    role vacated, a partner leaving, ...), how many partnerships of each group had one."""

    effect: FactorEffect
    effect_label: str
    kind: str  # the event class name, as the history's `kind`
    kind_label: str  # in Danish words ("rolle ledig")
    anchored_count: int
    anchored_share: float | None
    not_anchored_count: int
    not_anchored_share: float | None
    total_count: int


class CrossCase(msgspec.Struct, kw_only=True):
    as_of: date
    partnerships: list[CaseColumn]
    municipal: list[SectorRow]  # municipal departments (forvaltninger)
    external: list[SectorRow]  # kinds of external partner
    rungs: list[RungRow]
    dimensions: list[DimensionRow]
    anchored_on: AnchoredOn  # what "anchored" means in the factor tables
    anchored_group: list[UUID]
    not_anchored_group: list[UUID]
    factor_kinds: list[FactorKindRow]  # every origin and effect, promoting first
    factors: list[FactorRow]  # most frequent first
    # per effect and kind of event the factors are linked to, most frequent first
    factor_sources: list[FactorSourceRow] = msgspec.field(default_factory=list)


def _share(count: int, size: int) -> float | None:
    return round(count / size, 3) if size else None


def _factor_key(record: FactorRecord) -> tuple[FactorEffect, FactorOrigin, str]:
    return (record.effect, record.origin, " ".join(record.description.split()).casefold())


_EFFECTS = (FactorEffect.PROMOTING, FactorEffect.BARRIER)
_ORIGINS = (FactorOrigin.EXTERNAL, FactorOrigin.INTERNAL)


def _factor_tables(
    data: CaseData, order: list[UUID], anchored_on: AnchoredOn
) -> tuple[list[UUID], list[UUID], list[FactorKindRow], list[FactorRow], list[FactorSourceRow]]:
    """The two groups, and the factor tables comparing them (pure)."""
    wanted = anchored_on.dimension
    reached = {pid for pid, dim in data.first_anchored if wanted is None or dim is wanted}
    anchored = [pid for pid in order if pid in reached]
    not_anchored = [pid for pid in order if pid not in reached]
    in_cases = set(order)
    records = [r for r in data.factors if r.partnership_id in in_cases]

    def counts(having: set[UUID]) -> dict[str, Any]:
        yes = sum(1 for pid in anchored if pid in having)
        no = sum(1 for pid in not_anchored if pid in having)
        return {
            "anchored_count": yes,
            "anchored_share": _share(yes, len(anchored)),
            "not_anchored_count": no,
            "not_anchored_share": _share(no, len(not_anchored)),
            "total_count": yes + no,
        }

    kinds = [
        FactorKindRow(
            effect=effect,
            effect_label=effect.label_da,
            origin=origin,
            origin_label=origin.label_da,
            **counts(
                {r.partnership_id for r in records if (r.effect, r.origin) == (effect, origin)}
            ),
        )
        for effect in _EFFECTS
        for origin in _ORIGINS
    ]
    first: dict[tuple[FactorEffect, FactorOrigin, str], FactorRecord] = {}
    having: dict[tuple[FactorEffect, FactorOrigin, str], set[UUID]] = {}
    linked: dict[tuple[FactorEffect, FactorOrigin, str], list[str]] = {}
    sources: dict[tuple[FactorEffect, str], set[UUID]] = {}
    for record in records:
        key = _factor_key(record)
        first.setdefault(key, record)
        having.setdefault(key, set()).add(record.partnership_id)
        linked.setdefault(key, []).extend(record.linked_kinds)
        for kind in record.linked_kinds:
            sources.setdefault((record.effect, kind), set()).add(record.partnership_id)
    rows = [
        FactorRow(
            effect=record.effect,
            effect_label=record.effect.label_da,
            origin=record.origin,
            origin_label=record.origin.label_da,
            description=" ".join(record.description.split()),
            partnerships=[pid for pid in order if pid in having[key]],
            linked_kinds=list(dict.fromkeys(linked[key])),
            linked_to=[event_name(k) for k in dict.fromkeys(linked[key])],
            **counts(having[key]),
        )
        for key, record in first.items()
    ]
    source_rows = [
        FactorSourceRow(
            effect=effect,
            effect_label=effect.label_da,
            kind=kind,
            kind_label=event_name(kind),
            **counts(pids),
        )
        for (effect, kind), pids in sources.items()
    ]
    source_rows.sort(
        key=lambda r: (-r.total_count, _EFFECTS.index(r.effect), r.kind_label.casefold())
    )
    rows.sort(
        key=lambda r: (
            -r.total_count,
            -r.anchored_count,
            _EFFECTS.index(r.effect),
            _ORIGINS.index(r.origin),
            r.description.casefold(),
        )
    )
    return anchored, not_anchored, kinds, rows, source_rows


def tabulate(data: CaseData, anchored_on: AnchoredOn = AnchoredOn.OPERATIONS) -> CrossCase:
    """The cross-case tables from fetched rows. Every sector, rung and dimension gets a row."""
    order = [c.id for c in data.cases]
    sectors_of: dict[UUID, set[Sector]] = {c.id: {c.lead_sector} for c in data.cases}
    members: dict[tuple[UUID, Sector], set[UUID]] = {
        (c.id, c.lead_sector): {c.lead_organisation_id} for c in data.cases
    }
    for partner in data.partners:
        if partner.partnership_id in sectors_of:
            sectors_of[partner.partnership_id].add(partner.sector)
            key = (partner.partnership_id, partner.sector)
            members.setdefault(key, set()).add(partner.organisation_id)
    lead_sector = {c.id: c.lead_sector for c in data.cases}

    def sector_row(sector: Sector) -> SectorRow:
        having = [pid for pid in order if sector in sectors_of[pid]]
        return SectorRow(
            sector=sector,
            label=sector.label_da,
            partnerships=having,
            lead_in=[pid for pid in order if lead_sector[pid] is sector],
            count=len(having),
            organisations=[len(members.get((pid, sector), ())) for pid in order],
        )

    anchored_by_case: dict[UUID, list[Dimension]] = {pid: [] for pid in order}
    for dimension in Dimension:
        for pid in order:
            if (pid, dimension) in data.first_anchored:
                anchored_by_case[pid].append(dimension)
    columns = []
    for case in data.cases:
        value = data.highest_rungs.get(case.id)
        rung = Rung(value) if value is not None else None
        columns.append(
            CaseColumn(
                id=case.id,
                title=case.title,
                municipality=case.municipality,
                start=case.start,
                highest_rung=rung,
                highest_rung_label=rung.label_da if rung is not None else None,
                anchored=anchored_by_case[case.id],
            )
        )
    rungs = []
    for rung in Rung:
        reached = [pid for pid in order if data.highest_rungs.get(pid) == rung.value]
        rungs.append(
            RungRow(rung=rung, label=rung.label_da, partnerships=reached, count=len(reached))
        )
    start = {c.id: c.start for c in data.cases}
    dimensions = []
    for dimension in Dimension:
        days = [
            CaseDays(
                partnership_id=pid,
                anchored_on=data.first_anchored[(pid, dimension)],
                days=(data.first_anchored[(pid, dimension)] - start[pid]).days,
            )
            for pid in order
            if (pid, dimension) in data.first_anchored
        ]
        dimensions.append(
            DimensionRow(
                dimension=dimension,
                label=dimension.label_da,
                partnerships=[d.partnership_id for d in days],
                count=len(days),
                median_days=float(statistics.median(d.days for d in days)) if days else None,
                days=days,
            )
        )
    anchored, not_anchored, factor_kinds, factors, sources = _factor_tables(
        data, order, anchored_on
    )
    return CrossCase(
        as_of=data.as_of,
        partnerships=columns,
        municipal=[sector_row(s) for s in Sector if s.group is SectorGroup.MUNICIPAL],
        external=[sector_row(s) for s in Sector if s.group is SectorGroup.EXTERNAL],
        rungs=rungs,
        dimensions=dimensions,
        anchored_on=anchored_on,
        anchored_group=anchored,
        not_anchored_group=not_anchored,
        factor_kinds=factor_kinds,
        factors=factors,
        factor_sources=sources,
    )


async def crosscase(
    store: ReadStore,
    *,
    visible: Visibility,
    partnership_ids: Sequence[UUID] | None = None,
    as_of: date | None = None,
    anchored_on: AnchoredOn = AnchoredOn.OPERATIONS,
) -> CrossCase:
    """The cross-case tables for the partnerships named (all when None) on `as_of`, of
    those `visible` to the caller; `anchored_on` sets the groups the factors compare."""
    return tabulate(
        await fetch(store, visible=visible, partnership_ids=partnership_ids, as_of=as_of),
        anchored_on,
    )
