"""What an acceptable text value is: the one definition every write is held to.

A text value may hold any character a person can type or paste except those that break
a store, a log line or a reader's screen:

- U+0000 (PostgreSQL cannot store it: one such character once stopped every view);
- the other C0 controls (U+0001-U+001F) and DEL with the C1 controls (U+007F-U+009F,
  among them U+0085 NEXT LINE), except tab and line feed in multi-line text; a carriage
  return is accepted in multi-line text and becomes a line feed;
- the bidirectional overrides and isolates (U+202A-U+202E, U+2066-U+2069), which can make
  a text read differently from what it holds;
- the line and paragraph separators U+2028 and U+2029;
- the byte order mark U+FEFF;
- unpaired surrogates (U+D800-U+DFFF) and the noncharacters U+FFFE and U+FFFF.

A one-line value (a name, a title, a short text, an item of a list) additionally holds no
tab or line break. A non-empty value must contain a visible character: spaces, zero-width
characters, fillers and other format characters alone do not make a value. An accepted
value is normalised to Unicode NFC, so equal-looking texts are equal.

`clean()` checks and normalises one value; `ONE_LINE_PATTERN` and `MULTI_LINE_PATTERN`
say the same as regular expressions (for the API's schema, matched Unicode-aware as
JSON Schema asks: Python's `re`, ECMA-262 with the `u` flag) for every string JSON can
carry (no lone surrogates). Both are built from the tables below, and a property test
holds them to each other.

Which fields are multi-line is decided by their name (`MULTI_LINE_FIELDS`), so the gate in
`aggregates/base.py` can hold every string of every event to the rule.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum

from aggregates.errors import TextRefused


class Refusal(StrEnum):
    """Why a text value is refused: a stable code for a message next to the field."""

    NUL = "nul"
    CONTROL = "control-character"
    BIDI = "bidi-control"
    SEPARATOR = "line-separator"
    BYTE_ORDER_MARK = "byte-order-mark"
    NONCHARACTER = "noncharacter"
    LINE_BREAK = "line-break"  # a tab or line break in a one-line field
    INVISIBLE = "invisible"  # not empty, but nothing visible
    LINK_SCHEME = "link-scheme"  # a link that is not http, https or mailto


EXPLANATIONS: dict[Refusal, str] = {
    Refusal.NUL: "contains the character U+0000, which cannot be stored",
    Refusal.CONTROL: "contains a control character",
    Refusal.BIDI: "contains a bidirectional override or isolate (U+202A-U+202E, U+2066-U+2069)",
    Refusal.SEPARATOR: "contains a line or paragraph separator (U+2028, U+2029)",
    Refusal.BYTE_ORDER_MARK: "contains a byte order mark (U+FEFF)",
    Refusal.NONCHARACTER: "contains an unpaired surrogate or a noncharacter",
    Refusal.LINE_BREAK: "is one line: it may not contain a line break or a tab",
    Refusal.INVISIBLE: "has no visible character",
    Refusal.LINK_SCHEME: "is not a link starting with http://, https:// or mailto:",
}

# The same, in Danish: said next to the field, so without naming it.
EXPLANATIONS_DA: dict[Refusal, str] = {
    Refusal.NUL: "Teksten indeholder tegnet U+0000, som ikke kan gemmes. Fjern det.",
    Refusal.CONTROL: "Teksten indeholder et usynligt styretegn. Fjern det, eller skriv "
    "teksten igen i stedet for at kopiere den.",
    Refusal.BIDI: "Teksten indeholder et usynligt tegn, der vender skriveretningen. Fjern det.",
    Refusal.SEPARATOR: "Teksten indeholder et usynligt linje- eller afsnitsskilletegn. Fjern det.",
    Refusal.BYTE_ORDER_MARK: "Teksten indeholder et usynligt tegn (U+FEFF). Fjern det.",
    Refusal.NONCHARACTER: "Teksten indeholder et ugyldigt tegn. Fjern det.",
    Refusal.LINE_BREAK: "Feltet er én linje: skriv det uden linjeskift og tabulatorer.",
    Refusal.INVISIBLE: "Teksten skal indeholde mindst ét synligt tegn.",
    Refusal.LINK_SCHEME: "Skriv et link, der begynder med http://, https:// eller mailto:.",
}

# Refused everywhere: (first, last, why), code points inclusive.
_REFUSED: tuple[tuple[int, int, Refusal], ...] = (
    (0x0000, 0x0000, Refusal.NUL),
    (0x0001, 0x0008, Refusal.CONTROL),
    (0x000B, 0x000C, Refusal.CONTROL),
    (0x000E, 0x001F, Refusal.CONTROL),
    (0x007F, 0x009F, Refusal.CONTROL),
    (0x2028, 0x2029, Refusal.SEPARATOR),
    (0x202A, 0x202E, Refusal.BIDI),
    (0x2066, 0x2069, Refusal.BIDI),
    (0xD800, 0xDFFF, Refusal.NONCHARACTER),
    (0xFEFF, 0xFEFF, Refusal.BYTE_ORDER_MARK),
    (0xFFFE, 0xFFFF, Refusal.NONCHARACTER),
)
# Refused in one-line text only: tab, line feed, carriage return.
_LINE_BREAKS: tuple[tuple[int, int, Refusal], ...] = (
    (0x0009, 0x000A, Refusal.LINE_BREAK),
    (0x000D, 0x000D, Refusal.LINE_BREAK),
)
# Accepted, but not visible: a value of only these (and refused ones) is refused.
_INVISIBLE: tuple[tuple[int, int], ...] = (
    (0x0000, 0x0020),  # controls, tab, line breaks, space
    (0x007F, 0x00A0),  # DEL, C1 controls, no-break space
    (0x00AD, 0x00AD),  # soft hyphen
    (0x034F, 0x034F),  # combining grapheme joiner
    (0x061C, 0x061C),  # Arabic letter mark
    (0x115F, 0x1160),  # Hangul fillers
    (0x1680, 0x1680),  # Ogham space mark
    (0x17B4, 0x17B5),  # Khmer inherent vowels
    (0x180B, 0x180F),  # Mongolian variation selectors and vowel separator
    (0x2000, 0x200F),  # spaces, zero-width space/joiners, directional marks
    (0x2028, 0x202F),  # separators, bidi embeddings and overrides, narrow no-break space
    (0x205F, 0x206F),  # math space, word joiner, invisible operators, isolates
    (0x2800, 0x2800),  # Braille pattern blank
    (0x3000, 0x3000),  # ideographic space
    (0x3164, 0x3164),  # Hangul filler
    (0xD800, 0xDFFF),  # surrogates
    (0xFE00, 0xFE0F),  # variation selectors
    (0xFEFF, 0xFEFF),  # byte order mark
    (0xFFA0, 0xFFA0),  # halfwidth Hangul filler
    (0xFFF0, 0xFFFB),  # interlinear annotation controls
    (0xFFFE, 0xFFFF),  # noncharacters
    (0x1BCA0, 0x1BCA3),  # shorthand format controls
    (0x1D173, 0x1D17A),  # musical symbol format controls
    (0xE0000, 0xE0FFF),  # tags, variation selectors supplement
)

# Fields (by name, wherever they occur in an event) that may span several lines.
MULTI_LINE_FIELDS: frozenset[str] = frozenset(
    {
        "attention_points",
        "barriers",
        "comment",
        "composition",
        "description",
        "evidence",
        "findings",
        "note",
        "promoting_factors",
        "purpose",
        "reason",
        "task",
        "text",
        "time_plan",
    }
)
# Fields that hold a link a browser may follow.
LINK_FIELDS: frozenset[str] = frozenset({"link"})
LINK_SCHEMES = ("http://", "https://", "mailto:")


def _char(code: int) -> str:
    """One code point as a character class member, in syntax Python's `re` and
    ECMA-262 (with the `u` flag) read alike: `\\uXXXX`, or the character itself beyond
    the Basic Multilingual Plane."""
    return f"\\u{code:04x}" if code <= 0xFFFF else chr(code)


def _members(ranges: tuple[tuple[int, int], ...]) -> str:
    return "".join(
        _char(first) if first == last else f"{_char(first)}-{_char(last)}" for first, last in ranges
    )


def _spans(table: tuple[tuple[int, int, Refusal], ...]) -> tuple[tuple[int, int], ...]:
    return tuple((first, last) for first, last, _why in table)


_SURROGATES = (0xD800, 0xDFFF)


def _published(ranges: tuple[tuple[int, int], ...]) -> str:
    """Members for the patterns the OpenAPI document publishes. Its readers (schemathesis,
    client generators) use ECMA-262 regexes, which cannot name lone surrogates and reject
    the whole pattern; JSON cannot carry a lone surrogate anyway (msgspec refuses it), so
    only the gate's own checks (`_FIND_*`) name them."""
    return _members(tuple(r for r in ranges if r != _SURROGATES))


