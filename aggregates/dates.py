"""Which dates the registry accepts: facts up to today, plans up to a horizon.

A fact is a date something happened: the valid date of a change (`valid_on`: a meeting,
a signature, a milestone, a follow-up's count), or a corrected valid date. It lies from
1900-01-01 up to today. "Today" is today anywhere on Earth (UTC+14), so a client a few
hours ahead of the server is not refused.

A plan is a date that may lie ahead: a partnership's period, an agreement's validity, a
follow-up's due date. It lies from 1900-01-01 up to the planning horizon: today plus
`plan_horizon_years()` years (`TVAERS_PLAN_HORIZON_YEARS`, default 50; the service
layer sets it at start-up with `set_plan_horizon`).

The domain derives some events dated in the future itself (a rung lift when a signed
agreement's validity starts later): those carry a `Meta` made with `Meta.scheduled`, a
plan, not a fact.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from aggregates.errors import DateOutOfRange

EARLIEST = date(1900, 1, 1)
DEFAULT_PLAN_HORIZON_YEARS = 50
_horizon_years = DEFAULT_PLAN_HORIZON_YEARS

# Date fields of events (by name) that record something that happened.
FACT_FIELDS: frozenset[str] = frozenset({"corrected_valid_on"})


def set_plan_horizon(years: int) -> None:
    """How many years ahead a plan may reach (process-wide; from the settings)."""
    global _horizon_years  # noqa: PLW0603 - one setting of the process, set at start-up
    if not 1 <= years <= 1000:
        raise ValueError(f"The planning horizon must be 1-1000 years, got {years}.")
    _horizon_years = years


def plan_horizon_years() -> int:
    return _horizon_years


def latest_fact() -> date:
    """Today, where it is latest (UTC+14)."""
    return (datetime.now(UTC) + timedelta(hours=14)).date()


def latest_plan() -> date:
    today = latest_fact()
    try:
        return today.replace(year=today.year + _horizon_years)
    except ValueError:  # 29 February
        return today.replace(year=today.year + _horizon_years, day=28)


def check_fact(day: date, field: str) -> date:
    """`day` if it is a fact's date (1900-01-01 up to today); DateOutOfRange otherwise."""
    latest = latest_fact()
    if not EARLIEST <= day <= latest:
        raise DateOutOfRange(
            f"{field} is a date something happened: from {EARLIEST} up to today "
            f"({latest}), got {day}.",
            field=field,
            kind="fact",
        )
    return day


def check_plan(day: date, field: str) -> date:
    """`day` if it is a plan's date (1900-01-01 up to the horizon); DateOutOfRange otherwise."""
    latest = latest_plan()
    if not EARLIEST <= day <= latest:
        raise DateOutOfRange(
            f"{field} must lie from {EARLIEST} up to {latest} "
            f"({_horizon_years} years ahead), got {day}.",
            field=field,
            kind="plan",
        )
    return day


def check_date(name: str, day: date, *, path: str | None = None) -> date:
    """A date of an event checked by its field's name: a fact, or else a plan."""
    where = name if path is None else path
    return check_fact(day, where) if name in FACT_FIELDS else check_plan(day, where)
