"""Forms of the web UI: declared fields, parsing with Danish messages next to each field,
and one way to run a command from a form.

A form page declares its `Field`s; `submit()` parses the posted values, and only when
every field is valid turns them into the command (services/commands.py: the same struct,
with the same constraints, that the API decodes its request body into) and runs it with
metadata from the form (valid date, reason, version) and the request (actor, correlation
id). A value the command's constraints refuse is shown next to its field, in Danish. A
broken domain rule or a conflict re-renders the form with the message and the user's
input; nothing is saved. On success the browser is sent on (303) once the views include
the change, so the next page shows it.
"""

from __future__ import annotations

import re
import typing
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any, Literal
from uuid import UUID

import msgspec
import structlog
from litestar import Request, Response
from litestar.concurrency import sync_to_thread

from aggregates import Meta
from aggregates.dates import (
    EARLIEST,
    FACT_FIELDS,
    danish_date,
    latest_fact,
    latest_plan,
    plan_horizon_years,
)
from aggregates.dates import today as today_in_denmark
from aggregates.errors import DomainError, TextRefused
from aggregates.organisation import CVR_PATTERN
from aggregates.text import (
    EMAIL_PATTERN,
    EXPLANATIONS_DA,
    LINK_FIELDS,
    LINK_PATTERN,
    MULTI_LINE_PATTERN,
    Refusal,
    clean,
    clean_link,
)
from api.readside import ReadSide
from api.ui import conflicts, refusals
from api.ui.conflicts import ConflictView
from api.ui.core import locale_of, redirect_after_post, render, user_of
from api.ui.drafts import remember_saved
from api.ui.free_text import warn_names
from api.ui.i18n import english, translator
from api.ui.refusals import RULES_DA as RULES_DA  # noqa: PLC0414 - re-exported
from projections import saved
from projections.runner import StillCatchingUp
from services.application import CommandResult, Tvaers
from services.commands import Command, Envelope
from services.errors import ConcurrencyConflict, EditConflict

log = structlog.get_logger("tvaers.ui.forms")

Kind = Literal[
    "text", "textarea", "date", "int", "decimal", "choice", "multichoice", "checkbox",
    "email", "hidden", "password",
]  # fmt: skip

MAX_TEXT = 2000


@dataclass(frozen=True)
class Field:
    """One input of a form. `label` and `help` are Danish (translated when shown)."""

    name: str
    label: str
    kind: Kind = "text"
    required: bool = False
    choices: Sequence[tuple[str, str]] = ()  # (value, Danish label)
    help: str = ""
    max_length: int = MAX_TEXT
    minimum: int | None = None
    maximum: int | None = None
    default: Any = None
    verbatim: bool = False  # choice labels are names from the data: shown as they are


VALID_ON = Field(
    "valid_on",
    "Gælder fra",
    "date",
    required=True,
    help="Den dag, det skete eller gælder fra. Skete det før i dag, så skriv den dag: "
    "historikken viser det på den dato.",
)
REASON = Field(
    "reason",
    "Begrundelse (valgfri)",
    "textarea",
    help=warn_names(
        "Valgfri. Vises i historikken, så andre kan se hvorfor.",
        "Optional. Shown in the history, so others can see why.",
    ),
)
VERSION = Field("version", "", "hidden")


