"""Cross-case tables over a set of partnerships, like the mastercase figures.

- which municipal departments (forvaltninger) and which kinds of external partner take
  part in each partnership on a date (the lead organisation counts, and is marked);
- the highest rung any partner reached, ever up to the date;
- the anchoring dimensions that reached "anchored" by the date;
- per dimension, the median number of days from a partnership's start (the registry's
  period start, else the valid date of its registration) to its first "anchored"
  milestone on that dimension.

The queries fetch plain rows; `tabulate` computes the tables in Python (pure).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

import msgspec

from aggregates.taxonomy import AnchoringStatus, Dimension, Rung, Sector, SectorGroup
from projections.access import Visibility
from projections.helpers import marks
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
class CaseData:
    """Everything `tabulate` needs, fetched for one date."""

    as_of: date
    cases: list[CaseRow]
    partners: list[PartnerRow]  # partners on as_of, the lead not included
    highest_rungs: dict[UUID, int]  # ever, up to as_of
    first_anchored: dict[tuple[UUID, Dimension], date]  # first "anchored" milestone


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
    day = as_of or date.today()
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
    return CaseData(
        as_of=day,
        cases=cases,
        partners=partners,
        highest_rungs=highest,
        first_anchored=first_anchored,
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


class CrossCase(msgspec.Struct, kw_only=True):
    as_of: date
    partnerships: list[CaseColumn]
    municipal: list[SectorRow]  # municipal departments (forvaltninger)
    external: list[SectorRow]  # kinds of external partner
    rungs: list[RungRow]
    dimensions: list[DimensionRow]


def tabulate(data: CaseData) -> CrossCase:
    """The cross-case tables from fetched rows. Every sector, rung and dimension gets a row."""
    order = [c.id for c in data.cases]
    sectors_of: dict[UUID, set[Sector]] = {c.id: {c.lead_sector} for c in data.cases}
    for partner in data.partners:
        if partner.partnership_id in sectors_of:
            sectors_of[partner.partnership_id].add(partner.sector)
    lead_sector = {c.id: c.lead_sector for c in data.cases}

    def sector_row(sector: Sector) -> SectorRow:
        having = [pid for pid in order if sector in sectors_of[pid]]
        return SectorRow(
            sector=sector,
            label=sector.label_da,
            partnerships=having,
            lead_in=[pid for pid in order if lead_sector[pid] is sector],
            count=len(having),
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
    return CrossCase(
        as_of=data.as_of,
        partnerships=columns,
        municipal=[sector_row(s) for s in Sector if s.group is SectorGroup.MUNICIPAL],
        external=[sector_row(s) for s in Sector if s.group is SectorGroup.EXTERNAL],
        rungs=rungs,
        dimensions=dimensions,
    )


async def crosscase(
    store: ReadStore,
    *,
    visible: Visibility,
    partnership_ids: Sequence[UUID] | None = None,
    as_of: date | None = None,
) -> CrossCase:
    """The cross-case tables for the partnerships named (all when None) on `as_of`, of
    those `visible` to the caller."""
    return tabulate(
        await fetch(store, visible=visible, partnership_ids=partnership_ids, as_of=as_of)
    )