_REFUSED_MULTI = _published(_spans(_REFUSED))
_REFUSED_ONE = _published(_spans(_REFUSED + _LINE_BREAKS))
_INVISIBLE_CLASS = _published(_INVISIBLE)

# `$` alone would let Python accept a trailing line break, hence the look-aheads.
ONE_LINE_PATTERN = rf"^(?![^\n]*\n)(?:[^{_REFUSED_ONE}]*[^{_INVISIBLE_CLASS}][^{_REFUSED_ONE}]*)?$"
"""An acceptable one-line text (empty, or with a visible character)."""
MULTI_LINE_PATTERN = rf"^(?!\n$)(?:[^{_REFUSED_MULTI}]*[^{_INVISIBLE_CLASS}][^{_REFUSED_MULTI}]*)?$"
"""An acceptable multi-line text (empty, or with a visible character)."""
_SCHEME = "(?:[hH][tT][tT][pP][sS]?://|[mM][aA][iI][lL][tT][oO]:)"
LINK_PATTERN = rf"^(?![^\n]*\n)(?:{_SCHEME}[^{_INVISIBLE_CLASS}][^{_REFUSED_ONE}]*)?$"
"""An acceptable link: empty, or http(s):// or mailto: and something visible after it."""
EMAIL_PATTERN = (
    rf"^(?![^\n]*\n)(?: *[^@{_INVISIBLE_CLASS}][^{_INVISIBLE_CLASS}]*@"
    rf"[^{_INVISIBLE_CLASS}]*[^@{_INVISIBLE_CLASS}] *)?$"
)
"""An e-mail address as the API accepts it: a name, @ and a domain, nothing invisible
inside (spaces around it are trimmed); stricter than the domain's own check."""

