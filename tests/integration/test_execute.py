"""`Tvaers.execute`: a command and its envelope, run from the one table (ADR 0014)."""

from __future__ import annotations

from datetime import date

import msgspec
import pytest

from aggregates.taxonomy import Rung
from services.application import Tvaers
from services.commands import Command, Envelope, Idempotency, MoveOnLadder
from services.errors import StaleVersion
from tests.integration.conftest import World, meta, refused


def _move(world: World, rung: Rung = Rung.MUTUAL_REFERRAL) -> MoveOnLadder:
    return MoveOnLadder(
        partnership_id=world.partnership_id,
        organisation_id=world.a,
        rung=rung,
        evidence="Henvisninger",
    )


def test_a_command_runs_with_the_envelopes_metadata(app: Tvaers, world: World) -> None:
    before = app.get_partnership(world.partnership_id).version
    result = app.execute(_move(world), Envelope(meta(date(2024, 3, 1), reason="Møde")))
    assert (result.aggregate_id, result.version, result.replayed) == (
        world.partnership_id,
        before + 1,
        False,
    )
    event = app.partnership_events(world.partnership_id)[-1]
    assert type(event).__name__ == "RungChanged"
    assert (event.valid_on, event.reason) == (date(2024, 3, 1), "Møde")  # type: ignore[attr-defined]
    assert app.get_partnership(world.partnership_id).rung_of(world.a) is Rung.MUTUAL_REFERRAL


def test_the_expected_version_is_checked(app: Tvaers, world: World) -> None:
    current = app.get_partnership(world.partnership_id).version
    with refused(app, StaleVersion):
        app.execute(_move(world), Envelope(meta(), expected_version=current - 1))
    assert app.execute(_move(world), Envelope(meta(), expected_version=current)).version == (
        current + 1
    )


def test_a_retry_with_the_same_key_gets_the_first_result_and_writes_nothing(
    app: Tvaers, world: World
) -> None:
    key = Idempotency(actor="tovholder@svendborg.dk", key="k-1", fingerprint="f")
    first = app.execute(_move(world), Envelope(meta(), idempotency=key))
    written = app.max_notification_id()
    again = app.execute(_move(world), Envelope(meta(), idempotency=key))
    assert again.replayed
    assert not first.replayed
    assert (again.aggregate_id, again.version) == (first.aggregate_id, first.version)
    assert app.max_notification_id() == written


def test_a_command_without_a_row_is_refused(app: Tvaers) -> None:
    class Unknown(Command, frozen=True, kw_only=True):
        """Not in the table."""

    with pytest.raises(TypeError, match="No handler for Unknown"):
        app.execute(Unknown(), Envelope(meta()))
    assert msgspec.structs.fields(Unknown) == ()
