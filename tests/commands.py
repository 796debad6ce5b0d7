"""Running a command in tests: `execute(app, MoveOnLadder(...), meta(day))`.

The application runs commands (services/commands.py) with their metadata in an envelope;
this spells the envelope for the common case of a test.
"""

from __future__ import annotations

from aggregates import Meta
from services.application import CommandResult, Tvaers
from services.commands import Command, Envelope


def execute(
    app: Tvaers,
    command: Command,
    meta: Meta,
    *,
    expected_version: int | None = None,
    base_version: int | None = None,
) -> CommandResult:
    return app.execute(
        command, Envelope(meta, expected_version=expected_version, base_version=base_version)
    )