@dataclass
class Form:
    """A form as shown: its fields, the user's raw input, and what is wrong with it."""

    fields: Sequence[Field]
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    message: str | None = None  # about the whole form (a broken rule, a conflict)
    detail: str | None = None  # the rule's own words, for the curious
    notice: str | None = None  # not an error: what was typed before is back (a draft)
    conflict: ConflictView | None = None  # someone else's change to the same thing

    def value(self, name: str) -> Any:
        if name in self.values:
            return self.values[name]
        for f in self.fields:
            if f.name == name:
                return f.default
        return None

    def restore(
        self, values: Mapping[str, str | list[str]], *, keep_prefilled: bool, notice: str
    ) -> None:
        """Put a kept draft's values back, as they were posted (an unticked box or an
        empty choice list was not posted: it comes back empty). `keep_prefilled`: a value
        the page filled in from its address (the organisation just registered on a
        detour) stays. Passwords never come back."""
        defaults = blank(self.fields).values
        for f in self.fields:
            if f.kind == "password":
                continue
            posted = values.get(f.name)
            value: Any
            if f.kind in ("multichoice",):
                value = posted if isinstance(posted, list) else [posted] if posted else []
            elif f.kind == "checkbox":
                value = "on" if posted else None
            elif posted is None:
                continue
            else:
                value = posted[0] if isinstance(posted, list) else posted
            current = self.value(f.name)
            default = defaults.get(f.name, f.default)
            prefilled = current not in (None, "", []) and current != default
            if keep_prefilled and prefilled:
                continue
            self.values[f.name] = value
        self.notice = notice


def with_meta(
    fields: Sequence[Field], *, version: int | None = None, valid_on: bool = True
) -> list[Field]:
    """The fields plus the valid date, the reason and (for an existing record) its version.

    `valid_on=False` where a back-dated fact makes no sense (registering an organisation or
    a person: they are in the directory from now on); the change then gets today. A form
    whose own fields say from when it applies (an agreement's `valid_from`) gets no second
    "Gælder fra" either: two such dates on one form read as the same thing."""
    own_validity = any(f.name == "valid_from" for f in fields)
    out = [*fields, *([VALID_ON] if valid_on and not own_validity else []), REASON]
    if version is not None:
        out.append(Field("version", "", "hidden", default=str(version)))
    return out


def blank(fields: Sequence[Field], **values: Any) -> Form:
    defaults = {"valid_on": today_in_denmark().isoformat()}
    return Form(fields=fields, values={**defaults, **values})


def _raw(data: Mapping[str, Any], f: Field) -> Any:
    getter = getattr(data, "getall", None)
    if f.kind == "multichoice":
        values = getter(f.name, []) if getter else data.get(f.name, [])
        return [v for v in (values if isinstance(values, list) else [values]) if v]
    value = data.get(f.name)
    if f.kind == "password":  # as typed: spaces may be part of it
        return value
    return value.strip() if isinstance(value, str) else value


def parse(
    fields: Sequence[Field], data: Mapping[str, Any], locale: str
) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    """(clean values, raw values, errors by field), the messages in the user's language."""
    _ = translator(locale)
    clean: dict[str, Any] = {}
    raw: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for f in fields:
        value = _raw(data, f)
        raw[f.name] = value
        if f.kind == "checkbox":
            clean[f.name] = value in ("on", "true", "1")
            continue
        if value in (None, "", []):
            if f.required:
                errors[f.name] = _("Feltet skal udfyldes.")
            clean[f.name] = [] if f.kind == "multichoice" else None
            continue
        try:
            clean[f.name] = _convert(f, value, _)
        except ValueError as error:
            errors[f.name] = str(error)
            # What did not parse is None (a list: empty) for the checks across fields,
            # which run on whatever did (all errors of a submit at once).
            clean[f.name] = [] if f.kind == "multichoice" else None
    return clean, raw, errors


# Why a text is refused, in Danish, next to the field: the text gate's own words.
TEXT_REFUSALS_DA: Mapping[Refusal, str] = EXPLANATIONS_DA
FACT_DATE_DA = "Datoen skal ligge mellem 1. januar 1900 og i dag."
PLAN_DATE_DA = "Datoen skal ligge mellem 1. januar 1900 og {latest} ({years} år frem)."


def text_refusal_da(error: TextRefused) -> str:
    try:
        return TEXT_REFUSALS_DA[Refusal(error.reason)]
    except ValueError:  # not a reason the gate gives
        return RULES_DA["invalid-text"]


def is_fact_date(name: str) -> bool:
    """Whether a date field holds a fact (up to today) rather than a plan."""
    return name == "valid_on" or name in FACT_FIELDS


def _date_error(fact: bool, _: Callable[..., str]) -> str:
    if fact:
        return _(FACT_DATE_DA)
    return _(PLAN_DATE_DA, latest=danish_date(latest_plan()), years=plan_horizon_years())