_FIND_REFUSED_MULTI = re.compile(f"[{_members(_spans(_REFUSED))}]")
_FIND_REFUSED_ONE = re.compile(f"[{_members(_spans(_REFUSED + _LINE_BREAKS))}]")
_FIND_VISIBLE = re.compile(f"[^{_members(_INVISIBLE)}]")
_LINK = re.compile(_SCHEME + f"[^{_members(_INVISIBLE)}]")


def _why(code: int) -> Refusal:
    for first, last, why in _REFUSED + _LINE_BREAKS:
        if first <= code <= last:
            return why
    raise AssertionError(f"U+{code:04X} is not refused")  # pragma: no cover


def refusal(value: str, *, multi_line: bool) -> tuple[Refusal, int] | None:
    """Why `value` is not acceptable text, and at which position; None if it is."""
    found = (_FIND_REFUSED_MULTI if multi_line else _FIND_REFUSED_ONE).search(value)
    if found is not None:
        return _why(ord(found.group())), found.start()
    if value and _FIND_VISIBLE.search(value) is None:
        return Refusal.INVISIBLE, 0
    return None


def is_acceptable(value: str, *, multi_line: bool) -> bool:
    return refusal(value, multi_line=multi_line) is None


def _refused(field: str, why: Refusal, position: int, value: str) -> TextRefused:
    # Only the code point and its position: the value may be personal data (no logs).
    where = (
        f" (U+{ord(value[position]):04X} at position {position + 1})"
        if why not in (Refusal.INVISIBLE, Refusal.LINK_SCHEME)
        else ""
    )
    return TextRefused(
        f"{field or 'The text'} {EXPLANATIONS[why]}{where}.",
        da=EXPLANATIONS_DA[why],
        field=field,
        reason=why.value,
    )


def clean(value: str, *, multi_line: bool, field: str = "") -> str:
    """The value checked and normalised (NFC; CR LF and CR become LF in multi-line text).

    Raises `TextRefused` (naming `field` and the reason code) for an unacceptable value.
    The same value is returned when nothing changes, so an enum member stays one.
    """
    found = refusal(value, multi_line=multi_line)
    if found is not None:
        raise _refused(field, found[0], found[1], value)
    cleaned = value
    if multi_line and "\r" in cleaned:
        cleaned = cleaned.replace("\r\n", "\n").replace("\r", "\n")
    if not cleaned.isascii() and not unicodedata.is_normalized("NFC", cleaned):
        cleaned = unicodedata.normalize("NFC", cleaned)
    return value if cleaned == value else cleaned


def clean_link(value: str, *, field: str = "link") -> str:
    """A link checked as one-line text that starts with http://, https:// or mailto:."""
    cleaned = clean(value, multi_line=False, field=field)
    if cleaned and _LINK.match(cleaned) is None:
        raise _refused(field, Refusal.LINK_SCHEME, 0, cleaned)
    return cleaned


def clean_field(name: str, value: str, *, path: str | None = None) -> str:
    """A value checked by the rule its field's name calls for (link, multi- or one-line)."""
    where = name if path is None else path
    if name in LINK_FIELDS:
        return clean_link(value, field=where)
    return clean(value, multi_line=name in MULTI_LINE_FIELDS, field=where)
