"""Every refusal of the domain has a Danish sentence (issue 14, finding 7).

A scan of aggregates/ and services/: every construction of a DomainError subclass passes
`da=`, and every Danish template names only facts the same call gives. The helpers that
raise for their callers (`check_after`, `check_not_lead`, `_check_new_id`,
`require_text`) take their Danish words from tables, and every caller's key is in them.
Write conflicts (ConcurrencyConflict and its subclasses that build their own message)
are said by the forms' conflict branch, not here.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from uuid import uuid4

import pytest

from aggregates import dates
from aggregates.base import TEXT_NAMES_DA
from aggregates.errors import DomainError, InvalidValue, RungNotBacked
from aggregates.partnership import AFTER_DA, LEAD_RULES_DA, NEW_ID_DA
from aggregates.taxonomy import AgreementKind, Rung
from aggregates.text import EXPLANATIONS_DA, Refusal
from api.ui.refusals import danish, english, placeholders
from services import errors as service_errors

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted(
    [*ROOT.joinpath("aggregates").rglob("*.py"), *ROOT.joinpath("services").rglob("*.py")]
)


def _subclasses(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _own_message(cls: type) -> bool:
    """A class that builds its own message (its __init__ takes no `da`)."""
    return "da" not in inspect.signature(cls.__init__).parameters


assert service_errors.ConcurrencyConflict  # the service errors are subclasses too
ERRORS = {cls.__name__: cls for cls in [DomainError, *_subclasses(DomainError)]}
CONFLICTS = {
    name
    for name, cls in ERRORS.items()
    if issubclass(cls, service_errors.ConcurrencyConflict) and _own_message(cls)
}


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _templates(value: ast.expr) -> list[str] | None:
    """The literal Danish templates of a `da=` value (both arms of a conditional)."""
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return [value.value]
    if isinstance(value, ast.IfExp):
        body, orelse = _templates(value.body), _templates(value.orelse)
        if body is not None and orelse is not None:
            return body + orelse
    return None


def _calls(name: str | None = None) -> Iterator[tuple[Path, ast.Call]]:
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Call) and (name is None or _name(node.func) == name):
                yield path, node


def test_the_scan_finds_the_raise_sites() -> None:
    errors = [c for _p, c in _calls() if _name(c.func) in ERRORS]
    assert len(errors) > 130


def test_every_domain_error_raised_in_aggregates_and_services_has_a_danish_sentence() -> None:
    missing = [
        f"{path.relative_to(ROOT)}:{call.lineno} {_name(call.func)}"
        for path, call in _calls()
        if _name(call.func) in ERRORS
        and _name(call.func) not in CONFLICTS
        and "da" not in {k.arg for k in call.keywords}
    ]
    assert missing == []


def test_every_danish_template_names_only_facts_its_call_gives() -> None:
    wrong = []
    for path, call in _calls():
        da = next((k.value for k in call.keywords if k.arg == "da"), None)
        if da is None or any(k.arg is None for k in call.keywords):
            continue
        templates = _templates(da)
        if templates is None:
            continue  # from a table: checked below
        given = {k.arg for k in call.keywords if k.arg not in (None, "da")}
        for template in templates:
            if not placeholders(template) <= given:
                wrong.append(f"{path.relative_to(ROOT)}:{call.lineno} {template!r}")
    assert wrong == []


def _literal_args(function: str, position: int) -> set[str]:
    return {
        arg.value
        for _path, call in _calls(function)
        if len(call.args) > position
        and isinstance(arg := call.args[position], ast.Constant)
        and isinstance(arg.value, str)
    }


def test_the_helpers_that_raise_for_their_callers_have_danish_words_for_every_caller() -> None:
    after = _literal_args("check_after", 2)
    assert after
    assert after <= set(AFTER_DA)
    assert _literal_args("check_not_lead", 1) <= set(LEAD_RULES_DA)
    assert _literal_args("_check_new_id", 2) <= set(NEW_ID_DA)
    assert _literal_args("require_text", 1) <= set(TEXT_NAMES_DA)
    for template in AFTER_DA.values():
        assert placeholders(template) == {"earlier", "later"}, template
    assert set(EXPLANATIONS_DA) == set(Refusal)
    assert all(not placeholders(t) for t in EXPLANATIONS_DA.values())


def test_a_refusal_reads_with_names_danish_dates_and_labels() -> None:
    partner, agreement = uuid4(), uuid4()
    error = RungNotBacked(
        f"Organisation {partner} cannot stand on rung 3 (agreement {agreement}).",
        da="{organisation} kan ikke stå på trin {rung} fra {on}: {kind}n «{agreement}» "
        "bærer trin {backed}.",
        organisation=partner,
        rung=Rung.MUTUAL_REFERRAL,
        on=date(2024, 5, 1),
        kind=AgreementKind.COOPERATION,
        agreement=agreement,
        backed=Rung.COOPERATION_AGREEMENT,
    )
    names = {partner: "Sundeborg Idrætsforening", agreement: "Motion på recept"}
    assert danish(error, names) == (
        "Sundeborg Idrætsforening kan ikke stå på trin 3 (gensidig henvisning) fra "
        "01.05.2024: samarbejdsaftalen «Motion på recept» bærer trin 5 (samarbejdsaftale)."
    )
    assert english(error, names) == (
        "Organisation Sundeborg Idrætsforening cannot stand on rung 3 (agreement Motion på recept)."
    )


def test_a_sentence_lacking_a_fact_falls_back_to_the_rules_danish_explanation() -> None:
    error = InvalidValue("Bad.", da="Mangler {what}.")
    assert danish(error, {}) == "En af værdierne er ikke gyldig."
    assert danish(InvalidValue("Bad."), {}) == "En af værdierne er ikke gyldig."


@pytest.mark.parametrize("offset", [1, 30])
def test_a_fact_after_today_in_denmark_is_refused_in_danish(offset: int) -> None:
    from datetime import timedelta

    day = dates.latest_fact() + timedelta(days=offset)
    with pytest.raises(DomainError) as refused:
        dates.check_fact(day, "valid_on")
    assert refused.value.da is not None
    assert "ligger efter i dag" in danish(refused.value, {})