def _convert(f: Field, value: Any, _: Callable[..., str]) -> Any:
    if f.kind == "password":  # checked against its hash only: no text rule to leak it into
        if len(value) > f.max_length:
            raise ValueError(_("Teksten er for lang (højst {n} tegn).", n=f.max_length))
        return value
    if f.kind in ("text", "textarea", "email", "hidden"):
        if len(value) > f.max_length:
            raise ValueError(_("Teksten er for lang (højst {n} tegn).", n=f.max_length))
        try:  # the one definition of acceptable text (aggregates/text.py)
            if f.name in LINK_FIELDS or f.name.endswith("_link"):
                value = clean_link(value, field=f.name)
            else:
                value = clean(value, multi_line=f.kind == "textarea", field=f.name)
        except TextRefused as error:
            raise ValueError(_(text_refusal_da(error))) from None
        if f.kind == "email" and ("@" not in value or " " in value):
            raise ValueError(_("Skriv en gyldig e-mailadresse."))
        return value
    if f.kind == "date":
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise ValueError(_("Skriv en dato som åååå-mm-dd.")) from None
        fact = is_fact_date(f.name)
        if not EARLIEST <= day <= (latest_fact() if fact else latest_plan()):
            raise ValueError(_date_error(fact, _))
        return day
    if f.kind == "int":
        if not (value.lstrip("-").isdigit() and len(value) <= 12):
            raise ValueError(_("Skriv et helt tal."))
        number = int(value)
        if (f.minimum is not None and number < f.minimum) or (
            f.maximum is not None and number > f.maximum
        ):
            raise ValueError(_("Skriv et tal fra {lo} til {hi}.", lo=f.minimum, hi=f.maximum))
        return number
    if f.kind == "decimal":
        amount = danish_number(value, _)
        if amount < 0 or amount > Decimal("1e12"):
            raise ValueError(_("Skriv et tal.")) from None
        return amount
    allowed = {choice for choice, _label in f.choices}
    if f.kind == "choice":
        if value not in allowed:
            raise ValueError(_("Vælg en af mulighederne."))
        return value
    if f.kind == "multichoice":
        if any(v not in allowed for v in value):
            raise ValueError(_("Vælg en af mulighederne."))
        return list(value)
    raise AssertionError(f"unknown field kind {f.kind}")


NUMBER_DA = "Skriv et tal, fx 30.000 eller 1.234,5 (punktum mellem tusinder, komma før decimaler)."
AMBIGUOUS_NUMBER_DA = (
    "Mener du {whole} eller {thousands}? Skriv tusinder med punktum ({thousands}) og "
    "decimaler med komma ({decimal})."
)
_GROUPED = re.compile(r"\d{1,3}(?:[. ]\d{3})+")  # 1.234.567 or 1 234 567
_DECIMALS = re.compile(r"\d+")


def danish_number(value: str, _: Callable[..., str]) -> Decimal:
    """A number written the Danish way: "30.000" is thirty thousand, "1.234,5" is 1234.5,
    "30,5" is 30.5 (a space or a dot between thousands, a comma before decimals). What
    could be read two ways is refused rather than guessed: "30,000" (30 with three
    decimals, or 30 thousand written the English way?) and "30.5" (a dot is not a Danish
    decimal mark)."""
    text = value.replace("\u00a0", " ").strip()
    whole, comma, decimals = text.partition(",")
    if comma and (not _DECIMALS.fullmatch(decimals) or "," in decimals):
        raise ValueError(_(NUMBER_DA))
    if not (whole.isdigit() or _GROUPED.fullmatch(whole)):
        raise ValueError(_(NUMBER_DA))
    if comma and len(decimals) == 3 and whole.isdigit() and len(whole) <= 3:
        small = format(Decimal(f"{whole}.{decimals}").normalize(), "f").replace(".", ",")
        raise ValueError(
            _(
                AMBIGUOUS_NUMBER_DA,
                whole=small,
                thousands=f"{whole}.{decimals}",
                decimal=f"{whole},5",
            )
        )
    digits = whole.replace(".", "").replace(" ", "")
    try:
        amount = Decimal(digits + ("." + decimals if comma else ""))
    except InvalidOperation:
        raise ValueError(_(NUMBER_DA)) from None
    if not amount.is_finite():
        raise ValueError(_(NUMBER_DA))
    return amount


