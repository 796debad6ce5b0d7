"""Which dates the registry accepts: facts up to today, plans up to a horizon.

A fact is a date something happened: the valid date of a change (`valid_on`: a meeting,
a signature, a ladder move, a milestone, a follow-up's count), or a corrected valid date.
It lies from 1900-01-01 up to today. "Today" is today in Denmark (Europe/Copenhagen),
the registry's only time zone, or the server's own date if that is later (so the default
valid date, `date.today()`, is always accepted). Tomorrow is a plan, never a fact.

The one gate: every event's fields pass `aggregates.base.checked_fields`, where
`valid_on` is a fact unless the domain scheduled the change itself (`Meta.scheduled`),
and every field named in FACT_FIELDS is a fact.

A plan is a date that may lie ahead: a partnership's period, an agreement's validity, a
follow-up's due date. It lies from 1900-01-01 up to the planning horizon: today plus
`plan_horizon_years()` years (`TVAERS_PLAN_HORIZON_YEARS`, default 50; the service
layer sets it at start-up with `set_plan_horizon`).

The domain derives some events dated in the future itself (a rung lift when a signed
agreement's validity starts later): those carry a `Meta` made with `Meta.scheduled`, a
plan, not a fact.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from aggregates.errors import DateOutOfRange

EARLIEST = date(1900, 1, 1)
DENMARK = ZoneInfo("Europe/Copenhagen")
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


# The one clock of the process (ADR 0015): every "now" and "today" of the registry is read
# through `now()` / `today()`, so a test can freeze it (`freeze`) and every view, rule and
# job sees the same moment.
_frozen_at: datetime | None = None


def freeze(at: datetime | None) -> None:
    """Stop the clock at `at` (an aware time), or let it run again (None). For tests."""
    global _frozen_at  # noqa: PLW0603 - the process's one clock, frozen by tests only
    if at is not None and at.utcoffset() is None:
        raise ValueError("Freeze the clock at an aware time (with its zone).")
    _frozen_at = at


def now() -> datetime:
    """The time now, in UTC (aware)."""
    return _frozen_at.astimezone(UTC) if _frozen_at is not None else datetime.now(UTC)


def today() -> date:
    """Today in Denmark: the date every view, rule and job takes as "today"."""
    return now().astimezone(DENMARK).date()


def latest_fact() -> date:
    """The latest date of a fact: today in Denmark (or the server's date, if later)."""
    return max(today(), date.today())


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
            da="Datoen {day} ligger efter i dag ({latest}): det, der er sket, kan tidligst "
            "dateres 01.01.1900 og senest i dag."
            if day > latest
            else "Datoen {day} ligger før 01.01.1900.",
            field=field,
            kind="fact",
            day=day,
            latest=latest,
        )
    return day


def check_plan(day: date, field: str) -> date:
    """`day` if it is a plan's date (1900-01-01 up to the horizon); DateOutOfRange otherwise."""
    latest = latest_plan()
    if not EARLIEST <= day <= latest:
        raise DateOutOfRange(
            f"{field} must lie from {EARLIEST} up to {latest} "
            f"({_horizon_years} years ahead), got {day}.",
            da="Datoen {day} ligger uden for det mulige: en planlagt dato ligger mellem "
            "01.01.1900 og {latest} ({years} år frem).",
            field=field,
            kind="plan",
            day=day,
            latest=latest,
            years=_horizon_years,
        )
    return day


def check_date(name: str, day: date, *, path: str | None = None) -> date:
    """A date of an event checked by its field's name: a fact, or else a plan."""
    where = name if path is None else path
    return check_fact(day, where) if name in FACT_FIELDS else check_plan(day, where)


# -- Danish dates and times (issue 15): the one way every Danish text writes them ------------
# The web UI's Jinja filters (`danish_date`, `danish_time`), the story documents and the
# exports' Danish sheets call these. Times are Danish time (Europe/Copenhagen, summer
# time included); a naive time is UTC (as the event store records it).


def in_denmark(value: datetime) -> datetime:
    """A moment as Danish local time (a naive value is taken as UTC)."""
    return (value if value.tzinfo is not None else value.replace(tzinfo=UTC)).astimezone(DENMARK)


def danish_date(value: date | datetime | str | None) -> str:
    """dd.mm.åååå (23.11.2026); ISO text accepted; a moment by its Danish date; "" for none."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if len(value) > 10 else date.fromisoformat(value)
    if isinstance(value, datetime):
        value = in_denmark(value).date()
    return value.strftime("%d.%m.%Y")


def danish_time(value: datetime | str | None, *, seconds: bool = False) -> str:
    """A moment in Danish time, dd.mm.åååå tt.mm (23.11.2026 07.45); "" for none."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return in_denmark(value).strftime("%d.%m.%Y %H.%M.%S" if seconds else "%d.%m.%Y %H.%M")


def danish_clock(value: datetime | str | None) -> str:
    """Only the time of day of a moment in Danish time (07.45); "" for none."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return in_denmark(value).strftime("%H.%M")


def from_danish_local(value: datetime) -> datetime:
    """A wall-clock time typed in Denmark (no zone) as an aware moment (in UTC); an aware
    value is kept. Summer time is honoured; in the hour repeated when clocks go back
    (02.00-03.00 on the last Sunday of October) the first, summer-time, reading is taken;
    a time that does not exist (02.00-03.00 on the last Sunday of March) is taken an hour
    later, as the clock then shows it."""
    if value.tzinfo is not None:
        return value
    # fold=0: the first reading of a repeated hour; in the gap zoneinfo applies the offset
    # before the change (02.30 in March is 01.30 UTC, which the clock shows as 03.30).
    # The moment in UTC: an aware time inside the repeated hour never compares equal to
    # another zone's (PEP 495), so moments are kept in UTC and shown in Danish time.
    return value.replace(tzinfo=DENMARK, fold=0).astimezone(UTC)
