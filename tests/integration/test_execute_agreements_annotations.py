"""Agreements and evaluators' notes as commands (ADR 0014): the API body, the web form and
code build the same command; the command table runs it (housekeeping's expiry too); an
agreement or note named under another partnership is not found, and nothing is written."""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

import msgspec
import pytest

from aggregates import EventRef
from aggregates.errors import NotFound
from aggregates.taxonomy import AgreementKind, AnnotationKind, Dimension
from api.schemas import AgreementAmend, AgreementDraft, AgreementTerminate, AnnotationRecord
from api.ui.actions_agreements import obligation_field, terms_of
from api.ui.evaluation import event_value, note_fields
from api.ui.forms import command_of
from services.application import Tvaers
from services.commands import (
    AmendAgreement,
    DraftAgreement,
    ExpireAgreement,
    PublishAnnotation,
    RecordAnnotation,
    SignAgreement,
    TerminateAgreement,
    event_links,
)
from tests.commands import execute
from tests.integration.conftest import World, build_world, meta, refused, signatory, terms


def _form_values(world: World) -> dict[str, object]:
    """The draft form's clean values, as api/ui/forms.py parses them."""
    parties = [world.lead_id, world.a]
    return {
        "kind": AgreementKind.COOPERATION.value,
        "title": "Samarbejdsaftale om rygestop",
        "purpose": "Flere borgere gennemfører rygestop",
        "party_ids": [str(p) for p in parties],
        **{obligation_field(p): f"Opgaver for {p}" for p in parties},
        "valid_from": date(2024, 3, 1),
        "valid_to": date(2025, 3, 1),
        "valid_on": None,
        "reason": None,
    }


def test_the_draft_form_the_api_body_and_code_build_one_command(world: World) -> None:
    pid = world.partnership_id
    built = DraftAgreement.of(
        terms(world.lead_id, [world.a]), partnership_id=pid, kind=AgreementKind.COOPERATION
    )
    clean = _form_values(world)
    from_form = command_of(
        DraftAgreement, {**terms_of(clean), "kind": clean["kind"]}, {"partnership_id": pid}
    )
    body = msgspec.json.encode(
        {
            "kind": "cooperation",
            "title": built.title,
            "purpose": built.purpose,
            "party_ids": built.party_ids,
            "obligations": built.obligations,
            "valid_from": built.valid_from,
            "valid_to": built.valid_to,
        }
    )
    from_api = msgspec.json.decode(body, type=AgreementDraft).to_command(partnership_id=pid)
    assert from_form == from_api == built
    assert built.terms() == terms(world.lead_id, [world.a])

    agreement_id = uuid4()
    amended = AmendAgreement.of(
        terms(world.lead_id, [world.a]), agreement_id=agreement_id, partnership_id=pid
    )
    amend_body = msgspec.json.decode(
        body.replace(b'"kind":"cooperation",', b""), type=AgreementAmend
    )
    assert amend_body.to_command(partnership_id=pid, agreement_id=agreement_id) == amended


def test_an_obligation_the_command_refuses_is_refused_by_the_form_and_the_api(
    world: World,
) -> None:
    clean = _form_values(world)
    clean[obligation_field(world.a)] = "a\u202eb"  # a bidi override: the text rule refuses it
    with pytest.raises(msgspec.ValidationError, match=r"obligations\[1\]\.text"):
        command_of(DraftAgreement, {**terms_of(clean), "kind": clean["kind"]}, {})
    with pytest.raises(msgspec.ValidationError, match="reason"):
        msgspec.json.decode(b'{"valid_on": "2024-09-01"}', type=AgreementTerminate)


def test_the_note_form_and_the_api_body_build_one_command(world: World) -> None:
    pid = world.partnership_id
    clean = {
        "kind": AnnotationKind.FACTOR.value,
        "text": "Ledelsen bar indsatsen",
        "dimension": "",  # left out: the note is about the partnership as a whole
        "links": [event_value(pid, 1)],
        "valid_on": date(2024, 3, 1),
    }
    from_form = command_of(RecordAnnotation, note_fields(clean), {"partnership_id": pid})
    body = msgspec.json.encode(
        {"kind": "factor", "text": clean["text"], "links": [{"aggregate_id": pid, "version": 1}]}
    )
    from_api = msgspec.json.decode(body, type=AnnotationRecord).to_command(partnership_id=pid)
    built = RecordAnnotation(
        partnership_id=pid,
        kind=AnnotationKind.FACTOR,
        text="Ledelsen bar indsatsen",
        links=event_links([EventRef(aggregate_id=pid, version=1)]),
    )
    assert from_form == from_api == built
    assert built.dimension is None
    assert built.refs() == [EventRef(aggregate_id=pid, version=1)]
    about = command_of(
        RecordAnnotation, note_fields({**clean, "dimension": "management"}), {"partnership_id": pid}
    )
    assert isinstance(about, RecordAnnotation)
    assert about.dimension is Dimension.MANAGEMENT


def _signed(world: World, valid_to: date) -> UUID:
    app = world.app
    parties = [world.lead_id, world.a]
    drafted = execute(
        app,
        DraftAgreement.of(
            terms(world.lead_id, [world.a], valid_to=valid_to),
            partnership_id=world.partnership_id,
            kind=AgreementKind.COOPERATION,
        ),
        meta(date(2024, 2, 1)),
    )
    assert drafted.created_id is not None
    signers = {p: signatory(app, p) for p in parties}
    for party in parties:
        execute(
            app,
            SignAgreement(
                agreement_id=drafted.created_id,
                partnership_id=world.partnership_id,
                party_id=party,
                signatory_id=signers[party],
            ),
            meta(date(2024, 2, 20)),
        )
    return drafted.created_id


def test_an_agreement_or_note_is_not_found_under_another_partnership(
    app: Tvaers, world: World
) -> None:
    other = build_world(app, partners=1, title="Et andet partnerskab")
    agreement_id = _signed(world, date(2025, 3, 1))
    note = execute(
        app,
        RecordAnnotation(
            partnership_id=world.partnership_id, kind=AnnotationKind.BARRIER, text="x"
        ),
        meta(),
    ).created_id
    assert note is not None
    for command in (
        TerminateAgreement(agreement_id=agreement_id, partnership_id=other.partnership_id),
        ExpireAgreement(agreement_id=agreement_id, partnership_id=other.partnership_id),
        PublishAnnotation(annotation_id=note, partnership_id=other.partnership_id),
    ):
        with refused(app, NotFound):
            execute(app, command, meta(date(2025, 3, 2), reason="Stopper"))


def test_housekeeping_expires_through_the_command_table(
    app: Tvaers, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    agreement_id = _signed(world, date(2025, 3, 1))
    ran: list[object] = []
    original = Tvaers.execute

    def spy(self: Tvaers, command: object, envelope: object) -> object:
        ran.append(command)
        return original(self, command, envelope)  # type: ignore[arg-type]

    monkeypatch.setattr(Tvaers, "execute", spy)
    assert app.expire_due_agreements([agreement_id], date(2025, 3, 10), "system:housekeeping") == 1
    assert ran == [ExpireAgreement(agreement_id=agreement_id, partnership_id=world.partnership_id)]
    agreement = app.get_agreement(agreement_id)
    assert agreement.has_ended
    # Already ended: nothing to do, no command issued.
    assert app.expire_due_agreements([agreement_id], date(2025, 3, 10), "system:housekeeping") == 0
    assert len(ran) == 1