def _form_field(fields: Sequence[Field], named: object) -> str | None:
    """The form's field for a field a domain rule names (`evidence.link` is the form's
    `evidence_link`, `obligations[0].text` its `obligations`, ...), if the form has it."""
    if not isinstance(named, str) or not named:
        return None
    shown = {f.name for f in fields if f.kind != "hidden"}
    plain = named.split("[", 1)[0]
    for candidate in (named, named.replace(".", "_"), plain, plain.rsplit(".", 1)[-1]):
        if candidate in shown:
            return candidate
    return None


def as_uuid(value: str | None) -> UUID | None:
    return UUID(value) if value else None


# Danish explanations of the domain's rules, by error code: api/ui/refusals.py (a
# refusal's own Danish sentence is shown; these are the fallback and field messages).

english(
    {
        TEXT_REFUSALS_DA[Refusal.NUL]: "The text contains the character U+0000, which "
        "cannot be stored. Remove it.",
        TEXT_REFUSALS_DA[Refusal.CONTROL]: "The text contains an invisible control "
        "character. Remove it, or type the text instead of pasting it.",
        TEXT_REFUSALS_DA[Refusal.BIDI]: "The text contains an invisible character that "
        "reverses the writing direction. Remove it.",
        TEXT_REFUSALS_DA[Refusal.SEPARATOR]: "The text contains an invisible line or "
        "paragraph separator. Remove it.",
        TEXT_REFUSALS_DA[Refusal.BYTE_ORDER_MARK]: "The text contains an invisible "
        "character (U+FEFF). Remove it.",
        TEXT_REFUSALS_DA[Refusal.NONCHARACTER]: "The text contains an invalid character. "
        "Remove it.",
        TEXT_REFUSALS_DA[Refusal.LINE_BREAK]: "The field is one line: write it without "
        "line breaks and tabs.",
        TEXT_REFUSALS_DA[Refusal.INVISIBLE]: "The text must contain at least one visible "
        "character.",
        TEXT_REFUSALS_DA[Refusal.LINK_SCHEME]: "Enter a link starting with http://, "
        "https:// or mailto:.",
        FACT_DATE_DA: "The date must lie between 1 January 1900 and today.",
        PLAN_DATE_DA: "The date must lie between 1 January 1900 and {latest} "
        "({years} years ahead).",
        RULES_DA["invalid-text"]: "A text contains characters that cannot be stored "
        "(control characters, invisible characters, or line breaks in a one-line field), "
        "or a link that does not start with http://, https:// or mailto:.",
        RULES_DA["date-out-of-range"]: "A date lies outside what is possible: what "
        "happened lies between 1900 and today; what is planned at most {years} years "
        "ahead.",
    }
)

CONFLICT_DA = (
    "Nogen har ændret partnerskabet, mens du arbejdede. Genindlæs siden for at se "
    "ændringen, og prøv igen."
)
AGREEMENT_CONFLICT_DA = (
    "Nogen har ændret aftalen, mens du arbejdede. Genindlæs siden for at se "
    "ændringen, og prøv igen."
)


def correlation_id(request: Request[Any, Any, Any]) -> UUID:
    """The request's correlation id (X-Correlation-ID, else a new one) as a UUID."""
    raw = request.scope.get("state", {}).get("correlation_id") or str(uuid.uuid4())
    try:
        return uuid.UUID(raw)
    except ValueError:
        return uuid.uuid5(uuid.NAMESPACE_URL, raw)


def meta_of(request: Request[Any, Any, Any], clean: Mapping[str, Any]) -> Meta:
    reason = clean.get("reason")
    return Meta(
        actor=user_of(request).username,
        valid_on=clean.get("valid_on") or today_in_denmark(),
        reason=reason.strip() if isinstance(reason, str) and reason.strip() else None,
        correlation_id=correlation_id(request),
    )


