"""Domain errors: every broken rule raises one of these, each with a stable code.

Each carries two wordings of the same refusal: `detail`, the English text the API
returns, and `da`, a Danish sentence template whose `{placeholders}` are filled from
`facts` (the same facts the English names: organisations, persons and agreements by
UUID, dates, rungs, seats). The web UI renders `da` with UUIDs as names, dates as
dd.mm.åååå and enums by their Danish label (api/ui/refusals.py). A test makes sure
every raise in aggregates/ and services/ gives a `da` whose placeholders are facts
(tests/unit/test_danish_errors.py).
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A rule of the domain was broken; nothing was changed.

    `code` is stable and becomes the problem-details `type` suffix in the API.
    """

    code = "domain-error"
    title = "Domain rule violated"

    def __init__(self, detail: str, *, da: str | None = None, **facts: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.da = da
        self.facts: dict[str, Any] = facts


class NotFound(DomainError):
    code = "not-found"
    title = "Not found"


class AlreadyExists(DomainError):
    code = "already-exists"
    title = "That id is already in use"


class InvalidValue(DomainError):
    code = "invalid-value"
    title = "Invalid value"


class InconsistentDates(DomainError):
    code = "inconsistent-dates"
    title = "Dates are inconsistent"


class NotAPartner(DomainError):
    code = "not-a-partner"
    title = "Organisation is not a partner"


class AlreadyAPartner(DomainError):
    code = "already-a-partner"
    title = "Organisation is already a partner"


class LeadOrganisationRule(DomainError):
    code = "lead-organisation"
    title = "Not allowed for the lead organisation"


class RungNotBacked(DomainError):
    code = "rung-not-backed"
    title = "Rung requires an agreement in force"


class NoChange(DomainError):
    code = "no-change"
    title = "Nothing would change"


class SeatOccupied(DomainError):
    code = "seat-occupied"
    title = "Seat is already occupied"


class NotOnSteeringGroup(DomainError):
    code = "not-on-steering-group"
    title = "Person is not on the steering group"


class AlreadyOnSteeringGroup(DomainError):
    code = "already-on-steering-group"
    title = "Person is already on the steering group"


class NoSteeringGroup(DomainError):
    code = "no-steering-group"
    title = "The partnership has no steering group"


class SecretariatRule(DomainError):
    code = "secretariat"
    title = "Secretariat rule violated"


class ActivityStateError(DomainError):
    code = "activity-state"
    title = "Not allowed in the activity's current status"


class ActivityEnded(ActivityStateError):
    code = "activity-ended"
    title = "The activity has ended"


class RoleStateError(DomainError):
    code = "role-state"
    title = "Not allowed in the role's current state"


class AgreementStateError(DomainError):
    code = "agreement-state"
    title = "Not allowed in the agreement's current status"


class NotAParty(DomainError):
    code = "not-a-party"
    title = "Organisation is not a party to the agreement"


class AlreadySigned(DomainError):
    code = "already-signed"
    title = "Party has already signed"


class NotCorrectable(DomainError):
    code = "not-correctable"
    title = "That event cannot be corrected this way"


class OrganisationClosed(DomainError):
    code = "organisation-closed"
    title = "The organisation is closed"


class PersonErased(DomainError):
    code = "person-erased"
    title = "The person's data has been erased"


class FollowUpStateError(DomainError):
    code = "follow-up-state"
    title = "Follow-up rule violated"


class AccessRuleBroken(DomainError):
    code = "access-rule"
    title = "Access rule broken"


class AnnotationStateError(DomainError):
    code = "annotation-state"
    title = "Not allowed in the note's current status"


class NotTheAuthor(DomainError):
    code = "not-author"
    title = "Only the note's author may do this"


class TextRefused(InvalidValue):
    """A text value holds characters no text may hold (control characters, bidi
    overrides, ...), a line break in a one-line field, nothing visible, or a link of
    another kind than http, https or mailto (aggregates/text.py). `field` names the
    field, `reason` says why (a `text.Refusal` code)."""

    code = "invalid-text"
    title = "Text not accepted"

    def __init__(
        self, detail: str, *, field: str, reason: str, da: str | None = None, **facts: Any
    ) -> None:
        super().__init__(detail, da=da, field=field, reason=reason, **facts)
        self.field = field
        self.reason = reason


class DateOutOfRange(InvalidValue):
    """A date outside what the registry accepts (aggregates/dates.py): a fact (something
    that happened) from 1900-01-01 to today, a plan from 1900-01-01 to the planning
    horizon. `field` names the field, `kind` is "fact" or "plan"."""

    code = "date-out-of-range"
    title = "Date out of range"

    def __init__(
        self, detail: str, *, field: str, kind: str, da: str | None = None, **facts: Any
    ) -> None:
        super().__init__(detail, da=da, field=field, kind=kind, **facts)
        self.field = field
        self.kind = kind
