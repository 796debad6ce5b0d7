"""The constrained field types of the commands (services/commands.py), declared once.

The API's request bodies are derived from the commands, and the web forms convert their
fields into the same commands, so a rule here refuses a value the same way in both: a
400 problem naming the field in the API, the Danish message next to the field in the UI.
The text patterns are aggregates/text.py's (the one definition the domain holds every
write to), the CVR pattern aggregates/organisation.py's.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Literal
from uuid import UUID

import msgspec

from aggregates.municipalities import MUNICIPALITIES
from aggregates.organisation import CVR_PATTERN
from aggregates.text import EMAIL_PATTERN, LINK_PATTERN, MULTI_LINE_PATTERN, ONE_LINE_PATTERN

# Every text field says which text it accepts: one line, or several; no control
# characters, bidi overrides, separators or byte order marks; something visible unless empty.
_ONE_LINE = (
    "One line of text: no control characters, tabs or line breaks, bidi overrides or "
    "isolates, U+2028/U+2029 or U+FEFF, and a visible character unless empty."
)
_MULTI_LINE = (
    "Text, line breaks and tabs allowed: no other control characters, bidi overrides or "
    "isolates, U+2028/U+2029 or U+FEFF, and a visible character unless empty."
)
_LINK = "A link starting with http://, https:// or mailto: (or empty)."
_EMAIL = "An e-mail address: a name, @ and a domain, nothing invisible inside."
_CVR = "A CVR number: eight digits (0-9)."
Text = Annotated[str, msgspec.Meta(max_length=200, pattern=ONE_LINE_PATTERN, description=_ONE_LINE)]
Name = Annotated[
    str,
    msgspec.Meta(min_length=1, max_length=200, pattern=ONE_LINE_PATTERN, description=_ONE_LINE),
]
LongText = Annotated[
    str, msgspec.Meta(max_length=10_000, pattern=MULTI_LINE_PATTERN, description=_MULTI_LINE)
]
Items = Annotated[list[Text], msgspec.Meta(max_length=50)]
Bearing = Annotated[int, msgspec.Meta(ge=1, le=6)]
Amount = Decimal  # non-negative: checked by the domain (msgspec cannot bound decimals)
Reason = Annotated[
    str, msgspec.Meta(max_length=2_000, pattern=MULTI_LINE_PATTERN, description=_MULTI_LINE)
]
Ids = Annotated[list[UUID], msgspec.Meta(max_length=50)]
Count = Annotated[int, msgspec.Meta(ge=0, le=10_000_000)]
Version = Annotated[int, msgspec.Meta(ge=1, le=1_000_000_000)]
AnyRung = Annotated[int, msgspec.Meta(ge=1, le=6)]
JoinRung = Annotated[int, msgspec.Meta(ge=1, le=4)]  # a new partner starts at most on rung 4
Rating = Annotated[int, msgspec.Meta(ge=1, le=7)]
Score = Annotated[float, msgspec.Meta(ge=0, le=100)]  # a mean WHO-5 score (percent scale)
Link = Annotated[str, msgspec.Meta(max_length=2_000, pattern=LINK_PATTERN, description=_LINK)]
Phone = Annotated[str, msgspec.Meta(max_length=50, pattern=ONE_LINE_PATTERN, description=_ONE_LINE)]
# Stricter than the domain's check (which it implies): a malformed address is refused by
# the schema, so it never reaches a domain error message (and the log).
Email = Annotated[str, msgspec.Meta(max_length=254, pattern=EMAIL_PATTERN, description=_EMAIL)]
Cvr = Annotated[str, msgspec.Meta(pattern=CVR_PATTERN)]

# What each pattern means, in words: a refusal says this rather than the regex.
PATTERN_WORDS: dict[str, str] = {
    ONE_LINE_PATTERN: _ONE_LINE,
    MULTI_LINE_PATTERN: _MULTI_LINE,
    LINK_PATTERN: _LINK,
    EMAIL_PATTERN: _EMAIL,
    CVR_PATTERN: _CVR,
}

# A planned date: from 1900-01-01 up to the planning horizon (TVAERS_PLAN_HORIZON_YEARS).
Plan = Annotated[
    date,
    msgspec.Meta(
        description="A planned date: from 1900-01-01 up to the planning horizon "
        "(today plus TVAERS_PLAN_HORIZON_YEARS, default 50 years)."
    ),
]
# A date something happened: from 1900-01-01 up to today.
Fact = Annotated[
    date, msgspec.Meta(description="A date something happened: from 1900-01-01 up to today.")
]

# One of Denmark's 98 municipalities, spelt as aggregates/municipalities.py lists them
# (issue 16): a request naming another is refused (400, the field named), and the OpenAPI
# document lists the names. Only what is decoded is checked (API bodies, the web UI's
# forms): events stored before, imports and the domain keep any name. For mypy a str.
if TYPE_CHECKING:
    Municipality = str
else:
    Municipality = Annotated[
        Literal[MUNICIPALITIES],
        msgspec.Meta(description="One of Denmark's 98 municipalities, e.g. København, Ærø."),
    ]