def form_version(clean: Mapping[str, Any]) -> int | None:
    """The version the form was loaded from (its hidden `version`): the command's base
    version. A change saved since conflicts only if it touched the same thing (ADR 0016)."""
    raw = clean.get("version")
    return int(raw) if isinstance(raw, str) and raw.isdigit() and len(raw) <= 12 else None


# Why a command's constraint refuses a value (services/fields.py), in Danish.
CVR_DA = "Et CVR-nummer er 8 cifre."
_VALIDATION = re.compile(r"^(?P<what>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)
_MISSING = re.compile(r"^Object missing required field `(?P<name>[^`]+)`$")
_BOUND = re.compile(r"^Expected `(?:int|float|decimal)` (?P<op>[<>]=?) (?P<n>-?\d+)$")
_LENGTH = re.compile(r"^Expected `(?:str|array)` of length <= (?P<n>\d+)$")


def _value_at(values: Mapping[str, Any], path: str) -> Any:
    """The value a ValidationError's path (`target_groups[1]`, `evidence.link`) names."""
    value: Any = values
    for name, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", path):
        try:
            value = value[int(index)] if index else value[name]
        except (KeyError, IndexError, TypeError):
            return None
    return value


def _names(what: str, pattern: str) -> bool:
    """Whether msgspec's message names `pattern` (it quotes the pattern's repr)."""
    return pattern in what or repr(pattern)[1:-1] in what


def _text_reason(what: str, value: Any, _: Callable[..., str]) -> str | None:
    """The text gate's own words for a value a text pattern refused (aggregates/text.py)."""
    if not isinstance(value, str):
        return None
    try:
        if _names(what, LINK_PATTERN):
            clean_link(value)
        else:
            clean(value, multi_line=_names(what, MULTI_LINE_PATTERN))
    except TextRefused as refusal:
        return _(text_refusal_da(refusal))
    return None


def command_errors(
    fields: Sequence[Field],
    error: msgspec.ValidationError,
    _: Callable[..., str],
    values: Mapping[str, Any] | None = None,
) -> dict[str, str]:
    """A command's refusal of a value, as a Danish message next to the form's field
    (`values`: what was converted, to say why a text was refused in the gate's words)."""
    match = _VALIDATION.match(str(error))
    what = match.group("what") if match else str(error)
    path = (match.group("path") or "").lstrip(".") if match else ""
    message = _("En af værdierne er ikke gyldig.")
    if missing := _MISSING.match(what):
        path = f"{path}.{missing.group('name')}".lstrip(".")
        message = _("Feltet skal udfyldes.")
    elif length := _LENGTH.match(what):
        message = _("Teksten er for lang (højst {n} tegn).", n=length.group("n"))
    elif "of length >=" in what:
        message = _("Feltet skal udfyldes.")
    elif _names(what, CVR_PATTERN):
        message = _(CVR_DA)
    elif _names(what, EMAIL_PATTERN):
        message = _("Skriv en gyldig e-mailadresse.")
    elif "matching regex" in what:
        reason = _text_reason(what, _value_at(values or {}, path), _)
        message = reason or _(RULES_DA["invalid-text"])
    elif what.startswith("Invalid enum value"):
        message = _("Vælg en af mulighederne.")
    elif _BOUND.match(what):
        message = _("Skriv et tal inden for det tilladte.")
    target = _form_field(fields, path) or next(
        (f.name for f in fields if f.kind != "hidden"), "valid_on"
    )
    return {target: message}


PERIOD_DA = (
    "Perioden slutter {end}, før den begynder {start}: slutdatoen skal ligge efter startdatoen."
)


def period_errors(clean: Mapping[str, Any], _: Callable[..., str]) -> dict[str, str]:
    """A period that ends before it starts, next to its end (the domain's rule, said with
    a form's other errors: the command cannot run to say it until they are put right)."""
    start, end = clean.get("period_start"), clean.get("period_end")
    if isinstance(start, date) and isinstance(end, date) and end < start:
        return {
            "period_end": _(
                PERIOD_DA, end=end.strftime("%d.%m.%Y"), start=start.strftime("%d.%m.%Y")
            )
        }
    return {}


def _checked(
    check: Callable[[dict[str, Any]], dict[str, str]],
    clean: dict[str, Any],
    errors: Mapping[str, str],
    template: str,
) -> dict[str, str]:
    """The checks across fields. They run on partial values too (what did not parse is
    None) and should be None-safe; one that is not is skipped while other errors are
    shown (its own errors then come on the next submit), never on a complete form."""
    try:
        return check(clean)
    except (TypeError, KeyError, AttributeError):
        if not errors:
            raise
        log.warning("cross-field check not None-safe", template=template)
        return {}


@cache
def _field_types(command: type[Command]) -> dict[str, Any]:
    """The command's fields' types, with their constraints (Annotated[..., Meta])."""
    return typing.get_type_hints(command, include_extras=True)


def constraint_errors(
    command: type[Command],
    fields: Sequence[Field],
    clean: dict[str, Any],
    shape: Callable[[dict[str, Any]], dict[str, Any]] | None,
    address: Mapping[str, Any],
    _: Callable[..., str],
) -> dict[str, str]:
    """The command's constraints on each value that parsed, one field at a time (for a
    form with other errors, where the command as a whole cannot be built yet)."""
    try:
        shaped = shape(clean) if shape else clean
    except (TypeError, AttributeError, KeyError, ValueError):
        return {}  # the shaping needs a value that did not parse: checked on the next try
    types = _field_types(command)
    found: dict[str, str] = {}
    for name, value in _command_values(command, shaped, address).items():
        if name not in types or name in address:
            continue
        try:
            msgspec.convert(value, types[name], strict=False)
        except msgspec.ValidationError as error:
            text = str(error)
            at = f"`$.{name}" if "`$" in text else None
            located = text.replace("`$", at, 1) if at else f"{text} - at `$.{name}`"
            for target, message in command_errors(
                fields, msgspec.ValidationError(located), _, {name: value}
            ).items():
                found.setdefault(target, message)
    return found


def command_of(
    command: type[Command],
    values: Mapping[str, Any],
    address: Mapping[str, Any],
) -> Command:
    """The command from the form's clean values (empty ones left out: the command's
    defaults apply) and the ids the page addresses. msgspec converts "3" to 3 and
    strings to UUIDs and enums; ValidationError if a constraint refuses a value."""
    return msgspec.convert(_command_values(command, values, address), command, strict=False)


def _command_values(
    command: type[Command], values: Mapping[str, Any], address: Mapping[str, Any]
) -> dict[str, Any]:
    own = {
        name: value
        for name, value in values.items()
        if name in command.__struct_fields__ and value is not None
    }
    return {**own, **address}


def _executing(tvaers: Tvaers, command: Command) -> Callable[[dict[str, Any], Meta], CommandResult]:
    def run(values: dict[str, Any], meta: Meta) -> CommandResult:
        return tvaers.execute(command, Envelope(meta, base_version=form_version(values)))

    return run


async def submit(
    request: Request[Any, Any, Any],
    *,
    fields: Sequence[Field],
    template: str,
    context: dict[str, Any],
    success: Callable[[CommandResult], str],
    read_side: ReadSide,
    action: Callable[[dict[str, Any], Meta], CommandResult] | None = None,
    command: type[Command] | None = None,
    address: Mapping[str, Any] | None = None,
    shape: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    tvaers: Tvaers | None = None,
    error_fields: Mapping[str, str] | None = None,
    check: Callable[[dict[str, Any]], dict[str, str]] | None = None,
    conflict: str = CONFLICT_DA,
    on_conflict: Callable[[Form, EditConflict, dict[str, Any]], Awaitable[None]] | None = None,
) -> Response[Any]:
    """Parse the posted form, run the command, and answer with the next page or the form.

    `on_conflict`: fills in a form's own view of a conflict (the registry form puts the
    other person's value next to each field both changed).

    `command`: the command the form's fields become (`address`: the ids the page names,
    `shape`: maps the clean values to the command's fields where the form names them
    otherwise), run by `tvaers.execute`. (`action`: a callable of the clean values and
    the metadata, for the forms not yet converted; ADR 0014.)
    `error_fields` puts a broken rule's message next to a field (by error code);
    `check` adds checks across fields (returns errors by field, in the user's language).
    """
    locale = locale_of(request)
    _ = translator(locale)
    data = await request.form()
    # Every error of the submit at once: the values that do not parse, the checks across
    # fields (on whatever parsed: a value that did not is None), and the command's own
    # constraints on each value that parsed.
    clean, raw, errors = parse(fields, data, locale)
    if check is not None:
        for name, message in _checked(check, clean, errors, template).items():
            errors.setdefault(name, message)
    if errors:  # the rules between dates the domain would check on a complete form
        for name, message in period_errors(clean, _).items():
            errors.setdefault(name, message)
    form = Form(fields=fields, values=raw, errors=errors)
    run: Callable[[dict[str, Any], Meta], CommandResult] | None = action
    if command is not None:
        assert tvaers is not None, "submit(command=...) needs tvaers"
        if errors:
            for name, message in constraint_errors(
                command, fields, clean, shape, address or {}, _
            ).items():
                errors.setdefault(name, message)
        else:
            shaped = shape(clean) if shape else clean
            try:
                built = command_of(command, shaped, address or {})
            except msgspec.ValidationError as error:
                form.errors = errors = command_errors(fields, error, _, shaped)
            else:
                run = _executing(tvaers, built)

    if errors:
        form.message = _("Rettelserne er ikke gemt. Ret fejlene herunder.")
        return render(request, template, status=422, form=form, **context)
    if run is None:
        raise TypeError("submit() needs a command or an action")
    meta = meta_of(request, clean)
    try:
        result = await sync_to_thread(run, clean, meta)
    except EditConflict as clash:
        # The same thing changed since the form was loaded: the input stays, their change
        # is shown beside it, and the form now carries the current version, so posting it
        # again keeps mine (api/ui/conflicts.py).
        form.message = conflicts.message(locale)
        form.conflict = await conflicts.describe(read_side.store, clash, locale)
        form.values["version"] = str(clash.current_version)
        if on_conflict is not None:
            await on_conflict(form, clash, clean)
        log.info("form conflict", template=template, subjects=len(clash.subjects))
        return render(request, template, status=409, form=form, **context)
    except ConcurrencyConflict:
        form.message = _(conflict)
        return render(request, template, status=409, form=form, **context)
    except DomainError as error:
        refused = await refusals.place(
            error,
            locale=locale,
            store=read_side.store,
            rules=refusals.directory_rules(request),
            field_of=lambda named: _form_field(fields, named),
            error_fields=error_fields,
        )
        if refused.field is not None:  # the rule names its field: the message goes there
            form.errors[refused.field] = refused.text
        form.message = (
            _("Rettelserne er ikke gemt. Ret fejlene herunder.")
            if refused.field is not None
            else refused.text
        )
        form.detail = None  # the API's English words are not shown in the UI
        log.info("form refused", code=error.code, template=template)
        return render(request, template, status=422, form=form, **context)
    written: list[str] = []
    try:
        await read_side.wait_until(result.notification_id)
        written = await saved.sentences(
            read_side.store, (result.aggregate_id, result.created_id), meta.correlation_id, locale
        )
    except StillCatchingUp:
        log.warning("views behind after a form", notification_id=result.notification_id)
    confirm(request, written, _)
    return redirect_after_post(request, success(result))


def confirm(request: Request[Any, Any, Any], written: Sequence[str], _: Callable[..., str]) -> None:
    """Say on the next page, once, what was saved: the history's sentences of the events
    just written, or (the views not there yet) that the change was saved."""
    remember_saved(request, list(written) or [_("Ændringen er gemt.")])
