"""The one definition of acceptable text (aggregates/text.py), the dates the registry
accepts (aggregates/dates.py), and the gate that holds every event to both
(aggregates/base.py)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta
from uuid import uuid4

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from aggregates import Contact, Evidence, Meta, Organisation, Partnership, Person, Registry, dates
from aggregates.dates import (
    EARLIEST,
    latest_fact,
    latest_plan,
    plan_horizon_years,
    set_plan_horizon,
)
from aggregates.errors import DateOutOfRange, InvalidValue, TextRefused
from aggregates.taxonomy import AnchoringStatus, Dimension, Sector
from aggregates.text import (
    EMAIL_PATTERN,
    LINK_PATTERN,
    MULTI_LINE_PATTERN,
    ONE_LINE_PATTERN,
    Refusal,
    clean,
    clean_link,
    is_acceptable,
    refusal,
)

ACTOR = "tester@sundeborg.dk"

# Code points no accepted text may hold, in either kind of field.
NEVER = (
    {0x0000}
    | set(range(0x0001, 0x0009))
    | {0x000B, 0x000C}
    | set(range(0x000E, 0x0020))
    | set(range(0x007F, 0x00A0))
    | {0x2028, 0x2029}
    | set(range(0x202A, 0x202F))
    | set(range(0x2066, 0x206A))
    | set(range(0xD800, 0xE000))
    | {0xFEFF, 0xFFFE, 0xFFFF}
)
NOT_IN_ONE_LINE = NEVER | {0x09, 0x0A, 0x0D}

# Strings an attacker or a careless paste would send (finding 9 of issue 12).
HOSTILE = [
    ("a\x00b", Refusal.NUL),
    ("a\x01b", Refusal.CONTROL),
    ("a\x1b[31mb", Refusal.CONTROL),  # ESC
    ("a\x7fb", Refusal.CONTROL),  # DEL
    ("a\x85b", Refusal.CONTROL),  # NEXT LINE (C1)
    ("a\u2028b", Refusal.SEPARATOR),
    ("a\u2029b", Refusal.SEPARATOR),
    ("abc\u202edcba", Refusal.BIDI),  # right-to-left override
    ("a\u2066b\u2069", Refusal.BIDI),  # isolates
    ("\ufeffabc", Refusal.BYTE_ORDER_MARK),
    ("a\ud800b", Refusal.NONCHARACTER),
    ("a\uffffb", Refusal.NONCHARACTER),
    ("\u200b\u200c\u200d", Refusal.INVISIBLE),  # zero-width only
    ("\u3164", Refusal.INVISIBLE),  # Hangul filler
    ("\u2800\u00a0", Refusal.INVISIBLE),  # Braille blank, no-break space
    ("\U000e0041\U000e0042", Refusal.INVISIBLE),  # tag characters
    ("   ", Refusal.INVISIBLE),
]


@pytest.mark.parametrize(("value", "why"), HOSTILE)
@pytest.mark.parametrize("multi_line", [False, True])
def test_a_hostile_text_is_refused_with_its_reason_and_field(
    value: str, why: Refusal, multi_line: bool
) -> None:
    assert refusal(value, multi_line=multi_line) is not None
    with pytest.raises(TextRefused) as refused:
        clean(value, multi_line=multi_line, field="name")

    assert refused.value.reason == why
    assert refused.value.field == "name"
    assert refused.value.code == "invalid-text"
    assert isinstance(refused.value, InvalidValue)
    assert value not in refused.value.detail  # the value may be personal data


@pytest.mark.parametrize("value", ["a\nb", "a\r\nb", "a\rb", "a\tb", "abc\n"])
def test_a_one_line_field_refuses_line_breaks_and_tabs_a_multi_line_one_keeps_them(
    value: str,
) -> None:
    with pytest.raises(TextRefused) as refused:
        clean(value, multi_line=False)
    assert refused.value.reason == Refusal.LINE_BREAK

    kept = clean(value, multi_line=True)
    assert "\r" not in kept
    assert kept == value.replace("\r\n", "\n").replace("\r", "\n")


@pytest.mark.parametrize(
    "value",
    [
        "",
        "Sundeborg Idrætsforening",
        "Ærø — «citat» 😀",
        "مرحبا",  # right-to-left script is fine: only the overrides are refused
        "👨\u200d👩\u200d👧",  # zero-width joiners inside a visible text
        "🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",  # tag sequence
        "x\u00a0y",
    ],
)
def test_ordinary_text_is_accepted_unchanged(value: str) -> None:
    assert clean(value, multi_line=False) is value
    assert clean(value, multi_line=True) is value


def test_text_is_normalised_to_nfc() -> None:
    decomposed = "So\u0308ren A\u030arhus"  # ö, Å as letter + combining mark

    cleaned = clean(decomposed, multi_line=False)

    assert cleaned == "S\u00f6ren \u00c5rhus"
    assert unicodedata.is_normalized("NFC", cleaned)


@pytest.mark.parametrize(
    "link",
    ["https://sundeborg.dk/rapport.pdf", "http://x.dk", "HTTPS://X.DK", "mailto:a@b.dk", ""],
)
def test_a_web_or_mail_link_is_accepted(link: str) -> None:
    assert clean_link(link) == link
    assert re.search(LINK_PATTERN, link)


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(5)",
        "JavaScript:alert(5)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:x",
        "file:///etc/passwd",
        "//evil.example/x",
        "sundeborg.dk",
        "https://",
        "java\tscript:alert(1)",
        "https://x\u202e",
    ],
)
def test_any_other_link_is_refused(link: str) -> None:
    with pytest.raises(TextRefused) as refused:
        clean_link(link, field="evidence.link")

    assert refused.value.field == "evidence.link"
    assert re.search(LINK_PATTERN, link) is None


@pytest.mark.parametrize(
    ("email", "ok"),
    [
        ("", True),
        ("mette@sundeborg.dk", True),
        (" mette@sundeborg.dk ", True),
        ("   ", False),
        ("mette@sundeborg.dk\n", False),
        ("mette\u202e@sundeborg.dk", False),
        ("me tte@sundeborg.dk", False),
        ("@sundeborg.dk", False),
    ],
)
def test_the_email_pattern_refuses_hidden_characters(email: str, ok: bool) -> None:
    assert (re.search(EMAIL_PATTERN, email) is not None) is ok


# -- the definition as a property -----------------------------------------------------

# Every code point has a chance: the dangerous ones above all.
dangerous = st.sampled_from(sorted(NEVER | {0x09, 0x0A, 0x0D, 0x20, 0x200B, 0x3164}))
characters = st.one_of(
    st.characters(codec=None),
    st.characters(min_codepoint=0, max_codepoint=0x2FF),
    dangerous.map(chr),
)
texts = st.lists(characters, max_size=30).map("".join)


@given(value=texts, multi_line=st.booleans())
@example(value="abc\n", multi_line=False)
@example(value="\n", multi_line=True)
@example(value="\r\n", multi_line=True)
def test_any_string_is_refused_or_cleaned_to_a_fixed_point_without_forbidden_characters(
    value: str, multi_line: bool
) -> None:
    found = refusal(value, multi_line=multi_line)
    if found is not None:
        with pytest.raises(TextRefused, match=r"contains|has no|is one line"):
            clean(value, multi_line=multi_line)
        return
    cleaned = clean(value, multi_line=multi_line)
    forbidden = NEVER if multi_line else NOT_IN_ONE_LINE
    assert not {ord(c) for c in cleaned} & forbidden
    assert clean(cleaned, multi_line=multi_line) == cleaned  # passes again, unchanged
    assert unicodedata.is_normalized("NFC", cleaned)
    assert "\r" not in cleaned
    assert cleaned == "" or not cleaned.isspace()


# What JSON can carry: no lone surrogates (the published patterns leave them out).
json_texts = texts.filter(lambda v: not any(0xD800 <= ord(c) <= 0xDFFF for c in v))


@given(value=json_texts, multi_line=st.booleans())
@example(value="abc\n", multi_line=False)
@example(value="\n", multi_line=True)
@example(value="a\n", multi_line=True)
def test_the_schema_pattern_says_exactly_what_the_check_says(value: str, multi_line: bool) -> None:
    pattern = MULTI_LINE_PATTERN if multi_line else ONE_LINE_PATTERN

    assert (re.search(pattern, value) is not None) == is_acceptable(value, multi_line=multi_line)


# -- the gate: every string of every event ----------------------------------------------


def meta(**fields: object) -> Meta:
    return Meta(actor=ACTOR, valid_on=date(2024, 3, 1), **fields)  # type: ignore[arg-type]


def test_the_gate_refuses_a_hostile_string_in_any_event_naming_the_field() -> None:
    with pytest.raises(TextRefused) as refused:
        Organisation.register(name="Klub\x00", sector=Sector.SPORTS_CLUB, meta=meta())
    assert refused.value.field == "name"

    organisation = Organisation.register(name="Klub", sector=Sector.SPORTS_CLUB, meta=meta())
    with pytest.raises(TextRefused) as refused:
        organisation.rename("Klub\u202e", meta())
    assert refused.value.field == "name"
    with pytest.raises(TextRefused) as refused:
        organisation.rename("Klub 2", meta(reason="fordi\x1b"))
    assert refused.value.field == "reason"
    assert organisation.version == 1  # nothing happened


def test_the_gate_looks_inside_structs_and_lists() -> None:
    lead = uuid4()
    with pytest.raises(TextRefused) as refused:
        Partnership.register(
            registry=Registry(title="Bevæg dig", municipality="Sundeborg", tags=("ok", "a\u2028b")),
            lead_organisation_id=lead,
            meta=meta(),
        )
    assert refused.value.field == "tags[1]"  # the registry's fields are top-level fields

    with pytest.raises(TextRefused) as refused:
        Person.register(contact=Contact(name="\u200b"), organisation_id=lead, meta=meta())
    assert (refused.value.field, refused.value.reason) == ("name", Refusal.INVISIBLE)

    partnership = Partnership.register(
        registry=Registry(
            title="Bevæg dig", municipality="Sundeborg", purpose="Linje 1\r\nLinje 2"
        ),
        lead_organisation_id=lead,
        meta=meta(),
    )
    assert partnership.registry.purpose == "Linje 1\nLinje 2"  # normalised on the way in
    with pytest.raises(TextRefused) as refused:
        partnership.record_milestone(
            milestone_id=uuid4(),
            dimension=Dimension.METHOD,
            status=AnchoringStatus.STARTED,
            title="Værktøj",
            evidence=Evidence(text="Rapport", link="javascript:alert(5)"),
            meta=meta(),
        )
    assert (refused.value.field, refused.value.reason) == ("evidence.link", Refusal.LINK_SCHEME)


def test_the_gate_normalises_to_nfc() -> None:
    organisation = Organisation.register(
        name="A\u030arhus Roklub", sector=Sector.SPORTS_CLUB, meta=meta()
    )

    assert organisation.name == "Århus Roklub"
    assert organisation.pending_events[0].name == "Århus Roklub"  # type: ignore[attr-defined]


# -- dates: facts up to today, plans up to the horizon -----------------------------------


@pytest.mark.parametrize(
    "day", [date(1, 1, 1), date(1899, 12, 31), date(9999, 12, 31), date.today() + timedelta(3)]
)
def test_a_valid_date_outside_1900_to_today_is_refused(day: date) -> None:
    with pytest.raises(DateOutOfRange) as refused:
        Meta(actor=ACTOR, valid_on=day)

    assert (refused.value.field, refused.value.kind) == ("valid_on", "fact")
    assert refused.value.code == "date-out-of-range"


def test_a_valid_date_from_1900_to_today_is_accepted() -> None:
    assert Meta(actor=ACTOR, valid_on=EARLIEST).valid_on == EARLIEST
    assert Meta(actor=ACTOR).valid_on == dates.today()  # today in Denmark
    assert latest_fact() >= date.today()


def test_a_plan_may_lie_ahead_up_to_the_horizon() -> None:
    horizon = latest_plan()
    lead = uuid4()

    def register(end: date) -> Partnership:
        registry = Registry(title="T", municipality="M", period_start=EARLIEST, period_end=end)
        return Partnership.register(registry=registry, lead_organisation_id=lead, meta=meta())

    assert register(horizon).registry.period_end == horizon
    with pytest.raises(DateOutOfRange) as refused:
        register(horizon + timedelta(days=1))
    assert (refused.value.field, refused.value.kind) == ("period_end", "plan")
    assert horizon.year - date.today().year in (plan_horizon_years(), plan_horizon_years() + 1)


def test_the_horizon_is_configurable() -> None:
    before = plan_horizon_years()
    try:
        set_plan_horizon(2)
        assert latest_plan() <= date.today() + timedelta(days=3 * 366)
    finally:
        set_plan_horizon(before)
    with pytest.raises(ValueError, match="1-1000"):
        set_plan_horizon(0)


@pytest.mark.parametrize("cvr", ["12345678\n", "١٢٣٤٥٦٧٨", "1234567", "12345678 "])
def test_a_cvr_number_is_eight_ascii_digits_and_nothing_else(cvr: str) -> None:
    with pytest.raises(InvalidValue):
        Organisation.register(name="Klub", sector=Sector.SPORTS_CLUB, cvr=cvr, meta=meta())
